// A real module's pace (device-pace.ts): the time each kind of device work is charged, paid by
// sleeping on the device clock (never spinning), and the virtual programmer charging it for its
// commands, erases, programs and digests. A fake clock: no real time passes in these tests.

import { afterEach, describe, expect, it } from 'vitest';
import { DevicePace, REAL_PACE } from '../../src-main/sim/device-pace.js';
import { FaultPlan } from '../../src-main/sim/faults.js';
import { runFirehoseNand } from '../../src-main/sim/firehose-nand.js';
import { MODELS } from '../../src-main/sim/models.js';
import { Nand } from '../../src-main/sim/nand.js';
import { fillPseudoRandom } from '../../src-main/sim/programmer-image.js';
import type { LinkClock } from '../../src-main/transport/link-model.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import { nandAttrs, ScriptedHost } from './scripted-host.js';

/** Moves only when the model sleeps. */
function fakeClock(): LinkClock & { t: number; slept: number[] } {
  const c = {
    t: 0,
    slept: [] as number[],
    now: () => c.t,
    sleep: (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return Promise.reject(new Error('aborted'));
      c.slept.push(ms);
      c.t += ms;
      return Promise.resolve();
    },
  };
  return c;
}

describe('device pace arithmetic', () => {
  it('charges program, erase, digest, commands and start-up at the figures, and sleeps for them', async () => {
    const clock = fakeClock();
    const pace = new DevicePace(REAL_PACE, clock);
    await pace.program(2_300_000);
    await pace.erase(100);
    await pace.digest(20_000_000);
    await pace.command();
    await pace.startup();
    const s = pace.stats;
    expect(s.seconds.program).toBeCloseTo(1, 9);
    expect(s.seconds.erase).toBeCloseTo(0.12, 9);
    expect(s.seconds.digest).toBeCloseTo(1, 9);
    expect(s.seconds.command).toBeCloseTo(0.002, 9);
    expect(s.seconds.startup).toBeCloseTo(1, 9);
    expect(s.totalSeconds).toBeCloseTo(3.122, 9);
    // the device clock was paid in sleeps, to the millisecond
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeCloseTo(3122, 6);
  });

  it('many small pieces of work cost few sleeps: it sleeps only when more than 2 ms ahead', async () => {
    const clock = fakeClock();
    const pace = new DevicePace({ programBytesPerSecond: 1_000_000 }, clock);
    for (let i = 0; i < 1000; i++) await pace.program(1000); // 1 ms each
    expect(pace.stats.seconds.program).toBeCloseTo(1, 9);
    expect(clock.slept.length).toBeLessThanOrEqual(340);
    expect(clock.t).toBeGreaterThanOrEqual(998);
    expect(clock.t).toBeLessThanOrEqual(1000);
  });

  it('an idle device banks no credit: work after a pause starts then', async () => {
    const clock = fakeClock();
    const pace = new DevicePace({ eraseMsPerBlock: 10 }, clock);
    await pace.erase(1);
    clock.t += 500; // idle
    await pace.erase(1);
    expect(clock.t).toBe(520);
  });

  it('refuses impossible figures and stops at once when cancelled', async () => {
    expect(() => new DevicePace({ programBytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new DevicePace({ commandMs: -1 })).toThrow(RangeError);
    const ac = new AbortController();
    ac.abort();
    await expect(new DevicePace(REAL_PACE, fakeClock()).program(1000, ac.signal)).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });
});

describe('the virtual programmer at a real pace', () => {
  const model = MODELS.eg25g;
  const PS = model.pageSize;
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const f of cleanup.splice(0)) f();
  });

  it('charges its start-up, every command, opening the NAND once, the erase, the program and the digest', async () => {
    const pair = createMemoryPipePair({ maxPacketSize: 512 });
    const nand = Nand.open({ model, totalBlocks: 16 });
    const abort = new AbortController();
    const clock = fakeClock();
    const pace = new DevicePace(REAL_PACE, clock);
    const done = runFirehoseNand(pair.device, {
      model,
      nand,
      faults: new FaultPlan([]),
      signal: abort.signal,
      pace,
    });
    done.catch(() => undefined);
    cleanup.push(() => {
      abort.abort();
      pair.disconnect();
      nand.close();
    });
    const host = new ScriptedHost(pair.host);
    await host.startupLogs();
    expect(pace.stats.seconds.startup).toBe(1);
    expect((await host.configure()).ack).toBe(true);
    const ppb = model.pagesPerBlock;
    expect((await host.cmd('erase', nandAttrs(PS, 0, 2 * ppb))).ack).toBe(true);
    expect(pace.stats.seconds.erase).toBeCloseTo((REAL_PACE.nandOpenMs + 2 * REAL_PACE.eraseMsPerBlock) / 1000, 9);
    const image = new Uint8Array(ppb * PS);
    fillPseudoRandom(image, 3);
    expect(await host.cmd('program', nandAttrs(PS, 0, ppb, { filename: 'x.bin' }))).toMatchObject({ rawmode: true });
    await host.writeData(image, 8192);
    expect((await host.reply()).ack).toBe(true);
    expect(pace.stats.programBytes).toBe(image.length);
    expect(pace.stats.seconds.program).toBeCloseTo(image.length / REAL_PACE.programBytesPerSecond, 9);
    expect((await host.cmd('getsha256digest', nandAttrs(PS, 0, 2 * ppb))).ack).toBe(true);
    expect(pace.stats.digestBytes).toBe(2 * ppb * PS); // the written block and the erased one
    expect(pace.stats.seconds.erase).toBeCloseTo((REAL_PACE.nandOpenMs + 2 * REAL_PACE.eraseMsPerBlock) / 1000, 9);
    expect(pace.stats.seconds.command).toBeCloseTo((4 * REAL_PACE.commandMs) / 1000, 9); // configure, erase, program, digest
  });
});
