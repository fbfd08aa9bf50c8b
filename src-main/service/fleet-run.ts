// "Flash all in download mode" for the wizard's bench view: every module of the demo bench that is
// in EDL flashed at once by flows/flash-many.ts, each through its own pipe (the one held since its
// switch or greeting), its own recovery ladder, resume journal (by chip serial) and, when the
// person allowed it, its own USB port power. Each module's events go out tagged with its device
// id; the result says per module what happened. A package made for another module is refused
// before any module is touched (the bench has no override word).

import type { DeviceSummary, FleetModuleView, FleetView } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { flashMany, type FleetModule, type ModuleOutcome } from '../flows/flash-many.js';
import { loadPackage } from '../package/load.js';
import type { DemoBench } from './demo-bench.js';
import { checkModuleOverride, toPackageView, type ModuleFacts } from './package-view.js';
import type { FlashTuning } from './flash-tuning.js';

export interface FleetRunOptions {
  bench: DemoBench;
  /** The devices on the bus now: the bench's modules in EDL are flashed. */
  devices: readonly DeviceSummary[];
  packagePath: string;
  verify: boolean;
  /** The person allowed each run to cut its own module's power if it hangs. */
  powerCycle: boolean;
  journalDir: string;
  facts: ModuleFacts;
  tuning?: FlashTuning;
  signal: AbortSignal;
  /** One module's event (module = its device id). */
  onEvent(module: string, event: EngineEvent): void;
}

/** The bench's modules a flashAll takes: those in download mode, in bench order. */
export function fleetTargets(bench: DemoBench, devices: readonly DeviceSummary[]): DeviceSummary[] {
  const targets = devices.filter((d) => d.mode === 'edl' && bench.module(d.id) !== undefined);
  if (targets.length === 0)
    throw new RescueError('DEVICE_NOT_FOUND', 'No module of the bench is in download (EDL) mode.', {
      nextStep: 'Switch the modules to download mode first (each row of the bench has the button).',
    });
  return targets;
}

export function moduleView(d: DeviceSummary | undefined, o: ModuleOutcome): FleetModuleView {
  const serial = o.serial ?? d?.serial;
  const r = o.result;
  return {
    id: o.module,
    name: d?.name ?? o.module,
    ...(serial !== undefined ? { serial } : {}),
    ok: o.ok,
    seconds: Math.round(o.seconds * 10) / 10,
    ...(r
      ? {
          bytesWritten: r.bytesWritten,
          verified: r.verified,
          recoveries: r.recoveries,
          powerCycles: r.powerCycles,
          resumed: r.resumed.length > 0,
        }
      : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}

export async function runFleet(o: FleetRunOptions): Promise<FleetView> {
  if (typeof o.packagePath !== 'string' || o.packagePath.trim() === '')
    throw new RescueError('USAGE', 'Choose a firmware package first.');
  const targets = fleetTargets(o.bench, o.devices);
  const pkg = await loadPackage(o.packagePath, { signal: o.signal });
  try {
    checkModuleOverride(toPackageView(pkg, o.facts), undefined);
    const modules: FleetModule[] = targets.map((d) => {
      const power = o.bench.module(d.id)?.modem.portPower;
      if (o.powerCycle && power)
        o.onEvent(d.id, { type: 'log', level: 'info', message: `If it hangs: ${power.description.toLowerCase()}.` });
      return {
        id: d.id,
        opener: o.bench.openerForRun(d.id),
        ...(o.powerCycle && power ? { powerSwitch: power } : {}),
      };
    });
    const started = performance.now();
    const outcomes = await flashMany({
      ...o.tuning,
      package: pkg,
      modules,
      signal: o.signal,
      verify: o.verify,
      journalDir: o.journalDir,
      onEvent: (m, _i, e) => o.onEvent(m.id, e),
    });
    return {
      modules: outcomes.map((x) => moduleView(targets[x.index], x)),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await pkg.dispose();
  }
}
