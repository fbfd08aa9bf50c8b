// An in-memory USB bus with one port: the virtual modem plugs in and out (each plug-in is a new
// enumeration with a fresh link), the host opens whatever is plugged in through a PipeOpener, as
// it would find a 05c6:9008 device by VID:PID. Like real USB, a host closing its handle does not
// reset the device: the device keeps running and the next open talks to the same device state.

import { RescueError } from '../../shared/errors.js';
import { createMemoryPipePair, type MemoryPairOptions, type MemoryPipePair } from '../transport/memory.js';
import type { BulkPipe, IoOptions, PipeOpener } from '../transport/transport.js';
import { cancelledError } from '../util/deadline.js';
import type { SimPort } from './sim-port.js';

/**
 * What the module buffers of the host's unread transfers before its bulk OUT endpoint NAKs (and
 * the host's write waits): a programmer has a few payload-sized receive buffers, not megabytes.
 * A transfer larger than this still goes through when nothing else is queued.
 */
export const DEVICE_RECEIVE_BUFFER_BYTES = 64 * 1024;

export class MemoryBus implements SimPort {
  readonly description = 'in-memory USB bus';
  readonly opener: PipeOpener;
  /** Changes on every plug-in and unplug: a device end only works within its own generation. */
  private generation = 0;
  private pair: MemoryPipePair | undefined;
  private hostOpen = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: MemoryPairOptions = {}) {
    this.opener = {
      description: 'virtual EDL device on the in-memory USB bus',
      open: (io) => this.openHost(io),
    };
  }

  /** Changes with every plug-in and unplug: one value per enumeration. */
  get enumeration(): number {
    return this.generation;
  }

  get plugged(): boolean {
    return this.pair !== undefined;
  }

  async plugIn(): Promise<BulkPipe> {
    if (this.pair) await this.unplug();
    this.generation++;
    this.pair = this.newPair();
    this.hostOpen = false;
    const dev = new BusDeviceEnd(this, this.generation, this.pair.device.maxPacketSize);
    for (const w of [...this.waiters]) w();
    return dev;
  }

  async unplug(): Promise<void> {
    const p = this.pair;
    this.pair = undefined;
    this.generation++;
    this.hostOpen = false;
    p?.disconnect();
  }

  /** The live pair for a device end of generation gen, or undefined when that device is gone. */
  currentPair(gen: number): MemoryPipePair | undefined {
    return gen === this.generation ? this.pair : undefined;
  }

  /**
   * The host released its handle: the device stays; the next open gets a fresh link to it. What
   * the device sent and no host read stays queued for the next one, as on a real device's IN
   * endpoint (a Sahara HELLO sent at enumeration, a late answer of a killed host).
   */
  hostClosed(pair: MemoryPipePair): void {
    if (this.pair !== pair) return;
    const unread = pair.takeUnreadToHost();
    this.pair = this.newPair();
    this.pair.preloadToHost(unread);
    this.hostOpen = false;
  }

  private newPair(): MemoryPipePair {
    return createMemoryPipePair({
      highWaterBytes: DEVICE_RECEIVE_BUFFER_BYTES,
      ...this.options,
      name: this.options.name ?? 'virtual USB 05c6:9008',
    });
  }

  private async openHost(io: IoOptions): Promise<BulkPipe> {
    const deadline = Date.now() + io.timeoutMs;
    for (;;) {
      if (io.signal?.aborted) throw cancelledError(io.signal.reason);
      const pair = this.pair;
      if (pair) {
        if (this.hostOpen)
          throw new RescueError(
            'DEVICE_OPEN_FAILED',
            'The virtual modem is already open through another handle; close it first.',
          );
        this.hostOpen = true;
        return new BusHostEnd(this, pair);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new RescueError(
          'DEVICE_NOT_FOUND',
          `Nothing appeared on the ${this.description} within ${io.timeoutMs} ms.`,
        );
      await this.waitForPlug(left, io.signal);
    }
  }

  private waitForPlug(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}

class BusHostEnd implements BulkPipe {
  private isClosed = false;
  constructor(
    private readonly bus: MemoryBus,
    private readonly pair: MemoryPipePair,
  ) {}

  get name(): string {
    return this.pair.host.name;
  }
  get maxPacketSize(): number {
    return this.pair.host.maxPacketSize;
  }
  get needsZlp(): boolean {
    return this.pair.host.needsZlp;
  }
  get closed(): boolean {
    return this.isClosed;
  }

  read(maxLength: number, opts: IoOptions): Promise<Uint8Array> {
    if (this.isClosed) return Promise.reject(new RescueError('DEVICE_DISCONNECTED', `${this.name} was closed.`));
    return this.pair.host.read(maxLength, opts);
  }

  write(data: Uint8Array, opts: IoOptions): Promise<void> {
    if (this.isClosed) return Promise.reject(new RescueError('DEVICE_DISCONNECTED', `${this.name} was closed.`));
    return this.pair.host.write(data, opts);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    // Give the device its next link before the old one fails, so its pending read moves over.
    this.bus.hostClosed(this.pair);
    await this.pair.host.close();
  }
}

/** The device's end: follows the link across host re-opens, dies with its enumeration. */
class BusDeviceEnd implements BulkPipe {
  readonly name = 'virtual modem USB port';
  readonly needsZlp = true;
  private isClosed = false;

  constructor(
    private readonly bus: MemoryBus,
    private readonly gen: number,
    readonly maxPacketSize: number,
  ) {}

  get closed(): boolean {
    return this.isClosed || this.bus.currentPair(this.gen) === undefined;
  }

  read(maxLength: number, opts: IoOptions): Promise<Uint8Array> {
    return this.onLink(opts, (pair, io) => pair.device.read(maxLength, io));
  }

  write(data: Uint8Array, opts: IoOptions): Promise<void> {
    return this.onLink(opts, (pair, io) => pair.device.write(data, io));
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }

  /** Fast path: one call on the current link; only a host re-open sends it round the slow path. */
  private onLink<T>(opts: IoOptions, op: (pair: MemoryPipePair, io: IoOptions) => Promise<T>): Promise<T> {
    const pair = this.isClosed ? undefined : this.bus.currentPair(this.gen);
    if (!pair) return Promise.reject(new RescueError('DEVICE_DISCONNECTED', 'The virtual modem is off the bus.'));
    const started = Date.now();
    return op(pair, opts).catch((e: unknown) => this.followLink(e, pair, started + opts.timeoutMs, opts, op));
  }

  private async followLink<T>(
    e: unknown,
    failed: MemoryPipePair,
    deadline: number,
    opts: IoOptions,
    op: (pair: MemoryPipePair, io: IoOptions) => Promise<T>,
  ): Promise<T> {
    for (;;) {
      // The host closed its handle: carry on over the link the next host will open.
      const next = this.isClosed ? undefined : this.bus.currentPair(this.gen);
      const moved =
        e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED' && next !== undefined && next !== failed;
      if (!moved) throw e;
      try {
        return await op(next, { ...opts, timeoutMs: Math.max(1, deadline - Date.now()) });
      } catch (again) {
        e = again;
        failed = next;
      }
    }
  }
}
