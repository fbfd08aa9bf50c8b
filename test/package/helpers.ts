// Test helpers: temporary package folders built around the real EG25-G XML, and a tiny zip
// writer (stored or deflated entries, chosen names and attributes) for the archive tests.

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 as zcrc32, deflateRawSync } from 'node:zlib';
import { afterEach } from 'vitest';
import type { CliIo } from '../../src-main/cli/io.js';
import { makeProgrammerElf } from '../../src-main/sim/programmer-image.js';
import { MODELS } from '../../src-main/sim/models.js';
import { REAL_EG25G_DIR } from '../helpers/real-eg25g-package.js';

/** The real EG25-G XML files (test/fixtures/real/eg25g, with their SOURCE.md). */
export const REAL = REAL_EG25G_DIR;
export const REAL_XML = 'rawprogram_nand_p2K_b128K_update.xml';
export const REAL_PATCH = 'patch_p2K_b128K.xml';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'mr-pkg-test-'));
  made.push(d);
  return d;
}

/** Files the real XML names, with the folder they live in (relative to update/). */
export const REAL_FILES = [
  'sbl1.mbn',
  'tz.mbn',
  'rpm.mbn',
  'appsboot.mbn',
  'mdm9607-boot.img',
  'NON-HLOS.ubi',
  'mdm9607-recovery.ubi',
  'usrdata.ubi',
  'data.ubi',
  'mdm9607-sysfs.ubi',
  'firehose/partition_complete_p2K_b128K.mbn',
];

/** Stand-in image bytes: 4 pages and a bit (every partition of the real XML holds >= 576 pages). */
export function standIn(seed: number, size = 4 * 2048 + 123 + seed): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

export interface RealPackage {
  root: string;
  update: string;
  firehose: string;
}

/** A package folder: the real EG25-G XML as is, stand-in images, a signed programmer. */
export function realPackage(opts: { images?: boolean; programmer?: boolean; patch?: boolean } = {}): RealPackage {
  const root = path.join(tempDir(), 'EG25GGBR07A08M2G');
  const update = path.join(root, 'update');
  const firehose = path.join(update, 'firehose');
  mkdirSync(firehose, { recursive: true });
  copyFileSync(path.join(REAL, REAL_XML), path.join(firehose, REAL_XML));
  if (opts.patch !== false) copyFileSync(path.join(REAL, REAL_PATCH), path.join(firehose, REAL_PATCH));
  if (opts.programmer !== false)
    writeFileSync(
      path.join(firehose, 'prog_nand_firehose_9x07.mbn'),
      makeProgrammerElf({ pkHash: MODELS.eg25g.pkHash }),
    );
  if (opts.images !== false) REAL_FILES.forEach((f, i) => writeFileSync(path.join(update, f), standIn(i)));
  return { root, update, firehose };
}

export class FakeIo implements CliIo {
  stdout = '';
  stderr = '';
  isTTY = false;
  columns = 120;
  signal = new AbortController().signal;
  out(t: string): void {
    this.stdout += t;
  }
  err(t: string): void {
    this.stderr += t;
  }
}

export interface ZipEntrySpec {
  name: string;
  data?: Uint8Array;
  /** Unix mode in the upper 16 bits of the external attributes (e.g. 0o120777 for a symlink). */
  unixMode?: number;
  deflate?: boolean;
  /** Lie about the uncompressed size in the headers. */
  declaredSize?: number;
}

/** A minimal zip writer (no zip64), enough to build hostile archives. */
export function writeZip(file: string, entries: ZipEntrySpec[]): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.from(e.data ?? new Uint8Array());
    const body = e.deflate ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const crc = zcrc32(data) >>> 0;
    const size = e.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.unixMode ?? (e.name.endsWith('/') ? 0o40755 : 0o100644)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(file, Buffer.concat([...locals, cd, end]));
}
