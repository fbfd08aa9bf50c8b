// Issue 16, engine: several modules flashed at once, each isolated. One module stalls and is
// power-cycled by its own switch, another drops off the bus and is recovered by the ladder, a
// third is never found; the others finish byte for byte, and no switch but the stalled module's
// is ever used.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { flashMany, type FleetModule } from '../../src-main/flows/flash-many.js';
import { ResumeJournal } from '../../src-main/flows/resume-journal.js';
import { loadPackage, type FirmwarePackage } from '../../src-main/package/load.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { CRASH_WATCHDOG_MS } from '../../src-main/sim/firehose-nand.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { fleetSerial, MODELS } from '../../src-main/sim/models.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { VirtualPowerSwitch } from '../../src-main/sim/virtual-power-switch.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { positions } from '../helpers/fault-matrix.js';
import { auditModem } from '../helpers/nand.js';

const model = MODELS.ec25;
let dir: string;
let pkg: FirmwarePackage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-fleet-'));
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 16 });
  pkg = await loadPackage(made.root);
});
afterAll(async () => {
  await pkg.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** An opener for a module that is not there: the run ends in DEVICE_NOT_FOUND after its wait. */
const absent: PipeOpener = {
  description: 'a module that was unplugged',
  open: () => Promise.reject(new RescueError('DEVICE_NOT_FOUND', 'No module in EDL appeared.')),
};

describe('flashMany', () => {
  it(
    'flashes modules at once; a stalled one is power-cycled alone, the others are not disturbed',
    { timeout: 120_000 },
    async () => {
      const mid = positions(pkg).mid;
      const faults: Record<number, Fault[]> = {
        2: [{ kind: 'disconnect', atBytes: mid }],
        3: [{ kind: 'stall', atBytes: mid }],
      };
      const modems: VirtualModem[] = [];
      const switches: VirtualPowerSwitch[] = [];
      const modules: FleetModule[] = [];
      for (let k = 1; k <= 4; k++) {
        const bus = new MemoryBus();
        const modem = new VirtualModem(
          {
            model: 'ec25',
            serial: fleetSerial(model, k),
            stateDir: join(dir, `modem-${k}`),
            faults: faults[k] ?? [],
            reEnumerateDelayMs: 200,
          },
          bus,
        );
        await modem.start();
        modems.push(modem);
        const sw = new VirtualPowerSwitch(modem);
        switches.push(sw);
        modules.push({ id: `bus-${k}`, opener: bus.opener, powerSwitch: sw });
      }
      modules.push({ id: 'gone', opener: absent });
      const events = new Map<string, EngineEvent[]>();
      const journal = join(dir, 'journal');
      try {
        const outcomes = await flashMany({
          package: pkg,
          modules,
          journalDir: journal,
          openTimeoutMs: 1500,
          helloTimeoutMs: 1000,
          timeouts: { writeMs: 1500, responseMs: 3000, programAckMs: 6000, eraseAckMs: 6000, readDataMs: 6000 },
          recovery: {
            maxAttempts: 3,
            drainQuietMs: 100,
            drainMaxMs: 600,
            probeMs: 1000,
            dropOffMs: CRASH_WATCHDOG_MS + 1500,
          },
          onEvent: (m, _i, e) => events.set(m.id, [...(events.get(m.id) ?? []), e]),
        });
        expect(outcomes.map((o) => [o.module, o.ok])).toEqual([
          ['bus-1', true],
          ['bus-2', true],
          ['bus-3', true],
          ['bus-4', true],
          ['gone', false],
        ]);
        expect(outcomes[4]!.error?.code).toBe('DEVICE_NOT_FOUND');
        // Each module reported its own serial; the journal of each lived in its own serial folder.
        expect(outcomes.slice(0, 4).map((o) => o.serial)).toEqual(
          [1, 2, 3, 4].map((k) => String(fleetSerial(model, k))),
        );
        // The stalled module was power-cycled by its own switch; nobody else's power was touched.
        expect(outcomes[2]!.result?.powerCycles).toBeGreaterThanOrEqual(1);
        expect(switches.map((s) => s.cycles > 0)).toEqual([false, false, true, false]);
        expect(outcomes[1]!.result?.recoveries).toBeGreaterThanOrEqual(1);
        expect(outcomes[1]!.result?.powerCycles).toBe(0);
        for (const k of [0, 3]) expect(outcomes[k]!.result?.recoveries).toBe(0);
        // Every module's own stream ends with its own result.
        for (const o of outcomes) expect(events.get(o.module)?.at(-1)).toMatchObject({ type: 'result', ok: o.ok });
        // Journals are cleared after success; nothing of one module's is left in another's folder.
        const left = await readdir(journal).catch(() => [] as string[]);
        for (const d of left) expect(await readdir(join(journal, d))).toEqual([]);
        for (const [i, modem] of modems.entries()) {
          const audit = await auditModem(modem, pkg.plan);
          expect(audit.problems, `modem ${i + 1}`).toEqual([]);
        }
      } finally {
        for (const m of modems) await m.stop();
      }
    },
  );

  it('refuses a module named twice', async () => {
    const bus = new MemoryBus();
    await expect(
      flashMany({
        package: pkg,
        modules: [
          { id: 'a', opener: bus.opener },
          { id: 'a', opener: bus.opener },
        ],
      }),
    ).rejects.toThrow(/named twice/);
  });
});

describe('ResumeJournal.perModule', () => {
  it('lives in the folder of the serial the programmer reports, else of the port', async () => {
    const base = join(dir, 'per-module');
    const a = ResumeJournal.perModule(base, 'pkgid', '/dev/pts/7');
    expect(a.path).toBeUndefined();
    await a.bindDevice('472529743');
    expect(a.path).toBe(join(base, 'serial-472529743', 'pkgid.json'));
    const b = ResumeJournal.perModule(base, 'pkgid', '/dev/pts/7');
    await b.bindDevice('0'); // a programmer that prints "Chip serial num: 0" names no module
    expect(b.path).toBe(join(base, 'port-dev_pts_7', 'pkgid.json'));
  });
});
