import { describe, expect, it } from 'vitest';
import {
  LinkModel,
  pacedPipe,
  theoreticalSeconds,
  transferSeconds,
  type LinkClock,
} from '../../src-main/transport/link-model.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';

/** A clock that only moves when the test (or a sleep) moves it. */
function fakeClock(): LinkClock & { t: number; slept: number[] } {
  const c = {
    t: 1000,
    slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.slept.push(ms);
      c.t += ms;
    },
  };
  return c;
}

const link = { bytesPerSecond: 1_000_000, perTransferLatencyUs: 100, packetSize: 512 };

describe('link model arithmetic', () => {
  it('charges whole packets plus the per-transfer latency', () => {
    // 1 byte still occupies one 512-byte packet: 512 us + 100 us.
    expect(transferSeconds(1, link)).toBeCloseTo(0.000612, 9);
    expect(transferSeconds(512, link)).toBeCloseTo(0.000612, 9);
    // 513 bytes need two packets.
    expect(transferSeconds(513, link)).toBeCloseTo(0.001124, 9);
    // A ZLP costs one packet.
    expect(transferSeconds(0, link)).toBeCloseTo(0.000612, 9);
    expect(transferSeconds(1024 * 1024, link)).toBeCloseTo(1.048576 + 0.0001, 9);
  });

  it('theoreticalSeconds sums the transfers', () => {
    const transfers = [{ bytes: 1024 * 1024 }, { bytes: 0 }, { bytes: 100 }];
    expect(theoreticalSeconds(transfers, link)).toBeCloseTo(1.048676 + 0.000612 + 0.000612, 9);
    expect(new LinkModel(link, fakeClock()).theoreticalSeconds(transfers)).toBeCloseTo(
      theoreticalSeconds(transfers, link),
      12,
    );
  });

  it('usb2HighSpeed is 35 MB/s with 512-byte packets', () => {
    const m = LinkModel.usb2HighSpeed(fakeClock());
    expect(m.options.bytesPerSecond).toBe(35_000_000);
    expect(m.options.packetSize).toBe(512);
    expect(m.options.perTransferLatencyUs).toBeGreaterThan(0);
    expect(m.options.perTransferLatencyUs).toBeLessThan(1000);
  });

  it('rejects nonsense settings', () => {
    expect(() => new LinkModel({ bytesPerSecond: 0, perTransferLatencyUs: 0, packetSize: 512 })).toThrow(RangeError);
    expect(() => new LinkModel({ bytesPerSecond: 1, perTransferLatencyUs: 0, packetSize: 0 })).toThrow(RangeError);
  });
});

describe('link model pacing on a virtual clock', () => {
  it('does not sleep for transfers that fit in the slack, then sleeps the whole lead', async () => {
    const clock = fakeClock();
    const m = new LinkModel(link, clock, 2);
    // Each 512-byte transfer costs 0.612 ms; three fit in 2 ms, the fourth puts the clock 2.448 ms ahead.
    await m.transfer(512);
    await m.transfer(512);
    await m.transfer(512);
    expect(clock.slept).toEqual([]);
    await m.transfer(512);
    expect(clock.slept).toHaveLength(1);
    expect(clock.slept[0]).toBeCloseTo(2.448, 9);
    expect(m.stats.sleeps).toBe(1);
    expect(m.stats.transfers).toBe(4);
    expect(m.stats.bytes).toBe(2048);
    expect(m.stats.busySeconds).toBeCloseTo(0.002448, 9);
  });

  it('a big transfer sleeps its full cost, so the average rate matches the link', async () => {
    const clock = fakeClock();
    const m = new LinkModel(link, clock);
    const start = clock.t;
    for (let i = 0; i < 10; i++) await m.transfer(100_000);
    const elapsedS = (clock.t - start) / 1000;
    expect(elapsedS).toBeCloseTo(m.stats.busySeconds, 9);
    expect(elapsedS).toBeCloseTo(10 * transferSeconds(100_000, link), 9);
  });

  it('idle time is not banked: after a pause the link is not faster than its bandwidth', async () => {
    const clock = fakeClock();
    const m = new LinkModel(link, clock, 2);
    await m.transfer(512);
    clock.t += 10_000; // ten seconds idle
    // 5 transfers of 0.612 ms each: 3.06 ms of work must still make the model sleep once.
    for (let i = 0; i < 5; i++) await m.transfer(512);
    expect(clock.slept.length).toBe(1);
  });

  it('stops with CANCELLED when aborted, before or during the sleep', async () => {
    const m = new LinkModel(link);
    const before = new AbortController();
    before.abort();
    await expect(m.transfer(10, before.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    const during = new AbortController();
    const p = m.transfer(1_000_000, during.signal); // about one second of bus time
    during.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('link model and late timers', () => {
  it('does not charge the host for the time a sleep overslept', async () => {
    const clock = fakeClock();
    clock.sleep = async (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms + 1; // every timer wakes 1 ms late
    };
    const m = new LinkModel({ bytesPerSecond: 1_000_000, perTransferLatencyUs: 0, packetSize: 1000 }, clock, 2);
    const start = clock.t;
    for (let i = 0; i < 100; i++) await m.transfer(1000); // 1 ms each: 100 ms of bus time
    // Without the correction every sleep would lose its 1 ms and the run would take ~130 ms.
    expect(clock.t - start).toBeLessThan(103);
  });
});

describe('a pipe paced by a link (sim --link-rate)', () => {
  it('every read and write crosses the link first: the bytes pass unchanged, the link time is paid', async () => {
    const clock = fakeClock();
    const m = new LinkModel(link, clock, 0);
    const pair = createMemoryPipePair();
    const device = pacedPipe(pair.device, m);
    await pair.host.write(new Uint8Array(4096).fill(7), { timeoutMs: 1000 });
    const got = await device.read(8192, { timeoutMs: 1000 });
    expect(got.length).toBe(4096);
    expect(got.every((b) => b === 7)).toBe(true);
    await device.write(Uint8Array.of(1, 2, 3), { timeoutMs: 1000 });
    expect([...(await pair.host.read(16, { timeoutMs: 1000 }))]).toEqual([1, 2, 3]);
    expect(m.stats.transfers).toBe(2);
    expect(m.stats.bytes).toBe(4099);
    // 4096 bytes at 1 MB/s in whole 512-byte packets, plus the 3-byte transfer, plus latencies.
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeCloseTo(
      1000 * (transferSeconds(4096, link) + transferSeconds(3, link)),
      6,
    );
    expect([device.name, device.maxPacketSize, device.needsZlp, device.closed]).toEqual([
      pair.device.name,
      pair.device.maxPacketSize,
      pair.device.needsZlp,
      false,
    ]);
  });
});
