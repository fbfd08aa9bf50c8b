// The broken-package corpus, through the door a user takes: flashPackage with a device opener
// that must never be opened. Every broken package is built at test time from a good one, and is
// refused with its specific code and a message naming what is wrong, before any device is
// touched. (test/package/ checks the same refusals at loadPackage level, with the real XML.)

import { execFileSync } from 'node:child_process';
import {
  constants,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  mkdtempSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RescueError, type ErrorCode } from '../../shared/errors.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { writeZip, type ZipEntrySpec } from '../package/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'mr-bad-input-'));
  dirs.push(d);
  return d;
}

/** A PipeOpener that records any attempt to reach a device and refuses it. */
function tripwire(): PipeOpener & { opened: number } {
  return {
    description: 'a device this test must never touch',
    opened: 0,
    open() {
      this.opened++;
      return Promise.reject(new Error('the device was touched'));
    },
  };
}

interface Layout {
  root: string;
  rawprogram: string;
  md5: string;
  programmer: string;
  /** A program step's image, and the bytes its partition holds. */
  image: string;
  partitionBytes: number;
  /** Another image. */
  other: string;
}

let template: { root: string; layout: Omit<Layout, 'root'> };

beforeAll(async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'mr-bad-input-template-'));
  const made = await makePackage({ model: 'ec25', outDir: out, sizeMiB: 1, seed: 11 });
  const pkg = await loadPackage(made.root);
  await pkg.dispose();
  expect(pkg.problems).toEqual([]);
  const programs = pkg.plan.filter((s) => s.operation === 'program' && s.path);
  const image = programs.find((s) => s.label !== 'sbl' && s.bytes > 0)!;
  const other = programs.find((s) => s.path !== image.path && s.bytes > 0)!;
  const rel = (p: string): string => path.relative(made.root, p);
  template = {
    root: made.root,
    layout: {
      rawprogram: rel(pkg.rawprogramPath),
      md5: rel(made.files.find((f) => path.basename(f) === 'md5.txt')!),
      programmer: rel(pkg.programmerPath),
      image: rel(image.path!),
      partitionBytes: image.num_sectors * image.sector_size,
      other: rel(other.path!),
    },
  };
  return () => rmSync(out, { recursive: true, force: true });
});

/** A fresh copy of the good package. */
function copy(): Layout {
  const root = path.join(tempDir(), path.basename(template.root));
  execFileSync('cp', ['-r', template.root, root]);
  const abs = (p: string): string => path.join(root, p);
  const l = template.layout;
  return {
    root,
    rawprogram: abs(l.rawprogram),
    md5: abs(l.md5),
    programmer: abs(l.programmer),
    image: abs(l.image),
    partitionBytes: l.partitionBytes,
    other: abs(l.other),
  };
}

function editXml(file: string, edit: (text: string) => string): void {
  const before = readFileSync(file, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(file, after);
}

/** flashPackage on a package (folder or zip): it must fail with `code`, quickly, before opening a device. */
async function refused(pkg: string, code: ErrorCode, message: RegExp): Promise<RescueError> {
  const opener = tripwire();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const err = await Promise.race([
    flashPackage({ package: pkg, opener, openTimeoutMs: 1000, recovery: { maxAttempts: 0 } }).then(
      () => new Error('the broken package was flashed'),
      (e: unknown) => e,
    ),
    new Promise<Error>((resolve) => {
      timer = setTimeout(() => resolve(new Error('HANG: flashPackage did not refuse the package within 10 s')), 10_000);
    }),
  ]).finally(() => clearTimeout(timer));
  expect(opener.opened).toBe(0);
  expect(err).toBeInstanceOf(RescueError);
  expect(err).toMatchObject({ code, message: expect.stringMatching(message) });
  return err as RescueError;
}

describe('broken packages are refused before any device is touched (flashPackage)', () => {
  it('the untouched copy is accepted up to the device (the corpus starts from a good package)', async () => {
    const p = copy();
    const opener = tripwire();
    await expect(
      flashPackage({ package: p.root, opener, openTimeoutMs: 200, recovery: { maxAttempts: 0 } }),
    ).rejects.toThrow();
    expect(opener.opened).toBeGreaterThan(0);
  });

  it('a missing image', async () => {
    const p = copy();
    rmSync(p.image);
    await refused(
      p.root,
      'PACKAGE_MISSING_FILE',
      new RegExp(`${path.basename(p.image).replace(/\./g, '\\.')}.*not in the package`),
    );
  });

  it('an image one byte larger than its partition', async () => {
    const p = copy();
    truncateSync(p.image, p.partitionBytes + 1);
    await refused(
      p.root,
      'PACKAGE_FILE_TOO_LARGE',
      new RegExp(`${path.basename(p.image).replace(/\./g, '\\.')} is ${p.partitionBytes + 1} bytes`),
    );
  });

  it('a 100 GB (sparse) image is refused by its size, without being read', async () => {
    const p = copy();
    truncateSync(p.image, 100 * 1024 ** 3);
    const before = process.memoryUsage().rss;
    await refused(p.root, 'PACKAGE_FILE_TOO_LARGE', /107374182400 bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('an empty image', async () => {
    const p = copy();
    truncateSync(p.other, 0);
    await refused(
      p.root,
      'PACKAGE_EMPTY_FILE',
      new RegExp(`${path.basename(p.other).replace(/\./g, '\\.')}.*is empty`),
    );
  });

  it('a file name that climbs out of the package', async () => {
    const p = copy();
    const name = path.basename(p.image);
    editXml(p.rawprogram, (t) => t.replace(`filename="${name}"`, 'filename="..\\..\\..\\..\\..\\..\\etc\\passwd"'));
    await refused(p.root, 'PACKAGE_UNSAFE_PATH', /etc\\passwd.*outside the package/);
  });

  it('an absolute file name', async () => {
    const p = copy();
    const name = path.basename(p.image);
    editXml(p.rawprogram, (t) => t.replace(`filename="${name}"`, 'filename="/etc/passwd"'));
    await refused(p.root, 'PACKAGE_UNSAFE_PATH', /absolute path/);
  });

  it('an image that is a symlink out of the package', async () => {
    const p = copy();
    const outside = path.join(tempDir(), 'secret.bin');
    writeFileSync(outside, 'not firmware');
    rmSync(p.image);
    symlinkSync(outside, p.image);
    await refused(p.root, 'PACKAGE_UNSAFE_PATH', /link to a file outside/);
  });

  it('a rawprogram XML that is a symlink out of the package', async () => {
    const p = copy();
    const outside = path.join(tempDir(), 'rawprogram_outside.xml');
    writeFileSync(outside, readFileSync(p.rawprogram));
    rmSync(p.rawprogram);
    symlinkSync(outside, p.rawprogram);
    await refused(p.root, 'PACKAGE_UNSAFE_PATH', /outside/);
  });

  it('billion laughs in the rawprogram XML', async () => {
    const p = copy();
    writeFileSync(
      p.rawprogram,
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n<data>&lol3;</data>',
    );
    await refused(p.root, 'PACKAGE_BAD_XML', /line 2: DOCTYPE/);
  });

  it('an external entity in the rawprogram XML', async () => {
    const p = copy();
    writeFileSync(
      p.rawprogram,
      '<?xml version="1.0"?>\n<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<data><program filename="&xxe;"/></data>',
    );
    await refused(p.root, 'PACKAGE_BAD_XML', /line 2: DOCTYPE/);
  });

  it('100 MB of rawprogram XML is refused by its size, fast and without reading it into memory', async () => {
    const p = copy();
    writeFileSync(p.rawprogram, '<data>' + '<program filename="x" />'.repeat(1000));
    truncateSync(p.rawprogram, 100 * 1024 * 1024);
    const before = process.memoryUsage();
    await refused(p.root, 'PACKAGE_BAD_XML', /104857600 bytes, more than the 4194304/);
    const after = process.memoryUsage();
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
  });

  it('a damaged image is caught by md5.txt', async () => {
    const p = copy();
    const bytes = readFileSync(p.other);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(p.other, bytes);
    await refused(p.root, 'PACKAGE_CHECKSUM_MISMATCH', new RegExp(path.basename(p.other).replace(/\./g, '\\.')));
  });

  it('a huge md5.txt is refused by its size', async () => {
    const p = copy();
    truncateSync(p.md5, 512 * 1024 * 1024);
    await refused(p.root, 'PACKAGE_BAD_XML', /md5\.txt is 536870912 bytes/);
  });

  it('no programmer, and a programmer that is not an ELF', async () => {
    const p = copy();
    rmSync(p.programmer);
    await refused(p.root, 'PACKAGE_NO_PROGRAMMER', /./);
    const q = copy();
    writeFileSync(q.programmer, 'MZ this is not a programmer');
    await refused(q.root, 'PACKAGE_NO_PROGRAMMER', /not a valid programmer/);
  });

  it('a 3 GB (sparse) programmer is refused by its size, not read', async () => {
    const p = copy();
    truncateSync(p.programmer, 3 * 1024 ** 3);
    await refused(p.root, 'PACKAGE_NO_PROGRAMMER', /3221225472 bytes/);
  });

  it('an image that is a directory', async () => {
    const p = copy();
    rmSync(p.image);
    execFileSync('mkdir', [p.image]);
    await refused(p.root, 'PACKAGE_MISSING_FILE', /not in the package/);
  });
});

describe('files that are not regular files never hang the check', () => {
  const fifos: string[] = [];
  afterEach(() => {
    // Release anything still blocked opening a FIFO (a writer that opens and closes at once).
    for (const f of fifos.splice(0)) {
      try {
        closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // no reader was waiting
      }
    }
  });
  function fifoInstead(file: string): void {
    rmSync(file, { force: true });
    execFileSync('mkfifo', [file]);
    fifos.push(file);
  }

  it('a FIFO in place of the rawprogram XML', async () => {
    const p = copy();
    fifoInstead(p.rawprogram);
    await refused(p.root, 'PACKAGE_BAD_XML', /not a regular file/);
  });

  it('a FIFO in place of md5.txt', async () => {
    const p = copy();
    fifoInstead(p.md5);
    await refused(p.root, 'PACKAGE_BAD_XML', /md5\.txt.*not a regular file/);
  });

  it('a FIFO in place of an image', async () => {
    const p = copy();
    fifoInstead(p.image);
    await refused(p.root, 'PACKAGE_MISSING_FILE', /not in the package/);
  });

  it('a FIFO in place of the programmer', async () => {
    const p = copy();
    fifoInstead(p.programmer);
    await refused(p.root, 'PACKAGE_NO_PROGRAMMER', /pipe \(FIFO\), not a regular file/);
  });
});

describe('broken zip packages are refused before any device is touched', () => {
  function zipOf(root: string, extra: ZipEntrySpec[]): string {
    const files = execFileSync('find', [root, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    const top = path.basename(root);
    const entries: ZipEntrySpec[] = files.map((f) => ({
      name: `${top}/${path.relative(root, f)}`,
      data: readFileSync(f),
      deflate: true,
    }));
    const zip = path.join(tempDir(), `${top}.zip`);
    writeZip(zip, [...entries, ...extra]);
    return zip;
  }

  it('zip slip: an entry that climbs out of the folder it is unpacked to', async () => {
    const p = copy();
    await refused(
      zipOf(p.root, [{ name: `${path.basename(p.root)}/../../../../tmp/evil.txt`, data: new Uint8Array([1]) }]),
      'PACKAGE_UNSAFE_PATH',
      /evil\.txt/,
    );
  });

  it('a symlink entry', async () => {
    const p = copy();
    await refused(
      zipOf(p.root, [
        {
          name: `${path.basename(p.root)}/update/evil.link`,
          data: new TextEncoder().encode('/etc/passwd'),
          unixMode: 0o120777,
        },
      ]),
      'PACKAGE_UNSAFE_PATH',
      /evil\.link/,
    );
  });

  it('a file that is not a zip at all', async () => {
    const f = path.join(tempDir(), 'EC25EFAR06A06M4G.zip');
    writeFileSync(f, new Uint8Array(4096).fill(0x41));
    await refused(f, 'PACKAGE_BAD_ZIP', /./);
  });
});
