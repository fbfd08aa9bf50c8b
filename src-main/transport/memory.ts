// An in-memory bulk pipe pair: the host end and the device end of a virtual USB link, for the
// virtual modem running in the same process. Transfers keep their boundaries, ZLPs are real
// zero-length packets, and an optional link model delays transfers like a real bus would.

import { RescueError } from '../../shared/errors.js';
import { cancelledError } from '../util/deadline.js';
import { needsZlpAfter, type BulkPipe, type IoOptions } from './transport.js';

/** Delays transfers like a physical link (see link-model.ts). */
export interface LinkDelay {
  /** Resolves when a transfer of `bytes` has crossed the link. */
  transfer(bytes: number, signal?: AbortSignal): Promise<void>;
}

export interface MemoryPairOptions {
  maxPacketSize?: number;
  /** Whether the host end sends ZLPs (default true, like a ZLP-aware USB host). */
  hostSendsZlp?: boolean;
  /** Link model applied to host->device transfers. */
  hostToDevice?: LinkDelay | undefined;
  /** Link model applied to device->host transfers. */
  deviceToHost?: LinkDelay | undefined;
  name?: string;
  /**
   * Bytes a receiver may leave unread before the sender's writes wait, like a USB endpoint that
   * NAKs while the device is busy: a device that stops reading makes the host's write time out.
   */
  highWaterBytes?: number;
}

const ZLP = new Uint8Array(0);

interface Waiter {
  resolve: (data: Uint8Array) => void;
  reject: (e: unknown) => void;
  maxLength: number;
  /** Date.now() after which the read fails with DEVICE_TIMEOUT. */
  deadline: number;
  signal: AbortSignal | undefined;
  timeoutError: () => RescueError;
}

class Inbox {
  packets: Uint8Array[] = [];
  queuedBytes = 0;
  waiter: Waiter | undefined;
  error: RescueError | undefined;
  /** Writers waiting for room. */
  private roomWaiters: (() => void)[] = [];

  constructor(readonly highWater: number) {}

  hasRoom(): boolean {
    return this.queuedBytes < this.highWater;
  }

  waitForRoom(): Promise<void> {
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Called whenever bytes leave the queue. */
  consumed(n: number): void {
    this.queuedBytes -= n;
    if (this.roomWaiters.length > 0 && this.hasRoom()) {
      const ws = this.roomWaiters;
      this.roomWaiters = [];
      for (const w of ws) w();
    }
  }

  /**
   * Wait for the next packet. One timer per inbox, re-armed only when it fires, and one abort
   * listener per signal: a read that waits costs no timer of its own, which matters at a hundred
   * thousand transfers a second.
   */
  wait(w: Waiter): void {
    this.waiter = w;
    this.watch(w.signal);
    if (this.timer !== undefined && w.deadline < this.timerAt) {
      clearTimeout(this.timer); // rare: a shorter timeout than the armed one
      this.timer = undefined;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, Math.max(0, w.deadline - Date.now()));
      this.timerAt = w.deadline;
    } else this.timer.ref();
  }

  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private watched: AbortSignal | undefined;

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const w = this.waiter;
    if (!w) return;
    if (Date.now() >= w.deadline) {
      this.waiter = undefined;
      w.reject(w.timeoutError());
    } else this.wait(w); // woke early (armed for an earlier read): sleep until this one's deadline
  };

  private readonly onAbort = (): void => {
    const w = this.waiter;
    if (w && w.signal?.aborted) {
      this.waiter = undefined;
      w.reject(cancelledError(w.signal.reason));
    }
  };

  private watch(signal: AbortSignal | undefined): void {
    if (signal === this.watched) return;
    this.watched?.removeEventListener('abort', this.onAbort);
    this.watched = signal;
    signal?.addEventListener('abort', this.onAbort);
  }

  /** No read is waiting: let the process exit if nothing else keeps it alive. */
  private idle(): void {
    this.timer?.unref();
  }

  push(p: Uint8Array): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      this.idle();
      if (p.length > w.maxLength) {
        this.packets.unshift(p.subarray(w.maxLength));
        this.queuedBytes += p.length - w.maxLength;
        w.resolve(p.subarray(0, w.maxLength));
      } else w.resolve(p);
      return;
    }
    this.packets.push(p);
    this.queuedBytes += p.length;
  }

  fail(e: RescueError): void {
    this.error = e;
    this.packets = [];
    this.queuedBytes = 0;
    const w = this.waiter;
    this.waiter = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watch(undefined);
    w?.reject(e);
    const ws = this.roomWaiters;
    this.roomWaiters = [];
    for (const r of ws) r();
  }
}

class MemoryPipeEnd implements BulkPipe {
  closed = false;
  constructor(
    readonly name: string,
    readonly maxPacketSize: number,
    readonly needsZlp: boolean,
    private readonly inbox: Inbox,
    private readonly outbox: Inbox,
    private readonly link: LinkDelay | undefined,
    private readonly onClose: () => void,
  ) {}

  /** Bytes that arrived and were not read yet (tests wait on it instead of sleeping). */
  get unreadBytes(): number {
    return this.inbox.packets.reduce((n, p) => n + p.length, 0);
  }

  read(maxLength: number, opts: IoOptions): Promise<Uint8Array> {
    const box = this.inbox;
    if (box.error) return Promise.reject(box.error);
    if (opts.signal?.aborted) return Promise.reject(cancelledError(opts.signal.reason));
    const head = box.packets[0];
    if (head !== undefined) {
      if (head.length > maxLength) {
        box.packets[0] = head.subarray(maxLength);
        box.consumed(maxLength);
        return Promise.resolve(head.subarray(0, maxLength));
      }
      box.packets.shift();
      box.consumed(head.length);
      return Promise.resolve(head);
    }
    if (box.waiter) return Promise.reject(new RescueError('INTERNAL', `${this.name}: two reads at once on one pipe.`));
    return new Promise<Uint8Array>((resolve, reject) => {
      box.wait({
        resolve,
        reject,
        maxLength,
        deadline: Date.now() + opts.timeoutMs,
        signal: opts.signal,
        timeoutError: () =>
          new RescueError(
            'DEVICE_TIMEOUT',
            `No data on ${this.name} for ${opts.timeoutMs} ms${opts.what ? ` (waiting for ${opts.what})` : ''}.`,
          ),
      });
    });
  }

  async write(data: Uint8Array, opts: IoOptions): Promise<void> {
    if (this.inbox.error) throw this.inbox.error;
    if (opts.signal?.aborted) throw cancelledError(opts.signal.reason);
    if (!this.outbox.hasRoom()) await this.waitForRoom(opts);
    if (this.link) await this.link.transfer(data.length, opts.signal);
    if (this.outbox.error) throw this.outbox.error;
    // The buffer is handed over (see BulkPipe.write): no copy.
    this.outbox.push(data);
    if (this.needsZlp && needsZlpAfter(data.length, this.maxPacketSize)) this.outbox.push(ZLP);
  }

  /** The receiver is not reading: wait (bounded) until it takes enough to make room. */
  private async waitForRoom(opts: IoOptions): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        this.outbox.waitForRoom(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new RescueError(
                  'DEVICE_TIMEOUT',
                  `${this.name}: the other side took no data for ${opts.timeoutMs} ms${opts.what ? ` (sending ${opts.what})` : ''}.`,
                ),
              ),
            opts.timeoutMs,
          );
          onAbort = () => reject(cancelledError(opts.signal?.reason));
          opts.signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    }
    if (this.outbox.error) throw this.outbox.error;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

export interface MemoryPipePair {
  host: BulkPipe & { readonly unreadBytes: number };
  device: BulkPipe & { readonly unreadBytes: number };
  /** Simulate the device dropping off the bus: both ends fail every pending and future I/O. */
  disconnect(): void;
  /** Take what the device sent and the host did not read (it stays queued on a real device). */
  takeUnreadToHost(): Uint8Array[];
  /** Queue packets for the host, ahead of anything the device sends next. */
  preloadToHost(packets: readonly Uint8Array[]): void;
}

export function createMemoryPipePair(options: MemoryPairOptions = {}): MemoryPipePair {
  const mps = options.maxPacketSize ?? 512;
  const highWater = options.highWaterBytes ?? 1024 * 1024;
  const toDevice = new Inbox(highWater);
  const toHost = new Inbox(highWater);
  const name = options.name ?? 'virtual USB link';
  const gone = (): void => {
    const e = new RescueError('DEVICE_DISCONNECTED', `${name} is gone.`);
    toDevice.fail(e);
    toHost.fail(e);
  };
  const host = new MemoryPipeEnd(
    `${name} (host side)`,
    mps,
    options.hostSendsZlp ?? true,
    toHost,
    toDevice,
    options.hostToDevice,
    gone,
  );
  const device = new MemoryPipeEnd(`${name} (device side)`, mps, true, toDevice, toHost, options.deviceToHost, gone);
  return {
    host,
    device,
    disconnect: gone,
    takeUnreadToHost: () => {
      const out = toHost.packets;
      toHost.packets = [];
      toHost.consumed(toHost.queuedBytes);
      return out;
    },
    preloadToHost: (packets) => {
      for (const p of packets) toHost.push(p);
    },
  };
}
