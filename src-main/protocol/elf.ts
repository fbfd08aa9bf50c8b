// Reading ELF headers of programmer and boot images, bounded and defensive: a host checks that
// the programmer it is about to upload is an ELF at all; the virtual PBL checks what it received.

export interface ElfSegment {
  type: number;
  offset: number;
  vaddr: number;
  fileSize: number;
  memSize: number;
  flags: number;
}

export interface ElfInfo {
  is64: boolean;
  machine: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  segments: ElfSegment[];
  /** Size of the ELF header (52 or 64). */
  headerSize: number;
}

export type ElfProblem = 'header' | 'program-headers' | 'segment-range';

export class ElfError extends Error {
  constructor(
    readonly problem: ElfProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ElfError';
  }
}

export const MAX_PROGRAM_HEADERS = 128;

export function looksLikeElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Parse the ELF header (needs at least the first 64 bytes). */
export function parseElfHeader(bytes: Uint8Array): Omit<ElfInfo, 'segments'> {
  if (!looksLikeElf(bytes)) throw new ElfError('header', 'not an ELF file (no 7F "ELF" magic)');
  const cls = bytes[4];
  if (cls !== 1 && cls !== 2) throw new ElfError('header', `unknown ELF class ${cls}`);
  if (bytes[5] !== 1) throw new ElfError('header', 'ELF is not little-endian');
  const is64 = cls === 2;
  const headerSize = is64 ? 64 : 52;
  if (bytes.length < headerSize) throw new ElfError('header', 'ELF header truncated');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = dv.getUint16(18, true);
  const entry = is64 ? Number(dv.getBigUint64(24, true)) : dv.getUint32(24, true);
  const phoff = is64 ? Number(dv.getBigUint64(32, true)) : dv.getUint32(28, true);
  const phentsize = dv.getUint16(is64 ? 54 : 42, true);
  const phnum = dv.getUint16(is64 ? 56 : 44, true);
  const want = is64 ? 56 : 32;
  if (phentsize !== want)
    throw new ElfError('program-headers', `program header entry size ${phentsize}, expected ${want}`);
  if (phnum === 0 || phnum > MAX_PROGRAM_HEADERS) throw new ElfError('program-headers', `${phnum} program headers`);
  if (!Number.isSafeInteger(phoff) || phoff < headerSize)
    throw new ElfError('program-headers', `program headers at offset ${phoff}`);
  return { is64, machine, entry, phoff, phentsize, phnum, headerSize };
}

/** Parse the program headers; `table` holds the bytes at [phoff, phoff + phnum*phentsize). */
export function parseProgramHeaders(
  header: Omit<ElfInfo, 'segments'>,
  table: Uint8Array,
  fileSize: number,
): ElfSegment[] {
  if (table.length < header.phnum * header.phentsize)
    throw new ElfError('program-headers', 'program header table truncated');
  const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const segs: ElfSegment[] = [];
  for (let i = 0; i < header.phnum; i++) {
    const b = i * header.phentsize;
    const seg: ElfSegment = header.is64
      ? {
          type: dv.getUint32(b, true),
          flags: dv.getUint32(b + 4, true),
          offset: Number(dv.getBigUint64(b + 8, true)),
          vaddr: Number(dv.getBigUint64(b + 16, true)),
          fileSize: Number(dv.getBigUint64(b + 32, true)),
          memSize: Number(dv.getBigUint64(b + 40, true)),
        }
      : {
          type: dv.getUint32(b, true),
          offset: dv.getUint32(b + 4, true),
          vaddr: dv.getUint32(b + 8, true),
          fileSize: dv.getUint32(b + 16, true),
          memSize: dv.getUint32(b + 20, true),
          flags: dv.getUint32(b + 24, true),
        };
    if (
      seg.fileSize > 0 &&
      (!Number.isSafeInteger(seg.offset + seg.fileSize) || seg.offset + seg.fileSize > fileSize)
    ) {
      throw new ElfError(
        'segment-range',
        `segment ${i} (${seg.fileSize} bytes at ${seg.offset}) lies outside the ${fileSize}-byte file`,
      );
    }
    segs.push(seg);
  }
  return segs;
}

/** Parse a whole in-memory ELF. */
export function parseElf(bytes: Uint8Array): ElfInfo {
  const h = parseElfHeader(bytes);
  const end = h.phoff + h.phnum * h.phentsize;
  if (end > bytes.length) throw new ElfError('program-headers', 'program header table lies outside the file');
  return { ...h, segments: parseProgramHeaders(h, bytes.subarray(h.phoff, end), bytes.length) };
}
