// Issue 16: a module that re-enumerates at another USB port after a power cycle is recognised by
// its chip serial and resumes its own run. Three modules are flashed at once; module 2 stalls, its
// power is cut, and it comes back at another port of the hub, where a stranger (a module of no run,
// with another serial) has also just appeared. Module 2's run reads the serials of the newcomers,
// leaves the stranger alone (nothing written, still ready for an upload) and resumes its own module
// from its journal; all three end byte for byte, the others never notice.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { flashMany, type FleetModule } from '../../src-main/flows/flash-many.js';
import { FleetPlaces, FollowingEdlOpener, serialFromHex, type FleetBus } from '../../src-main/flows/follow-module.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { loadPackage, type FirmwarePackage } from '../../src-main/package/load.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { CRASH_WATCHDOG_MS } from '../../src-main/sim/firehose-nand.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { fleetSerial, MODELS } from '../../src-main/sim/models.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { VirtualPowerSwitch } from '../../src-main/sim/virtual-power-switch.js';
import type { PowerSwitch } from '../../src-main/transport/power-switch.js';
import { positions } from '../helpers/fault-matrix.js';
import { auditModem } from '../helpers/nand.js';

const model = MODELS.ec25;
let dir: string;
let pkg: FirmwarePackage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-follow-'));
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 21 });
  pkg = await loadPackage(made.root);
});
afterAll(async () => {
  await pkg.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** A hub: which virtual module's bus sits at which port now. */
class TestHub implements FleetBus {
  readonly ports = new Map<string, MemoryBus>();
  list() {
    return Promise.resolve([...this.ports].filter(([, bus]) => bus.plugged).map(([location]) => ({ location })));
  }
  openerAt(place: { location: string }) {
    const bus = this.ports.get(place.location);
    if (!bus) throw new RescueError('DEVICE_NOT_FOUND', `Nothing is plugged into port ${place.location}.`);
    return bus.opener;
  }
}

async function startModem(k: number, faults: Fault[] = []): Promise<{ modem: VirtualModem; bus: MemoryBus }> {
  const bus = new MemoryBus();
  const modem = new VirtualModem(
    {
      model: 'ec25',
      serial: fleetSerial(model, k),
      stateDir: join(dir, `modem-${k}`),
      faults,
      reEnumerateDelayMs: 200,
    },
    bus,
  );
  await modem.start();
  return { modem, bus };
}

const TUNING = {
  openTimeoutMs: 8000,
  helloTimeoutMs: 1000,
  timeouts: { writeMs: 1500, responseMs: 3000, programAckMs: 6000, eraseAckMs: 6000, readDataMs: 6000 },
  recovery: { maxAttempts: 3, drainQuietMs: 100, drainMaxMs: 600, probeMs: 1000, dropOffMs: CRASH_WATCHDOG_MS + 1500 },
};

describe('a fleet run follows its module by serial', () => {
  it('serialFromHex reads the boot ROM serial as the programmer prints it', () => {
    expect(serialFromHex('1c2a3b4e')).toBe(String(0x1c2a3b4e));
    expect(serialFromHex('zz')).toBeUndefined();
    expect(serialFromHex(undefined)).toBeUndefined();
  });

  it(
    'module 2 comes back at another port after its power cycle: found by its serial among newcomers, resumed, byte for byte; the stranger is left alone',
    { timeout: 120_000 },
    async () => {
      const hub = new TestHub();
      const started = [
        await startModem(1),
        await startModem(2, [{ kind: 'stall', atBytes: positions(pkg).mid }]),
        await startModem(3),
      ];
      const stranger = await startModem(9);
      started.forEach((s, i) => hub.ports.set(`1-1.${i + 1}`, s.bus));
      const moved = started[1]!;
      // Module 2's port power: while it is off, a person moves it to port 1-1.7, and plugs a
      // stranger into 1-1.5 (listed first, so it is looked at first).
      const inner = new VirtualPowerSwitch(moved.modem);
      let cycles = 0;
      const movingSwitch: PowerSwitch = {
        kind: 'port-power',
        description: inner.description,
        cutsPower: true,
        cycle: async (o) => {
          cycles++;
          hub.ports.delete('1-1.2');
          const rest = [...hub.ports];
          hub.ports.clear();
          hub.ports.set('1-1.5', stranger.bus);
          for (const [l, b] of rest) hub.ports.set(l, b);
          hub.ports.set('1-1.7', moved.bus);
          await inner.cycle(o);
        },
      };
      const modules: FleetModule[] = started.map((s, i) => ({
        id: `module-${i + 1}`,
        place: `1-1.${i + 1}`,
        // Without following, a run can only look at its first port (where module 2 is no more).
        opener: {
          description: `the module at port 1-1.${i + 1}`,
          open: (io) => hub.openerAt({ location: `1-1.${i + 1}` }).open(io),
        },
        ...(i === 1 ? { powerSwitch: movingSwitch } : {}),
      }));
      const events = new Map<string, EngineEvent[]>();
      try {
        const outcomes = await flashMany({
          ...TUNING,
          package: pkg,
          modules,
          bus: hub,
          journalDir: join(dir, 'journal'),
          onEvent: (m, _i, e) => events.set(m.id, [...(events.get(m.id) ?? []), e]),
        });
        expect(outcomes.map((o) => [o.module, o.ok, o.error?.message])).toEqual([
          ['module-1', true, undefined],
          ['module-2', true, undefined],
          ['module-3', true, undefined],
        ]);
        expect(cycles).toBe(1);
        expect(outcomes[1]!.result?.powerCycles).toBe(1);
        // Resumed, not restarted: partitions written before the power cut are not written again.
        const ev = events.get('module-2') ?? [];
        const cut = ev.findIndex((e) => e.type === 'recovery' && e.action === 'power-cycle');
        const programmed = (list: EngineEvent[]) =>
          list.flatMap((e) => (e.type === 'step-start' && e.operation === 'program' ? [e.label] : []));
        const before = programmed(ev.slice(0, cut));
        const after = programmed(ev.slice(cut));
        expect(before.filter((l) => !after.includes(l)).length).toBeGreaterThan(0);
        const logs = (events.get('module-2') ?? []).flatMap((e) => (e.type === 'log' ? [e.message] : []));
        expect(logs.join('\n')).toContain(`came back at USB port 1-1.7 instead of 1-1.2; following it there`);
        for (const k of [0, 2]) expect(outcomes[k]!.result?.recoveries).toBe(0);
        for (const [i, s] of started.entries())
          expect((await auditModem(s.modem, pkg.plan)).problems, `modem ${i + 1}`).toEqual([]);
        // The stranger: nothing written, and it still takes an upload and a flash from scratch.
        expect((await auditModem(stranger.modem, pkg.plan)).problems.length).toBeGreaterThan(0);
        const again = await flashPackage({ ...TUNING, package: pkg, opener: stranger.bus.opener });
        expect(again.bytesWritten).toBeGreaterThan(0);
        expect((await auditModem(stranger.modem, pkg.plan)).problems).toEqual([]);
      } finally {
        for (const s of [...started, stranger]) await s.modem.stop();
      }
    },
  );

  /** A module that drops off early and comes back at port 2-1.3 (re-plugged), then stalls late. */
  async function movingModule(k: number) {
    const hub = new TestHub();
    const pos = positions(pkg);
    const m = await startModem(k, [
      { kind: 'disconnect', atBytes: pos.early },
      { kind: 'stall', atBytes: pos.late },
    ]);
    hub.ports.set('2-1.1', m.bus);
    m.modem.on('log', (line: string) => {
      if (!line.includes('fault disconnect')) return;
      hub.ports.delete('2-1.1');
      hub.ports.set('2-1.3', m.bus);
    });
    return { hub, m, first: new VirtualPowerSwitch(m.modem) };
  }

  it(
    "after following its module to another port, the run never cuts its first port's power: without a switch where it is now, it asks for a power cycle by hand",
    { timeout: 120_000 },
    async () => {
      const { hub, m, first } = await movingModule(4);
      const events: EngineEvent[] = [];
      try {
        const [o] = await flashMany({
          ...TUNING,
          package: pkg,
          modules: [
            { id: 'module-4', place: '2-1.1', opener: hub.openerAt({ location: '2-1.1' }), powerSwitch: first },
          ],
          bus: hub,
          journalDir: join(dir, 'journal-4'),
          onEvent: (_m, _i, e) => events.push(e),
        });
        expect(o!.ok).toBe(false);
        expect(first.cycles, "the first port's power was never cut").toBe(0);
        expect(o!.error?.message).toMatch(/now sits at USB port 2-1\.3, whose power cannot be switched from here/);
        expect(o!.error?.nextStep).toMatch(/power|unplug/i);
        const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : [])).join('\n');
        expect(logs).toContain('came back at USB port 2-1.3 instead of 2-1.1');
      } finally {
        await m.modem.stop();
      }
    },
  );

  it(
    'after following its module to another port, the switch of that port power-cycles it and the run completes',
    { timeout: 120_000 },
    async () => {
      const { hub, m, first } = await movingModule(5);
      const there = new VirtualPowerSwitch(m.modem);
      const asked: string[] = [];
      try {
        const [o] = await flashMany({
          ...TUNING,
          package: pkg,
          modules: [
            {
              id: 'module-5',
              place: '2-1.1',
              opener: hub.openerAt({ location: '2-1.1' }),
              powerSwitch: first,
              powerSwitchAt: (place) => {
                asked.push(place);
                return Promise.resolve(place === '2-1.3' ? there : undefined);
              },
            },
          ],
          bus: hub,
          journalDir: join(dir, 'journal-5'),
        });
        expect(o!.error?.message).toBeUndefined();
        expect(o!.ok).toBe(true);
        expect(asked).toEqual(['2-1.3']);
        expect([first.cycles, there.cycles]).toEqual([0, 1]);
        expect((await auditModem(m.modem, pkg.plan)).problems).toEqual([]);
      } finally {
        await m.modem.stop();
      }
    },
  );

  it('a module that does not come back: DEVICE_NOT_FOUND naming its port and serial, within the wait', async () => {
    const hub = new TestHub();
    const places = new FleetPlaces();
    const opener = new FollowingEdlOpener({ module: 'm', home: '2-1', bus: hub, places, serial: () => '12345' });
    const t0 = Date.now();
    const err = await opener.open({ timeoutMs: 600 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect((err as Error).message).toMatch(/USB port 2-1.*serial 12345/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
