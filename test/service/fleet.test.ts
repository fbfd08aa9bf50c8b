// Issue 16, the wizard's service: a demo bench of several virtual modules, each shown as its own
// device with its own serial; "flash all" flashes every module in download mode at once, tags each
// event with its module, and answers per module; one module's fault (a disconnect mid-flash) is
// recovered on that module alone.

import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent, DeviceState } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { fleetSerial, MODELS } from '../../src-main/sim/models.js';
import { faultsPerModem } from '../../src-main/sim/fleet-faults.js';
import { FaultSpecError } from '../../src-main/sim/faults.js';
import { closeAll, makeService, STALL_FLASH } from './harness.js';
import { rejection } from '../helpers/rejection.js';

afterEach(closeAll);

/** Each module's engine events, by the module the event names. */
function byModule(events: readonly ApiEvent[]): Map<string, EngineEvent[]> {
  const out = new Map<string, EngineEvent[]>();
  for (const e of events)
    if (e.type === 'engine' && e.module !== undefined) out.set(e.module, [...(out.get(e.module) ?? []), e.event]);
  return out;
}

const modes = (s: DeviceState): string[] => s.devices.map((d) => `${d.id}:${d.mode}`);

describe('the demo bench', () => {
  it('shows each module as its own device; flash all flashes them at once and recovers the faulted one alone', async () => {
    const h = makeService();
    const { service } = h;
    const s = await service.call('setDemoMode', { on: true, count: 4, faults: ['3:disconnect@1M'] });
    expect(s.demo).toBe(true);
    expect(modes(s)).toEqual(['demo-1:normal', 'demo-2:normal', 'demo-3:normal', 'demo-4:normal']);
    const serials = [1, 2, 3, 4].map((k) => String(fleetSerial(MODELS.ec25, k)));
    expect(s.devices.map((d) => d.serial)).toEqual(serials);
    expect(new Set(s.devices.map((d) => d.name)).size).toBe(4);

    // Each module is switched to EDL on its own (its own DIAG port and EDL bus).
    for (const d of s.devices) await service.call('enterEdl', { deviceId: d.id });
    await h.waitDevices((x) => x.devices.length === 4 && x.devices.every((d) => d.mode === 'edl'));
    const pkg = await service.call('makeDemoPackage', {});

    h.events.length = 0;
    const r = await service.call('flashAll', { packagePath: pkg, verify: true });
    expect(r.modules.map((m) => [m.id, m.ok, m.serial])).toEqual(
      serials.map((serial, i) => [`demo-${i + 1}`, true, serial]),
    );
    for (const m of r.modules) {
      expect(m.bytesWritten, m.id).toBeGreaterThan(0);
      expect(m.verified, m.id).not.toBe('skipped');
      expect(m.error, m.id).toBeUndefined();
    }
    // Module 3 dropped off the bus mid-flash and was recovered; nobody else needed recovery.
    expect(r.modules.map((m) => (m.recoveries ?? 0) > 0)).toEqual([false, false, true, false]);
    expect(r.modules.every((m) => m.powerCycles === 0)).toBe(true);

    // Every module's events come tagged with it, each stream ending with its own result.
    const streams = byModule(h.events);
    expect([...streams.keys()].sort()).toEqual(['demo-1', 'demo-2', 'demo-3', 'demo-4']);
    for (const [id, ev] of streams) {
      expect(ev.at(-1), id).toMatchObject({ type: 'result', ok: true });
      expect(
        ev.some((e) => e.type === 'progress'),
        id,
      ).toBe(true);
    }
    expect(streams.get('demo-3')!.some((e) => e.type === 'recovery')).toBe(true);
    expect(streams.get('demo-1')!.some((e) => e.type === 'recovery')).toBe(false);
    // Busy while it ran, as for the single flash.
    expect(h.events.filter((e) => e.type === 'busy').map((e) => e.type === 'busy' && e.method)).toEqual([
      'flashAll',
      undefined,
    ]);
  }, 90_000);

  it('starts in download mode when asked; with power consent the hung module alone has its own port power cut', async () => {
    const h = makeService({ flash: STALL_FLASH });
    const { service } = h;
    const s = await service.call('setDemoMode', { on: true, count: 3, edl: true, faults: ['2:stall@1M'] });
    expect(modes(s)).toEqual(['demo-1:edl', 'demo-2:edl', 'demo-3:edl']);
    const pkg = await service.call('makeDemoPackage', {});
    h.events.length = 0;
    const r = await service.call('flashAll', { packagePath: pkg, verify: true, powerCycle: true });
    expect(r.modules.map((m) => [m.id, m.ok])).toEqual([
      ['demo-1', true],
      ['demo-2', true],
      ['demo-3', true],
    ]);
    expect(r.modules.map((m) => m.powerCycles)).toEqual([0, 1, 0]);
    // The consent is said per module, in its own stream; the power cut shows in module 2's only.
    const streams = byModule(h.events);
    for (const id of ['demo-1', 'demo-2', 'demo-3'])
      expect(
        streams.get(id)!.some((e) => e.type === 'log' && /USB port off and on/i.test(e.message)),
        id,
      ).toBe(true);
    const cuts = (id: string): number =>
      streams
        .get(id)!
        .filter((e) => e.type === 'recovery' && e.action === 'power-cycle' && /\(power cycle \d of/.test(e.message))
        .length;
    expect(['demo-1', 'demo-2', 'demo-3'].map(cuts)).toEqual([0, 1, 0]);
  }, 90_000);

  it('cancel stops every module of the run; each says CANCELLED and the engine is free again', async () => {
    const h = makeService({ demo: { reEnumerateDelayMs: 50, packageMiB: 4, linkBytesPerSecond: 1_000_000 } });
    const { service } = h;
    await service.call('setDemoMode', { on: true, count: 2, edl: true });
    const pkg = await service.call('makeDemoPackage', {});
    h.events.length = 0;
    const running = service.call('flashAll', { packagePath: pkg, verify: true });
    // Cancel once both modules are writing.
    const deadline = Date.now() + 20_000;
    while ([...byModule(h.events).values()].filter((ev) => ev.some((e) => e.type === 'progress')).length < 2) {
      if (Date.now() > deadline) throw new Error('the modules never started writing');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await service.call('cancel', {})).toEqual({ cancelled: true });
    const r = await running;
    expect(r.modules.map((m) => [m.id, m.ok, m.error?.code])).toEqual([
      ['demo-1', false, 'CANCELLED'],
      ['demo-2', false, 'CANCELLED'],
    ]);
    expect(h.events.filter((e) => e.type === 'busy').at(-1)).toEqual({ type: 'busy', method: undefined });
  }, 60_000);

  it('the single demo module stays as it was (id "demo", no serial, no bench); flash all takes it once in download mode', async () => {
    const h = makeService();
    const s = await h.service.call('setDemoMode', { on: true });
    expect(s.devices.map((d) => [d.id, d.mode, d.serial])).toEqual([['demo', 'normal', undefined]]);
    const e = await rejection(h.service.call('flashAll', { packagePath: '/nowhere', verify: true }));
    expect(e).toBeInstanceOf(RescueError);
    expect((e as RescueError).code).toBe('DEVICE_NOT_FOUND');
    expect((e as RescueError).nextStep).toMatch(/download mode/);
    await h.service.call('enterEdl', { deviceId: 'demo' });
    await h.waitDevices((x) => x.devices.some((d) => d.id === 'demo' && d.mode === 'edl'));
    const pkg = await h.service.call('makeDemoPackage', {});
    const r = await h.service.call('flashAll', { packagePath: pkg, verify: true, deviceIds: ['demo'] });
    expect(r.modules.map((m) => [m.id, m.ok, m.recoveries])).toEqual([['demo', true, 0]]);
  }, 60_000);

  it('refuses a bench it cannot make, a fault for a module that is not there, and flash all with nothing in EDL', async () => {
    const h = makeService();
    const { service } = h;
    for (const count of [0, 9, 2.5]) {
      const e = await rejection(service.call('setDemoMode', { on: true, count }));
      expect((e as RescueError).code, String(count)).toBe('USAGE');
    }
    for (const params of [
      { on: true, count: 3, silent: true },
      { on: true, count: 1, edl: true },
    ]) {
      const e = await rejection(service.call('setDemoMode', params));
      expect((e as RescueError).code, JSON.stringify(params)).toBe('USAGE');
    }
    const bad = await rejection(service.call('setDemoMode', { on: true, count: 3, faults: ['5:stall@1M'] }));
    expect((bad as RescueError).code).toBe('USAGE');
    expect((bad as RescueError).message).toMatch(/modem 5.*1 to 3/);

    await service.call('setDemoMode', { on: true, count: 2 });
    const pkg = await service.call('makeDemoPackage', {});
    const none = await rejection(service.call('flashAll', { packagePath: pkg, verify: true }));
    expect((none as RescueError).code).toBe('DEVICE_NOT_FOUND');
    expect((none as RescueError).nextStep).toMatch(/download mode/);
    // The single flash does not reach for a bench module: it says where the bench is flashed.
    const single = await rejection(service.call('flash', { packagePath: pkg, verify: true }));
    expect((single as RescueError).code).toBe('USAGE');
    expect((single as RescueError).message).toMatch(/bench view/);
    // Switching the bench off leaves no module behind.
    expect((await service.call('setDemoMode', { on: false })).devices).toEqual([]);
  });
});

describe('faultsPerModem', () => {
  it('arms "K:SPEC" on module K only and a plain spec on every module, each its own copy', () => {
    const f = faultsPerModem(['2:stall@1M', 'nak-program@2'], 3);
    expect(f.map((x) => x.map((y) => y.kind))).toEqual([['nak-program'], ['stall', 'nak-program'], ['nak-program']]);
    expect(f[0]![0]).not.toBe(f[2]![0]);
    expect(() => faultsPerModem(['4:stall@1M'], 3)).toThrow(FaultSpecError);
    expect(() => faultsPerModem(['2:melt'], 3)).toThrow(FaultSpecError);
  });
});
