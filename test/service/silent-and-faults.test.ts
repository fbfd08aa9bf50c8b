// The manual EDL path of demo mode (a silent module brought into EDL by shorting the pads and
// suspending twice), faults during the flash reaching the wizard as recovery events, cancel, and
// the one-operation-at-a-time rule.

import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent, DeviceState } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { DEMO_PACKAGE_FIRMWARE } from '../../src-main/service/demo-package.js';
import { closeAll, makeService, STALL_FLASH, TEST_FLASH } from './harness.js';
import { rejection } from '../helpers/rejection.js';

afterEach(closeAll);

const engine = (events: ApiEvent[]): EngineEvent[] => events.flatMap((e) => (e.type === 'engine' ? [e.event] : []));
const demoMode = (s: DeviceState): string | undefined => s.devices.find((d) => d.demo)?.mode;

describe('silent demo module', () => {
  it('shows nothing until USB_BOOT is shorted and the host suspends twice; then it flashes and boots', async () => {
    // No recovery: the mute 9008 must fail the flash at once, not after the ladder's waits.
    const h = makeService({ flash: { ...TEST_FLASH, helloTimeoutMs: 500, recovery: { maxAttempts: 0 } } });
    const { service } = h;
    let s = await service.call('setDemoMode', { on: true, silent: true });
    expect(s.demo).toBe(true);
    expect(s.devices).toEqual([]);
    // Suspending without the short changes nothing.
    s = await service.call('demoAction', { action: 'suspend-resume' });
    expect(s.devices).toEqual([]);
    s = await service.call('demoAction', { action: 'short-usb-boot' });
    expect(s.devices).toEqual([]);

    // First suspend: 9008 shows, but no HELLO comes (a flash now would wait for it in vain).
    s = await service.call('demoAction', { action: 'suspend-resume' });
    expect(demoMode(s)).toBe('edl');
    expect(s.devices[0]).toMatchObject({ vidPid: '05c6:9008', demo: true });
    expect(s.devices[0]!.explanation).toMatch(/not sent its greeting/);
    const pkg = await service.call('makeDemoPackage', {});
    const noHello = await rejection(service.call('flash', { packagePath: pkg, verify: true }));
    expect(['SAHARA_NO_HELLO', 'DEVICE_TIMEOUT', 'DEVICE_NOT_FOUND']).toContain(noHello.code);

    // Second suspend: the module greets, the flash goes through, and it boots the new firmware.
    s = await service.call('demoAction', { action: 'suspend-resume' });
    expect(demoMode(s)).toBe('edl');
    expect(s.devices[0]!.explanation).not.toMatch(/not sent its greeting/);
    const r = await service.call('flash', { packagePath: pkg, verify: true });
    expect(r.bytesWritten).toBeGreaterThan(0);
    const fin = await service.call('finish', {});
    expect(fin).toMatchObject({ mode: 'normal', firmware: DEMO_PACKAGE_FIRMWARE });

    // go-silent drops it off the bus again.
    s = await service.call('demoAction', { action: 'go-silent' });
    expect(s.devices).toEqual([]);
  }, 90_000);

  it('replug of a silent module keeps it silent and starts the suspend count over', async () => {
    const h = makeService();
    const { service } = h;
    await service.call('setDemoMode', { on: true, silent: true });
    await service.call('demoAction', { action: 'short-usb-boot' });
    expect(demoMode(await service.call('demoAction', { action: 'suspend-resume' }))).toBe('edl');
    expect((await service.call('demoAction', { action: 'replug' })).devices).toEqual([]);
    // One suspend after the replug is the "first" again: 9008 without HELLO, not the greeting.
    expect(demoMode(await service.call('demoAction', { action: 'suspend-resume' }))).toBe('edl');
    expect(await service.call('setDemoMode', { on: false })).toMatchObject({ demo: false, devices: [] });
  });
});

describe('faults, cancel and busy', () => {
  it('a disconnect mid-flash is recovered by the engine and the wizard hears about it', async () => {
    const h = makeService();
    const { service } = h;
    await service.call('setDemoMode', { on: true, faults: ['disconnect@1M'] });
    await service.call('enterEdl', { deviceId: 'demo' });
    const pkg = await service.call('makeDemoPackage', {});
    const r = await service.call('flash', { packagePath: pkg, verify: true });
    expect(r.bytesWritten).toBeGreaterThan(0);
    const ev = engine(h.events);
    expect(ev.filter((e) => e.type === 'recovery').length).toBeGreaterThan(0);
    expect(ev.filter((e) => e.type === 'result').at(-1)).toMatchObject({ ok: true });
    expect(await service.call('finish', {})).toMatchObject({ firmware: DEMO_PACKAGE_FIRMWARE });
  }, 90_000);

  it('a stall ends in a clear power-cycle error after recovery tried; after a replug the flash resumes', async () => {
    const h = makeService({ flash: STALL_FLASH });
    const { service } = h;
    await service.call('setDemoMode', { on: true, faults: ['stall@1M'] });
    h.events.length = 0;
    await service.call('enterEdl', { deviceId: 'demo' });
    const pkg = await service.call('makeDemoPackage', {});
    const outcome = await service.call('flash', { packagePath: pkg, verify: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const ev = engine(h.events);
    expect(ev.filter((e) => e.type === 'recovery').length).toBeGreaterThan(0);
    // The stalled module needs its power cycled: a clear error that says so.
    expect(outcome).toBeInstanceOf(RescueError);
    expect((outcome as RescueError).nextStep).toMatch(/power-cycle/i);
    expect(ev.filter((e) => e.type === 'result').at(-1)).toMatchObject({
      ok: false,
      error: { code: (outcome as RescueError).code },
    });
    expect(h.events.filter((e) => e.type === 'busy').at(-1)).toEqual({ type: 'busy', method: undefined });
    expect(await service.call('cancel', {})).toEqual({ cancelled: false });

    // The person does what it says (demo: replug); its boot chain is half written, so it comes
    // back in EDL, and the next flash keeps what the first one verified.
    await service.call('demoAction', { action: 'replug' });
    await h.waitDevices((s) => demoMode(s) === 'edl');
    const again = await service.call('flash', { packagePath: pkg, verify: true });
    expect(again.resumed).toBe(true);
    expect(await service.call('finish', {})).toMatchObject({ mode: 'normal', firmware: DEMO_PACKAGE_FIRMWARE });
  }, 90_000);

  it('a stall with consent: the service cuts the demo port power itself, and the flash resumes and completes', async () => {
    const h = makeService({ flash: STALL_FLASH });
    const { service } = h;
    await service.call('setDemoMode', { on: true, faults: ['stall@1M'] });
    await service.call('enterEdl', { deviceId: 'demo' });
    const pkg = await service.call('makeDemoPackage', {});
    h.events.length = 0;
    const flashed = await service.call('flash', { packagePath: pkg, verify: true, powerCycle: true });
    expect(flashed.bytesWritten).toBeGreaterThan(0);
    const ev = engine(h.events);
    const rec = ev.filter((e): e is Extract<EngineEvent, { type: 'recovery' }> => e.type === 'recovery');
    const cut = rec.findIndex((e) => e.action === 'power-cycle');
    expect(rec[cut]?.message).toMatch(
      /^The modem stopped while writing \S+\. Automatic recovery did not help: .*\. Switching the demo modem's USB port off and on \(power cycle 1 of 2\); then the flash resumes/,
    );
    expect(rec[cut + 1]?.message).toMatch(/The power is back/);
    // After the power is back the run connects and resumes: no ladder again.
    expect(rec.slice(cut + 2).map((e) => `${e.action}: ${e.message}`)).toEqual([]);
    expect(ev.some((e) => e.type === 'log' && /If the modem hangs: switching the demo modem/i.test(e.message))).toBe(
      true,
    );
    expect(ev.filter((e) => e.type === 'result').at(-1)).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/1 power cycles/) as unknown,
    });
    expect(await service.call('finish', {})).toMatchObject({ mode: 'normal', firmware: DEMO_PACKAGE_FIRMWARE });
  }, 90_000);

  it('cancel during a flash ends it with CANCELLED; a second long call while busy is refused', async () => {
    const h = makeService({ demo: { reEnumerateDelayMs: 50, packageMiB: 6, linkBytesPerSecond: 0 } });
    const { service } = h;
    await service.call('setDemoMode', { on: true, faults: ['slow-ack=0.2'] });
    await service.call('enterEdl', { deviceId: 'demo' });
    const pkg = await service.call('makeDemoPackage', {});
    const running = service.call('flash', { packagePath: pkg, verify: true });
    const failed = running.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Wait until bytes move (after the partitions are compared with the modem, each answer 0.2 s
    // late), then try a second operation and cancel.
    for (let i = 0; i < 1500 && !engine(h.events).some((e) => e.type === 'progress'); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(engine(h.events).some((e) => e.type === 'progress')).toBe(true);
    const second = await rejection(service.call('backup', { deviceId: 'demo', folder: h.dir }));
    expect(second.code).toBe('USAGE');
    expect(second.message).toMatch(/busy with flash/);
    expect((await rejection(service.call('setDemoMode', { on: false }))).code).toBe('USAGE');
    expect(await service.call('cancel', {})).toEqual({ cancelled: true });
    const e = await failed;
    expect(e).toBeInstanceOf(RescueError);
    expect((e as RescueError).code).toBe('CANCELLED');
    expect(h.events.filter((x) => x.type === 'busy').at(-1)).toEqual({ type: 'busy', method: undefined });
    expect(await service.call('cancel', {})).toEqual({ cancelled: false });
  }, 60_000);

  it('a bad fault spec is a USAGE error and leaves demo mode off', async () => {
    const h = makeService();
    const e = await rejection(h.service.call('setDemoMode', { on: true, faults: ['melt@3'] }));
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(/melt@3/);
    expect((await h.service.call('getDevices', {})).demo).toBe(false);
  });
});
