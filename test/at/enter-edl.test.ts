// The switch into EDL against a fake DM device that echoes and then "re-enumerates" (a fake EDL
// opener that yields a pipe after a delay), and every way it can go wrong, each bounded.

import { afterEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { enterEdl, type EnterEdlOptions } from '../../src-main/flows/enter-edl.js';
import type { EnumeratedDevice, UsbEnumerator } from '../../src-main/platform/usb-enumerator.js';
import { HdlcDecoder, hdlcEncode } from '../../src-main/protocol/hdlc.js';
import { createMemoryPipePair, type MemoryPipePair } from '../../src-main/transport/memory.js';
import type { BulkPipe, IoOptions, PipeOpener } from '../../src-main/transport/transport.js';
import { cancelledError, sleep } from '../../src-main/util/deadline.js';
import { rejection } from '../helpers/rejection.js';

type Reaction = 'echo' | 'silent' | 'bad-cmd' | 'drop' | 'echo-after-log' | 'echo-after-stale';

/** The DM side of a running module: answers the switch frame as told, optionally spits logs first. */
class FakeDm implements PipeOpener {
  readonly description = 'fake DM port';
  received: number[] = [];
  pair: MemoryPipePair | undefined;
  hostPipe: BulkPipe | undefined;
  private stopped = new AbortController();
  private tasks: Promise<void>[] = [];

  constructor(
    private readonly reaction: Reaction,
    private readonly opts: { logBytesBefore?: number; flood?: boolean; onSwitch?: () => void } = {},
  ) {}

  async open(): Promise<BulkPipe> {
    this.pair = createMemoryPipePair({ name: 'fake DM' });
    this.hostPipe = this.pair.host;
    this.tasks.push(this.serve(this.pair));
    return this.pair.host;
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await Promise.all(this.tasks);
  }

  private async serve(pair: MemoryPipePair): Promise<void> {
    const io = { timeoutMs: 5000, signal: this.stopped.signal };
    const logFrame = hdlcEncode(Uint8Array.of(0x10, 0x00, 0x12, 0x00, 1, 2, 3, 4, 5, 6, 7, 8));
    try {
      if (this.opts.logBytesBefore) {
        for (let sent = 0; sent < this.opts.logBytesBefore; sent += logFrame.length)
          await pair.device.write(logFrame.slice(), io);
      }
      if (this.opts.flood) this.tasks.push(this.flood(pair, logFrame));
      const decoder = new HdlcDecoder();
      for (;;) {
        const chunk = await pair.device.read(4096, io);
        this.received.push(...chunk);
        for (const f of decoder.push(chunk)) {
          if (!f.ok || f.payload[0] !== 0x4b || f.payload[1] !== 0x65) continue;
          this.opts.onSwitch?.();
          if (this.reaction === 'echo') await pair.device.write(hdlcEncode(f.payload), io);
          if (this.reaction === 'echo-after-log') {
            await pair.device.write(Uint8Array.of(0x01, 0x02, 0x7e), io); // a broken frame
            await pair.device.write(logFrame.slice(), io);
            await pair.device.write(hdlcEncode(f.payload), io);
          }
          if (this.reaction === 'echo-after-stale') {
            // the unterminated tail of a frame another program left behind, glued to the echo
            const stale = Uint8Array.of(0x10, 0x00, 0x12, 0x34);
            const echo = hdlcEncode(f.payload);
            const both = new Uint8Array(stale.length + echo.length);
            both.set(stale);
            both.set(echo, stale.length);
            await pair.device.write(both, io);
          }
          if (this.reaction === 'bad-cmd') await pair.device.write(hdlcEncode(Uint8Array.of(0x13, ...f.payload)), io);
          if (this.reaction === 'drop') pair.disconnect();
        }
      }
    } catch {
      // closed or stopped
    }
  }

  private async flood(pair: MemoryPipePair, frame: Uint8Array): Promise<void> {
    try {
      for (;;) {
        await pair.device.write(frame.slice(), { timeoutMs: 5000, signal: this.stopped.signal });
        await sleep(1, this.stopped.signal);
      }
    } catch {
      // done
    }
  }
}

/** The EDL device of the fake bus: appears `appearAfterMs` after the switch (never when undefined). */
class FakeEdlOpener implements PipeOpener {
  readonly description = 'EDL device 05c6:9008 on any USB port (fake)';
  private appearAt: number | undefined;
  opened: BulkPipe | undefined;

  constructor(private readonly appearAfterMs: number | undefined) {}

  switched(): void {
    if (this.appearAfterMs !== undefined) this.appearAt = Date.now() + this.appearAfterMs;
  }

  async open(io: IoOptions): Promise<BulkPipe> {
    const deadline = Date.now() + io.timeoutMs;
    for (;;) {
      if (io.signal?.aborted) throw cancelledError(io.signal.reason);
      if (this.appearAt !== undefined && Date.now() >= this.appearAt) {
        this.opened = createMemoryPipePair({ name: 'USB 3-2 05c6:9008' }).host;
        return this.opened;
      }
      if (Date.now() >= deadline)
        throw new RescueError('DEVICE_NOT_FOUND', `Waited ${io.timeoutMs} ms for a USB device 05c6:9008.`);
      await sleep(10, io.signal);
    }
  }
}

function dev(vid: number, pid: number, busPath: string): EnumeratedDevice {
  return { vendorId: vid, productId: pid, busPath, interfaces: [] };
}

/** A bus whose device list follows a script of (time after the switch -> devices). */
class ScriptedBus implements UsbEnumerator {
  private switchedAt: number | undefined;
  constructor(
    private readonly before: EnumeratedDevice[],
    private readonly after: { atMs: number; devices: EnumeratedDevice[] }[],
  ) {}
  switched(): void {
    this.switchedAt = Date.now();
  }
  async availability() {
    return { available: true as const };
  }
  async list(): Promise<EnumeratedDevice[]> {
    if (this.switchedAt === undefined) return this.before;
    const t = Date.now() - this.switchedAt;
    let current = this.before;
    for (const step of this.after) if (t >= step.atMs) current = step.devices;
    return current;
  }
}

const fakes: FakeDm[] = [];
afterEach(async () => {
  while (fakes.length) await fakes.pop()!.stop();
});

function run(dm: FakeDm, edl: PipeOpener, extra: Partial<EnterEdlOptions> = {}) {
  fakes.push(dm);
  const events: EngineEvent[] = [];
  const p = enterEdl({
    dm,
    edl,
    waitMs: 2000,
    echoTimeoutMs: 300,
    drainQuietMs: 30,
    pollMs: 20,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { p, events };
}

const logs = (events: EngineEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'log' ? [`${e.level}: ${e.message}`] : []));

describe('enterEdl', () => {
  it('drains the logs, sends exactly 4B 65 01 00 54 0F 7E, gets the echo and reports where 9008 appeared', async () => {
    const edl = new FakeEdlOpener(100);
    const dm = new FakeDm('echo', { logBytesBefore: 3000, onSwitch: () => edl.switched() });
    const { p, events } = run(dm, edl);
    const r = await p;
    expect(r.edlPipeName).toBe('USB 3-2 05c6:9008 (host side)');
    expect(r.waitedMs).toBeGreaterThanOrEqual(50);
    expect(dm.received).toEqual([0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e]);
    expect(dm.hostPipe!.closed).toBe(true);
    expect(edl.opened!.closed).toBe(true);
    expect(logs(events).join('\n')).toMatch(/Drained \d{4} bytes/);
    expect(logs(events).join('\n')).toMatch(/accepted the switch/);
    expect(logs(events).some((l) => l.includes('Waiting for the module in EDL'))).toBe(true);
  });

  it('finds the echo among log frames and broken frames', async () => {
    const edl = new FakeEdlOpener(10);
    const { p } = run(new FakeDm('echo-after-log', { onSwitch: () => edl.switched() }), edl);
    expect((await p).edlPipeName).toContain('05c6:9008');
  });

  it('finds the echo glued to stale bytes of an unfinished frame (the drain is short)', async () => {
    const edl = new FakeEdlOpener(10);
    const { p, events } = run(new FakeDm('echo-after-stale', { onSwitch: () => edl.switched() }), edl);
    expect((await p).edlPipeName).toContain('05c6:9008');
    expect(logs(events).join('\n')).toMatch(/accepted the switch/);
  });

  it('keeps the EDL pipe open for the caller with keepOpen', async () => {
    const edl = new FakeEdlOpener(10);
    const { p } = run(new FakeDm('echo', { onSwitch: () => edl.switched() }), edl, { keepOpen: true });
    const r = await p;
    expect(r.pipe).toBe(edl.opened);
    expect(r.pipe!.closed).toBe(false);
    await r.pipe!.close();
  });

  it('a module flooding logs: the drain is bounded and the echo is still found', async () => {
    const edl = new FakeEdlOpener(10);
    const started = Date.now();
    const { p } = run(new FakeDm('echo', { flood: true, onSwitch: () => edl.switched() }), edl, { drainMaxMs: 150 });
    expect((await p).edlPipeName).toContain('9008');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('no echo: EDL_SWITCH_FAILED naming the port, with the hardware way as next step', async () => {
    const dm = new FakeDm('silent');
    const { p } = run(dm, new FakeEdlOpener(undefined));
    const e = await rejection(p);
    expect(e.code).toBe('EDL_SWITCH_FAILED');
    expect(e.message).toMatch(/No echo of the switch command on fake DM/);
    expect(e.message).toMatch(/may not be the DM\/DIAG port/);
    expect(e.nextStep).toMatch(/USB_BOOT/);
    expect(dm.hostPipe!.closed).toBe(true);
  });

  it('a DIAG error answer: the module does not support the switch', async () => {
    const e = await rejection(run(new FakeDm('bad-cmd'), new FakeEdlOpener(undefined)).p);
    expect(e.code).toBe('EDL_SWITCH_FAILED');
    expect(e.message).toMatch(/DIAG error \(0x13, bad command\)/);
  });

  it('the DM port drops off right after the command: goes on waiting and finds 9008', async () => {
    const edl = new FakeEdlOpener(50);
    const { p, events } = run(new FakeDm('drop', { onSwitch: () => edl.switched() }), edl);
    expect((await p).edlPipeName).toContain('9008');
    expect(logs(events).some((l) => l.startsWith('warn:') && l.includes('no echo seen'))).toBe(true);
  });

  it('EDL never appears: DEVICE_NOT_FOUND after waitMs, saying what to do', async () => {
    const started = Date.now();
    const e = await rejection(run(new FakeDm('echo'), new FakeEdlOpener(undefined), { waitMs: 200 }).p);
    expect(e.code).toBe('DEVICE_NOT_FOUND');
    expect(e.message).toMatch(/accepted the switch but did not appear in EDL/);
    expect(e.nextStep).toMatch(/detect/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('cancel while waiting: CANCELLED at once', async () => {
    const controller = new AbortController();
    const { p } = run(new FakeDm('echo'), new FakeEdlOpener(undefined), { waitMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    expect((await rejection(p)).code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  describe('with an enumerator watching the bus', () => {
    const normal = dev(0x2c7c, 0x0125, '1-1');

    it('a module that leaves and comes back in normal mode', async () => {
      const bus = new ScriptedBus(
        [normal],
        [
          { atMs: 0, devices: [] },
          { atMs: 80, devices: [dev(0x2c7c, 0x0125, '1-4')] },
        ],
      );
      const e = await rejection(
        run(new FakeDm('echo', { onSwitch: () => bus.switched() }), new FakeEdlOpener(undefined), { enumerator: bus })
          .p,
      );
      expect(e.code).toBe('EDL_SWITCH_FAILED');
      expect(e.message).toMatch(/came back in normal mode \(2c7c:0125 at USB 1-4\)/);
    });

    it('a module that never leaves normal mode', async () => {
      const bus = new ScriptedBus([normal], []);
      const e = await rejection(
        run(new FakeDm('echo'), new FakeEdlOpener(undefined), { enumerator: bus, waitMs: 200 }).p,
      );
      expect(e.code).toBe('EDL_SWITCH_FAILED');
      expect(e.message).toMatch(/still running in normal mode/);
    });

    it('a module that comes back in crash dump (900e)', async () => {
      const bus = new ScriptedBus(
        [normal],
        [
          { atMs: 0, devices: [] },
          { atMs: 50, devices: [dev(0x05c6, 0x900e, '1-4')] },
        ],
      );
      const e = await rejection(
        run(new FakeDm('echo', { onSwitch: () => bus.switched() }), new FakeEdlOpener(undefined), { enumerator: bus })
          .p,
      );
      expect(e.code).toBe('SAHARA_MEMORY_DEBUG');
      expect(e.message).toMatch(/05c6:900e/);
    });

    it('a module that comes back in fastboot', async () => {
      const bus = new ScriptedBus([normal], [{ atMs: 50, devices: [dev(0x18d1, 0xd00d, '1-4')] }]);
      const e = await rejection(
        run(new FakeDm('echo', { onSwitch: () => bus.switched() }), new FakeEdlOpener(undefined), { enumerator: bus })
          .p,
      );
      expect(e.code).toBe('DEVICE_NOT_FOUND');
      expect(e.message).toMatch(/fastboot/);
      expect(e.nextStep).toMatch(/not download mode/);
    });

    it('a bus that cannot be listed does not stop the switch', async () => {
      const edl = new FakeEdlOpener(50);
      const broken: UsbEnumerator = {
        availability: async () => ({ available: true }),
        list: async () => {
          throw new RescueError('HOST_IO', 'Cannot list /sys/bus/usb/devices.');
        },
      };
      const { p, events } = run(new FakeDm('echo', { onSwitch: () => edl.switched() }), edl, { enumerator: broken });
      expect((await p).edlPipeName).toContain('9008');
      expect(logs(events).some((l) => l.startsWith('warn:') && l.includes('cannot be watched'))).toBe(true);
    });

    it('9008 on a different bus path is taken', async () => {
      const edl = new FakeEdlOpener(60);
      const bus = new ScriptedBus(
        [normal],
        [
          { atMs: 0, devices: [] },
          { atMs: 60, devices: [dev(0x05c6, 0x9008, '2-7')] },
        ],
      );
      const { p } = run(
        new FakeDm('echo', {
          onSwitch: () => {
            bus.switched();
            edl.switched();
          },
        }),
        edl,
        { enumerator: bus },
      );
      expect((await p).edlPipeName).toContain('9008');
    });
  });
});
