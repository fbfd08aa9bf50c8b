// The device poller: one look at a time, no second loop after a quick stop/start.

import { describe, expect, it } from 'vitest';
import { Poller } from '../../src-main/service/device-state.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Poller', () => {
  it('never runs two looks at once, even when restarted while a look is in flight', async () => {
    let running = 0;
    let maxRunning = 0;
    let looks = 0;
    const p = new Poller(async () => {
      running++;
      looks++;
      maxRunning = Math.max(maxRunning, running);
      await tick(30);
      running--;
    }, 5);
    p.start();
    await tick(10); // a look is in flight
    const stopping = p.stop();
    p.start();
    await stopping;
    await tick(200);
    await p.stop();
    expect(looks).toBeGreaterThan(2);
    expect(maxRunning).toBe(1);
    const after = looks;
    await tick(60);
    expect(looks).toBe(after);
  });
});
