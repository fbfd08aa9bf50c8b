// Package inspection as the wizard shows it (problems listed, not thrown; module match and
// branch warnings), the device list from the bus, polling, the Prepare checks and plain errors.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { branchOf, extraWarnings, moduleMatch } from '../../src-main/service/package-view.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { closeAll, makeService } from './harness.js';
import { rejection } from '../helpers/rejection.js';

afterEach(closeAll);

const EC25_NORMAL = {
  vendorId: 0x2c7c,
  productId: 0x0125,
  busPath: '1-1.3',
  interfaces: [
    { number: 0, class: 0xff, subclass: 0xff, protocol: 0xff, driver: 'option', ttys: ['/dev/ttyUSB0'] },
    { number: 1, class: 0xff, subclass: 0, protocol: 0, driver: 'option', ttys: ['/dev/ttyUSB1'] },
    { number: 2, class: 0xff, subclass: 0, protocol: 0, driver: 'option', ttys: ['/dev/ttyUSB2'] },
    { number: 3, class: 0xff, subclass: 0, protocol: 0, driver: 'option', ttys: ['/dev/ttyUSB3'] },
    { number: 4, class: 0xff, subclass: 0xff, protocol: 0xff, driver: 'qmi_wwan', ttys: [] },
  ],
};
const EDL_QCSERIAL = {
  vendorId: 0x05c6,
  productId: 0x9008,
  busPath: '1-1.4',
  interfaces: [{ number: 0, class: 0xff, subclass: 0xff, protocol: 0xff, driver: 'qcserial', ttys: ['/dev/ttyUSB5'] }],
};

describe('inspectPackage', () => {
  it('lists the problems of a broken package instead of throwing, and flash refuses it with the same code', async () => {
    const h = makeService();
    const made = await makePackage({ model: 'ec25', outDir: join(h.dir, 'pkgs'), sizeMiB: 1 });
    rmSync(join(made.root, 'update', 'NON-HLOS.ubi'));
    const view = await h.service.call('inspectPackage', { path: made.root });
    expect(view.flashable).toBe(false);
    const codes = view.problems.map((p) => p.code);
    expect(codes).toContain('PACKAGE_MISSING_FILE');
    expect(view.problems.find((p) => p.code === 'PACKAGE_MISSING_FILE')?.message).toMatch(/NON-HLOS\.ubi/);
    const e = await rejection(h.service.call('flash', { packagePath: made.root, verify: true }));
    expect(codes).toContain(e.code);
    expect(h.events.filter((x) => x.type === 'busy').at(-1)).toEqual({ type: 'busy', method: undefined });
  });

  it('a damaged zip is one listed problem; a path that does not exist is an error', async () => {
    const h = makeService();
    const zip = join(h.dir, 'broken.zip');
    writeFileSync(zip, Buffer.from('PK\u0003\u0004 this is not really a zip archive at all'));
    const view = await h.service.call('inspectPackage', { path: zip });
    expect(view.flashable).toBe(false);
    expect(view.problems).toHaveLength(1);
    expect(view.problems[0]!.code).toMatch(/^PACKAGE_/);
    expect((await rejection(h.service.call('inspectPackage', { path: join(h.dir, 'nope') }))).code).toBe(
      'PACKAGE_NOT_FOUND',
    );
    expect((await rejection(h.service.call('inspectPackage', { path: '' }))).code).toBe('USAGE');
  });

  it('an EG25-G package does not match the demo EC25', async () => {
    const h = makeService();
    await h.service.call('setDemoMode', { on: true });
    const made = await makePackage({ model: 'eg25g', outDir: join(h.dir, 'pkgs'), sizeMiB: 1 });
    const view = await h.service.call('inspectPackage', { path: made.root });
    expect(view.moduleMatch).toBe('no');
    expect(view.warnings.join('\n')).toMatch(/This package is for EG25; the connected module is EC25/);
    // Not flashable unless its model is typed; the flash call refuses before touching the modem.
    expect(view).toMatchObject({ flashable: false, overrideWord: 'EG25', keepsCalibration: true });
    const refused = await h.service.call('flash', { packagePath: made.root, verify: true }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('PACKAGE_NOT_FOR_MODULE');
    const wrongWord = await h.service
      .call('flash', { packagePath: made.root, verify: true, overrideWord: 'EC25' })
      .catch((e: unknown) => e);
    expect((wrongWord as { code?: string }).code).toBe('PACKAGE_NOT_FOR_MODULE');
  });

  it('warns of a cross-branch downgrade (R08 module, R06 package) and of a factory XML', () => {
    expect(branchOf('EC25EFAR06A11M4G_01.001.01.001')).toBe('R06');
    expect(branchOf('EG25GGBR07A08M2G')).toBe('R07');
    const pkg = {
      version: 'EC25EFAR06A11M4G',
      rawprogramPath: '/p/rawprogram_nand_p4K_b256K_factory.xml',
      warnings: [],
    };
    const w = extraWarnings(pkg, { firmware: 'EC25EFAR08A03M4G_01.001.01.001' });
    expect(w.join('\n')).toMatch(/Cross-branch downgrade.*R08.*R06/);
    expect(w.join('\n')).toMatch(/factory XML/);
    expect(
      extraWarnings(
        { ...pkg, rawprogramPath: '/p/rawprogram_nand_p4K_b256K_update.xml' },
        { firmware: 'EC25EFAR06A03M4G' },
      ),
    ).toEqual([]);
    expect(extraWarnings(pkg, { firmware: 'EC25EFAR04A03M4G' }).join('\n')).toMatch(/Branch change/);
    const geometry = { sectorSize: 4096, pagesPerBlock: 64 };
    expect(moduleMatch({ version: 'EC25EFAR06A11M4G', geometry }, {})).toBe('unknown');
    expect(moduleMatch({ version: 'EC25EFAR06A11M4G', geometry }, { firmware: 'EC25EFAR06A01M4G' })).toBe('yes');
    expect(
      moduleMatch({ version: 'EC25EFAR06A11M4G', geometry }, { geometry: { pageSize: 2048, pagesPerBlock: 64 } }),
    ).toBe('no');
  });
});

describe('devices, polling and checks', () => {
  it('lists real modems with their ports and tells listeners when one appears', async () => {
    const h = makeService();
    expect((await h.service.call('getDevices', {})).devices).toEqual([]);
    h.bus.devices = [EC25_NORMAL, EDL_QCSERIAL];
    const s = await h.waitDevices((x) => x.devices.length === 2);
    expect(s.devices[0]).toMatchObject({
      id: '1-1.3',
      mode: 'normal',
      vidPid: '2c7c:0125',
      ports: { dm: '/dev/ttyUSB0', at: '/dev/ttyUSB2' },
      demo: false,
    });
    expect(s.devices[1]).toMatchObject({ id: '1-1.4', mode: 'edl', ports: { edl: '/dev/ttyUSB5' } });
    // The poller (not only getDevices) reports changes: unplug and wait for the event.
    h.bus.devices = [];
    const deadline = Date.now() + 3000;
    const emptied = (e: ApiEvent): boolean => e.type === 'devices' && e.state.devices.length === 0;
    const before = h.events.filter(emptied).length;
    while (h.events.filter(emptied).length === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(h.events.filter(emptied).length).toBeGreaterThan(before);
  });

  it('a real module is backed up through its DM serial port', async () => {
    const opened: string[] = [];
    const refusing = (p: string): PipeOpener => ({
      description: p,
      open: () => {
        opened.push(p);
        return Promise.reject(new RescueError('DEVICE_OPEN_FAILED', `${p} is busy (test).`));
      },
    });
    const h = makeService({ openers: { serial: refusing } });
    h.bus.devices = [EC25_NORMAL];
    const e = await rejection(h.service.call('backup', { deviceId: '1-1.3', folder: join(h.dir, 'b') }));
    expect(e.code).toBe('DEVICE_OPEN_FAILED');
    expect(opened).toEqual(['/dev/ttyUSB0']);
    expect((await rejection(h.service.call('backup', { deviceId: '9-9', folder: join(h.dir, 'b') }))).code).toBe(
      'PORT_NOT_FOUND',
    );
  });

  it('no USB subsystem: the state says why, the check fails, the rest are honestly unknown, fixes are not offered', async () => {
    const h = makeService();
    h.bus.avail = { available: false, reason: 'no /sys/bus/usb on this machine' };
    const s = await h.service.call('getDevices', {});
    expect(s).toMatchObject({ usbAvailable: false, reason: 'no /sys/bus/usb on this machine', devices: [] });
    const checks = await h.service.call('platformChecks', {});
    expect(checks[0]).toMatchObject({ id: 'usb', state: 'fail' });
    expect(checks[0]!.detail).toMatch(/no \/sys\/bus\/usb/);
    for (const c of checks.slice(1)) {
      expect(c.state).toBe('unknown');
      expect(c.fix).toBeUndefined();
    }
    const e = await rejection(h.service.call('runFix', { id: 'modemmanager' }));
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(/no automatic fix/);
  });

  it('an unknown method and demo actions without demo mode are USAGE errors', async () => {
    const h = makeService();
    expect((await rejection(h.service.call('format-disk' as 'getDevices', {}))).code).toBe('USAGE');
    expect((await rejection(h.service.call('demoAction', { action: 'replug' }))).code).toBe('USAGE');
    expect((await rejection(h.service.call('makeDemoPackage', {}))).code).toBe('USAGE');
    expect(await h.service.call('defaultBackupFolder', {})).toBe(join(h.dir, 'backups'));
  });
});
