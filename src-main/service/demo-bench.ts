// The demo bench: several virtual EC25s plugged in at once (a hub of modules on one computer),
// each with its own state folder, chip serial (models.ts fleetSerial), in-memory buses, link pace,
// faults and USB port power. Its modules show as demo-1..demo-N. Like the single demo module, each
// module's EDL pipe opened by a switch to EDL or a greeting listen is held for the next flash, so
// the module's Sahara HELLO is not lost between the two.

import { join } from 'node:path';
import type { DeviceState, DeviceSummary } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { Greeting } from '../flows/edl-greeting.js';
import type { Fault } from '../sim/faults.js';
import { fleetSerial, getModel } from '../sim/models.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { DemoModem } from './demo-modem.js';
import { summarizeDemo } from './device-state.js';
import { HeldPipes } from './held-pipes.js';

/** Modules a demo bench holds at most (a powered 7- or 8-port hub). */
export const MAX_BENCH_MODULES = 8;

export interface BenchModule {
  /** "demo-K" */
  id: string;
  /** 1-based position on the bench. */
  k: number;
  serial: string;
  modem: DemoModem;
}

export interface DemoBenchOptions {
  /** Each module's state goes in stateDir/module-K. */
  stateDir: string;
  count: number;
  /** Faults of each module (index K-1). */
  faults: Fault[][];
  startIn: 'normal' | 'edl';
  reEnumerateDelayMs?: number;
  linkBytesPerSecond: number;
  onChange(): void;
  onLog(id: string, message: string): void;
}

export function benchId(k: number): string {
  return `demo-${k}`;
}

export class DemoBench {
  private readonly held = new HeldPipes();

  private constructor(readonly modules: readonly BenchModule[]) {}

  static async start(opts: DemoBenchOptions): Promise<DemoBench> {
    if (!Number.isInteger(opts.count) || opts.count < 2 || opts.count > MAX_BENCH_MODULES)
      throw new RescueError('USAGE', `A demo bench holds 2 to ${MAX_BENCH_MODULES} modules, not ${opts.count}.`);
    const model = getModel('ec25');
    const modules: BenchModule[] = [];
    try {
      for (let k = 1; k <= opts.count; k++) {
        const id = benchId(k);
        const serial = fleetSerial(model, k);
        const modem = await DemoModem.start({
          stateDir: join(opts.stateDir, `module-${k}`),
          silent: false,
          faults: opts.faults[k - 1] ?? [],
          serial,
          startIn: opts.startIn,
          ...(opts.reEnumerateDelayMs !== undefined ? { reEnumerateDelayMs: opts.reEnumerateDelayMs } : {}),
          linkBytesPerSecond: opts.linkBytesPerSecond,
          onChange: opts.onChange,
          onLog: (m) => opts.onLog(id, m),
        });
        modules.push({ id, k, serial: String(serial), modem });
      }
    } catch (e) {
      for (const m of modules) await m.modem.stop().catch(() => undefined);
      throw e;
    }
    return new DemoBench(modules);
  }

  module(id: string): BenchModule | undefined {
    return this.modules.find((m) => m.id === id);
  }

  /** The first module: the modules are alike, so its firmware and NAND geometry stand for all. */
  get firstModem(): DemoModem | undefined {
    return this.modules[0]?.modem;
  }

  /** What a host sees of the bench on the bus now, one row per module that shows. */
  summaries(): DeviceSummary[] {
    const rows: DeviceSummary[] = [];
    for (const m of this.modules) {
      const p = m.modem.presence();
      if (!p) continue;
      const row = summarizeDemo(p);
      rows.push({
        ...row,
        id: m.id,
        name: p.mode === 'edl' ? `Qualcomm EDL (demo EC25 #${m.k})` : `Quectel EC25 (demo #${m.k})`,
        ports: Object.fromEntries(Object.entries(row.ports).map(([k, v]) => [k, `${v}-${m.k}`])),
        serial: m.serial,
      });
    }
    return rows;
  }

  /** One value per enumeration of a module's EDL device. */
  enumeration(id: string): string {
    return `${id}-${this.module(id)?.modem.edlEnumeration ?? 0}`;
  }

  /** Keep a module's open EDL pipe for its next flash (a pipe held before is closed). */
  hold(id: string, pipe: BulkPipe): Promise<void> {
    return this.held.hold(id, pipe);
  }

  /** Close the pipes held for modules that left download mode (their enumeration is gone). */
  dropGone(state: DeviceState): void {
    this.held.drop((id) => state.devices.some((d) => d.id === id && d.mode === 'edl'));
  }

  /** The EDL device of a module for a flash: its held pipe (with what was heard), else a fresh open. */
  openerForRun(id: string): PipeOpener {
    return this.held.openerForRun(id, this.require(id).modem.edlOpener);
  }

  /** Listen for a module's greeting on its held pipe (or a fresh one), then hold it again with what was heard. */
  listen(id: string, listenMs: number): Promise<Greeting> {
    const m = this.require(id);
    return this.held.listen(id, m.modem.edlOpener, listenMs, `demo module ${m.k} in EDL`);
  }

  private require(id: string): BenchModule {
    const m = this.module(id);
    if (!m) throw new RescueError('DEVICE_DISCONNECTED', `The demo module ${id} was switched off.`);
    return m;
  }

  /** Power every module off for good. */
  async stop(): Promise<void> {
    await this.held.closeAll();
    for (const m of this.modules) await m.modem.stop().catch(() => undefined);
  }
}
