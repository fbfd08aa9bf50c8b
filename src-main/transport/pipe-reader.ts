// Byte-stream reading over a BulkPipe: exact reads across transfer boundaries, leftovers kept.
// Serial ports deliver bytes in arbitrary pieces; USB delivers transfers; protocols above need
// "exactly N bytes" or "whatever came", and never lose the bytes past what they asked for.

import { RescueError } from '../../shared/errors.js';
import { throwIfAborted } from '../util/deadline.js';
import type { BulkPipe, IoOptions } from './transport.js';

export class PipeReader {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(
    readonly pipe: BulkPipe,
    /** Size asked of each underlying read. */
    private readonly readSize = 64 * 1024,
  ) {}

  get buffered(): number {
    return this.pendingBytes;
  }

  /** Put bytes back in front of the stream (they will be returned first). */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pending.unshift(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Drop everything buffered. */
  discardBuffered(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /**
   * Return buffered bytes if any, otherwise one non-empty read from the pipe (ZLPs are skipped).
   * At most maxLength bytes.
   */
  async readSome(opts: IoOptions, maxLength = this.readSize): Promise<Uint8Array> {
    if (this.pendingBytes > 0) return this.take(maxLength);
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      throwIfAborted(opts.signal);
      const left = deadline - Date.now();
      if (left <= 0) throw timeout(opts);
      const chunk = await this.pipe.read(Math.max(maxLength, 1), { ...opts, timeoutMs: left });
      if (chunk.length > 0) {
        if (chunk.length <= maxLength) return chunk;
        this.unread(chunk.subarray(maxLength));
        return chunk.subarray(0, maxLength);
      }
    }
  }

  /** Read exactly n bytes, across as many transfers as it takes, within opts.timeoutMs overall. */
  async readExact(n: number, opts: IoOptions): Promise<Uint8Array> {
    if (n === 0) return new Uint8Array(0);
    if (this.pending.length > 0 && this.pending[0]!.length >= n) return this.take(n);
    const out = new Uint8Array(n);
    let filled = 0;
    while (this.pendingBytes > 0) {
      const part = this.take(n - filled);
      out.set(part, filled);
      filled += part.length;
    }
    const deadline = Date.now() + opts.timeoutMs;
    while (filled < n) {
      throwIfAborted(opts.signal);
      const left = deadline - Date.now();
      if (left <= 0) throw timeout(opts);
      const chunk = await this.pipe.read(Math.max(this.readSize, n - filled), { ...opts, timeoutMs: left });
      const use = Math.min(chunk.length, n - filled);
      out.set(chunk.subarray(0, use), filled);
      filled += use;
      if (use < chunk.length) this.unread(chunk.subarray(use));
    }
    return out;
  }

  private take(max: number): Uint8Array {
    const head = this.pending[0]!;
    if (head.length <= max) {
      this.pending.shift();
      this.pendingBytes -= head.length;
      return head;
    }
    this.pending[0] = head.subarray(max);
    this.pendingBytes -= max;
    return head.subarray(0, max);
  }
}

function timeout(opts: IoOptions): RescueError {
  return new RescueError(
    'DEVICE_TIMEOUT',
    `No data from the modem for ${Math.round(opts.timeoutMs / 100) / 10} s${opts.what ? ` while waiting for ${opts.what}` : ''}.`,
  );
}
