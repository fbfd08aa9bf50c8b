// An image file as the Firehose host streams it: random-access reads of exactly the bytes asked
// for (fewer only at the end), with the file's patches laid over them. The file is read through a
// FileHandle piece by piece; only the few patched bytes are kept in memory.

import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { openInputFile, type InputFile } from '../util/input-file.js';
import { applyOverlay, computeOverlay, type FilePatch, type OverlayPiece, type PatchContext } from './file-patch.js';

/** Structurally identical to the ChunkSource of host/firehose-host.ts. */
export interface ChunkSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface ImageSource extends ChunkSource {
  close(): Promise<void>;
}

export interface ImageSourceContext extends PatchContext {
  /** When given, size is rounded up to whole sectors of this size and the tail reads as zeros. */
  sectorSize?: number;
}

/** Largest single read (the host asks for payload-sized pieces, far below this). */
export const MAX_READ = 64 * 1024 * 1024;

/** Largest image file read at all: far above any partition of these modules (a 1 GiB NAND). */
export const MAX_IMAGE_BYTES = 8 * 1024 ** 3;

export async function openImageSource(
  file: string,
  filePatches: readonly FilePatch[],
  ctx: ImageSourceContext = {},
): Promise<ImageSource> {
  // Only a regular file of bounded size; a FIFO or a device is refused without blocking.
  const fh: InputFile = await openInputFile(file, {
    maxBytes: MAX_IMAGE_BYTES,
    what: 'an image',
    code: 'PACKAGE_FILE_TOO_LARGE',
    notFileCode: 'PACKAGE_MISSING_FILE',
    missingCode: 'PACKAGE_MISSING_FILE',
  });
  try {
    const fileSize = fh.size;
    /** Fill buf with file bytes from offset (buf must not reach past the end of the file). */
    const readInto = async (buf: Uint8Array, offset: number): Promise<void> => {
      if ((await fh.readAt(buf, offset)) < buf.length)
        throw new RescueError('HOST_IO', `${path.basename(file)} became shorter while it was being read.`);
    };
    const readRaw = async (offset: number, length: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(Math.max(0, Math.min(length, fileSize - offset)));
      await readInto(buf, offset);
      return buf;
    };
    const overlay: OverlayPiece[] =
      filePatches.length > 0 ? await computeOverlay(readRaw, fileSize, filePatches, ctx) : [];
    const sector = ctx.sectorSize;
    const size = sector ? Math.ceil(fileSize / sector) * sector : fileSize;
    let closed = false;
    return {
      size,
      async read(offset: number, length: number): Promise<Uint8Array> {
        if (closed) throw new RescueError('INTERNAL', `${path.basename(file)} was read after it was closed.`);
        if (
          !Number.isSafeInteger(offset) ||
          !Number.isSafeInteger(length) ||
          offset < 0 ||
          length < 0 ||
          length > MAX_READ
        ) {
          throw new RescueError('INTERNAL', `bad read of ${path.basename(file)}: ${length} bytes at ${offset}.`);
        }
        const want = Math.max(0, Math.min(length, size - offset));
        const out = new Uint8Array(want);
        const fromFile = Math.max(0, Math.min(want, fileSize - offset));
        if (fromFile > 0) {
          await readInto(out.subarray(0, fromFile), offset);
          applyOverlay(out.subarray(0, fromFile), offset, overlay);
        }
        return out;
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        await fh.close();
      },
    };
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}
