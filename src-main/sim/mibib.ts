// The virtual module's MIBIB (the NAND partition table partition_complete_*.mbn programs), in
// this project's own stand-in layout, and how the module's boot reads it. The layout:
//   page 0: header "MIBB", version 1, page size, pages per block;
//   page 1: table "MRPT", entry count, then {name[16], start block, blocks} per partition, the
//           last partition's size 0xFFFFFFFF ("to the end of the NAND"); at byte 512 the last
//           partition's size limit, 0xFFFFFFFF as shipped (the target of the package's
//           "NUM_DISK_BLOCKS-N." patch);
//   page 3: trailer "MEND", version 1, and at byte 12 a CRC32 of pages 0-1, 0 as shipped (the
//           target of the "CRC32(0,2*page)" patch).
// Real modules boot from the partition_complete MIBIB as shipped: QFirehose and bkerler/edl never
// apply its file patches (firehose_protocol.c drops non-DISK patches; edl's qfil skips them). So
// the module accepts the MIBIB both as shipped and patched, and refuses one that is neither: erased,
// not a table, a table for other partitions, or a size patched without its CRC.

import type { ModelSpec } from './models.js';
import type { Nand } from './nand.js';

const ASCII = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const HEADER = ASCII('MIBB');
const TABLE = ASCII('MRPT');
const TRAILER = ASCII('MEND');
export const MIBIB_AS_SHIPPED = 0xffffffff;
const ENTRY_BYTES = 24;
const LIMIT_OFFSET = 512;
const CRC_OFFSET = 12;

/** The MIBIB image as a package ships it: page-multiple plus 300 bytes, like real ones are not page multiples. */
export function buildMibib(model: ModelSpec): Uint8Array {
  const ss = model.pageSize;
  const out = new Uint8Array(4 * ss + 300).fill(0xff);
  const dv = new DataView(out.buffer);
  const text = (s: string, at: number, max: number): void => {
    for (let i = 0; i < max; i++) out[at + i] = i < s.length ? s.charCodeAt(i) : 0;
  };
  text('MIBB', 0, 4);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, model.pageSize, true);
  dv.setUint32(12, model.pagesPerBlock, true);
  text('MRPT', ss, 4);
  dv.setUint32(ss + 4, model.layout.length, true);
  const entries = Math.min(model.layout.length, Math.floor((LIMIT_OFFSET - 16) / ENTRY_BYTES));
  for (let i = 0; i < entries; i++) {
    const p = model.layout[i]!;
    const e = ss + 16 + i * ENTRY_BYTES;
    text(p.name, e, 16);
    dv.setUint32(e + 16, p.startPage / model.pagesPerBlock, true);
    dv.setUint32(e + 20, i === model.layout.length - 1 ? MIBIB_AS_SHIPPED : p.pages / model.pagesPerBlock, true);
  }
  dv.setUint32(ss + LIMIT_OFFSET, MIBIB_AS_SHIPPED, true);
  text('MEND', 3 * ss, 4);
  dv.setUint32(3 * ss + 4, 1, true);
  dv.setUint32(3 * ss + CRC_OFFSET, 0, true);
  return out;
}

/** CRC-32 (IEEE, reflected 0xEDB88320), bit by bit: the module's own, not the host's. */
function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const startsWith = (b: Uint8Array, at: number, magic: number[]): boolean => magic.every((c, i) => b[at + i] === c);

function tableProblem(b: Uint8Array, dv: DataView, model: ModelSpec): string | undefined {
  const ss = model.pageSize;
  if (!startsWith(b, ss, TABLE)) return 'page 1 holds no partition table';
  if (dv.getUint32(ss + 4, true) !== model.layout.length)
    return `the table lists ${dv.getUint32(ss + 4, true)} partitions, this module has ${model.layout.length}`;
  const entries = Math.min(model.layout.length, Math.floor((LIMIT_OFFSET - 16) / ENTRY_BYTES));
  for (let i = 0; i < entries; i++) {
    const p = model.layout[i]!;
    const e = ss + 16 + i * ENTRY_BYTES;
    const name = String.fromCharCode(...b.subarray(e, e + 16)).replace(/\0+$/, '');
    const blocks = i === model.layout.length - 1 ? MIBIB_AS_SHIPPED : p.pages / model.pagesPerBlock;
    if (
      name !== p.name ||
      dv.getUint32(e + 16, true) !== p.startPage / model.pagesPerBlock ||
      dv.getUint32(e + 20, true) !== blocks
    )
      return `entry ${i} is not partition ${p.name} of this module`;
  }
  return undefined;
}

/** What keeps this MIBIB image from booting the module (undefined: it boots), given the NAND's block count. */
export function mibibImageProblem(b: Uint8Array, model: ModelSpec, totalBlocks: number): string | undefined {
  const ss = model.pageSize;
  if (b.length < 4 * ss) return 'is shorter than its four pages';
  if (b.subarray(0, 4 * ss).every((x) => x === 0xff)) return 'is erased (no partition table)';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (!startsWith(b, 0, HEADER) || dv.getUint32(4, true) !== 1) return 'page 0 is not a MIBIB header';
  if (dv.getUint32(8, true) !== model.pageSize || dv.getUint32(12, true) !== model.pagesPerBlock)
    return 'the header is for another NAND geometry';
  const table = tableProblem(b, dv, model);
  if (table) return table;
  const last = model.layout[model.layout.length - 1]!;
  const limit = dv.getUint32(ss + LIMIT_OFFSET, true);
  const patchedLimit = totalBlocks - last.startPage / model.pagesPerBlock;
  if (limit !== MIBIB_AS_SHIPPED && limit !== patchedLimit)
    return `the last partition's size limit is ${limit} blocks; as shipped it is 0xFFFFFFFF, patched ${patchedLimit}`;
  if (!startsWith(b, 3 * ss, TRAILER)) return 'page 3 holds no trailer';
  const crc = dv.getUint32(3 * ss + CRC_OFFSET, true);
  const want = crc32(b.subarray(0, 2 * ss));
  if (crc === 0 && limit === MIBIB_AS_SHIPPED) return undefined; // as shipped
  if (crc !== want)
    return `its CRC32 field is 0x${crc.toString(16)}, pages 0-1 give 0x${want.toString(16)} (a patch applied without the other?)`;
  return undefined;
}

/** Read the MIBIB partition as the boot does (through the bad-block mapping) and check it. */
export function mibibProblem(nand: Nand, model: ModelSpec): string | undefined {
  const p = model.layout.find((x) => x.name === 'mibib');
  if (!p) return undefined;
  if (p.startPage + 4 > nand.logicalPages) return 'lies beyond the end of the NAND';
  const pages = nand.readLogicalInto(p.startPage, new Uint8Array(4 * nand.pageSize));
  return mibibImageProblem(pages, model, nand.totalBlocks);
}
