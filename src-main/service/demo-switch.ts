// The wizard's demo: either one virtual module (DemoModem: normal mode, or silent until the pads
// are shorted) or a bench of several (DemoBench, setDemoMode with a count), never both, each started
// fresh (factory firmware and NV) in the service's demo/ folder. This file owns switching them on
// and off and what they log; the service asks it which demo is on.

import { rm } from 'node:fs/promises';
import type { ApiMethods, DemoAction } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { FaultSpecError, type Fault } from '../sim/faults.js';
import { faultsPerModem } from '../sim/fleet-faults.js';
import { DemoBench, MAX_BENCH_MODULES } from './demo-bench.js';
import { DemoModem } from './demo-modem.js';

/** The demo flash runs at about the pace of a real EC25 (its NAND programmer sets it). */
export const DEMO_LINK_BYTES_PER_SECOND = 2_000_000;

export interface DemoKnobs {
  /** The virtual module's re-enumeration delay (default 1000 ms). */
  reEnumerateDelayMs?: number;
  /** The demo package's size (default 8 MiB). */
  packageMiB?: number;
  /** Its EDL link speed (default DEMO_LINK_BYTES_PER_SECOND; 0 = no delay). */
  linkBytesPerSecond?: number;
}

export interface DemoSwitchOptions {
  /** Where the demo modules keep their state (wiped at every switch-on). */
  dir: string;
  knobs?: DemoKnobs | undefined;
  /** A demo module appeared, left or changed mode. */
  onChange(): void;
  /** A line of the single demo module's own log. */
  onLog(message: string): void;
  /** A line of one bench module's own log. */
  onModuleLog(id: string, message: string): void;
}

type DemoRequest = ApiMethods['setDemoMode']['params'];

/** The faults of each module a request arms; USAGE when the request cannot be met. */
export function checkDemoRequest(p: DemoRequest): Fault[][] {
  const count = p.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_BENCH_MODULES)
    throw new RescueError('USAGE', `The demo holds 1 to ${MAX_BENCH_MODULES} modules, not ${String(p.count)}.`);
  if (count > 1 && p.silent === true)
    throw new RescueError('USAGE', 'A silent module is shown with the single demo module, not on the demo bench.');
  if (count === 1 && p.edl === true)
    throw new RescueError('USAGE', 'Starting in download mode is for the demo bench (a count of 2 or more).');
  try {
    return faultsPerModem(p.faults, count);
  } catch (e) {
    if (e instanceof FaultSpecError)
      throw new RescueError('USAGE', e.message, {
        nextStep: 'Use fault specs such as stall@1M, disconnect@512k, nak-program@2 (K:SPEC for module K only).',
      });
    throw e;
  }
}

/** What the programmer logs reaches the host as Firehose <log> lines: the module's own echo is dropped. */
function ownLine(m: string): boolean {
  return !m.startsWith('firehose: ');
}

export class DemoSwitch {
  private demo: DemoModem | undefined;
  private benchOf: DemoBench | undefined;

  constructor(private readonly o: DemoSwitchOptions) {}

  /** The single demo module, when that is what is on. */
  get single(): DemoModem | undefined {
    return this.demo;
  }

  /** The demo bench, when that is what is on. */
  get bench(): DemoBench | undefined {
    return this.benchOf;
  }

  get on(): boolean {
    return this.demo !== undefined || this.benchOf !== undefined;
  }

  /**
   * Switch the demo off, then on as asked (a fresh module or bench). `detached` runs once nothing
   * is reachable through this switch any more and before the old modules stop (the service lets a
   * greeting listen end there).
   */
  async replace(p: DemoRequest, detached: () => Promise<void>): Promise<void> {
    const faults = checkDemoRequest(p);
    await this.stop(detached);
    if (!p.on) return;
    await rm(this.o.dir, { recursive: true, force: true });
    const count = p.count ?? 1;
    if (count > 1) this.benchOf = await this.startBench(count, faults, p.edl === true);
    else this.demo = await this.startDemo(p.silent ?? false, faults[0] ?? []);
  }

  /** Power every demo module off. */
  async stop(detached: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    const old = this.demo;
    const oldBench = this.benchOf;
    this.demo = undefined;
    this.benchOf = undefined;
    await detached();
    await old?.stop();
    await oldBench?.stop();
  }

  /** What the person does to the single module by hand (pads, suspend, replug); what happened, said. */
  async action(action: DemoAction): Promise<string> {
    if (!this.demo) throw new RescueError('USAGE', 'Demo actions need the demo module: switch demo mode on first.');
    return this.demo.action(action);
  }

  /** The firmware version the demo modules run, when known (a demo package is made for it). */
  firmware(): string | undefined {
    const demo = this.demo ?? this.benchOf?.firstModem;
    if (!demo) throw new RescueError('USAGE', 'A demo package is made for the demo module: switch demo mode on first.');
    return demo.firmware;
  }

  private knobs(): { reEnumerateDelayMs?: number; linkBytesPerSecond: number } {
    const k = this.o.knobs;
    return {
      ...(k?.reEnumerateDelayMs !== undefined ? { reEnumerateDelayMs: k.reEnumerateDelayMs } : {}),
      linkBytesPerSecond: k?.linkBytesPerSecond ?? DEMO_LINK_BYTES_PER_SECOND,
    };
  }

  private startDemo(silent: boolean, faults: Fault[]): Promise<DemoModem> {
    return DemoModem.start({
      stateDir: this.o.dir,
      silent,
      faults,
      ...this.knobs(),
      onChange: () => this.o.onChange(),
      onLog: (m) => {
        if (ownLine(m)) this.o.onLog(m);
      },
    });
  }

  private startBench(count: number, faults: Fault[][], edl: boolean): Promise<DemoBench> {
    return DemoBench.start({
      stateDir: this.o.dir,
      count,
      faults,
      startIn: edl ? 'edl' : 'normal',
      ...this.knobs(),
      onChange: () => this.o.onChange(),
      onLog: (id, m) => {
        if (ownLine(m)) this.o.onModuleLog(id, m);
      },
    });
  }
}
