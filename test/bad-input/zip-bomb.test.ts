// Zip bombs made of many small entries: each entry is below the per-entry ratio check (1 MiB), so
// only the archive as a whole gives them away. 9000 x 1 MiB of zeros (about 9 MB on disk, 8.8 GiB
// unpacked) must be refused before a single byte is written: no temporary folder appears. So must a
// smaller one (900 x 1 MiB) by its overall ratio, and a package that would not fit in the free
// space of the temporary folder's file system.

import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPackage } from '../../src-main/package/load.js';
import { realPackage, writeZip } from '../package/helpers.js';
import { rejection } from '../helpers/rejection.js';

const MiB = 1024 * 1024;
const work = mkdtempSync(path.join(tmpdir(), 'mr-zip-bomb-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Write a zip of `count` deflated entries of 1 MiB of zeros, streaming (one small write at a time). */
function writeZeroBomb(file: string, count: number): number {
  const zeros = Buffer.alloc(MiB);
  const body = deflateRawSync(zeros, { level: 9 });
  const crc = crc32(zeros) >>> 0;
  const fd = openSync(file, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  try {
    for (let i = 0; i < count; i++) {
      const name = Buffer.from(`EC25EFAR06A11M4G/update/zero${String(i).padStart(5, '0')}.bin`);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(8, 8);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(MiB, 22);
      local.writeUInt16LE(name.length, 26);
      writeSync(fd, local);
      writeSync(fd, name);
      writeSync(fd, body);
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE((3 << 8) | 20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(8, 10);
      c.writeUInt32LE(crc, 16);
      c.writeUInt32LE(body.length, 20);
      c.writeUInt32LE(MiB, 24);
      c.writeUInt16LE(name.length, 28);
      c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
      c.writeUInt32LE(offset, 42);
      central.push(c, name);
      offset += local.length + name.length + body.length;
    }
    const cd = Buffer.concat(central);
    writeSync(fd, cd);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(count, 8);
    end.writeUInt16LE(count, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    writeSync(fd, end);
    return offset + cd.length + end.length;
  } finally {
    closeSync(fd);
  }
}

// os.tmpdir() follows TMPDIR: every unpack folder of this file lands in `temp`, watched empty.
let temp: string;
const savedTmp = process.env.TMPDIR;
beforeEach(() => {
  temp = mkdtempSync(path.join(work, 'tmp-'));
  process.env.TMPDIR = temp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

describe('zip bombs of many small entries', () => {
  it('9000 x 1 MiB of zeros is refused by its total before anything is written', async () => {
    const zip = path.join(work, 'bomb9000.zip');
    const size = writeZeroBomb(zip, 9000);
    expect(size).toBeLessThan(20 * MiB);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    const e = await rejection(loadPackage(zip));
    const took = performance.now() - t0;
    expect(e.code).toBe('PACKAGE_BAD_ZIP');
    expect(e.message).toMatch(/bomb9000\.zip unpacks to more than 8589934592 bytes; no firmware package is that large/);
    expect(readdirSync(temp), 'nothing was written to the temporary folder').toEqual([]);
    expect(took).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * MiB);
  });

  it('900 x 1 MiB of zeros (within the total) is refused by its overall ratio, before anything is written', async () => {
    const zip = path.join(work, 'bomb900.zip');
    writeZeroBomb(zip, 900);
    const e = await rejection(loadPackage(zip));
    expect(e.code).toBe('PACKAGE_BAD_ZIP');
    expect(e.message).toMatch(/would unpack to 900 MiB, \d+ times its size: a compression bomb/);
    expect(readdirSync(temp)).toEqual([]);
  });

  it('a good package that would take more than its share of the free space is refused, naming the folder', async () => {
    const pkg = realPackage();
    const zip = path.join(work, 'good.zip');
    const files = readdirSync(pkg.root, { recursive: true, encoding: 'utf8' }).filter((f) =>
      statSync(path.join(pkg.root, f)).isFile(),
    );
    writeZip(
      zip,
      files.map((f) => ({
        name: `${path.basename(pkg.root)}/${f}`,
        data: readFileSync(path.join(pkg.root, f)),
        deflate: true,
      })),
    );
    const unpacked = (): string[] => readdirSync(temp).filter((n) => n.startsWith('modem-rescue-pkg-'));
    const e = await rejection(loadPackage(zip, { zipLimits: { maxShareOfFreeSpace: 1e-12 } }));
    expect(e.code).toBe('HOST_IO');
    expect(e.message).toContain(`but ${temp} has only`);
    expect(e.nextStep).toMatch(/Free space .*TMPDIR/);
    expect(unpacked()).toEqual([]);
    // The same package with the normal share unpacks, and dispose() removes its folder again.
    const ok = await loadPackage(zip);
    expect(ok.problems).toEqual([]);
    expect(unpacked()).toHaveLength(1);
    await ok.dispose();
    expect(unpacked()).toEqual([]);
  });
});
