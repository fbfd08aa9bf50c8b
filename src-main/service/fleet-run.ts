// "Flash all in download mode" for the wizard's bench view: every module in EDL, demo or real (found
// on USB, or on a serial port named with --edl-port), flashed at once by flows/flash-many.ts, each
// through its own EDL device (the pipe held since its switch or greeting, else its own port: the
// service's ModuleOpeners.edlAt), its own recovery ladder, resume journal (by chip serial) and,
// when the person allowed it, its own port's power only (never a suspend, which would cut every
// module's). Each module's events go out tagged with its device id; the result says per module
// what happened. A package made for another module is refused before any module is touched (the
// bench has no override word).

import type { DeviceSummary, FleetModuleView, FleetView } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { flashMany, type FleetModule, type ModuleOutcome } from '../flows/flash-many.js';
import { loadPackage } from '../package/load.js';
import type { FleetBus } from '../flows/follow-module.js';
import type { PipeOpener } from '../transport/transport.js';
import { checkModuleOverride, toPackageView, type ModuleFacts } from './package-view.js';
import type { FlashTuning } from './flash-tuning.js';
import type { ModuleOpeners, PowerSwitchChoice } from './module-openers.js';
import type { DemoBench } from './demo-bench.js';
import type { NamedEdlPorts } from './edl-ports.js';
import type { HeldPipes } from './held-pipes.js';

/** How the run reaches each module (the service answers from its ModuleOpeners). */
export interface FleetPorts {
  /** The module's EDL device for this run. */
  opener(d: DeviceSummary): PipeOpener;
  /**
   * Where a module found on USB sits (its port path), when the run follows it there and by its
   * serial to another port after a power cycle (flows/follow-module.ts); undefined: `opener` only.
   */
  place(d: DeviceSummary): string | undefined;
  /** The bus those places are on. */
  bus?: FleetBus;
  /** What cuts this module's power alone, or why nothing can. */
  powerSwitch(d: DeviceSummary): Promise<PowerSwitchChoice>;
}

/** Where the service keeps what reaches its modules. */
export interface FleetPortSources {
  bench: DemoBench | undefined;
  named: NamedEdlPorts;
  held: HeldPipes;
  /** The key of the pipe held for "the" module (its switch to EDL, or its greeting). */
  soleKey: string;
  openers(d: DeviceSummary): ModuleOpeners;
}

/**
 * Each module's own EDL device and power switch: a bench module's from the bench, a named port's
 * and a USB module's from the openers (ModuleOpeners.edlAt), each behind the pipe held for it. The
 * pipe held for "the" module belongs to the one module found on USB (or the single demo) when
 * there is only one such; with several it could be any of them, and it is closed so each opens its own.
 */
export async function fleetPorts(targets: readonly DeviceSummary[], src: FleetPortSources): Promise<FleetPorts> {
  const usbFound = targets.filter((d) => !src.bench?.module(d.id) && !src.named.has(d.id));
  const sole = usbFound.length === 1;
  const bus = usbFound[0] ? src.openers(usbFound[0]).fleetBus?.() : undefined;
  if (!sole)
    await src.held
      .take(src.soleKey)
      ?.close()
      .catch(() => undefined);
  return {
    opener: (d) => {
      if (src.bench?.module(d.id)) return src.bench.openerForRun(d.id);
      const fresh = src.openers(d).edlAt(d);
      if (src.named.has(d.id)) return src.held.openerForRun(d.id, fresh);
      return sole ? src.held.openerForRun(src.soleKey, fresh) : fresh;
    },
    // Modules found on USB, several of them (the sole one keeps the pipe held since its greeting).
    place: (d) => (!sole && bus && !src.bench?.module(d.id) && !src.named.has(d.id) ? d.id : undefined),
    ...(bus ? { bus } : {}),
    // Never a suspend: it would cut every module's power.
    powerSwitch: (d) => src.openers(d).powerSwitch(d, { portOnly: true }),
  };
}

export interface FleetRunOptions {
  ports: FleetPorts;
  /** The devices on the bus now: those in EDL are flashed. */
  devices: readonly DeviceSummary[];
  /** The modules the person confirmed (device ids); absent: every module in EDL. */
  only?: readonly string[];
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

/**
 * The modules a flashAll takes: those in download mode, in the order the bus lists them; with
 * `only`, exactly those (each must still be in download mode: nothing else is flashed).
 */
export function fleetTargets(devices: readonly DeviceSummary[], only?: readonly string[]): DeviceSummary[] {
  const inEdl = devices.filter((d) => d.mode === 'edl');
  if (only !== undefined && (!Array.isArray(only) || !only.every((id) => typeof id === 'string')))
    throw new RescueError('USAGE', 'The modules to flash are named by their device ids (a list of strings).');
  if (only !== undefined) {
    const missing = only.filter((id) => !inEdl.some((d) => d.id === id));
    if (missing.length > 0)
      throw new RescueError(
        'DEVICE_NOT_FOUND',
        `${missing.length === 1 ? 'A module' : `${missing.length} modules`} confirmed for the flash ${missing.length === 1 ? 'is' : 'are'} no longer in download (EDL) mode: ${missing.join(', ')}.`,
        {
          nextStep: 'Nothing was written. Look at the bench again, then confirm the modules that are in download mode.',
        },
      );
  }
  const targets = only !== undefined ? inEdl.filter((d) => only.includes(d.id)) : inEdl;
  if (targets.length === 0)
    throw new RescueError('DEVICE_NOT_FOUND', 'No module is in download (EDL) mode.', {
      nextStep: 'Switch the modules to download mode first (each running module of the bench has the button).',
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
  const targets = fleetTargets(o.devices, o.only);
  const pkg = await loadPackage(o.packagePath, { signal: o.signal });
  try {
    checkModuleOverride(toPackageView(pkg, o.facts), undefined);
    const switches: (PowerSwitchChoice | undefined)[] = [];
    for (const d of targets) switches.push(o.powerCycle ? await o.ports.powerSwitch(d) : undefined);
    // The held pipes are taken last: nothing above can leave one open and unowned.
    const modules: FleetModule[] = targets.map((d, i) => {
      const choice = switches[i];
      if (choice) o.onEvent(d.id, { type: 'log', level: choice.powerSwitch ? 'info' : 'warn', message: choice.text });
      const place = o.ports.place(d);
      return {
        id: d.id,
        opener: o.ports.opener(d),
        ...(place !== undefined ? { place } : {}),
        ...(choice?.powerSwitch
          ? {
              powerSwitch: choice.powerSwitch,
              // Followed to another USB port: that port's own switch, if it has one.
              powerSwitchAt: async (place: string) => (await o.ports.powerSwitch({ ...d, id: place })).powerSwitch,
            }
          : {}),
      };
    });
    const started = performance.now();
    const outcomes = await flashMany({
      ...o.tuning,
      package: pkg,
      modules,
      ...(o.ports.bus ? { bus: o.ports.bus } : {}),
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
