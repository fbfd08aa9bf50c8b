// The wizard's snapshot and "Undo this upgrade" through RescueService on the demo module: the
// snapshot is offered (on by default for a real module seen running), the flash takes it, Finish offers
// it with its version and date, undo switches the module to EDL and flashes it back, and Finish
// then reports the firmware the module had before. An explicit choice skips it.

import { afterEach, describe, expect, it } from 'vitest';
import { MODELS } from '../../src-main/sim/models.js';
import { closeAll, makeService } from './harness.js';

afterEach(closeAll);

describe('firmware snapshot and undo in the wizard', () => {
  it('offered in the demo (its link is paced), taken when ticked; Finish offers the undo; undo puts the earlier firmware back', async () => {
    const { service, waitDevices } = makeService();
    await service.call('setDemoMode', { on: true });
    await waitDevices((s) => s.devices.some((d) => d.demo && d.mode === 'normal'));
    await service.call('enterEdl', { deviceId: 'demo' });
    const pkgPath = await service.call('makeDemoPackage', {});
    const plan = await service.call('snapshotPlan', { packagePath: pkgPath });
    // On by default for a real module seen running; the demo's paced link would double a demo flash.
    expect(plan.recommended).toBe(false);
    expect(plan.reason).toMatch(/demo module's link.*Undo this upgrade/);
    expect(plan.bytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(plan.seconds).toBeGreaterThan(0);
    const flashed = await service.call('flash', { packagePath: pkgPath, verify: true, snapshot: true });
    expect(flashed.snapshot?.firmware).toBe(MODELS.ec25.firmware);
    expect(flashed.snapshot?.path.startsWith(plan.folder.slice(0, plan.folder.lastIndexOf('firmware-snapshot-')))).toBe(
      true,
    );
    const fin = await service.call('finish', {});
    expect(fin.firmware).not.toBe(MODELS.ec25.firmware);
    expect(fin.snapshot).toMatchObject({ firmware: MODELS.ec25.firmware, createdAt: flashed.snapshot!.createdAt });

    const undone = await service.call('undo', { snapshotPath: fin.snapshot!.path, deviceId: 'demo' });
    expect(undone.bytesWritten).toBeGreaterThan(0);
    const after = await service.call('finish', {});
    expect(after.firmware).toBe(MODELS.ec25.firmware);
  }, 120_000);

  it('an explicit choice skips it', async () => {
    const { service, waitDevices } = makeService();
    await service.call('setDemoMode', { on: true });
    await waitDevices((s) => s.devices.some((d) => d.demo && d.mode === 'normal'));
    await service.call('enterEdl', { deviceId: 'demo' });
    const pkgPath = await service.call('makeDemoPackage', {});
    const flashed = await service.call('flash', { packagePath: pkgPath, verify: true, snapshot: false });
    expect(flashed.snapshot).toBeUndefined();
    const fin = await service.call('finish', {});
    expect(fin.snapshot).toBeUndefined();
  }, 120_000);
});
