// The built `modem-rescue` command against inputs that are not regular files or are far too big,
// a reader that goes away (| head), and Ctrl-C / SIGTERM in the middle of a long read. Each ends
// fast with a clear error (or quietly), in bounded memory, and leaves no temporary folder. Waits
// are on conditions (a folder appearing, a file being open), each with a generous bound.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeQcn } from '../../src-main/qcn/layout.js';
import { STALE_MS } from '../../src-main/util/temp-dir.js';
import { realPackage, writeZip } from '../package/helpers.js';
import { assertBuilt, BIN, ROOT } from './helpers.js';

const linux = process.platform === 'linux';
const TIME = '/usr/bin/time';
const MiB = 1024 * 1024;
const work = mkdtempSync(path.join(tmpdir(), 'mr-hostile-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => assertBuilt());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident memory of the command (KiB), where /usr/bin/time can tell. */
  peakKiB?: number;
}

/** Run the CLI to its end (bounded), in its own TMPDIR, measuring time and, where possible, peak memory. */
function run(args: string[], tmp: string, timeoutMs = 30_000): Promise<Run> {
  const timed = existsSync(TIME);
  const cmd = timed ? TIME : process.execPath;
  const argv = timed ? ['-f', 'peak-kib=%M', process.execPath, BIN, ...args] : [BIN, ...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`modem-rescue ${args.join(' ')} did not end within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const peak = /peak-kib=(\d+)/.exec(stderr);
      resolve({
        code,
        stdout,
        stderr: stderr.replace(/.*peak-kib=\d+\n?/, ''),
        ms: performance.now() - t0,
        ...(peak ? { peakKiB: Number(peak[1]) } : {}),
      });
    });
  });
}

function freshTmp(): string {
  return mkdtempSync(path.join(work, 'tmp-'));
}

let n = 0;
function fifo(name: string): string {
  const f = path.join(work, `${n++}-${name}`);
  spawnSync('mkfifo', [f]);
  return f;
}
function sparse(name: string, size: number): string {
  const f = path.join(work, `${n++}-${name}`);
  writeFileSync(f, '');
  truncateSync(f, size);
  return f;
}

/** Ends fast (well inside the bound, startup included), with `code` and `error CODE:` on stderr, no stack, bounded memory, no temp folder. */
async function refused(args: string[], exit: number, code: string, message: RegExp): Promise<Run> {
  const tmp = freshTmp();
  const r = await run(args, tmp);
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr).toMatch(new RegExp(`^error ${code}: `));
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/what to do: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.ms).toBeLessThan(10_000);
  if (r.peakKiB !== undefined) expect(r.peakKiB).toBeLessThan(256 * 1024);
  expect(readdirSync(tmp)).toEqual([]);
  return r;
}

describe.runIf(linux)('not a regular file, or far too big: each command ends at once', () => {
  it('qcn dump: /dev/zero, a FIFO, a 64 MiB + 1 QCN', async () => {
    await refused(
      ['qcn', 'dump', '/dev/zero'],
      2,
      'NOT_A_FILE',
      /\/dev\/zero is a character device, not a regular file/,
    );
    await refused(['qcn', 'dump', fifo('backup.qcn')], 2, 'NOT_A_FILE', /is a pipe \(FIFO\), not a regular file/);
    await refused(
      ['qcn', 'dump', sparse('big.qcn', 64 * MiB + 1)],
      3,
      'QCN_CORRUPT',
      /67108865 bytes, more than the 67108864 bytes a QCN backup may have/,
    );
  });

  it('restore --dry-run: /dev/zero and a FIFO, before any port is looked for or opened', async () => {
    await refused(['restore', '/dev/zero', '--dry-run'], 2, 'NOT_A_FILE', /\/dev\/zero is a character device/);
    const port = path.join(work, 'no-such-port');
    await refused(
      ['restore', '/dev/zero', '--dry-run', '--port', port],
      2,
      'NOT_A_FILE',
      /\/dev\/zero is a character device/,
    );
    await refused(['restore', fifo('r.qcn'), '--dry-run', '--port', port], 2, 'NOT_A_FILE', /pipe \(FIFO\)/);
  });

  it('package inspect: a FIFO named .zip, /dev/zero, an archive larger than any package', async () => {
    await refused(
      ['package', 'inspect', fifo('package.zip')],
      3,
      'PACKAGE_NOT_FOUND',
      /package\.zip is a pipe \(FIFO\), not a package folder or a \.zip file/,
    );
    await refused(['package', 'inspect', '/dev/zero'], 3, 'PACKAGE_NOT_FOUND', /\/dev\/zero is a character device/);
    await refused(
      ['package', 'inspect', sparse('huge.zip', 8 * 1024 * MiB + 64 * MiB + 1)],
      3,
      'PACKAGE_BAD_ZIP',
      /bytes a package archive may have/,
    );
  });
});

describe.runIf(linux)('a reader that goes away', () => {
  let qcn: string;
  beforeAll(() => {
    qcn = path.join(work, 'good.qcn');
    const nvItemFiles = Array.from({ length: 3000 }, (_, i) => ({
      path: `/nv/item_files/rfnv/${String(i).padStart(8, '0')}`,
      data: new Uint8Array(8).fill(i & 0xff),
    }));
    writeFileSync(
      qcn,
      writeQcn({
        model: 24655,
        nvItems: [],
        efsBackup: [],
        provisioning: [],
        nvItemFiles,
        property: { esn: 1, model: 24655, nvMajor: 1, nvMinor: 0, swVersion: 'EC25EFAR06A11M4G', tool: 'test' },
        featureMask: new Uint8Array(16),
      }),
    );
  });

  it('`qcn dump good.qcn | head -5` prints 5 lines and the command ends quietly with 0', () => {
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${BIN}" qcn dump "${qcn}" | head -5; echo "status=\${PIPESTATUS[0]}" >&2`],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(5);
    expect(r.stderr.trim()).toBe('status=0');
  });

  it('stdout closed mid-output: exit 0, nothing on stderr', async () => {
    const child = spawn(process.execPath, [BIN, 'qcn', 'dump', qcn], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait for the first output, then go away.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await exited(child, 20_000);
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});

/** The exit code, or a failure if the child has not exited within `ms`. */
function exited(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running ${ms} ms later`));
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Poll `check` every 20 ms until it holds; fail after `ms`. */
async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A zip holding one stored (uncompressed) entry of `size` zero bytes, written sparse. */
function storedZip(file: string, size: number): void {
  const name = Buffer.from('EC25EFAR06A11M4G/update/system.ubi');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(size, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const c = Buffer.alloc(46);
  c.writeUInt32LE(0x02014b50, 0);
  c.writeUInt16LE((3 << 8) | 10, 4);
  c.writeUInt16LE(10, 6);
  c.writeUInt32LE(size, 20);
  c.writeUInt32LE(size, 24);
  c.writeUInt16LE(name.length, 28);
  c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const cd = Buffer.concat([c, name]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cd.length, 12);
  const cdAt = local.length + name.length + size;
  end.writeUInt32LE(cdAt, 16);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, Buffer.concat([local, name]), 0, local.length + name.length, 0);
    writeSync(fd, Buffer.concat([cd, end]), 0, cd.length + end.length, cdAt);
  } finally {
    closeSync(fd);
  }
}

const ZIP_BYTES = 2 * 1024 * MiB;
const roomForZip = linux && statfsSync(tmpdir()).bavail * statfsSync(tmpdir()).bsize > 3 * ZIP_BYTES;

describe.runIf(linux)('Ctrl-C and SIGTERM in the middle of a long read', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it.runIf(roomForZip)(
      `${signal} while a 2 GiB zip unpacks: exit 130 within a second or so, temp folder removed`,
      async () => {
        const zip = path.join(work, `${signal}.zip`);
        storedZip(zip, ZIP_BYTES);
        const tmp = freshTmp();
        const child = spawn(process.execPath, [BIN, 'package', 'inspect', zip], {
          cwd: ROOT,
          env: { ...process.env, TMPDIR: tmp },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const unpacking = (): boolean =>
          readdirSync(tmp).some((d) => existsSync(path.join(tmp, d, 'EC25EFAR06A11M4G', 'update', 'system.ubi')));
        await until('the unpacking to start', () => unpacking() || child.exitCode !== null);
        expect(child.exitCode, stderr).toBeNull();
        const t0 = performance.now();
        child.kill(signal);
        const code = await exited(child, 10_000);
        const took = performance.now() - t0;
        expect(code, stderr).toBe(130);
        expect(stderr).toMatch(/error CANCELLED: .*Stopped by the user/);
        expect(took).toBeLessThan(2000);
        expect(readdirSync(tmp), 'the unpacked copy is gone').toEqual([]);
      },
    );
  }

  it.runIf(roomForZip)('kill -9 mid-unpack leaves its folder; a later run removes it once it is stale', async () => {
    const zip = path.join(work, 'killed.zip');
    storedZip(zip, ZIP_BYTES);
    const tmp = freshTmp();
    const child = spawn(process.execPath, [BIN, 'package', 'inspect', zip], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp },
      stdio: 'ignore',
    });
    await until(
      'the unpacking to start',
      () =>
        readdirSync(tmp).some((d) => existsSync(path.join(tmp, d, 'EC25EFAR06A11M4G', 'update', 'system.ubi'))) ||
        child.exitCode !== null,
    );
    child.kill('SIGKILL');
    await exited(child, 10_000);
    const left = readdirSync(tmp);
    expect(left, 'kill -9 cannot clean up').toHaveLength(1);
    const old = (Date.now() - STALE_MS - 60_000) / 1000;
    utimesSync(path.join(tmp, left[0]!), old, old);
    // A later run that unpacks a (good, small) package sweeps it.
    const pkg = realPackage();
    const small = path.join(work, 'small.zip');
    const files = readdirSync(pkg.root, { recursive: true, encoding: 'utf8' }).filter((f) =>
      statSync(path.join(pkg.root, f)).isFile(),
    );
    writeZip(
      small,
      files.map((f) => ({
        name: `${path.basename(pkg.root)}/${f}`,
        data: readFileSync(path.join(pkg.root, f)),
        deflate: true,
      })),
    );
    const r = await run(['package', 'inspect', small], tmp);
    expect(r.stdout).toContain('Rawprogram:');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('Ctrl-C while md5.txt is checked against a 6 GiB file: exit 130 within a second or so', async () => {
    const pkg = realPackage();
    const big = path.join(pkg.update, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 6 * 1024 * MiB);
    writeFileSync(path.join(pkg.root, 'md5.txt'), `FILE:\\update\\big.bin:${'0'.repeat(32)}\r\n`);
    const child = spawn(process.execPath, [BIN, 'package', 'inspect', pkg.root], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const reading = (): boolean => {
      try {
        return readdirSync(`/proc/${child.pid}/fd`).some((fd) => readlinkSync(`/proc/${child.pid}/fd/${fd}`) === big);
      } catch {
        return false;
      }
    };
    await until('the CLI to open big.bin', () => reading() || child.exitCode !== null);
    expect(child.exitCode, stderr).toBeNull();
    const t0 = performance.now();
    child.kill('SIGINT');
    const code = await exited(child, 10_000);
    expect(code, stderr).toBe(130);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(stderr).toMatch(/error CANCELLED/);
  });
});
