// The raw data phase of <program>: the image (then zeros to the last sector) streamed in
// payload-sized writes, one block read ahead so file reads overlap sending, and a watchdog that
// calls a transfer stalled when nothing moves for the write timeout. On a link that sends no
// zero-length packets (a serial port, a USB stack without them), no write but the transfer's last
// ends on a packet boundary: a device that reads less than it asked for only when a short packet
// ends a USB transfer would otherwise wait for the ZLP that never comes (the reference's "hangs
// at a random dot"). A short packet ends the transfer instead, which needs no ZLP.

import { RescueError } from '../../shared/errors.js';
import type { BulkPipe, IoOptions } from '../transport/transport.js';
import { cancelledError, formatMs, throwIfAborted } from '../util/deadline.js';

/** What is programmed: exactly `length` bytes per read, fewer only at the end of the source. */
export interface ChunkSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Bytes read from the source at a time and sliced into payload-sized writes. */
const BLOCK_BYTES = 1024 * 1024;

export interface StreamOptions {
  /** The command, for messages ("<program> of NON-HLOS.ubi, sectors ..."). */
  what: string;
  /** Bytes to send: the source, then zeros up to this length. */
  total: number;
  sectorSize: number;
  /** Largest single write (the negotiated MaxPayloadSizeToTargetInBytes). */
  payload: number;
  /** A write, or the whole transfer, that moves nothing for this long is a stall. */
  writeMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((bytesDone: number) => void) | undefined;
}

export async function streamRawData(pipe: BulkPipe, source: ChunkSource, opts: StreamOptions): Promise<void> {
  const { what, total, sectorSize, payload, writeMs, onProgress } = opts;
  throwIfAborted(opts.signal);
  const chunk = payload >= sectorSize ? payload - (payload % sectorSize) : payload;
  const blockLen = chunk * Math.max(1, Math.floor(BLOCK_BYTES / chunk));
  const inner = new AbortController();
  const outer = opts.signal;
  const onOuter = (): void => inner.abort(cancelledError(outer?.reason));
  outer?.addEventListener('abort', onOuter, { once: true });
  let moved = 0;
  let sent = 0;
  let quietTicks = 0;
  let seen = 0;
  const tick = Math.max(1, Math.floor(writeMs / 4));
  const watchdog = setInterval(() => {
    if (moved !== seen) {
      seen = moved;
      quietTicks = 0;
    } else if (++quietTicks >= 4) {
      inner.abort(
        new RescueError(
          'DEVICE_STALLED',
          `Nothing moved for ${formatMs(writeMs)} while sending ${what} (${sent} of ${total} bytes sent).`,
        ),
      );
    }
  }, tick);
  const io: IoOptions = { timeoutMs: writeMs, signal: inner.signal, what: `data of ${what}` };
  // Read one block ahead, so the file read overlaps sending the current block.
  let pos = 0;
  let ahead: Promise<Uint8Array> | undefined;
  const readNext = (): void => {
    const fromFile = Math.min(Math.min(blockLen, total - pos), source.size - pos);
    ahead = fromFile > 0 ? readSource(source, pos, fromFile, what) : undefined;
    ahead?.catch(() => {}); // observed when awaited; never an unhandled rejection
  };
  try {
    readNext();
    while (sent < total) {
      const want = Math.min(blockLen, total - sent);
      const fromFile = Math.min(want, source.size - pos);
      let block: Uint8Array;
      if (fromFile > 0) {
        const data = await untilAborted(ahead!, inner.signal);
        if (data.length < fromFile) {
          throw new RescueError(
            'HOST_IO',
            `Reading ${what}: got ${data.length} bytes at offset ${pos} instead of ${fromFile}; the file changed or is damaged.`,
          );
        }
        pos += fromFile;
        readNext();
        moved++;
        if (fromFile === want) block = data.length === want ? data : data.subarray(0, want);
        else {
          block = new Uint8Array(want); // the last block: file bytes, then zeros to the sector
          block.set(data.subarray(0, fromFile));
        }
      } else block = new Uint8Array(want);
      for (let off = 0; off < want;) {
        const end = writeEnd(off, want, chunk, sent + want - off >= total, pipe);
        await pipe.write(block.subarray(off, end), io);
        sent += end - off;
        moved++;
        off = end;
      }
      onProgress?.(Math.min(sent, source.size));
    }
  } catch (e) {
    if (inner.signal.aborted && inner.signal.reason instanceof RescueError) throw inner.signal.reason;
    // A data write that times out is a stalled transfer: the modem stopped taking data.
    if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') {
      throw new RescueError(
        'DEVICE_STALLED',
        `The modem took no data for ${formatMs(writeMs)} while receiving ${what} (${sent} of ${total} bytes sent).`,
        { cause: e },
      );
    }
    throw e;
  } finally {
    clearInterval(watchdog);
    outer?.removeEventListener('abort', onOuter);
  }
}

/**
 * Where the next write from `off` ends: a payload's worth, or the rest of the block. Where the link
 * sends no ZLPs, a write that would end on a packet boundary with more of the transfer to come is
 * one byte shorter, so it ends with a short packet.
 */
export function writeEnd(off: number, want: number, chunk: number, blockIsLast: boolean, pipe: BulkPipe): number {
  const end = off + chunk < want ? off + chunk : want;
  const last = blockIsLast && end === want;
  if (pipe.needsZlp || last || end - off <= 1 || (end - off) % pipe.maxPacketSize !== 0) return end;
  return end - 1;
}

async function readSource(source: ChunkSource, offset: number, length: number, what: string): Promise<Uint8Array> {
  try {
    return await source.read(offset, length);
  } catch (e) {
    if (e instanceof RescueError) throw e;
    throw new RescueError(
      'HOST_IO',
      `Reading the file for ${what} failed at offset ${offset}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

/** Resolve with p, or reject with the signal's reason once it aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(cancelledError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelledError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
