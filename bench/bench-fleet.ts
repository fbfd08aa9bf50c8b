// Bench section: many modems at once (issue 16). One package flashed by flashMany() onto 1, 2, 4
// and 8 virtual modems in this process, each behind its own modelled USB 2.0 high-speed link (its
// own LinkModel: a hub with a transaction translator per port, so the modules do not share bus
// time). Printed per row: aggregate payload throughput against the target 0.9 x N x the
// single-modem figure, and host CPU per modem (process.cpuUsage over the run, divided by N; host
// and virtual devices share this process, so it is an upper bound for the host alone). Then one
// run of 8 where modem 3 stalls half-way and is power-cycled by its own VirtualPowerSwitch while
// the other seven finish: their times against the same modules' times in the clean run of 8
// (target: within 5 %). The virtual modem's options are a parameter (`modem`, per modem), so the
// same table runs at a real module's pace (sim/device-pace.ts REAL_PACE: each modem its own NAND
// clock, as each real module programs its own NAND): `benchFleetPaced`.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { flashMany, type FleetModule, type ModuleOutcome } from '../src-main/flows/flash-many.js';
import { loadPackage, type FirmwarePackage } from '../src-main/package/load.js';
import type { Fault } from '../src-main/sim/faults.js';
import { MemoryBus } from '../src-main/sim/memory-bus.js';
import { DevicePace, REAL_PACE } from '../src-main/sim/device-pace.js';
import { fleetSerial, MODELS } from '../src-main/sim/models.js';
import { VirtualModem, type VirtualModemOptions } from '../src-main/sim/virtual-modem.js';
import { VirtualPowerSwitch } from '../src-main/sim/virtual-power-switch.js';
import { LinkModel } from '../src-main/transport/link-model.js';
import { makeBenchPackage } from './bench-package.js';

const MB = 1e6;
const model = MODELS.ec25;
const PAYLOAD = 8192;

export interface FleetRow {
  modems: number;
  seconds: number;
  bytes: number;
  cpuSeconds: number;
  outcomes: ModuleOutcome[];
}

type ModemOptions = Partial<Omit<VirtualModemOptions, 'stateDir' | 'serial' | 'faults'>>;
/** Options of modem k (1-based): a function where each modem needs its own object (a pace clock). */
type ModemOptionsOf = (k: number) => ModemOptions;

/** Flash `n` modems at once, each on its own modelled link; `faulted` modems get `fault` and the others none. */
async function fleetRun(
  dir: string,
  pkg: FirmwarePackage,
  totalBlocks: number,
  n: number,
  modem: ModemOptionsOf,
  fault?: { modem: number; faults: Fault[] },
): Promise<FleetRow> {
  const modems: VirtualModem[] = [];
  const modules: FleetModule[] = [];
  try {
    for (let k = 1; k <= n; k++) {
      const bus = new MemoryBus({ hostToDevice: LinkModel.usb2HighSpeed() });
      const vm = new VirtualModem(
        {
          model: model.id,
          totalBlocks,
          maxPayloadSupported: PAYLOAD,
          reEnumerateDelayMs: 200,
          ...modem(k),
          serial: fleetSerial(model, k),
          stateDir: join(dir, `fleet-${n}-${k}`),
          faults: fault?.modem === k ? fault.faults : [],
        },
        bus,
      );
      await vm.start();
      modems.push(vm);
      modules.push({ id: `modem ${k}`, opener: bus.opener, powerSwitch: new VirtualPowerSwitch(vm) });
    }
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const outcomes = await flashMany({ package: pkg, modules, verify: false, maxPayload: PAYLOAD, verifyMd5: false });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const failed = outcomes.find((o) => !o.ok);
    if (failed) throw new Error(`${failed.module} failed in the fleet bench: ${failed.error?.message ?? '?'}`);
    const bytes = outcomes.reduce((s, o) => s + (o.result?.bytesWritten ?? 0), 0);
    return { modems: n, seconds, bytes, cpuSeconds: (cpu.user + cpu.system) / 1e6, outcomes };
  } finally {
    for (const vm of modems) await vm.stop();
    for (let k = 1; k <= n; k++) await rm(join(dir, `fleet-${n}-${k}`), { recursive: true, force: true });
  }
}

/**
 * The run of median time among three. Eight modems and their host share one JavaScript thread
 * here, near its limit at 8 x 35 MB/s, so one run can be off by several per cent either way.
 */
async function medianRun(run: () => Promise<FleetRow>): Promise<FleetRow> {
  const runs: FleetRow[] = [];
  for (let i = 0; i < 3; i++) runs.push(await run());
  return runs.sort((a, b) => a.seconds - b.seconds)[1]!;
}

/** The scaling table and the stalled-module run, as printed lines. */
export async function benchFleet(
  dir: string,
  verdict: (ok: boolean) => string,
  opts: { imageMiB?: number; modem?: ModemOptionsOf; counts?: number[]; title?: string; stalledRun?: boolean } = {},
): Promise<string[]> {
  const imageMiB = opts.imageMiB ?? 48;
  const modem = opts.modem ?? (() => ({}));
  const made = await makeBenchPackage(join(dir, 'fleet-pkg'), model, imageMiB);
  const pkg = await loadPackage(made.root, { verifyMd5: false });
  const out: string[] = [];
  try {
    await fleetRun(dir, pkg, made.totalBlocks, 1, modem); // warm-up
    out.push(
      opts.title ??
        `7. Many modems at once: ${imageMiB} MiB each, every modem behind its own modelled USB 2.0 link (35 MB/s, 8 KiB payload), flashMany(), median of 3 runs per row:`,
    );
    out.push('   modems  seconds  aggregate MB/s  target MB/s  ratio  CPU s per modem  verdict');
    let single = 0;
    const rows = new Map<number, FleetRow>();
    for (const n of opts.counts ?? [1, 2, 4, 8]) {
      const row = await medianRun(() => fleetRun(dir, pkg, made.totalBlocks, n, modem));
      rows.set(n, row);
      const mbps = row.bytes / row.seconds / MB;
      if (n === 1) single = mbps;
      const target = 0.9 * n * single;
      out.push(
        `   ${String(n).padStart(6)}  ${row.seconds.toFixed(2).padStart(7)}  ${mbps.toFixed(1).padStart(14)}  ${target.toFixed(1).padStart(11)}  ${(mbps / target).toFixed(2).padStart(5)}  ${(row.cpuSeconds / n).toFixed(2).padStart(15)}  ${verdict(mbps >= target)}`,
      );
    }
    const clean = rows.get(8);
    if (clean && opts.stalledRun !== false)
      out.push(...(await stalledRun(dir, pkg, made.totalBlocks, modem, clean, verdict)));
  } finally {
    await pkg.dispose();
    await rm(join(dir, 'fleet-pkg'), { recursive: true, force: true });
  }
  return out;
}

/** Eight modems, modem 3 stalls half-way and is power-cycled; the others against the clean run of 8. */
async function stalledRun(
  dir: string,
  pkg: FirmwarePackage,
  totalBlocks: number,
  modem: ModemOptionsOf,
  clean: FleetRow,
  verdict: (ok: boolean) => string,
): Promise<string[]> {
  const half = Math.floor(pkg.totalProgramBytes / 2);
  const row = await fleetRun(dir, pkg, totalBlocks, 8, modem, {
    modem: 3,
    faults: [{ kind: 'stall', atBytes: half }],
  });
  const stalled = row.outcomes[2]!;
  const deltas = row.outcomes
    .filter((o) => o.index !== 2)
    .map((o) => (o.seconds - clean.outcomes[o.index]!.seconds) / clean.outcomes[o.index]!.seconds);
  const worst = deltas.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
  return [
    `   Modem 3 stalls at ${(half / 1048576).toFixed(0)} MiB and is power-cycled by its own switch (${stalled.result?.powerCycles ?? 0} power cycle(s), ${stalled.result?.recoveries ?? 0} recovery rung(s), done in ${stalled.seconds.toFixed(1)} s); the other seven:`,
    `   ${row.outcomes
      .filter((o) => o.index !== 2)
      .map((o) => `${o.index + 1}: ${o.seconds.toFixed(2)} s`)
      .join(', ')} (clean run ${clean.outcomes.map((o) => o.seconds.toFixed(2)).join(', ')} s)`,
    `   largest change against the clean run ${pct(worst)} (target within 5 %) -> ${verdict(Math.abs(worst) <= 0.05)}`,
  ];
}

/** The same table at a real module's pace: each modem programs its own NAND at ~2.3 MB/s. */
export async function benchFleetPaced(dir: string, verdict: (ok: boolean) => string, imageMiB = 8): Promise<string[]> {
  return benchFleet(dir, verdict, {
    imageMiB,
    modem: () => ({ pace: new DevicePace(REAL_PACE) }),
    stalledRun: false,
    title: `   At a real module's pace (sim/device-pace.ts REAL_PACE, each modem its own NAND clock), ${imageMiB} MiB each:`,
  });
}

/** `node dist/bench/bench-fleet.js`: this section alone (`npm run bench` runs it after the others). */
async function runAlone(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'modem-rescue-bench-fleet-'));
  try {
    const verdict = (ok: boolean): string => (ok ? 'meets target' : 'BELOW TARGET');
    console.log((await benchFleet(dir, verdict)).join('\n'));
    console.log((await benchFleetPaced(dir, verdict)).join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runAlone();
