// Modules in download mode that the USB listing does not show: serial ports named by hand
// (`serve --edl-port`), each a device in EDL while its path is there, listened to for its boot
// ROM's HELLO like a USB EDL device; and "flash all" over real modules (named ports and a module
// found on USB), each through its own port (ModuleOpeners.edlAt), never a suspend for power.
// The modules are virtual EC25s on in-memory buses; the service's serial and libusb openers are
// swapped for ones that lead to them, recording what was opened.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent, DeviceState, DeviceSummary } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { loadPackage } from '../../src-main/package/load.js';
import { checkEdlPorts, namedPortId } from '../../src-main/service/edl-ports.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { parseFault } from '../../src-main/sim/faults.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { fleetSerial, MODELS } from '../../src-main/sim/models.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { positions } from '../helpers/fault-matrix.js';
import { auditModem } from '../helpers/nand.js';
import { rejection } from '../helpers/rejection.js';
import { fakeSystem } from '../platform/fake-system.js';
import { closeAll, makeService, type Harness } from './harness.js';

const running: VirtualModem[] = [];
afterEach(async () => {
  await closeAll();
  for (const m of running.splice(0)) await m.stop().catch(() => undefined);
});

interface Bench {
  buses: Map<string, MemoryBus>;
  modems: VirtualModem[];
  /** What the service opened: "serial PATH" or "usb BUSPATH". */
  opened: string[];
  openers: { serial(path: string): PipeOpener; usbEdl(o?: { busPath?: string }): PipeOpener };
}

/** Virtual modems in EDL, modem K on the bus (or port) named keys[K-1]. */
async function startModems(dir: string, keys: string[], faults: Fault[][] = []): Promise<Bench> {
  const buses = new Map<string, MemoryBus>();
  const modems: VirtualModem[] = [];
  for (const [i, key] of keys.entries()) {
    const bus = new MemoryBus();
    const modem = new VirtualModem(
      {
        model: 'ec25',
        serial: fleetSerial(MODELS.ec25, i + 1),
        stateDir: join(dir, `modem-${i + 1}`),
        faults: faults[i] ?? [],
        reEnumerateDelayMs: 100,
      },
      bus,
    );
    await modem.start();
    running.push(modem);
    buses.set(key, bus);
    modems.push(modem);
  }
  const opened: string[] = [];
  const to = (key: string, what: string): PipeOpener => ({
    description: what,
    open: (io) => {
      opened.push(what);
      const bus = buses.get(key);
      return bus ? bus.opener.open(io) : Promise.reject(new RescueError('DEVICE_NOT_FOUND', `${what} is not here.`));
    },
  });
  return {
    buses,
    modems,
    opened,
    openers: {
      serial: (p) => to(p, `serial ${p}`),
      usbEdl: (o) => to(`usb:${o?.busPath ?? '?'}`, `usb ${o?.busPath ?? 'any'}`),
    },
  };
}

/** A "serial port" that is there: a file at its path. */
function portFile(h: Harness, name: string): string {
  const p = join(h.dir, name);
  writeFileSync(p, '');
  return p;
}

const named = (s: DeviceState): DeviceSummary[] => s.devices.filter((d) => d.id.startsWith('port:'));

function byModule(events: readonly ApiEvent[]): Map<string, EngineEvent[]> {
  const out = new Map<string, EngineEvent[]>();
  for (const e of events)
    if (e.type === 'engine' && e.module !== undefined) out.set(e.module, [...(out.get(e.module) ?? []), e.event]);
  return out;
}

describe('serial ports named for modules in download mode', () => {
  it('lists each port that is there as a module in EDL, hears its boot ROM, and drops a port that goes away', async () => {
    const base = makeService();
    const a = portFile(base, 'ttyEDL-a');
    const b = portFile(base, 'ttyEDL-b');
    const missing = join(base.dir, 'ttyEDL-none');
    const bench = await startModems(base.dir, [a, b]);
    const h = makeService({ edlPorts: [a, b, missing], openers: bench.openers });

    const s = await h.waitDevices(
      (x) => named(x).length === 2 && named(x).every((d) => d.greeting?.state === 'answered'),
      15_000,
    );
    expect(named(s).map((d) => [d.id, d.mode, d.demo, d.ports.edl])).toEqual([
      [namedPortId(a), 'edl', false, a],
      [namedPortId(b), 'edl', false, b],
    ]);
    expect(named(s)[0]!.name).toBe(`Module in download mode on ${a}`);
    expect(named(s)[0]!.greeting?.detail).toMatch(/boot ROM answered \(Sahara HELLO/);
    // Each was opened on its own path to listen; the port that is not there never was.
    expect([...new Set(bench.opened)].sort()).toEqual([`serial ${a}`, `serial ${b}`]);

    // The module leaves download mode: its tty goes, and so does its row.
    rmSync(b);
    const after = await h.waitDevices((x) => named(x).length === 1);
    expect(named(after).map((d) => d.id)).toEqual([namedPortId(a)]);
  }, 30_000);

  it('refuses a port named twice or an empty one, and more ports than a bench holds', () => {
    expect(checkEdlPorts(['/dev/ttyUSB0', 'COM3'])).toEqual(['/dev/ttyUSB0', 'COM3']);
    expect(() => checkEdlPorts(['/dev/ttyUSB0', '/dev/ttyUSB0'])).toThrow(/names \/dev\/ttyUSB0 twice/);
    expect(() => checkEdlPorts([' '])).toThrow(/needs a serial port's path/);
    expect(() => checkEdlPorts(Array.from({ length: 33 }, (_, i) => `/dev/ttyUSB${i}`))).toThrow(/at most 32/);
  });
});

describe('flash all with real modules', () => {
  it('flashes named ports and a module found on USB, each through its own port; the faulted one recovers; no suspend', async () => {
    const base = makeService();
    const a = portFile(base, 'ttyEDL-1');
    const b = portFile(base, 'ttyEDL-2');
    const made = await makePackage({ model: 'ec25', outDir: join(base.dir, 'pkg'), sizeMiB: 2, seed: 5 });
    const pkg = await loadPackage(made.root);
    const dropAt = positions(pkg).mid;
    // Modem 2 (on port b) drops off the bus half-way; modem 3 is on USB at 1-1.4, with no driver tty.
    const bench = await startModems(base.dir, [a, b, 'usb:1-1.4'], [[], [parseFault(`disconnect@${dropAt}`)], []]);
    // A Linux computer that could suspend, but whose hub cannot switch a port's power.
    const probe = fakeSystem({
      platform: 'linux',
      files: { '/sys/power/state': 'freeze mem disk' },
      installed: ['rtcwake', 'pkexec'],
    });
    const h = makeService({ edlPorts: [a, b], openers: bench.openers, probe });
    h.bus.devices = [{ vendorId: 0x05c6, productId: 0x9008, busPath: '1-1.4', interfaces: [] }];
    const s = await h.waitDevices(
      (x) => x.devices.filter((d) => d.greeting?.state === 'answered').length === 3,
      15_000,
    );
    const ids = s.devices.map((d) => d.id);
    expect(ids).toEqual(['1-1.4', namedPortId(a), namedPortId(b)]);

    // This computer could suspend (what a single module's flash may use)...
    const actions = await h.service.call('powerCycleActions', { deviceId: '1-1.4' });
    expect(actions.find((x) => x.id === 'suspend-wake')?.available).toBe(true);
    h.events.length = 0;
    try {
      const r = await h.service.call('flashAll', {
        packagePath: made.root,
        verify: true,
        powerCycle: true,
        deviceIds: ids,
      });
      expect(r.modules.map((m) => [m.id, m.ok, m.error?.code])).toEqual(ids.map((id) => [id, true, undefined]));
      // The programmer's own serial is each module's (nobody opened another's port).
      expect(r.modules.map((m) => m.serial)).toEqual([3, 1, 2].map((k) => String(fleetSerial(MODELS.ec25, k))));
      expect(r.modules.map((m) => (m.recoveries ?? 0) > 0)).toEqual([false, false, true]);
      expect(r.modules.every((m) => m.powerCycles === 0)).toBe(true);
      // Each through its own port: the named paths, and libusb at the USB module's bus path (never "any").
      expect(bench.opened).toContain(`serial ${a}`);
      expect(bench.opened).toContain(`serial ${b}`);
      expect(bench.opened).toContain('usb 1-1.4');
      expect(bench.opened).not.toContain('usb any');
      // ...but with several modules, power is cut by hand for a named port and for the USB module only
      // by its own hub port (here none): never by a suspend, which would cut every module's.
      const said = (id: string): string =>
        (byModule(h.events).get(id) ?? []).map((e) => (e.type === 'log' ? e.message : '')).join('\n');
      expect(said(namedPortId(a))).toMatch(/named by hand.*power-cycle it by hand/);
      expect(said('1-1.4')).toMatch(/No way to cut the modem's power from here/);
      expect(said('1-1.4')).not.toMatch(/If the modem hangs: suspend/i);

      // Byte for byte, every module.
      for (const [i, m] of bench.modems.entries()) {
        const audit = await auditModem(m, pkg.plan);
        expect(audit.problems, `modem ${i + 1}`).toEqual([]);
      }
    } finally {
      await pkg.dispose();
    }
  }, 90_000);

  it('two modules found on USB: the one that drops off and comes back at another USB port is followed there by its serial', async () => {
    const base = makeService();
    const made = await makePackage({ model: 'ec25', outDir: join(base.dir, 'pkg'), sizeMiB: 2, seed: 6 });
    const pkg = await loadPackage(made.root);
    const dropAt = positions(pkg).mid;
    const bench = await startModems(base.dir, ['usb:1-1.4', 'usb:1-1.5'], [[], [parseFault(`disconnect@${dropAt}`)]]);
    const h = makeService({ openers: bench.openers });
    const edlAt = (busPath: string) => ({ vendorId: 0x05c6, productId: 0x9008, busPath, interfaces: [] });
    h.bus.devices = [edlAt('1-1.4'), edlAt('1-1.5')];
    // When modem 2 drops off the bus, it re-enumerates at port 1-1.6 (a hub that renumbers, a person re-plugging it).
    bench.modems[1]!.on('log', (line: string) => {
      if (!line.includes('fault disconnect')) return;
      const bus = bench.buses.get('usb:1-1.5')!;
      bench.buses.delete('usb:1-1.5');
      bench.buses.set('usb:1-1.6', bus);
      h.bus.devices = [edlAt('1-1.4'), edlAt('1-1.6')];
    });
    await h.waitDevices((x) => x.devices.filter((d) => d.mode === 'edl').length === 2, 15_000);
    h.events.length = 0;
    try {
      const r = await h.service.call('flashAll', { packagePath: made.root, verify: true, powerCycle: false });
      expect(r.modules.map((m) => [m.id, m.ok, m.error?.message])).toEqual([
        ['1-1.4', true, undefined],
        ['1-1.5', true, undefined],
      ]);
      expect(r.modules[1]!.recoveries).toBeGreaterThan(0);
      expect(bench.opened).toContain('usb 1-1.6');
      const said = (byModule(h.events).get('1-1.5') ?? []).map((e) => (e.type === 'log' ? e.message : '')).join('\n');
      expect(said).toContain('came back at USB port 1-1.6 instead of 1-1.5; following it there');
      for (const [i, m] of bench.modems.entries()) {
        const audit = await auditModem(m, pkg.plan);
        expect(audit.problems, `modem ${i + 1}`).toEqual([]);
      }
    } finally {
      await pkg.dispose();
    }
  }, 90_000);

  it('flashes exactly the confirmed modules, and refuses when one of them has left download mode', async () => {
    const base = makeService();
    const a = portFile(base, 'ttyEDL-x');
    const b = portFile(base, 'ttyEDL-y');
    const bench = await startModems(base.dir, [a, b]);
    const h = makeService({ edlPorts: [a, b], openers: bench.openers });
    await h.waitDevices((x) => named(x).length === 2);
    const made = await makePackage({ model: 'ec25', outDir: join(base.dir, 'pkg'), sizeMiB: 1, seed: 6 });
    const gone = await rejection(
      h.service.call('flashAll', {
        packagePath: made.root,
        verify: true,
        deviceIds: [namedPortId(a), 'port:/nowhere'],
      }),
    );
    expect(gone.code).toBe('DEVICE_NOT_FOUND');
    expect(gone.message).toMatch(/no longer in download \(EDL\) mode: port:\/nowhere/);
    const r = await h.service.call('flashAll', { packagePath: made.root, verify: false, deviceIds: [namedPortId(b)] });
    expect(r.modules.map((m) => [m.id, m.ok])).toEqual([[namedPortId(b), true]]);
    expect(bench.opened.filter((o) => o === `serial ${a}`).length, 'a was only listened to').toBeLessThanOrEqual(1);
  }, 60_000);
});
