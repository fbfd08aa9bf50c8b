// Verification after programming: the device's SHA-256 of what it holds (getsha256digest) when
// the programmer offers it, a read-back otherwise, compared with the hash of what was sent. The
// hash of what was sent is computed while sending (HashingSource), so the image is read once.

import { createHash, type Hash } from 'node:crypto';
import { RescueError } from '../../shared/errors.js';
import type { ChunkSource, FirehoseAddress, FirehoseSession } from '../host/firehose-host.js';

const ZEROS = new Uint8Array(64 * 1024);

/** Wraps a source and hashes the bytes as they are read in order; pads with zeros to whole sectors. */
export class HashingSource implements ChunkSource {
  private hash: Hash = createHash('sha256');
  private next = 0;
  private sequential = true;
  /** Hashing happens in the order reads were asked for, even when they complete out of order. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly inner: ChunkSource) {}

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    const p = this.inner.read(offset, length);
    this.chain = this.chain.then(() =>
      p.then(
        (data) => {
          if (this.sequential && offset === this.next) {
            this.hash.update(data);
            this.next += data.length;
          } else this.sequential = false;
        },
        () => {
          this.sequential = false;
        },
      ),
    );
    return p;
  }

  /** SHA-256 (hex) of the sent bytes (file + zero padding to paddedBytes), or undefined if reads were not one sequential pass. */
  async digest(paddedBytes: number): Promise<string | undefined> {
    await this.chain;
    if (!this.sequential || this.next !== this.inner.size) return undefined;
    for (let left = paddedBytes - this.next; left > 0; left -= ZEROS.length)
      this.hash.update(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
    return this.hash.digest('hex');
  }
}

/** Hash of source + zero padding, by a fresh pass over the source. */
export async function hashPadded(source: ChunkSource, paddedBytes: number, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  const block = 1024 * 1024;
  for (let off = 0; off < source.size; off += block) {
    if (signal?.aborted) throw new RescueError('CANCELLED');
    h.update(await source.read(off, Math.min(block, source.size - off)));
  }
  for (let left = paddedBytes - source.size; left > 0; left -= ZEROS.length)
    h.update(ZEROS.subarray(0, Math.min(left, ZEROS.length)));
  return h.digest('hex');
}

export type VerifyMethod = 'digest' | 'read-back';

/**
 * Check what the modem holds at `addr` (numSectors = the sectors actually sent) against `expected`.
 * Throws VERIFY_MISMATCH naming the partition.
 */
export async function verifyOnDevice(
  session: FirehoseSession,
  addr: FirehoseAddress,
  expected: string,
): Promise<VerifyMethod> {
  const digest = await session.sha256Digest(addr);
  let method: VerifyMethod = 'digest';
  let actual = digest?.toLowerCase();
  if (actual === undefined) {
    method = 'read-back';
    const h = createHash('sha256');
    await session.read(addr, (chunk) => {
      h.update(chunk);
    });
    actual = h.digest('hex');
  }
  if (actual !== expected) {
    throw new RescueError(
      'VERIFY_MISMATCH',
      `${addr.label ?? `sectors from ${addr.startSector}`}: the modem holds SHA-256 ${actual.slice(0, 16)}..., the package ${expected.slice(0, 16)}... (checked by ${method}).`,
    );
  }
  return method;
}
