// The whole demo path through the service, as the wizard walks it: demo on -> the EC25 in normal
// mode -> QCN backup -> EDL over DIAG -> a package for it -> inspect -> flash -> back in normal
// mode with the new firmware.

import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent, DeviceState } from '../../shared/api.js';
import type { EngineEvent } from '../../shared/events.js';
import { MODELS } from '../../src-main/sim/models.js';
import { modelImeis } from '../../src-main/sim/normal-state.js';
import { DEMO_PACKAGE_FIRMWARE } from '../../src-main/service/demo-package.js';
import { closeAll, makeService } from './harness.js';

afterEach(closeAll);

const engine = (events: ApiEvent[]): EngineEvent[] => events.flatMap((e) => (e.type === 'engine' ? [e.event] : []));
const demoMode = (s: DeviceState): string | undefined => s.devices.find((d) => d.demo)?.mode;

describe('RescueService demo path', () => {
  it('backs up, enters EDL, flashes a newer package and finishes with the new firmware', async () => {
    const h = makeService();
    const { service } = h;
    const on = await service.call('setDemoMode', { on: true });
    expect(on.demo).toBe(true);
    const demo = on.devices.find((d) => d.demo);
    expect(demo).toMatchObject({
      id: 'demo',
      mode: 'normal',
      vidPid: '2c7c:0125',
      ports: { dm: 'demo-dm', at: 'demo-at' },
    });
    // The poller told listeners too.
    expect(h.events.some((e) => e.type === 'devices' && demoMode(e.state) === 'normal')).toBe(true);

    const folder = await service.call('defaultBackupFolder', {});
    const backup = await service.call('backup', { deviceId: 'demo', folder });
    const imei = modelImeis(MODELS.ec25)[0]!;
    expect(backup.imeiMasked).toBe(`${'*'.repeat(imei.length - 4)}${imei.slice(-4)}`);
    expect(backup.path).toMatch(new RegExp(`-${imei.slice(-4)}-\\d{8}-\\d{6}Z\\.qcn$`));
    expect(backup.firmware).toBe(MODELS.ec25.firmware);
    expect(backup.nvItems).toBeGreaterThan(0);
    expect(existsSync(backup.path)).toBe(true);
    const manifest = JSON.parse(readFileSync(backup.manifestPath, 'utf8')) as { sha256: string };
    expect(manifest.sha256).toBe(backup.sha256);

    const edl = await service.call('enterEdl', { deviceId: 'demo' });
    expect(edl.edlDevice).toMatch(/demo/);
    await h.waitDevices((s) => demoMode(s) === 'edl');

    const pkgPath = await service.call('makeDemoPackage', {});
    expect(pkgPath).toContain(DEMO_PACKAGE_FIRMWARE);
    expect(await service.call('makeDemoPackage', {})).toBe(pkgPath); // cached
    const view = await service.call('inspectPackage', { path: pkgPath });
    expect(view).toMatchObject({ flashable: true, moduleMatch: 'yes', version: DEMO_PACKAGE_FIRMWARE, problems: [] });
    expect(view.partitions.map((p) => p.label)).toContain('NON-HLOS.ubi');
    expect(view.warnings.filter((w) => /branch/i.test(w))).toEqual([]);

    const busy: (string | undefined)[] = [];
    const off = service.on((e) => e.type === 'busy' && busy.push(e.method));
    const flashed = await service.call('flash', { packagePath: pkgPath, verify: true });
    off();
    expect(flashed.bytesWritten).toBeGreaterThan(0);
    expect(flashed.verified).not.toBe('skipped');
    expect(busy).toEqual(['flash', undefined]);
    const ev = engine(h.events);
    expect(ev.some((e) => e.type === 'progress')).toBe(true);
    expect(ev.some((e) => e.type === 'step-start')).toBe(true);
    expect(ev.at(-1)?.type === 'result' || ev.some((e) => e.type === 'result' && e.ok)).toBe(true);
    // Each line the programmer logs reaches the log once, as the device's; the expected payload
    // complaint of the configure renegotiation is a debug line with a note saying what was agreed.
    const logs = ev.flatMap((e) => (e.type === 'log' ? [e] : []));
    // The EDL pipe the switch opened is the flash's: the HELLO is read, not waited out (2 s) and guessed.
    expect(logs.filter((l) => /No Sahara HELLO/.test(l.message)).map((l) => l.message)).toEqual([]);
    expect(logs.filter((l) => /Supported Functions/.test(l.message)).map((l) => l.level)).toEqual(['device']);
    expect(logs.filter((l) => /Erased \d+ blocks from start_sector 0$/.test(l.message)).length).toBe(1);
    expect(logs.filter((l) => /payload to target size is too large/.test(l.message)).map((l) => l.level)).toEqual([
      'debug',
    ]);
    expect(
      logs.some((l) => l.level === 'info' && /The programmer takes 8 KiB payloads; using 8 KiB/.test(l.message)),
    ).toBe(true);

    const fin = await service.call('finish', {});
    expect(fin).toEqual({ mode: 'normal', firmware: DEMO_PACKAGE_FIRMWARE, radioOk: true });

    const report = await service.call('saveReport', {});
    // The zip (stored entries: its text is searchable) holds the JSON and the events as a log.
    const zipText = readFileSync(report.path).toString('latin1');
    expect(report.path).toMatch(/\.zip$/);
    expect(zipText).toContain('report.json');
    expect(zipText).toContain('events.log');
    expect(zipText).not.toContain(imei);
    const text = readFileSync(report.json ?? '', 'utf8');
    expect(text).not.toContain(imei);
    const parsed = JSON.parse(text) as {
      devices: DeviceState[];
      finish: { firmware: string };
      plan: { view: { version: string } };
      events: unknown[];
    };
    expect(parsed.finish.firmware).toBe(DEMO_PACKAGE_FIRMWARE);
    expect(parsed.plan.view.version).toBe(DEMO_PACKAGE_FIRMWARE);
    expect(parsed.devices.map(demoMode)).toEqual(expect.arrayContaining(['normal', 'edl']));
    expect(parsed.events.length).toBeGreaterThan(0);
  }, 90_000);
});
