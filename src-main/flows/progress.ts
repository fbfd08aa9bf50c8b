// Speed and ETA for long transfers: speed over a sliding window (a few seconds), so a stall shows
// as falling speed instead of a frozen average, and events throttled so progress reporting never
// costs the transfer anything noticeable.

import type { EventSink } from '../../shared/events.js';

export interface ProgressClock {
  now(): number;
}

const realClock: ProgressClock = { now: () => performance.now() };

/** After this long without a byte moving, progress says "stalled" instead of the last speed. */
export const STALL_SHOWN_MS = 3000;

export class ProgressTracker {
  private samples: { t: number; bytes: number }[] = [];
  private lastEmit = -Infinity;
  private stepIndex = 0;
  private stepBytes = 0;
  private stepDone = 0;
  private totalDone = 0;
  private lastMove = 0;
  private lastStallEmit = -Infinity;

  constructor(
    private readonly totalBytes: number,
    private readonly sink: EventSink | undefined,
    private readonly opts: { windowMs?: number; emitEveryMs?: number; clock?: ProgressClock } = {},
  ) {}

  private get clock(): ProgressClock {
    return this.opts.clock ?? realClock;
  }

  get bytesDone(): number {
    return this.totalDone;
  }

  startStep(index: number, bytes: number): void {
    this.stepIndex = index;
    this.stepBytes = bytes;
    this.stepDone = 0;
    this.lastMove = this.clock.now();
    this.emit(true);
  }

  /** Report the bytes done so far in the current step (monotonic). */
  update(stepBytesDone: number): void {
    const delta = stepBytesDone - this.stepDone;
    if (delta <= 0) return;
    this.stepDone = stepBytesDone;
    this.totalDone += delta;
    this.lastMove = this.clock.now();
    this.emit(stepBytesDone >= this.stepBytes);
  }

  /**
   * Called on a timer while a partition streams: once nothing has moved for STALL_SHOWN_MS, say
   * so (speed 0, no time left) once a second, instead of leaving the last figures frozen.
   */
  tick(): void {
    const t = this.clock.now();
    if (this.stepDone >= this.stepBytes || t - this.lastMove < STALL_SHOWN_MS) return;
    if (t - this.lastStallEmit < 1000) return;
    this.lastStallEmit = t;
    this.sink?.({
      type: 'progress',
      index: this.stepIndex,
      stepBytesDone: this.stepDone,
      stepBytes: this.stepBytes,
      totalBytesDone: this.totalDone,
      totalBytes: this.totalBytes,
      bytesPerSecond: 0,
      etaSeconds: -1,
      stalled: true,
    });
  }

  bytesPerSecond(): number {
    const s = this.samples;
    if (s.length < 2) return 0;
    const first = s[0]!;
    const last = s[s.length - 1]!;
    const dt = (last.t - first.t) / 1000;
    return dt > 0 ? (last.bytes - first.bytes) / dt : 0;
  }

  private emit(force: boolean): void {
    const t = this.clock.now();
    const windowMs = this.opts.windowMs ?? 5000;
    this.samples.push({ t, bytes: this.totalDone });
    while (this.samples.length > 2 && this.samples[0]!.t < t - windowMs) this.samples.shift();
    if (!force && t - this.lastEmit < (this.opts.emitEveryMs ?? 100)) return;
    this.lastEmit = t;
    const bps = this.bytesPerSecond();
    const left = this.totalBytes - this.totalDone;
    this.sink?.({
      type: 'progress',
      index: this.stepIndex,
      stepBytesDone: this.stepDone,
      stepBytes: this.stepBytes,
      totalBytesDone: this.totalDone,
      totalBytes: this.totalBytes,
      bytesPerSecond: Math.round(bps),
      etaSeconds: bps > 0 ? Math.ceil(left / bps) : -1,
    });
  }
}
