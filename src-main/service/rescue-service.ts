// The engine behind the wizard: every method of the API contract (shared/api.ts) on top of the
// flows, pushing device changes, engine events and busy state to whoever listens. One long
// operation (backup, enter EDL, make a demo package, flash, finish) at a time; cancel() aborts it.
// Both faces use it: the Electron worker and the browser mode's local server.

import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type {
  ApiEvent,
  ApiMethod,
  ApiMethods,
  BackupView,
  DeviceState,
  DeviceSummary,
  FinishView,
  FlashView,
  FleetView,
  PackageView,
  Params,
  PowerCycleActionView,
  RestoreView,
  Result,
  SnapshotPlanView,
  SnapshotView,
} from '../../shared/api.js';
import { isApiMethod } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { enterEdl } from '../flows/enter-edl.js';
import { flashPackage } from '../flows/flash.js';
import { loadPackage, type FirmwarePackage } from '../package/load.js';
import { completeSnapshotAt } from '../flows/snapshot.js';
import { snapshotBeforeErase } from '../flows/snapshot-run.js';
import { undoSnapshot } from '../flows/undo.js';
import { snapshotFolder, snapshotPlanView, snapshotView } from './snapshot-run.js';
import { createUsbEnumerator, type UsbEnumerator } from '../platform/usb-enumerator.js';
import { SerialOpener } from '../transport/serial.js';
import { UsbEdlOpener } from '../transport/usb.js';
import { runBackup } from './backup-run.js';
import { runRestore } from './restore-run.js';
import { DEMO_SUSPEND_ACTION, platformPowerCycleActions, runPlatformPowerCycle } from './power-cycle-run.js';
import { realSystem, type SystemProbe } from '../platform/system.js';
import { holdForFlash, type FlashGuards } from '../platform/flash-guards.js';
import type { DeviceMode } from '../../shared/devices.js';
import { DEMO_DEVICE_ID, type DemoModem } from './demo-modem.js';
import type { DemoBench } from './demo-bench.js';
import { DemoSwitch, type DemoKnobs } from './demo-switch.js';
import { fleetPorts, fleetTargets, runFleet } from './fleet-run.js';
import { buildState, detectBounded, Poller, sameDevices } from './device-state.js';
import type { NativeOpeners } from '../transport/auto-edl.js';
import { demoOpeners, realOpeners, type ModuleOpeners } from './module-openers.js';
import { waitForNormal, type FinishTarget } from './finish-run.js';
import type { Greeting } from '../flows/edl-greeting.js';
import type { PipeOpener } from '../transport/transport.js';
import { HeldPipes } from './held-pipes.js';
import { NamedEdlPorts } from './edl-ports.js';
import { demoPackage } from './demo-package.js';
import { checkModuleOverride, inspectPackage, toPackageView, type ModuleFacts } from './package-view.js';
import { platformChecks, runFix } from './platform-checks.js';
import { choosePowerSwitch } from '../platform/power-switch.js';
import type { PowerSwitch } from '../transport/power-switch.js';
import type { FlashTuning } from './flash-tuning.js';
import { GreetingWatch } from './greeting-watch.js';
import { readAppVersion, writeReportZip } from './report.js';

export type { FlashTuning } from './flash-tuning.js';

export interface ServiceOptions {
  /** Where the service keeps its state: demo/, demo-packages/, journal/, reports/ (and backups/ in tests). */
  stateDir: string;
  /** The USB bus (default: sysfs on Linux, libusb elsewhere). */
  enumerator?: UsbEnumerator;
  /** This computer's files and commands, for the doctor and the power-cycle actions (default: the real one). */
  probe?: SystemProbe;
  /** Native transports (default: serialport and libusb in this process). */
  openers?: Partial<NativeOpeners>;
  now?: () => number;
  /** Device polling interval while somebody listens (default 500 ms). */
  pollMs?: number;
  /** Default backup folder (default ~/ModemRescue/backups). */
  backupFolder?: string;
  /** Demo knobs (demo-switch.ts): re-enumeration delay, demo package size, EDL link speed. */
  demo?: DemoKnobs;
  flash?: FlashTuning;
  /** Limits of the steps (ms): waiting for EDL after the switch, for normal mode after the flash. */
  waits?: { edlMs?: number; normalMs?: number; demoNormalMs?: number };
  /** NV range a backup reads (tests use a short one). */
  backupNvRange?: [number, number];
  /** Serial ports where a module in EDL is expected (serve --edl-port; edl-ports.ts), checked by checkEdlPorts. */
  edlPorts?: readonly string[];
}

/** The key of the pipe held for "the" module (the one switched to EDL, or found in EDL on USB or in the demo). */
const SOLE = '';

export { DEMO_LINK_BYTES_PER_SECOND } from './demo-switch.js';

type Handler<M extends ApiMethod> = (p: Params<M>) => Promise<Result<M>>;
type Handlers = { [M in ApiMethod]: Handler<M> };

const MAX_EVENTS = 400;
const MAX_HISTORY = 100;

export class RescueService {
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly enumerator: UsbEnumerator;
  /** The real computer's ports (the demo module brings its own). */
  private readonly real: ModuleOpeners;
  private readonly probe: SystemProbe;
  private readonly now: () => number;
  private readonly poller: Poller;
  /** The demo: one virtual module, or a bench of several (setDemoMode with a count). */
  private readonly demos: DemoSwitch;
  private last: DeviceState | undefined;
  private readonly history: DeviceState[] = [];
  private busy: { method: ApiMethod; abort: AbortController } | undefined;
  private readonly events: EngineEvent[] = [];
  private lastPlan: { packagePath: string; view: PackageView } | undefined;
  private lastBackup: BackupView | undefined;
  private lastFinish: FinishView | undefined;
  /** The snapshot taken before the last flash ("Undo this upgrade"). */
  private lastSnapshot: SnapshotView | undefined;
  /** The module's firmware as last read (backup manifest, AT+QGMR), for package checks. */
  private knownFirmware: string | undefined;
  private refreshing: Promise<DeviceState> | undefined;
  /**
   * EDL pipes kept for the flash (held-pipes.ts): the one the last switch to EDL or greeting listen
   * opened (key SOLE), and one per named port (key: its device id).
   */
  private readonly held = new HeldPipes();
  private readonly edlPorts: NamedEdlPorts;
  private disposed = false;
  private readonly handlers: Handlers;
  /** Whether each module in EDL greets (download mode is green only then). */
  private readonly greetings: GreetingWatch;

  constructor(private readonly opts: ServiceOptions) {
    this.enumerator = opts.enumerator ?? createUsbEnumerator();
    this.real = realOpeners(
      this.enumerator,
      {
        serial: opts.openers?.serial ?? ((p) => new SerialOpener(p)),
        usbEdl: opts.openers?.usbEdl ?? ((o) => new UsbEdlOpener(o?.busPath ? { busPath: o.busPath } : {})),
      },
      (d, o) => choosePowerSwitch(this.probe, d && !d.demo ? d.id : undefined, undefined, o),
    );
    this.now = opts.now ?? Date.now;
    this.probe = opts.probe ?? realSystem();
    this.edlPorts = new NamedEdlPorts(opts.edlPorts ?? []);
    this.demos = new DemoSwitch({
      dir: path.join(opts.stateDir, 'demo'),
      knobs: opts.demo,
      onChange: () => void this.refreshSoon().catch(() => undefined),
      onLog: (m) => this.engineEvent({ type: 'log', level: 'debug', message: `demo modem: ${m}` }),
      onModuleLog: (id, m) => this.moduleEvent(id, { type: 'log', level: 'debug', message: `demo modem: ${m}` }),
    });
    this.poller = new Poller(async () => void (await this.refresh()), opts.pollMs ?? 500);
    this.greetings = new GreetingWatch({
      listen: (d, listenMs) => this.listenToEdl(d, listenMs),
      enumeration: (d) =>
        this.bench?.module(d.id)
          ? this.bench.enumeration(d.id)
          : this.edlPorts.has(d.id)
            ? this.edlPorts.enumeration(d.id)
            : d.demo
              ? `demo-${this.demo?.edlEnumeration ?? 0}`
              : d.id,
      subject: (d) => (this.edlPorts.has(d.id) ? `The serial port ${d.ports.edl ?? d.id} is there` : undefined),
      busy: () => this.busy !== undefined,
      changed: () => void this.refreshSoon().catch(() => undefined),
      onLog: (message) => this.engineEvent({ type: 'log', level: 'info', message }),
    });
    this.handlers = {
      getDevices: () => this.refresh(),
      setDemoMode: (p) => this.setDemoMode(p),
      platformChecks: () => platformChecks(this.enumerator, process.platform, this.probe),
      runFix: (p) => runFix(p.id, this.enumerator, this.probe),
      defaultBackupFolder: () =>
        Promise.resolve(this.opts.backupFolder ?? path.join(homedir(), 'ModemRescue', 'backups')),
      backup: (p) => this.long('backup', (s) => this.backup(p, s)),
      enterEdl: (p) => this.long('enterEdl', (s) => this.enterEdl(p, s)),
      demoAction: (p) => this.demoAction(p),
      powerCycleActions: (p) => this.powerCycleActions(p),
      runPowerCycle: (p) => this.long('runPowerCycle', (s) => this.runPowerCycle(p, s)),
      inspectPackage: (p) => this.inspect(p),
      makeDemoPackage: () => this.long('makeDemoPackage', (s) => this.makeDemoPackage(s)),
      flash: (p) => this.long('flash', (s) => this.flash(p, s)),
      flashAll: (p) => this.long('flashAll', (s) => this.flashAll(p, s)),
      snapshotPlan: (p) => this.snapshotPlan(p),
      undo: (p) => this.long('undo', (s) => this.undo(p, s)),
      cancel: () => Promise.resolve(this.cancel()),
      finish: () => this.long('finish', (s) => this.finish(s)),
      restore: (p) => this.long('restore', (s) => this.restore(p, s)),
      saveReport: () => this.saveReport(),
      // The desktop app's main process answers these itself (native dialogs); elsewhere there is no dialog.
      pickPath: () => Promise.reject(desktopOnly('A file dialog')),
      showInFolder: () => Promise.resolve({ shown: false }),
    };
  }

  /** Run one API method. Errors are RescueErrors; an unknown method is a USAGE error. */
  async call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    if (!isApiMethod(method)) throw new RescueError('USAGE', `Unknown method "${String(method)}".`);
    if (this.disposed) throw new RescueError('USAGE', 'The engine has shut down.');
    const h = this.handlers[method] as Handler<M>;
    return h((params ?? {}) as Params<M>);
  }

  /** Listen to pushed events; device polling runs while anyone listens. Returns the unsubscribe function. */
  on(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.disposed) this.poller.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.poller.stop();
    };
  }

  /** Stop polling, cancel what runs, power the demo module off. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.busy?.abort.abort(new RescueError('CANCELLED', 'The engine is shutting down.'));
    await this.poller.stop();
    await this.refreshing?.catch(() => undefined);
    await this.held.closeAll();
    await this.demos.stop();
    this.listeners.clear();
  }

  // ---- events and device state ----------------------------------------------------------

  private emit(e: ApiEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A listener's failure is its own; the engine carries on.
      }
    }
  }

  private engineEvent = (event: EngineEvent): void => {
    this.events.push(event);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.emit({ type: 'engine', event });
  };

  /** An event of one module of a run of several: tagged with it (progress is not kept for the report). */
  private moduleEvent = (module: string, event: EngineEvent): void => {
    if (event.type !== 'progress') {
      this.events.push(event.type === 'log' ? { ...event, message: `[${module}] ${event.message}` } : event);
      if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    }
    this.emit({ type: 'engine', event, module });
  };

  /** Look at the bus now (one look at a time); emits {type:'devices'} when something changed. */
  private refresh(): Promise<DeviceState> {
    if (this.refreshing) return this.refreshing;
    const run = (async (): Promise<DeviceState> => {
      const detected = await detectBounded(this.enumerator);
      const demoOn = this.demos.on;
      const extra = [...(this.bench?.summaries() ?? []), ...(await this.edlPorts.look())];
      const state = buildState(detected, demoOn, this.demo?.presence(), this.now(), extra);
      this.bench?.dropGone(state);
      // A module left download mode: a pipe held for its flash belongs to a device that is gone.
      const inEdl = state.devices.filter((d) => d.mode === 'edl');
      this.held.drop((key) => inEdl.some((d) => (key === SOLE ? !this.edlPorts.has(d.id) : d.id === key)));
      this.greetings.annotate(state);
      if (!sameDevices(this.last, state)) {
        this.history.push(state);
        if (this.history.length > MAX_HISTORY) this.history.shift();
        this.last = state;
        this.emit({ type: 'devices', state });
      }
      return state;
    })();
    this.refreshing = run.finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Refresh once the current look (if any) is over, so a change right now is seen. */
  private async refreshSoon(): Promise<DeviceState> {
    await this.refreshing?.catch(() => undefined);
    return this.refresh();
  }

  private async device(id: string, mode?: DeviceSummary['mode']): Promise<DeviceSummary> {
    const state = await this.refreshSoon();
    const d = state.devices.find((x) => x.id === id);
    if (!d)
      throw new RescueError(
        mode === 'edl' ? 'DEVICE_NOT_FOUND' : 'PORT_NOT_FOUND',
        `No device "${id}" is connected now.`,
      );
    if (mode && d.mode !== mode) {
      throw new RescueError(
        mode === 'normal' ? 'PORT_NOT_FOUND' : 'DEVICE_NOT_FOUND',
        `${d.name} is in ${d.mode} mode; this step needs it in ${mode} mode.`,
      );
    }
    return d;
  }

  // ---- long operations ------------------------------------------------------------------

  private async long<T>(method: ApiMethod, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.busy)
      throw new RescueError(
        'USAGE',
        `The engine is busy with ${this.busy.method}; wait for it to finish or cancel it first.`,
        { nextStep: 'Wait for the running step to end, or cancel it.' },
      );
    const abort = new AbortController();
    this.busy = { method, abort };
    this.emit({ type: 'busy', method });
    try {
      await this.greetings.settle(); // a listen holds the EDL device for a few seconds at most
      return await work(abort.signal);
    } finally {
      // After a flash the module may hang or have restarted without leaving the bus: what was
      // heard before no longer says whether it answers. Listen again (Resume waits for it).
      if (method === 'flash' || method === 'flashAll' || method === 'undo') this.greetings.forget();
      this.busy = undefined;
      this.emit({ type: 'busy', method: undefined });
    }
  }

  private cancel(): { cancelled: boolean } {
    if (!this.busy) return { cancelled: false };
    this.busy.abort.abort(new RescueError('CANCELLED', `Cancelled ${this.busy.method} on request.`));
    return { cancelled: true };
  }

  // ---- demo -------------------------------------------------------------------------------

  /** The single demo module, when that is what is on. */
  private get demo(): DemoModem | undefined {
    return this.demos.single;
  }

  /** The demo bench, when that is what is on. */
  private get bench(): DemoBench | undefined {
    return this.demos.bench;
  }

  private async setDemoMode(p: ApiMethods['setDemoMode']['params']): Promise<DeviceState> {
    if (this.busy)
      throw new RescueError(
        'USAGE',
        `The engine is busy with ${this.busy.method}; the demo module cannot be switched now.`,
      );
    await this.demos.replace(p, async () => {
      await this.greetings.settle();
      this.greetings.forget();
    });
    // A fresh module every time the demo is switched on: factory firmware, factory NV.
    if (p.on) this.knownFirmware = undefined;
    return this.refreshSoon();
  }

  private async demoAction(p: ApiMethods['demoAction']['params']): Promise<DeviceState> {
    const said = await this.demos.action(p.action);
    this.engineEvent({ type: 'log', level: 'info', message: `Demo: ${said}` });
    return this.refreshSoon();
  }

  /** The bus path of a real device, for the USB power-cycle actions (none for the demo module). */
  private async busPathOf(deviceId: string | undefined): Promise<string | undefined> {
    if (!deviceId || deviceId === 'demo' || this.edlPorts.has(deviceId)) return undefined;
    return (await this.device(deviceId)).id;
  }

  private async powerCycleActions(p: ApiMethods['powerCycleActions']['params']): Promise<PowerCycleActionView[]> {
    if (this.demo) return [DEMO_SUSPEND_ACTION];
    return platformPowerCycleActions(this.probe, await this.busPathOf(p.deviceId));
  }

  private async runPowerCycle(
    p: ApiMethods['runPowerCycle']['params'],
    signal: AbortSignal,
  ): Promise<{ message: string; mode?: DeviceMode }> {
    if (this.demo) {
      if (p.id !== DEMO_SUSPEND_ACTION.id) throw new RescueError('USAGE', `Unknown power-cycle action "${p.id}".`);
      const state = await this.demoAction({ action: 'suspend-resume' });
      const mode = state.devices.find((d) => d.demo)?.mode;
      return { message: 'The demo computer slept and woke up.', ...(mode ? { mode } : {}) };
    }
    this.greetings.forget();
    return runPlatformPowerCycle(this.probe, p.id, await this.busPathOf(p.deviceId), signal);
  }

  private async makeDemoPackage(signal: AbortSignal): Promise<string> {
    return demoPackage(
      path.join(this.opts.stateDir, 'demo-packages'),
      this.demos.firmware(),
      this.opts.demo?.packageMiB ?? 8,
      signal,
    );
  }

  // ---- the steps --------------------------------------------------------------------------

  private async backup(p: ApiMethods['backup']['params'], signal: AbortSignal): Promise<BackupView> {
    if (typeof p.folder !== 'string' || p.folder.trim() === '')
      throw new RescueError('USAGE', 'Choose a folder for the backup.');
    const d = await this.device(p.deviceId, 'normal');
    const dm = this.openers(d).dm(d);
    const view = await runBackup({
      dm,
      folder: p.folder,
      now: this.now(),
      signal,
      onEvent: this.engineEvent,
      ...(this.opts.backupNvRange ? { nvRange: this.opts.backupNvRange } : {}),
    });
    this.lastBackup = view.view;
    this.knownFirmware = view.firmware;
    return view.view;
  }

  private async restore(p: ApiMethods['restore']['params'], signal: AbortSignal): Promise<RestoreView> {
    const d = await this.device(p.deviceId, 'normal');
    const backupDir = path.join(
      this.opts.backupFolder ?? path.join(homedir(), 'ModemRescue', 'backups'),
      'before-restore',
    );
    return runRestore({
      dm: this.openers(d).dm(d),
      file: p.file,
      dryRun: p.dryRun === true,
      backupDir,
      signal,
      onEvent: this.engineEvent,
      ...(this.opts.backupNvRange ? { nvRange: this.opts.backupNvRange } : {}),
    });
  }

  private requireDemo(): DemoModem {
    if (!this.demo) throw new RescueError('DEVICE_DISCONNECTED', 'The demo module was switched off.');
    return this.demo;
  }

  /** The ports of `d`: the demo module's, or the real computer's. With no device, the EDL side of demo mode. */
  private openers(d?: DeviceSummary): ModuleOpeners {
    const benchModule = d ? this.bench?.module(d.id) : undefined;
    if (benchModule) return demoOpeners(benchModule.modem);
    const demo = d ? d.demo : this.demo !== undefined;
    return demo ? demoOpeners(this.requireDemo()) : this.real;
  }

  private async enterEdl(p: ApiMethods['enterEdl']['params'], signal: AbortSignal): Promise<{ edlDevice: string }> {
    const d = await this.device(p.deviceId, 'normal');
    const r = await enterEdl({
      dm: this.openers(d).dm(d),
      edl: this.openers(d).edl(),
      signal,
      onEvent: this.engineEvent,
      waitMs: this.opts.waits?.edlMs ?? 30_000,
      ...(d.demo ? { pollMs: 200 } : { enumerator: this.enumerator }),
      keepOpen: true,
    });
    // The EDL pipe stays open for the flash (held); a pipe held from an earlier switch goes.
    if (this.bench?.module(d.id)) {
      if (r.pipe) await this.bench.hold(d.id, r.pipe);
      void this.refreshSoon().catch(() => undefined);
      return { edlDevice: `${r.edlPipeName} (demo)` };
    }
    if (r.pipe) await this.held.hold(SOLE, r.pipe);
    else
      await this.held
        .take(SOLE)
        ?.close()
        .catch(() => undefined);
    void this.refreshSoon().catch(() => undefined);
    return { edlDevice: d.demo ? `${r.edlPipeName} (demo)` : r.edlPipeName };
  }

  /**
   * Listen for the greeting of the module in EDL on the pipe held for the flash (or a fresh one),
   * then hold it again with what was heard: the flash answers that HELLO without waiting.
   */
  private listenToEdl(d: DeviceSummary, listenMs: number): Promise<Greeting> {
    if (this.bench?.module(d.id)) return this.bench.listen(d.id, listenMs);
    if (this.edlPorts.has(d.id)) return this.held.listen(d.id, this.real.edlAt(d), listenMs, d.name);
    return this.held.listen(SOLE, this.openers(d).edlAt(d), listenMs, 'the module in EDL');
  }

  /**
   * The EDL device for a single flash: the pipe held since the switch (with what was heard), else a
   * fresh open; on a computer whose only modules in EDL are on named ports, the first of those.
   */
  private edlOpenerForRun(): PipeOpener {
    const edl = this.last?.devices.filter((d) => d.mode === 'edl') ?? [];
    const named = edl.every((d) => this.edlPorts.has(d.id)) ? edl[0] : undefined;
    if (named) return this.held.openerForRun(named.id, this.real.edlAt(named));
    return this.held.openerForRun(SOLE, this.openers().edl());
  }

  private moduleFacts(): ModuleFacts {
    const facts: ModuleFacts = {};
    const demo = this.demo ?? this.bench?.firstModem;
    const fw = demo?.firmware ?? this.knownFirmware;
    if (fw) facts.firmware = fw;
    const m = demo?.virtual?.model;
    if (m) facts.geometry = { pageSize: m.pageSize, pagesPerBlock: m.pagesPerBlock };
    return facts;
  }

  private async inspect(p: ApiMethods['inspectPackage']['params']): Promise<PackageView> {
    if (typeof p.path !== 'string' || p.path.trim() === '')
      throw new RescueError('USAGE', 'Choose a firmware package (its folder or .zip).');
    const view = await inspectPackage(p.path, this.moduleFacts());
    this.lastPlan = { packagePath: p.path, view };
    return view;
  }

  private backupFolder(): string {
    return this.opts.backupFolder ?? path.join(homedir(), 'ModemRescue', 'backups');
  }

  /** Whether the module was seen running its firmware (normal mode) in this session. */
  private seenRunning(): boolean {
    return this.knownFirmware !== undefined || this.history.some((s) => s.devices.some((d) => d.mode === 'normal'));
  }

  private snapshotPlanFor(pkg: FirmwarePackage): SnapshotPlanView {
    const folder = snapshotFolder(this.backupFolder(), this.lastBackup?.path, this.now());
    return snapshotPlanView(pkg, this.seenRunning(), folder, this.demo !== undefined);
  }

  private async snapshotPlan(p: ApiMethods['snapshotPlan']['params']): Promise<SnapshotPlanView> {
    if (typeof p.packagePath !== 'string' || p.packagePath.trim() === '')
      throw new RescueError('USAGE', 'Choose a firmware package first.');
    const pkg = await loadPackage(p.packagePath, { verifyMd5: false });
    try {
      return this.snapshotPlanFor(pkg);
    } finally {
      await pkg.dispose();
    }
  }

  private async flash(p: ApiMethods['flash']['params'], signal: AbortSignal): Promise<FlashView> {
    if (this.bench)
      throw new RescueError('USAGE', 'The demo bench is flashed from the bench view (Flash all in download mode).', {
        nextStep: 'Open the bench view, or switch the demo to a single module in the Connect step.',
      });
    if (typeof p.packagePath !== 'string' || p.packagePath.trim() === '')
      throw new RescueError('USAGE', 'Choose a firmware package first.');
    const pkg = await loadPackage(p.packagePath, { signal });
    let guards: FlashGuards | undefined;
    try {
      const view = toPackageView(pkg, this.moduleFacts());
      this.lastPlan = { packagePath: p.packagePath, view };
      // A package for another module: refused before the modem is touched, unless typed for.
      checkModuleOverride(view, p.overrideWord);
      const journalDir = path.join(this.opts.stateDir, 'journal');
      await mkdir(journalDir, { recursive: true });
      // A real modem: autosuspend off and ModemManager away for the run (given back after).
      guards = this.demo ? undefined : await holdForFlash(this.probe, this.engineEvent);
      const powerSwitch = p.powerCycle === true ? await this.consentedSwitch() : undefined;
      const plan = this.snapshotPlanFor(pkg);
      const snap =
        (p.snapshot ?? plan.recommended)
          ? snapshotBeforeErase({
              dir: plan.folder,
              signal,
              onEvent: this.engineEvent,
              ...(this.moduleFacts().firmware !== undefined ? { firmware: this.moduleFacts().firmware } : {}),
            })
          : undefined;
      const r = await flashPackage({
        ...this.opts.flash,
        package: pkg,
        opener: this.edlOpenerForRun(),
        signal,
        onEvent: this.engineEvent,
        verify: p.verify !== false,
        journalDir,
        ...(powerSwitch ? { powerSwitch } : {}),
        ...(snap ? { beforeErase: snap.hook } : {}),
      });
      const taken = snap?.outcome();
      const out: FlashView = {
        seconds: r.seconds,
        bytesWritten: r.bytesWritten,
        verified: r.verified,
        resumed: r.resumed.length > 0,
      };
      if (taken && taken.status !== 'skipped') {
        this.lastSnapshot = snapshotView(taken.dir, taken.manifest);
        out.snapshot = this.lastSnapshot;
      } else if (taken?.reason) out.snapshotSkipped = taken.reason;
      return out;
    } finally {
      await guards?.release();
      await pkg.dispose();
    }
  }

  /** Flash every module in download mode at once, demo or real (fleet-run.ts). */
  private async flashAll(p: ApiMethods['flashAll']['params'], signal: AbortSignal): Promise<FleetView> {
    const journalDir = path.join(this.opts.stateDir, 'journal');
    await mkdir(journalDir, { recursive: true });
    const devices = (await this.refreshSoon()).devices;
    const targets = fleetTargets(devices, p.deviceIds);
    // A real modem: autosuspend off and ModemManager away for the run (given back after).
    const guards = targets.some((d) => !d.demo) ? await holdForFlash(this.probe, this.engineEvent) : undefined;
    try {
      return await runFleet({
        ports: await fleetPorts(targets, {
          bench: this.bench,
          named: this.edlPorts,
          held: this.held,
          soleKey: SOLE,
          openers: (d) => this.openers(d),
        }),
        devices,
        ...(p.deviceIds ? { only: p.deviceIds } : {}),
        packagePath: p.packagePath,
        verify: p.verify !== false,
        powerCycle: p.powerCycle === true,
        journalDir,
        facts: this.moduleFacts(),
        ...(this.opts.flash ? { tuning: this.opts.flash } : {}),
        signal,
        onEvent: this.moduleEvent,
      });
    } finally {
      await guards?.release();
    }
  }

  /** The power switch the person consented to for this flash, said in the log; none where nothing can. */
  private async consentedSwitch(): Promise<PowerSwitch | undefined> {
    const d = (await this.refreshSoon()).devices.find((x) => x.mode === 'edl');
    const choice = await this.openers(d).powerSwitch(d);
    this.engineEvent({ type: 'log', level: choice.powerSwitch ? 'info' : 'warn', message: choice.text });
    return choice.powerSwitch;
  }

  private async finish(signal: AbortSignal): Promise<FinishView> {
    const demo = this.demos.on;
    const limit = demo ? (this.opts.waits?.demoNormalMs ?? 20_000) : (this.opts.waits?.normalMs ?? 60_000);
    const target: FinishTarget = {
      look: async () => (await this.refreshSoon()).devices.filter((d) => d.demo === demo),
      atOpener: (d) => this.openers(d).at(d),
    };
    const view = await waitForNormal(target, { timeoutMs: limit, signal, onEvent: this.engineEvent });
    // "Undo this upgrade" while the snapshot is still there and complete.
    const snap = this.lastSnapshot && (await completeSnapshotAt(this.lastSnapshot.path));
    if (this.lastSnapshot && snap) view.snapshot = snapshotView(this.lastSnapshot.path, snap);
    this.lastFinish = view;
    if (view.firmware) this.knownFirmware = view.firmware;
    return view;
  }

  /** Flash a snapshot back; a module in normal mode is switched to EDL first. */
  private async undo(p: ApiMethods['undo']['params'], signal: AbortSignal): Promise<FlashView> {
    if (typeof p.snapshotPath !== 'string' || p.snapshotPath.trim() === '')
      throw new RescueError('USAGE', 'Choose the firmware snapshot to put back.');
    if (p.deviceId !== undefined) {
      const d = (await this.refreshSoon()).devices.find((x) => x.id === p.deviceId);
      if (d?.mode === 'normal') await this.enterEdl({ deviceId: d.id }, signal);
    }
    const journalDir = path.join(this.opts.stateDir, 'journal');
    await mkdir(journalDir, { recursive: true });
    const guards = this.demo ? undefined : await holdForFlash(this.probe, this.engineEvent);
    try {
      const r = await undoSnapshot({
        ...this.opts.flash,
        snapshot: p.snapshotPath,
        opener: this.edlOpenerForRun(),
        signal,
        onEvent: this.engineEvent,
        journalDir,
      });
      this.lastFinish = undefined;
      return { seconds: r.seconds, bytesWritten: r.bytesWritten, verified: r.verified, resumed: r.resumed.length > 0 };
    } finally {
      await guards?.release();
    }
  }

  private async saveReport(): Promise<{ path: string; json: string }> {
    const dir = path.join(this.opts.stateDir, 'reports');
    await mkdir(dir, { recursive: true });
    return writeReportZip(dir, {
      devices: [...this.history],
      ...(this.lastPlan ? { plan: this.lastPlan } : {}),
      events: [...this.events],
      ...(this.lastBackup ? { backup: this.lastBackup } : {}),
      ...(this.lastFinish ? { finish: this.lastFinish } : {}),
      appVersion: await readAppVersion(),
      now: this.now(),
    });
  }
}

function desktopOnly(what: string): RescueError {
  return new RescueError('USAGE', `${what} is only available in the desktop app.`, {
    nextStep: 'Type the full path, or choose the files in the page (browser mode).',
  });
}

export { DEMO_DEVICE_ID };
