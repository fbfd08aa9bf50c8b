// A physical link's speed for the virtual modem: every transfer costs whole packets of bus time
// plus a fixed per-transfer latency. Time is kept on a virtual clock; the model only really
// sleeps when that clock runs ahead of real time by more than a small slack, so millions of
// small transfers do not each pay for a timer, while the average rate still matches the link.
//
// One instance models one shared bus: give the same instance to both directions of a pipe pair
// (USB 2 is half duplex), or one per direction for a full-duplex link.

import { throwIfAborted, sleep } from '../util/deadline.js';
import type { LinkDelay } from './memory.js';
import type { BulkPipe } from './transport.js';

export interface LinkModelOptions {
  /** Payload bandwidth of the link in bytes per second. */
  bytesPerSecond: number;
  /** Fixed cost of every transfer (scheduling, handshakes), in microseconds. */
  perTransferLatencyUs: number;
  /** Packet size: a transfer occupies whole packets on the bus, a ZLP one packet. */
  packetSize: number;
}

/** Where the model reads the time and how it waits; injectable so tests need no real time. */
export interface LinkClock {
  /** Monotonic milliseconds. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: LinkClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, signal),
};

export interface LinkStats {
  transfers: number;
  /** Payload bytes moved. */
  bytes: number;
  /** Bus time those transfers cost, in seconds (what a perfect host would have needed). */
  busySeconds: number;
  /** How many times the model actually slept. */
  sleeps: number;
}

/** Real time may lag the virtual clock by this much before the model sleeps. */
export const DEFAULT_SLACK_MS = 2;

export class LinkModel implements LinkDelay {
  private freeAtMs: number | undefined;
  /** How late the last sleep woke up; the next transfer may start that much in the past. */
  private oversleptMs = 0;
  private readonly counters: LinkStats = { transfers: 0, bytes: 0, busySeconds: 0, sleeps: 0 };

  constructor(
    readonly options: LinkModelOptions,
    private readonly clock: LinkClock = realClock,
    private readonly slackMs = DEFAULT_SLACK_MS,
  ) {
    const { bytesPerSecond, perTransferLatencyUs, packetSize } = options;
    if (!(bytesPerSecond > 0) || !(perTransferLatencyUs >= 0) || !(packetSize > 0) || !Number.isInteger(packetSize)) {
      throw new RangeError(`Invalid link model: ${JSON.stringify(options)}`);
    }
  }

  /** USB 2.0 high speed as bulk transfers really achieve it: about 35 MB/s, 512-byte packets. */
  static usb2HighSpeed(clock?: LinkClock): LinkModel {
    return new LinkModel({ bytesPerSecond: 35_000_000, perTransferLatencyUs: 20, packetSize: 512 }, clock);
  }

  /** Seconds of bus time one transfer of `bytes` payload costs. */
  transferSeconds(bytes: number): number {
    return transferSeconds(bytes, this.options);
  }

  /** Bus time of a sequence of transfers: the fastest any host could move them over this link. */
  theoreticalSeconds(transfers: Iterable<{ bytes: number }>): number {
    return theoreticalSeconds(transfers, this.options);
  }

  get stats(): Readonly<LinkStats> {
    return { ...this.counters };
  }

  async transfer(bytes: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const cost = this.transferSeconds(bytes);
    const now = this.clock.now();
    // An idle link banks no credit: a transfer starts no earlier than now, except that time the
    // model itself overslept (timers wake late) is not charged to the host.
    const start = this.freeAtMs === undefined ? now : Math.max(this.freeAtMs, now - this.oversleptMs);
    this.oversleptMs = 0;
    this.freeAtMs = start + cost * 1000;
    this.counters.transfers += 1;
    this.counters.bytes += bytes;
    this.counters.busySeconds += cost;
    const ahead = this.freeAtMs - now;
    if (ahead > this.slackMs) {
      this.counters.sleeps += 1;
      const wake = this.freeAtMs;
      await this.clock.sleep(ahead, signal);
      this.oversleptMs = Math.max(0, this.clock.now() - wake);
    }
  }
}

export function transferSeconds(bytes: number, link: LinkModelOptions): number {
  const packets = Math.max(1, Math.ceil(Math.max(0, bytes) / link.packetSize));
  return (packets * link.packetSize) / link.bytesPerSecond + link.perTransferLatencyUs / 1e6;
}

export function theoreticalSeconds(transfers: Iterable<{ bytes: number }>, link: LinkModelOptions): number {
  let total = 0;
  for (const t of transfers) total += transferSeconds(t.bytes, link);
  return total;
}

/**
 * A pipe that pays a link's time for every transfer: reads after the bytes arrived, writes before
 * they go. The virtual modem's pty uses it to run at a real link's pace (a pty alone moves tens
 * of MB/s, far beyond a module), so a host sees transfers last as long as they would.
 */
export function pacedPipe(pipe: BulkPipe, link: LinkDelay): BulkPipe {
  return {
    get name() {
      return pipe.name;
    },
    get maxPacketSize() {
      return pipe.maxPacketSize;
    },
    get needsZlp() {
      return pipe.needsZlp;
    },
    get closed() {
      return pipe.closed;
    },
    async read(maxLength, opts) {
      const chunk = await pipe.read(maxLength, opts);
      await link.transfer(chunk.length, opts.signal);
      return chunk;
    },
    async write(data, opts) {
      await link.transfer(data.length, opts.signal);
      await pipe.write(data, opts);
    },
    close: () => pipe.close(),
  };
}
