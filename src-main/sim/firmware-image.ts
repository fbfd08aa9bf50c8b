// The firmware version a virtual module reports lives in its flashed modem image, as on a real
// module: make-package.ts writes a small header at the start of NON-HLOS.ubi (a UBI-looking first
// bytes, then at offset 64 "MRFW", u16 length, the version text), and the module reads it from
// NAND (through the bad-block mapping) when it boots. A blank NAND started in normal mode gets
// the model's factory firmware written first, so "a module as shipped" boots like a flashed one.

import { buildMibib } from './mibib.js';
import type { ModelSpec, PartitionLayout } from './models.js';
import type { Nand } from './nand.js';
import { makeProgrammerElf } from './programmer-image.js';

export const FIRMWARE_HEADER_OFFSET = 64;
const MAGIC = [0x4d, 0x52, 0x46, 0x57]; // "MRFW"
const UBI_MAGIC = [0x55, 0x42, 0x49, 0x23]; // "UBI#"
export const FIRMWARE_VERSION_MAX = 96;

/** Put the version header at the start of an image buffer (at least 256 bytes). */
export function writeFirmwareHeader(into: Uint8Array, version: string): void {
  const text = new TextEncoder().encode(version);
  if (
    text.length === 0 ||
    text.length > FIRMWARE_VERSION_MAX ||
    into.length < FIRMWARE_HEADER_OFFSET + 6 + text.length
  ) {
    throw new RangeError(`firmware version "${version}" does not fit the image header`);
  }
  into.fill(0, 0, FIRMWARE_HEADER_OFFSET + 6 + text.length + 1);
  into.set(UBI_MAGIC, 0);
  into[4] = 1;
  into.set(MAGIC, FIRMWARE_HEADER_OFFSET);
  into[FIRMWARE_HEADER_OFFSET + 4] = text.length & 0xff;
  into[FIRMWARE_HEADER_OFFSET + 5] = text.length >> 8;
  into.set(text, FIRMWARE_HEADER_OFFSET + 6);
}

/** The version in an image's first bytes, or undefined when there is no valid header. */
export function readFirmwareHeader(bytes: Uint8Array): string | undefined {
  const at = FIRMWARE_HEADER_OFFSET;
  if (
    bytes.length < at + 6 ||
    !UBI_MAGIC.every((b, i) => bytes[i] === b) ||
    !MAGIC.every((b, i) => bytes[at + i] === b)
  )
    return undefined;
  const len = bytes[at + 4]! | (bytes[at + 5]! << 8);
  if (len === 0 || len > FIRMWARE_VERSION_MAX || at + 6 + len > bytes.length) return undefined;
  const s = String.fromCharCode(...bytes.subarray(at + 6, at + 6 + len));
  return /^[\x20-\x7e]+$/.test(s) ? s : undefined;
}

/** The partition holding NON-HLOS.ubi. */
export function modemPartition(model: ModelSpec): PartitionLayout | undefined {
  return model.layout.find((p) => p.file === 'NON-HLOS.ubi');
}

/** The version in the flashed modem image, read from NAND; undefined when absent or unreadable. */
export function readFlashedFirmware(nand: Nand, model: ModelSpec): string | undefined {
  const p = modemPartition(model);
  if (!p || p.startPage + 1 > nand.logicalPages) return undefined;
  try {
    return readFirmwareHeader(nand.readLogicalInto(p.startPage, new Uint8Array(nand.pageSize)));
  } catch {
    return undefined;
  }
}

/** Program whole pages (padded with 0xFF) at a logical page through the bad-block mapping. */
function programLogical(nand: Nand, startPage: number, data: Uint8Array): void {
  const pages = Math.ceil(data.length / nand.pageSize);
  const padded = new Uint8Array(pages * nand.pageSize).fill(0xff);
  padded.set(data);
  let off = 0;
  for (const run of nand.mapLogical(startPage, pages)) {
    const bytes = run.pages * nand.pageSize;
    nand.program(run.page, padded.subarray(off, off + bytes), 'factory');
    off += bytes;
  }
}

/**
 * Write the model's factory firmware (signed boot chain, modem image header, the MIBIB as shipped)
 * onto a NAND whose boot chain partitions, modem header page and MIBIB are all erased. Returns false (and writes nothing)
 * when the NAND is not blank there or the layout does not fit it.
 */
export function provisionFactoryFirmware(nand: Nand, model: ModelSpec): boolean {
  const modem = modemPartition(model);
  const targets = model.layout.filter((p) => p.bootChain);
  const mibib = model.layout.find((p) => p.name === 'mibib');
  if (!modem) return false;
  for (const p of [...targets, modem, ...(mibib ? [mibib] : [])]) {
    if (p.startPage + p.pages > nand.logicalPages) return false;
    const first = nand.readLogicalInto(p.startPage, new Uint8Array(nand.pageSize));
    if (!first.every((b) => b === 0xff)) return false;
  }
  for (const [i, p] of targets.entries()) {
    const size = Math.max(16 * 1024 + 5, Math.min(Math.floor(p.pages * model.pageSize * 0.3), 128 * 1024));
    programLogical(nand, p.startPage, makeProgrammerElf({ pkHash: model.pkHash, size, seed: 9000 + i }));
  }
  const header = new Uint8Array(nand.pageSize);
  header.fill(0x5a);
  writeFirmwareHeader(header, model.firmware);
  programLogical(nand, modem.startPage, header);
  if (mibib) programLogical(nand, mibib.startPage, buildMibib(model)); // as shipped, as the factory programs it
  return true;
}
