// Flash one package onto several modules at once (a bench of modems on one computer): one
// flashPackage() run per module, each with its own transport (opener), recovery ladder, power
// switch, AbortController, resume journal (keyed by the module's chip serial, see
// ResumeJournal.perModule), event stream tagged with the module, and result. Nothing is shared
// that one module's fault could block: no lock, no queue, and the runs are awaited with
// allSettled, so a stalled, disconnected or power-cycled module leaves the others running. The
// package is loaded once and read by every run: image files are opened per run and per step
// (package/image-source.ts), so the runs share no file position.

import { RescueError, toErrorReport, type ErrorReport } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { loadPackage, type FirmwarePackage } from '../package/load.js';
import type { PowerSwitch } from '../transport/power-switch.js';
import type { PipeOpener } from '../transport/transport.js';
import { flashPackage, type FlashOptions, type FlashResult } from './flash.js';
import { FleetPlaces, FollowingEdlOpener, type FleetBus } from './follow-module.js';
import { ResumeJournal } from './resume-journal.js';

export interface FleetModule {
  /** How the module is named in events and the summary: its port (a tty, a COM port, a USB path). */
  id: string;
  opener: PipeOpener;
  /**
   * Where the module sits on the bus (its USB port path). With FleetFlashOptions.bus, the run opens
   * it there on every (re)connection, whatever tty it has now, and follows it by its chip serial if
   * it comes back at another port (flows/follow-module.ts); `opener` is then not used.
   */
  place?: string;
  /** The switch that cuts this module's power only (its hub port); none: it asks for a power cycle. */
  powerSwitch?: PowerSwitch;
  /** The switch of another place, for a module followed there (none: it asks for a power cycle by hand). */
  powerSwitchAt?: (place: string) => Promise<PowerSwitch | undefined>;
}

/** What every run shares; the per-module fields (opener, events, journal, power switch) come from FleetModule. */
export type FleetFlashOptions = Omit<
  FlashOptions,
  'opener' | 'onEvent' | 'powerSwitch' | 'journalDir' | 'package' | 'beforeErase'
> & {
  /** Firmware folder or .zip (loaded once for every module), or an already loaded package (the caller disposes it). */
  package: string | FirmwarePackage;
  modules: readonly FleetModule[];
  /** Base folder of the resume journals: each module's in serial-SERIAL/ (port-PORT/ while its serial is unknown). */
  journalDir?: string;
  /** The bus the modules' places are on: lets each run follow its module (see FleetModule.place). */
  bus?: FleetBus;
  /** Every event of every run, with the module it is about. */
  onEvent?: (module: FleetModule, index: number, event: EngineEvent) => void;
};

export interface ModuleOutcome {
  module: string;
  /** 0-based position in the module list. */
  index: number;
  /** The chip serial the programmer reported, when it did. */
  serial?: string;
  ok: boolean;
  seconds: number;
  result?: FlashResult;
  error?: ErrorReport;
}

export class FleetFlash {
  private readonly controllers: AbortController[];
  private readonly serials: (string | undefined)[];

  constructor(private readonly opts: FleetFlashOptions) {
    if (opts.modules.length === 0)
      throw new RescueError('DEVICE_NOT_FOUND', 'There is no module to flash.', {
        nextStep: 'Connect the modules in download (EDL) mode, or name their ports with --port.',
      });
    const ids = opts.modules.map((m) => m.id);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined)
      throw new RescueError('USAGE', `The module ${twice} is named twice; each module can be flashed by one run only.`);
    this.controllers = opts.modules.map(() => new AbortController());
    this.serials = opts.modules.map(() => undefined);
  }

  /** Stop one module's run (the others go on). */
  abort(index: number, reason?: unknown): void {
    this.controllers[index]?.abort(reason);
  }

  /** Run every module to its end; never rejects for one module's failure. */
  async run(): Promise<ModuleOutcome[]> {
    const { opts } = this;
    const owned = typeof opts.package === 'string';
    const pkg =
      typeof opts.package === 'string'
        ? await loadPackage(opts.package, {
            signal: opts.signal,
            verifyMd5: opts.verifyMd5 ?? true,
            applyFilePatches: opts.applyFilePatches === true,
          })
        : opts.package;
    try {
      // Every module's place is taken before any run starts looking for a module that moved.
      const places = new FleetPlaces();
      const openers = opts.modules.map((m, i) => this.openerOf(m, i, places));
      const switches = opts.modules.map((m, i) => switchWhereItIs(m, openers[i]!));
      const settled = await Promise.allSettled(
        opts.modules.map((m, i) => this.runOne(pkg, m, i, openers[i]!, switches[i])),
      );
      return settled.map((s, i) => (s.status === 'fulfilled' ? s.value : this.failed(i, s.reason, 0)));
    } finally {
      if (owned) await pkg.dispose();
    }
  }

  /** The module's own opener, or one that finds it at its place and follows it by its serial. */
  private openerOf(m: FleetModule, index: number, places: FleetPlaces): PipeOpener {
    const { bus } = this.opts;
    if (!bus || m.place === undefined) return m.opener;
    return new FollowingEdlOpener({
      module: m.id,
      home: m.place,
      bus,
      places,
      serial: () => this.serials[index],
      onEvent: (e) => this.opts.onEvent?.(m, index, e),
    });
  }

  private async runOne(
    pkg: FirmwarePackage,
    m: FleetModule,
    index: number,
    opener: PipeOpener,
    powerSwitch: PowerSwitch | undefined,
  ): Promise<ModuleOutcome> {
    const { opts } = this;
    const controller = this.controllers[index]!;
    const onParentAbort = (): void => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) onParentAbort();
    opts.signal?.addEventListener('abort', onParentAbort, { once: true });
    const emit = (e: EngineEvent): void => opts.onEvent?.(m, index, e);
    const started = performance.now();
    const { modules: _modules, onEvent: _onEvent, journalDir, package: _pkg, bus: _bus, ...shared } = opts;
    try {
      const result = await flashPackage({
        ...shared,
        package: pkg,
        opener,
        signal: controller.signal,
        onEvent: emit,
        ...(powerSwitch ? { powerSwitch } : {}),
        // The serial the programmer reports names the module (its journal, its summary row).
        beforeErase: (ctx) => {
          if (ctx.serial !== undefined) this.serials[index] = ctx.serial;
          return Promise.resolve();
        },
        ...(journalDir !== undefined
          ? {
              openJournal: (packageId: string) =>
                Promise.resolve(
                  ResumeJournal.perModule(journalDir, packageId, m.id, (bound, key) => {
                    if (key.startsWith('serial-')) this.serials[index] = key.slice('serial-'.length);
                    if (bound.setAside)
                      emit({
                        type: 'log',
                        level: 'warn',
                        message: `The resume journal was not used: ${bound.setAside}.`,
                      });
                    if (bound.verified.length > 0)
                      emit({
                        type: 'log',
                        level: 'info',
                        message: `Resume journal of this module (${key}): ${bound.verified.length} partitions were written and verified by an earlier run; they are checked on the modem before being skipped.`,
                      });
                  }),
                ),
            }
          : {}),
      });
      const serial = this.serials[index];
      return {
        module: m.id,
        index,
        ...(serial !== undefined ? { serial } : {}),
        ok: true,
        seconds: result.seconds,
        result,
      };
    } catch (e) {
      return this.failed(index, e, (performance.now() - started) / 1000);
    } finally {
      opts.signal?.removeEventListener('abort', onParentAbort);
    }
  }

  private failed(index: number, e: unknown, seconds: number): ModuleOutcome {
    const serial = this.serials[index];
    return {
      module: this.opts.modules[index]!.id,
      index,
      ...(serial !== undefined ? { serial } : {}),
      ok: false,
      seconds,
      error: toErrorReport(e),
    };
  }
}

/**
 * A module's power switch cuts its first port's power. Once its run followed it to another port,
 * cutting that power would restart whatever sits there now (another module, or nothing): the
 * switch of the port it sits at now is used instead, and without one the run asks for a power
 * cycle by hand.
 */
function switchWhereItIs(m: FleetModule, opener: PipeOpener): PowerSwitch | undefined {
  const sw = m.powerSwitch;
  if (!sw || !(opener instanceof FollowingEdlOpener)) return sw;
  const home = opener.location;
  return {
    kind: sw.kind,
    description: sw.description,
    cutsPower: sw.cutsPower,
    cycle: async (o) => {
      const now = opener.location;
      if (now === home) return sw.cycle(o);
      const there = await m.powerSwitchAt?.(now);
      if (there?.cutsPower) return there.cycle(o);
      throw new Error(
        `the module now sits at USB port ${now}, whose power cannot be switched from here; the switch of port ${home}, where it no longer is, is not used`,
      );
    },
  };
}

/** Flash every module; one outcome per module, in the order given. */
export async function flashMany(opts: FleetFlashOptions): Promise<ModuleOutcome[]> {
  return await new FleetFlash(opts).run();
}
