import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src-main/flows/progress.js';
import type { EngineEvent } from '../../shared/events.js';

describe('progress tracker', () => {
  it('computes speed over a sliding window and an ETA, throttling events', () => {
    let now = 0;
    const events: EngineEvent[] = [];
    const p = new ProgressTracker(10_000_000, (e) => events.push(e), {
      clock: { now: () => now },
      windowMs: 2000,
      emitEveryMs: 100,
    });
    p.startStep(0, 10_000_000);
    for (let i = 1; i <= 40; i++) {
      now += 50;
      p.update(i * 100_000); // 2 MB/s
    }
    const last = events.filter((e) => e.type === 'progress').at(-1)!;
    expect(last).toMatchObject({ totalBytesDone: 4_000_000, bytesPerSecond: 2_000_000, etaSeconds: 3 });
    expect(events.length).toBeLessThanOrEqual(22); // 40 updates, one event per 100 ms plus the start
  });

  it('shows a stall as a falling speed', () => {
    let now = 0;
    const p = new ProgressTracker(1000, undefined, { clock: { now: () => now }, windowMs: 1000 });
    p.startStep(0, 1000);
    now = 500;
    p.update(500);
    now = 3000;
    p.update(501);
    expect(p.bytesPerSecond()).toBeLessThan(10);
  });

  it('says "stalled" once nothing moved for 3 s, once a second, and stops when data moves again', () => {
    let now = 0;
    const events: EngineEvent[] = [];
    const p = new ProgressTracker(1_000_000, (e) => events.push(e), { clock: { now: () => now } });
    p.startStep(0, 1_000_000);
    now = 100;
    p.update(200_000);
    const stalled = (): EngineEvent[] => events.filter((e) => e.type === 'progress' && e.stalled === true);
    now = 2900;
    p.tick();
    expect(stalled()).toHaveLength(0); // under 3 s: the figures stand
    now = 3200;
    p.tick();
    now = 3700;
    p.tick(); // within a second of the last: not again
    expect(stalled()).toHaveLength(1);
    expect(stalled()[0]).toMatchObject({ bytesPerSecond: 0, etaSeconds: -1, totalBytesDone: 200_000 });
    now = 4300;
    p.tick();
    expect(stalled()).toHaveLength(2);
    now = 4400;
    p.update(300_000);
    now = 5000;
    p.tick();
    expect(stalled()).toHaveLength(2);
    const last = events.at(-1)!;
    expect(last.type === 'progress' && last.stalled).toBeFalsy();
  });
});
