// The ELF reading the virtual MDM9607 PBL does on a programmer it receives: its own, not the
// host's (src-main/protocol/elf.ts). A 32-bit little-endian ELF ("sahara - 32-Bit mode detected"
// is what bkerler/edl prints for the 9x07 loader, issue 714); the header, then the program header
// table, each fault named by the END_OF_IMAGE_TX status a PBL sends for it.

import { PblStatus } from './device-sahara.js';

export const ELF32_HEADER_BYTES = 52;
const ELF32_PHDR_BYTES = 32;
/** Program headers this PBL takes at most. */
export const PBL_MAX_PHDRS = 128;

export interface Elf32Header {
  phoff: number;
  phnum: number;
}

export interface Elf32Segment {
  type: number;
  offset: number;
  fileSize: number;
  flags: number;
}

export type ElfRead<T> = { ok: true; value: T } | { ok: false; status: number; reason: string };

const fail = (status: number, reason: string): { ok: false; status: number; reason: string } => ({
  ok: false,
  status,
  reason,
});

/** The ELF header from the first 52 bytes, checked as the PBL checks it. */
export function readElf32Header(b: Uint8Array): ElfRead<Elf32Header> {
  if (b.length < ELF32_HEADER_BYTES) return fail(PblStatus.INVALID_ELF_HDR, `only ${b.length} header bytes`);
  if (b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46)
    return fail(PblStatus.INVALID_ELF_HDR, 'no ELF magic');
  if (b[4] !== 1) return fail(PblStatus.INVALID_ELF_HDR, `ELF class ${b[4]}: this PBL loads 32-bit images`);
  if (b[5] !== 1) return fail(PblStatus.INVALID_ELF_HDR, 'not little-endian');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phentsize !== ELF32_PHDR_BYTES)
    return fail(PblStatus.INVALID_PHDR_SIZE, `program header entries of ${phentsize} bytes`);
  if (phnum === 0 || phnum > PBL_MAX_PHDRS) return fail(PblStatus.UNSUPPORTED_NUM_PHDRS, `${phnum} program headers`);
  if (phoff < ELF32_HEADER_BYTES) return fail(PblStatus.UNINIT_PHDR_LOC, `program headers at offset ${phoff}`);
  return { ok: true, value: { phoff, phnum } };
}

export function programHeaderBytes(h: Elf32Header): number {
  return h.phnum * ELF32_PHDR_BYTES;
}

/** The program header table; every segment with file bytes must lie inside `limit` bytes. */
export function readElf32Segments(h: Elf32Header, table: Uint8Array, limit: number): ElfRead<Elf32Segment[]> {
  if (table.length < programHeaderBytes(h)) return fail(PblStatus.UNINIT_PHDR_LOC, 'program header table cut short');
  const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const segments: Elf32Segment[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const at = i * ELF32_PHDR_BYTES;
    const s = {
      type: dv.getUint32(at, true),
      offset: dv.getUint32(at + 4, true),
      fileSize: dv.getUint32(at + 16, true),
      flags: dv.getUint32(at + 24, true),
    };
    if (s.fileSize > 0 && s.offset + s.fileSize > limit)
      return fail(
        PblStatus.INVALID_DATA_SIZE,
        `segment ${i} (${s.fileSize} bytes at ${s.offset}) lies beyond ${limit} bytes`,
      );
    segments.push(s);
  }
  return { ok: true, value: segments };
}

/** Header and segments of a whole image in memory. */
export function readElf32(bytes: Uint8Array): ElfRead<{ header: Elf32Header; segments: Elf32Segment[] }> {
  const h = readElf32Header(bytes);
  if (!h.ok) return h;
  const end = h.value.phoff + programHeaderBytes(h.value);
  if (end > bytes.length) return fail(PblStatus.UNINIT_PHDR_LOC, 'the program header table lies beyond the image');
  const s = readElf32Segments(h.value, bytes.subarray(h.value.phoff, end), bytes.length);
  if (!s.ok) return s;
  return { ok: true, value: { header: h.value, segments: s.value } };
}
