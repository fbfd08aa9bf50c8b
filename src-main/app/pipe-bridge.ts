// A BulkPipe carried over a MessagePort. Native transports (usb, serialport) stay on the main
// thread; the engine runs in a worker thread. servePipe() runs on the main side next to the real
// pipe, PortPipe is the worker's view of it. Transfers keep their boundaries, an empty transfer
// (a ZLP) stays empty, buffers are transferred, not copied, and a closed or vanished other side
// turns every pending and later call into DEVICE_DISCONNECTED.
//
// The real pipe adds ZLPs itself (BulkPipe.write contract), so PortPipe forwards writes as they
// are and reports the real pipe's needsZlp only for information.

import type { MessagePort } from 'node:worker_threads';
import { RescueError } from '../../shared/errors.js';
import type { BulkPipe, IoOptions } from '../transport/transport.js';
import { cancelledError, throwIfAborted } from '../util/deadline.js';
import { errorFromReport, isArrayBuffer, toErrorReport, transferable } from './wire.js';

/** What the worker learns about the pipe when it is opened. */
export interface PipeInfo {
  name: string;
  maxPacketSize: number;
  needsZlp: boolean;
}

type ToMain =
  | { op: 'read'; id: number; max: number; timeoutMs: number; what?: string }
  | { op: 'write'; id: number; data: ArrayBuffer; timeoutMs: number; what?: string }
  | { op: 'abort'; id: number }
  | { op: 'close' };

type ToWorker =
  | { op: 'done'; id: number; ok: true; data?: ArrayBuffer }
  | { op: 'done'; id: number; ok: false; error: unknown }
  | { op: 'closed'; error?: unknown };

/** Largest read the main side performs for one request (the worker asks for far less). */
const MAX_READ = 16 * 1024 * 1024;

/** Main side: serve `pipe` to the worker at the other end of `port` until either side closes. */
export function servePipe(pipe: BulkPipe, port: MessagePort): void {
  const running = new Map<number, AbortController>();
  let finished = false;
  const finish = (error?: unknown): void => {
    if (finished) return;
    finished = true;
    for (const c of running.values()) c.abort(new RescueError('DEVICE_DISCONNECTED', `${pipe.name} was closed.`));
    running.clear();
    void pipe.close().catch(() => undefined);
    try {
      port.postMessage({
        op: 'closed',
        error: error === undefined ? undefined : toErrorReport(error),
      } satisfies ToWorker);
    } catch {
      // the worker is gone already
    }
    port.close();
  };
  const reply = (msg: ToWorker, transfer: ArrayBuffer[] = []): void => {
    if (!finished) port.postMessage(msg, transfer);
  };
  // One read and one write at a time on the real pipe, in arrival order: a read the worker gave
  // up on must have ended before the next one starts (a USB transfer's cancel is not instant).
  const lanes = { read: Promise.resolve(), write: Promise.resolve() };
  const run = (
    lane: 'read' | 'write',
    id: number,
    work: (signal: AbortSignal) => Promise<ArrayBuffer | undefined>,
  ): void => {
    const ctl = new AbortController();
    running.set(id, ctl);
    const before = lanes[lane];
    const done = before.then(() => {
      if (ctl.signal.aborted) throw ctl.signal.reason;
      return work(ctl.signal);
    });
    lanes[lane] = done.then(
      () => undefined,
      () => undefined,
    );
    done
      .then(
        (data) => reply({ op: 'done', id, ok: true, ...(data ? { data } : {}) }, data ? [data] : []),
        (e: unknown) => {
          reply({ op: 'done', id, ok: false, error: toErrorReport(e) });
          if (e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED') finish(e);
        },
      )
      .finally(() => running.delete(id));
  };
  port.on('message', (raw: unknown) => {
    const msg = raw as ToMain;
    if (finished || typeof msg !== 'object' || msg === null) return;
    switch (msg.op) {
      case 'read':
        run('read', msg.id, async (signal) => {
          const io: IoOptions = { timeoutMs: msg.timeoutMs, signal, ...(msg.what ? { what: msg.what } : {}) };
          return transferable(await pipe.read(Math.max(0, Math.min(msg.max, MAX_READ)), io));
        });
        break;
      case 'write':
        run('write', msg.id, async (signal) => {
          if (!isArrayBuffer(msg.data)) throw new RescueError('INTERNAL', 'A write to the device carried no bytes.');
          await pipe.write(new Uint8Array(msg.data), {
            timeoutMs: msg.timeoutMs,
            signal,
            ...(msg.what ? { what: msg.what } : {}),
          });
          return undefined;
        });
        break;
      case 'abort':
        running.get(msg.id)?.abort(new RescueError('CANCELLED'));
        break;
      case 'close':
        finish();
        break;
    }
  });
  // The worker closed its end or died.
  port.on('close', () => finish());
}

interface Pending {
  resolve: (data: Uint8Array) => void;
  reject: (e: unknown) => void;
  isRead: boolean;
  maxLength: number;
  /** The caller gave up (abort or timeout); a late read result goes to the stash. */
  abandoned: boolean;
  timer: ReturnType<typeof setTimeout>;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export interface PortPipeOptions {
  /** Extra time the worker waits beyond the I/O timeout for the main side's answer (ms, default 2000). */
  graceMs?: number;
}

/** Worker side: a BulkPipe whose transfers happen in the main process. */
export class PortPipe implements BulkPipe {
  readonly name: string;
  readonly maxPacketSize: number;
  readonly needsZlp: boolean;
  private isClosed = false;
  private closeError: RescueError | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Bytes of reads that completed after their caller gave up: handed to the next read first. */
  private stash: Uint8Array[] = [];
  private readonly graceMs: number;

  constructor(
    private readonly port: MessagePort,
    info: PipeInfo,
    options: PortPipeOptions = {},
  ) {
    this.name = info.name;
    this.maxPacketSize = info.maxPacketSize;
    this.needsZlp = info.needsZlp;
    this.graceMs = options.graceMs ?? 2000;
    port.on('message', (raw: unknown) => this.onMessage(raw as ToWorker));
    port.on('close', () =>
      this.shutDown(new RescueError('DEVICE_DISCONNECTED', `The connection to ${this.name} was lost.`)),
    );
  }

  get closed(): boolean {
    return this.isClosed;
  }

  read(maxLength: number, opts: IoOptions): Promise<Uint8Array> {
    throwIfAborted(opts.signal);
    const stashed = this.stash.shift();
    if (stashed) {
      if (stashed.length > maxLength) {
        this.stash.unshift(stashed.subarray(maxLength));
        return Promise.resolve(stashed.subarray(0, maxLength));
      }
      return Promise.resolve(stashed);
    }
    return this.request(
      { op: 'read', id: 0, max: maxLength, timeoutMs: opts.timeoutMs, ...(opts.what ? { what: opts.what } : {}) },
      [],
      opts,
      maxLength,
    );
  }

  async write(data: Uint8Array, opts: IoOptions): Promise<void> {
    throwIfAborted(opts.signal);
    const buf = transferable(data);
    await this.request(
      { op: 'write', id: 0, data: buf, timeoutMs: opts.timeoutMs, ...(opts.what ? { what: opts.what } : {}) },
      [buf],
      opts,
      undefined,
    );
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    try {
      this.port.postMessage({ op: 'close' } satisfies ToMain);
    } catch {
      // the main side is gone
    }
    this.shutDown(new RescueError('DEVICE_DISCONNECTED', `${this.name} was closed.`));
    this.port.close();
  }

  /** readMax: the read's maxLength; undefined for a write. */
  private request(
    msg: Extract<ToMain, { id: number }>,
    transfer: ArrayBuffer[],
    opts: IoOptions,
    readMax: number | undefined,
  ): Promise<Uint8Array> {
    const isRead = readMax !== undefined;
    if (this.isClosed)
      return Promise.reject(this.closeError ?? new RescueError('DEVICE_DISCONNECTED', `${this.name} is closed.`));
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const giveUp = (e: RescueError): void => {
        const p = this.pending.get(id);
        if (!p || p.abandoned) return;
        p.abandoned = true;
        this.detach(p);
        try {
          this.port.postMessage({ op: 'abort', id } satisfies ToMain);
        } catch {
          // closed meanwhile
        }
        if (!isRead) this.pending.delete(id);
        reject(e);
      };
      const onAbort = (): void => giveUp(cancelledError(opts.signal?.reason));
      const timer = setTimeout(
        () =>
          giveUp(
            new RescueError(
              'DEVICE_TIMEOUT',
              `Waited ${opts.timeoutMs + this.graceMs} ms for ${opts.what ?? `a transfer on ${this.name}`}; the main process did not answer.`,
            ),
          ),
        opts.timeoutMs + this.graceMs,
      );
      this.pending.set(id, {
        resolve,
        reject,
        isRead,
        maxLength: readMax ?? 0,
        abandoned: false,
        timer,
        signal: opts.signal,
        onAbort,
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.port.postMessage({ ...msg, id }, transfer);
    });
  }

  private detach(p: Pending): void {
    clearTimeout(p.timer);
    p.signal?.removeEventListener('abort', p.onAbort);
  }

  private onMessage(msg: ToWorker): void {
    if (typeof msg !== 'object' || msg === null) return;
    if (msg.op === 'closed') {
      this.shutDown(
        msg.error !== undefined
          ? errorFromReport(msg.error)
          : new RescueError('DEVICE_DISCONNECTED', `${this.name} was closed.`),
      );
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    this.detach(p);
    if (p.abandoned) {
      // A read that finished after its caller gave up: the bytes belong to the next read.
      if (msg.ok && p.isRead && isArrayBuffer(msg.data) && msg.data.byteLength > 0)
        this.handLate(new Uint8Array(msg.data));
      return;
    }
    if (msg.ok) p.resolve(isArrayBuffer(msg.data) ? new Uint8Array(msg.data) : new Uint8Array(0));
    else p.reject(errorFromReport(msg.error));
  }

  /** Give late bytes to the oldest read still waiting (its own request is abandoned), or keep them. */
  private handLate(data: Uint8Array): void {
    for (const [id, p] of this.pending) {
      if (!p.isRead || p.abandoned) continue;
      p.abandoned = true;
      this.detach(p);
      try {
        this.port.postMessage({ op: 'abort', id } satisfies ToMain);
      } catch {
        // closed meanwhile
      }
      if (data.length > p.maxLength) this.stash.push(data.subarray(p.maxLength));
      p.resolve(data.subarray(0, p.maxLength));
      return;
    }
    this.stash.push(data);
  }

  private shutDown(error: RescueError): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError =
      error.code === 'DEVICE_DISCONNECTED' ? error : new RescueError('DEVICE_DISCONNECTED', error.detail || undefined);
    for (const p of this.pending.values()) {
      this.detach(p);
      if (!p.abandoned) p.reject(this.closeError);
    }
    this.pending.clear();
  }
}
