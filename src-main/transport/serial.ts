// A bulk pipe over a serial port: the Qualcomm QDLoader COM port on Windows, /dev/ttyUSBn from
// qcserial on Linux, or one end of a pseudo-terminal pair for the virtual modem. A serial link
// has no packets: reads return whatever bytes arrived, and there are no ZLPs.

import { existsSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { RescueError } from '../../shared/errors.js';
import { bounded, cancelledError, throwIfAborted, formatMs } from '../util/deadline.js';
import type { BulkPipe, IoOptions, PipeOpener } from './transport.js';
import { waitAndOpen } from './wait-open.js';

/** Stop taking bytes from the port (pause it) while this much is waiting to be read. */
const QUEUE_HIGH_WATER = 8 * 1024 * 1024;

interface Reader {
  maxLength: number;
  resolve: (data: Uint8Array) => void;
  reject: (e: unknown) => void;
}

export class SerialPipe implements BulkPipe {
  readonly maxPacketSize = 512;
  readonly needsZlp = false;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private paused = false;
  private reader: Reader | undefined;
  private failure: RescueError | undefined;
  private readonly pendingWrites = new Set<(e: RescueError) => void>();
  private closedByUs = false;

  /** Received bytes held before the port is paused (the OS then holds the sender back). */
  private readonly highWater: number;

  constructor(
    private readonly port: SerialPort,
    readonly name: string = port.path,
    opts: { highWaterBytes?: number } = {},
  ) {
    this.highWater = opts.highWaterBytes ?? QUEUE_HIGH_WATER;
    port.on('data', this.onData);
    port.on('close', this.onClose);
    port.on('error', this.onError);
  }

  get closed(): boolean {
    return this.closedByUs || this.failure !== undefined;
  }

  read(maxLength: number, opts: IoOptions): Promise<Uint8Array> {
    if (opts.signal?.aborted) return Promise.reject(cancelledError(opts.signal.reason));
    if (this.queuedBytes > 0) return Promise.resolve(this.take(Math.max(1, maxLength)));
    if (this.failure) return Promise.reject(this.failure);
    if (this.reader)
      return Promise.reject(new RescueError('INTERNAL', `${this.name}: two reads at once on one serial port.`));
    return new Promise<Uint8Array>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (this.reader === reader) this.reader = undefined;
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new RescueError(
            'DEVICE_TIMEOUT',
            `No data on ${this.name} for ${formatMs(opts.timeoutMs)}${opts.what ? ` (waiting for ${opts.what})` : ''}.`,
          ),
        );
      }, opts.timeoutMs);
      const onAbort = (): void => {
        finish();
        reject(cancelledError(opts.signal?.reason));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const reader: Reader = {
        maxLength: Math.max(1, maxLength),
        resolve: (d) => {
          finish();
          resolve(d);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      };
      this.reader = reader;
    });
  }

  async write(data: Uint8Array, opts: IoOptions): Promise<void> {
    throwIfAborted(opts.signal);
    if (this.failure) throw this.failure;
    if (data.length === 0) return; // a serial link has no zero-length packets
    const chunk = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await bounded(
      () =>
        new Promise<void>((resolve, reject) => {
          const fail = (e: RescueError): void => {
            this.pendingWrites.delete(fail);
            reject(e);
          };
          this.pendingWrites.add(fail);
          this.port.write(chunk, (err) => {
            if (err) return fail(this.failure ?? disconnected(this.name, err));
          });
          this.port.drain((err) => {
            this.pendingWrites.delete(fail);
            if (err) reject(this.failure ?? disconnected(this.name, err));
            else resolve();
          });
        }),
      {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        what: `${data.length} bytes to leave ${this.name}${opts.what ? ` (${opts.what})` : ''}`,
      },
    );
  }

  async close(): Promise<void> {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.fail(new RescueError('DEVICE_DISCONNECTED', `${this.name} was closed.`));
    this.queue = [];
    this.queuedBytes = 0;
    if (!this.port.isOpen) return this.detach();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      this.port.close(() => {
        clearTimeout(t);
        resolve();
      });
    });
    this.detach();
  }

  private detach(): void {
    this.port.off('data', this.onData);
    this.port.off('close', this.onClose);
    // Keep a no-op error listener: a late error must not crash the process.
    this.port.off('error', this.onError);
    this.port.on('error', () => undefined);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closedByUs || chunk.length === 0) return;
    const r = this.reader;
    if (r && this.queuedBytes === 0) {
      this.reader = undefined;
      if (chunk.length <= r.maxLength) return r.resolve(chunk);
      this.enqueue(chunk.subarray(r.maxLength));
      return r.resolve(chunk.subarray(0, r.maxLength));
    }
    this.enqueue(chunk);
  };

  private readonly onClose = (err?: Error | null): void => {
    if (this.closedByUs) return;
    this.fail(disconnected(this.name, err ?? undefined));
  };

  private readonly onError = (err: Error): void => {
    if (this.closedByUs) return;
    this.fail(disconnected(this.name, err));
  };

  private enqueue(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (!this.paused && this.queuedBytes >= this.highWater) {
      this.paused = true;
      this.port.pause();
    }
  }

  private take(max: number): Uint8Array {
    let out: Uint8Array;
    const head = this.queue[0]!;
    if (head.length >= max) {
      out = head.subarray(0, max);
      if (head.length === max) this.queue.shift();
      else this.queue[0] = head.subarray(max);
    } else {
      // Gather several small chunks into one result (copy only what is returned).
      const n = Math.min(max, this.queuedBytes);
      const buf = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const c = this.queue[0]!;
        const use = Math.min(c.length, n - filled);
        buf.set(c.subarray(0, use), filled);
        filled += use;
        if (use === c.length) this.queue.shift();
        else this.queue[0] = c.subarray(use);
      }
      out = buf;
    }
    this.queuedBytes -= out.length;
    if (this.paused && this.queuedBytes < this.highWater / 2 && !this.closed) {
      this.paused = false;
      this.port.resume();
    }
    return out;
  }

  /** Every pending and later operation fails with `e`; bytes already received stay readable. */
  private fail(e: RescueError): void {
    if (this.failure) return;
    this.failure = e;
    const r = this.reader;
    this.reader = undefined;
    r?.reject(e);
    for (const w of [...this.pendingWrites]) w(e);
  }
}

function disconnected(name: string, cause?: Error): RescueError {
  const why = cause?.message ? ` (${cause.message})` : '';
  return new RescueError('DEVICE_DISCONNECTED', `${name} went away: the device was unplugged or re-enumerated${why}.`, {
    cause,
  });
}

/** Turn a serial-port open failure into the error a person can act on. */
export function mapSerialOpenError(
  err: unknown,
  path: string,
  platform: NodeJS.Platform = process.platform,
): RescueError {
  const msg = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const has = (re: RegExp): boolean => re.test(msg) || (typeof code === 'string' && re.test(code));
  if (has(/ENOENT|No such file|File not found|cannot find the file/i)) {
    return new RescueError('DEVICE_NOT_FOUND', `${path} does not exist (any more).`, {
      cause: err,
      nextStep:
        'Check that the modem is plugged in and that the port name is right; the port vanishes while the modem re-enumerates.',
    });
  }
  if (platform === 'win32' && has(/Access denied|Access is denied/i)) {
    return new RescueError('DEVICE_OPEN_FAILED', `${path} is in use by another program (${msg}).`, {
      cause: err,
      nextStep: 'Close QPST, QFlash, a terminal program or any other tool that has the COM port open, then try again.',
    });
  }
  if (has(/EACCES|Permission denied|EPERM/i)) {
    const fix =
      platform === 'linux'
        ? ' Add yourself to the dialout group or install the udev rule (`modem-rescue doctor`).'
        : '';
    return new RescueError('HOST_PERMISSION', `No permission to open ${path}.${fix}`, { cause: err });
  }
  if (has(/EBUSY|busy|Cannot lock port|temporarily unavailable/i)) {
    return new RescueError('DEVICE_OPEN_FAILED', `${path} is in use by another program (${msg}).`, { cause: err });
  }
  return new RescueError('DEVICE_OPEN_FAILED', `${path}: ${msg}`, { cause: err });
}

export interface SerialOpenerOptions {
  /** How often to look for the port while it is absent (ms, default 150). */
  pollMs?: number;
  /** Keep retrying a port that exists but refuses to open for this long (udev may still be setting permissions). */
  openRetryMs?: number;
  baudRate?: number;
}

/** Opens a serial port by path, waiting (bounded) for it to appear: it vanishes on every re-enumeration. */
export class SerialOpener implements PipeOpener {
  readonly description: string;
  private readonly pollMs: number;
  private readonly openRetryMs: number;
  private readonly baudRate: number;

  constructor(
    readonly path: string,
    options: SerialOpenerOptions = {},
  ) {
    this.description = `serial port ${path}`;
    this.pollMs = options.pollMs ?? 150;
    this.openRetryMs = options.openRetryMs ?? 1000;
    this.baudRate = options.baudRate ?? 115200;
  }

  open(opts: IoOptions): Promise<BulkPipe> {
    return waitAndOpen(
      opts,
      { pollMs: this.pollMs, openRetryMs: this.openRetryMs },
      async (leftMs) => {
        if (!this.present()) return undefined;
        try {
          return new SerialPipe(await openSerialPort(this.path, this.baudRate, leftMs, opts.signal), this.path);
        } catch (e) {
          throw e instanceof RescueError ? e : mapSerialOpenError(e, this.path);
        }
      },
      () =>
        new RescueError('DEVICE_NOT_FOUND', `Waited ${formatMs(opts.timeoutMs)} for ${this.path} to appear.`, {
          nextStep: 'Check that the modem is plugged in, in the expected mode, and that the port name is right.',
        }),
    );
  }

  private present(): boolean {
    // Windows COM ports are not files: let the open attempt decide.
    if (process.platform === 'win32' && /^(\\\\\.\\)?COM\d+$/i.test(this.path)) return true;
    return existsSync(this.path);
  }
}

/** Open a serial port in raw mode and resolve when it is open. */
export async function openSerialPort(
  path: string,
  baudRate: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SerialPort> {
  const { SerialPort: Port } = await import('serialport');
  const port = new Port({ path, baudRate, autoOpen: false });
  // An error emitted before anyone listens must not crash the process.
  const swallow = (): void => undefined;
  port.on('error', swallow);
  let abandoned = false;
  try {
    await bounded(
      () =>
        new Promise<void>((resolve, reject) => {
          port.open((err) => {
            if (err) return reject(mapSerialOpenError(err, path));
            // Opened after we gave up waiting: release it again.
            if (abandoned) port.close(() => undefined);
            resolve();
          });
        }),
      { timeoutMs, signal, what: `${path} to open`, code: 'DEVICE_OPEN_FAILED' },
    );
  } catch (e) {
    abandoned = true;
    if (port.isOpen) port.close(() => undefined);
    throw e; // the swallowing error listener stays on the abandoned port
  }
  port.off('error', swallow);
  return port;
}
