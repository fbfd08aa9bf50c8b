// Full QCN backup from the virtual modem in normal mode over a link with a 2 ms round trip
// (1 ms each way, transfers not held up by each other): one request in flight pays a round trip
// each, pipelining hides it.

import { join } from 'node:path';
import { backupQcn } from '../src-main/flows/backup.js';
import { DiagCounter, runDiagDevice } from '../src-main/sim/diag-device.js';
import { FaultPlan } from '../src-main/sim/faults.js';
import { MODELS } from '../src-main/sim/models.js';
import { MemoryNormalBus } from '../src-main/sim/normal-port.js';
import { NormalState } from '../src-main/sim/normal-state.js';
import { RescueError } from '../shared/errors.js';
import type { BulkPipe, IoOptions } from '../src-main/transport/transport.js';
import { sleep, throwIfAborted } from '../src-main/util/deadline.js';

/** Timers wake late (~1 ms); data due within this much is delivered at once rather than after another timer. */
const SLACK_MS = 0.5;

/**
 * The device end of a link with a propagation delay: what the host sends reaches the device
 * `oneWayMs` later, what the device sends reaches the host `oneWayMs` later, and neither side
 * waits for that (a USB transfer completes at once; the time is in the path and the device).
 */
class DelayLine implements BulkPipe {
  private readonly arrivals: { data: Uint8Array; due: number }[] = [];
  private wake: (() => void) | undefined;
  private sending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly stop = new AbortController();

  constructor(
    private readonly inner: BulkPipe,
    private readonly oneWayMs: number,
  ) {
    void this.pump();
  }

  get name(): string {
    return this.inner.name;
  }
  get maxPacketSize(): number {
    return this.inner.maxPacketSize;
  }
  get needsZlp(): boolean {
    return this.inner.needsZlp;
  }
  get closed(): boolean {
    return this.inner.closed;
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const data = await this.inner.read(64 * 1024, {
          timeoutMs: 3_600_000,
          signal: this.stop.signal,
          what: 'host data',
        });
        this.arrivals.push({ data, due: performance.now() + this.oneWayMs });
        this.wake?.();
      }
    } catch (e) {
      this.failure = e;
      this.wake?.();
    }
  }

  async read(maxLength: number, io: IoOptions): Promise<Uint8Array> {
    const deadline = performance.now() + io.timeoutMs;
    for (;;) {
      const head = this.arrivals[0];
      if (head) {
        const wait = head.due - performance.now();
        if (wait > SLACK_MS) {
          await sleep(wait, io.signal);
          continue;
        }
        if (head.data.length <= maxLength) return this.arrivals.shift()!.data;
        const part = head.data.subarray(0, maxLength);
        head.data = head.data.subarray(maxLength);
        return part;
      }
      if (this.failure) throw this.failure;
      const left = deadline - performance.now();
      if (left <= 0) throw new RescueError('DEVICE_TIMEOUT', `Waited ${io.timeoutMs} ms for ${io.what ?? 'data'}.`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          io.signal?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const t = setTimeout(done, left);
        io.signal?.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
      throwIfAborted(io.signal);
    }
  }

  write(data: Uint8Array, io: IoOptions): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const due = performance.now() + this.oneWayMs;
    this.sending = this.sending.then(async () => {
      const wait = due - performance.now();
      if (wait > SLACK_MS) await sleep(wait);
      await this.inner.write(data, io).catch((e: unknown) => {
        this.failure = e;
      });
    });
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.inner.close();
  }
}

export interface BackupFigures {
  seconds: number;
  requests: number;
  nvItems: number;
  files: number;
  bytes: number;
}

export async function backupOverSlowLink(dir: string, maxInFlight: number, roundTripMs = 2): Promise<BackupFigures> {
  const model = MODELS.ec25;
  const state = NormalState.open({ model });
  const bus = new MemoryNormalBus();
  const ac = new AbortController();
  const counter = new DiagCounter();
  const device = (async () => {
    const { dm } = await bus.plugIn();
    await runDiagDevice(
      roundTripMs > 0 ? new DelayLine(dm, roundTripMs / 2) : dm,
      { model, state, faults: new FaultPlan(), signal: ac.signal },
      counter,
    );
  })();
  try {
    const t0 = performance.now();
    const r = await backupQcn({ dm: bus.dmOpener, out: join(dir, `bench-${maxInFlight}.qcn`), maxInFlight });
    const seconds = (performance.now() - t0) / 1000;
    const c = r.manifest.counts;
    return {
      seconds,
      requests: counter.requests,
      nvItems: c.nvItems + c.nvItemsSim1,
      files: c.efsFiles + c.itemFiles + c.provisioningFiles,
      bytes: r.manifest.bytes,
    };
  } finally {
    ac.abort();
    await device.catch(() => undefined);
    await bus.unplug();
  }
}
