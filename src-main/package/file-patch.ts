// Patches that apply to an image file (filename != "DISK") rather than to the device: computed
// once when the image is opened and kept as a small overlay of bytes laid over the file while it
// is streamed, so the image is never loaded whole. Patches apply in XML order; a CRC32 is taken
// over the file as already patched by the patches before it.

import { RescueError } from '../../shared/errors.js';
import { crc32 } from './crc32.js';
import { parsePatchValue, type PatchValue } from './patch.js';

/** A file patch as carried by a plan step (plain data, JSON friendly). */
export interface FilePatch {
  start_sector: number;
  byte_offset: number;
  sector_size: number;
  size_in_bytes: number;
  /** As written in the patch XML, e.g. "NUM_DISK_BLOCKS-1476." or "CRC32(0,4096)". */
  value: string;
  what: string;
  pages_per_block?: number;
  /** Where it came from, for messages ("patch_p2K_b128K.xml line 4"). */
  source: string;
}

export interface PatchContext {
  /** Total NAND blocks of the device (getstorageinfo's total_blocks); needed by NUM_DISK_BLOCKS. */
  numDiskBlocks?: number;
  /** Total sectors (pages); when absent, numDiskBlocks x PAGES_PER_BLOCK. */
  numDiskSectors?: number;
}

export interface OverlayPiece {
  position: number;
  bytes: Uint8Array;
}

export type RawReader = (offset: number, length: number) => Promise<Uint8Array>;

const CRC_CHUNK = 1024 * 1024;

/** Position in the file a patch writes to. */
export function patchPosition(p: FilePatch): number {
  return p.start_sector * p.sector_size + p.byte_offset;
}

/** Check that a patch lies inside a file of `fileSize` bytes (and its CRC range too); returns a problem sentence or undefined. */
export function patchRangeProblem(p: FilePatch, fileSize: number): string | undefined {
  const pos = patchPosition(p);
  if (pos + p.size_in_bytes > fileSize)
    return `${p.source}: the patch writes at byte ${pos}, beyond the end of the ${fileSize}-byte file.`;
  let v: PatchValue;
  try {
    v = parsePatchValue(p.value, { file: p.source, line: 0 });
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (v.kind === 'crc32' && v.sector * p.sector_size + v.length > fileSize)
    return `${p.source}: ${p.value} reaches beyond the end of the ${fileSize}-byte file.`;
  return undefined;
}

/** Compute the overlay for `patches` over a file read through `read`. Throws PACKAGE_BAD_PATCH. */
export async function computeOverlay(
  read: RawReader,
  fileSize: number,
  patches: readonly FilePatch[],
  ctx: PatchContext,
): Promise<OverlayPiece[]> {
  const overlay: OverlayPiece[] = [];
  for (const p of patches) {
    const problem = patchRangeProblem(p, fileSize);
    if (problem) throw new RescueError('PACKAGE_BAD_PATCH', problem);
    const v = parsePatchValue(p.value, { file: p.source, line: 0 });
    let value: bigint;
    if (v.kind === 'int') value = v.value;
    else if (v.kind === 'disk-minus') value = BigInt(diskSize(v.base, p, ctx)) - v.minus;
    else {
      let crc = 0;
      const start = v.sector * p.sector_size;
      for (let off = 0; off < v.length; off += CRC_CHUNK) {
        const n = Math.min(CRC_CHUNK, v.length - off);
        const chunk = await read(start + off, n);
        if (chunk.length !== n)
          throw new RescueError('PACKAGE_BAD_PATCH', `${p.source}: the file ended while computing ${p.value}.`);
        applyOverlay(chunk, start + off, overlay);
        crc = crc32(chunk, crc);
      }
      value = BigInt(crc);
    }
    const bits = BigInt(8 * p.size_in_bytes);
    if (value < 0n || value >= 1n << bits) {
      throw new RescueError(
        'PACKAGE_BAD_PATCH',
        `${p.source}: ${p.value} gives ${value}, which does not fit in ${p.size_in_bytes} bytes.`,
      );
    }
    const bytes = new Uint8Array(p.size_in_bytes);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    overlay.push({ position: patchPosition(p), bytes });
  }
  return overlay;
}

function diskSize(base: 'NUM_DISK_BLOCKS' | 'NUM_DISK_SECTORS', p: FilePatch, ctx: PatchContext): number {
  if (base === 'NUM_DISK_BLOCKS') {
    if (ctx.numDiskBlocks === undefined)
      throw new RescueError(
        'PACKAGE_BAD_PATCH',
        `${p.source}: ${p.value} needs the module's block count, which the programmer did not report (getstorageinfo).`,
      );
    return ctx.numDiskBlocks;
  }
  if (ctx.numDiskSectors !== undefined) return ctx.numDiskSectors;
  if (ctx.numDiskBlocks !== undefined && p.pages_per_block !== undefined) return ctx.numDiskBlocks * p.pages_per_block;
  throw new RescueError(
    'PACKAGE_BAD_PATCH',
    `${p.source}: ${p.value} needs the module's size, which the programmer did not report (getstorageinfo).`,
  );
}

/** Lay the overlay over `buf`, which holds the file's bytes from `offset`. Later pieces win. */
export function applyOverlay(buf: Uint8Array, offset: number, overlay: readonly OverlayPiece[]): void {
  const end = offset + buf.length;
  for (const piece of overlay) {
    const pEnd = piece.position + piece.bytes.length;
    if (pEnd <= offset || piece.position >= end) continue;
    const from = Math.max(offset, piece.position);
    const to = Math.min(end, pEnd);
    buf.set(piece.bytes.subarray(from - piece.position, to - piece.position), from - offset);
  }
}
