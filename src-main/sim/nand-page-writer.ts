// The programmer's write path for raw program data: gathers transfers into whole pages and
// programs them through the bad-block mapping, with the NAND file writes on the thread pool while
// more data arrives (bounded), and big transfers written without an extra copy.

import { NandError, type Nand } from './nand.js';

/** Raw data is gathered into this many bytes before one NAND write. */
export const STAGING_BYTES = 4 * 1024 * 1024;
/** Transfers at least this big are written without staging. */
const DIRECT_WRITE_BYTES = 256 * 1024;
/** NAND writes allowed in flight while more data arrives. */
const MAX_IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/**
 * Gathers raw data into whole pages and programs them through the bad-block mapping. NAND file
 * writes run on the thread pool while more data arrives; at most MAX_IN_FLIGHT_BYTES are pending.
 */
export class PageWriter {
  error: string | undefined;
  private fill = 0;
  private page: number;
  private buf: Uint8Array | undefined;
  private readonly pending: { done: Promise<void>; bytes: number }[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly nand: Nand,
    start: number,
    private readonly label: string | undefined,
    private readonly discard: boolean,
    /** Free staging buffers, shared across the session. */
    private readonly pool: Uint8Array[],
  ) {
    this.page = start;
  }

  /** Take a chunk; returns a promise only when the caller must wait for the NAND to catch up. */
  push(chunk: Uint8Array): Promise<void> | undefined {
    if (this.discard || this.error) return undefined;
    const ps = this.nand.pageSize;
    let off = 0;
    if (this.fill === 0 && chunk.length >= DIRECT_WRITE_BYTES) {
      // A big transfer goes straight to the NAND: written buffers are handed over, so it is ours.
      off = Math.floor(chunk.length / ps) * ps;
      this.issue(chunk.subarray(0, off), undefined);
    }
    while (off < chunk.length && !this.error) {
      this.buf ??= this.pool.pop() ?? new Uint8Array(STAGING_BYTES);
      const n = Math.min(chunk.length - off, this.buf.length - this.fill);
      this.buf.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === this.buf.length) this.flush();
    }
    return this.pendingBytes > MAX_IN_FLIGHT_BYTES ? this.waitBelow(MAX_IN_FLIGHT_BYTES) : undefined;
  }

  /** Write what is left and wait for every write. */
  async finish(): Promise<void> {
    if (!this.discard && !this.error && this.fill > 0) this.flush();
    await this.waitBelow(0);
  }

  /** Wait for writes in flight (after an interruption), ignoring their outcome. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.pending.map((p) => p.done));
  }

  private flush(): void {
    const buf = this.buf!;
    const ps = this.nand.pageSize;
    const whole = Math.floor(this.fill / ps) * ps;
    const rest = this.fill - whole;
    this.buf = undefined;
    this.fill = 0;
    if (rest > 0) {
      this.buf = this.pool.pop() ?? new Uint8Array(STAGING_BYTES);
      this.buf.set(buf.subarray(whole, whole + rest));
      this.fill = rest;
    }
    this.issue(buf.subarray(0, whole), buf);
  }

  /** Program whole pages at the current logical page, one write per physical run. */
  private issue(pagesData: Uint8Array, staging: Uint8Array | undefined): void {
    if (this.error) return;
    const ps = this.nand.pageSize;
    const pages = pagesData.length / ps;
    const writes: Promise<void>[] = [];
    try {
      let off = 0;
      for (const run of this.nand.mapLogical(this.page, pages)) {
        const bytes = run.pages * ps;
        writes.push(this.nand.programAsync(run.page, pagesData.subarray(off, off + bytes), this.label));
        off += bytes;
      }
    } catch (e) {
      this.error = e instanceof NandError ? e.message : String(e);
    }
    this.page += pages;
    const done = Promise.all(writes).then(
      () => {
        if (staging) this.pool.push(staging);
      },
      (e: unknown) => {
        this.error ??= e instanceof Error ? e.message : String(e);
      },
    );
    this.pending.push({ done, bytes: pagesData.length });
    this.pendingBytes += pagesData.length;
  }

  private async waitBelow(limit: number): Promise<void> {
    while (this.pendingBytes > limit) {
      const first = this.pending.shift()!;
      await first.done;
      this.pendingBytes -= first.bytes;
    }
  }
}
