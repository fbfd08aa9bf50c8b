// The typed API between the wizard (renderer) and the rescue engine. One contract, two
// implementations of the transport: Electron (preload + IPC, engine in a worker thread) and the
// browser mode (a local server on 127.0.0.1 speaking the same methods over a WebSocket).
// Everything here is plain data: it crosses IPC and JSON unchanged.

import type { DeviceMode } from './devices.js';
import type { ErrorReport } from './errors.js';
import type { EngineEvent } from './events.js';

/** The wizard's steps, in order. */
export const STEP_IDS = ['connect', 'prepare', 'backup', 'enter-edl', 'package', 'flash', 'finish'] as const;
export type StepId = (typeof STEP_IDS)[number];

export interface DeviceSummary {
  /** Stable while the device stays plugged in (bus path, or "demo"). */
  id: string;
  mode: DeviceMode;
  name: string;
  /** "05c6:9008" */
  vidPid: string;
  /** What this mode means for the person in front of it. */
  explanation: string;
  /** Ports found for it (DM/AT tty or COM port; EDL serial port when a driver made one). */
  ports: { dm?: string; at?: string; edl?: string };
  /** The virtual EC25 of demo mode. */
  demo: boolean;
  /** The module's chip serial, when known without touching it (each module of the demo bench). */
  serial?: string;
  /**
   * EDL only: whether the module really talks, beyond enumerating as 05c6:9008 (its boot ROM's
   * Sahara HELLO, or a programmer from an earlier run). Absent until it was listened to.
   */
  greeting?: GreetingView;
}

export interface GreetingView {
  state: 'checking' | 'answered' | 'silent';
  /** One sentence for the person. */
  detail: string;
}

export interface DeviceState {
  /** False when this computer has no USB subsystem the app can read (reason says why). */
  usbAvailable: boolean;
  reason?: string;
  devices: DeviceSummary[];
  /** Demo mode: the virtual EC25 is plugged in instead of (besides) real hardware. */
  demo: boolean;
  updatedAt: number;
}

export type CheckState = 'ok' | 'warn' | 'fail' | 'unknown';

export interface PlatformCheck {
  id: string;
  title: string;
  state: CheckState;
  detail: string;
  /** A fix the app can apply, described before it runs. */
  fix?: { id: string; label: string; explanation: string; needsAdmin: boolean };
  /** Where there is no fix: what the person can do by hand, in one or two sentences. */
  manual?: string;
}

export interface BackupView {
  path: string;
  manifestPath: string;
  model: string;
  firmware: string;
  /** IMEI with all but the last four digits masked. */
  imeiMasked: string;
  nvItems: number;
  efsFiles: number;
  sha256: string;
}

export interface PackageView {
  root: string;
  version?: string;
  /** Whether the package suits the connected module, as far as can be told. */
  moduleMatch: 'yes' | 'no' | 'unknown';
  rawprogram: string;
  rawprogramReason: string;
  partitions: { label: string; operation: 'erase' | 'program' | 'patch' | 'reset'; bytes: number }[];
  totalBytes: number;
  warnings: string[];
  problems: { code: string; message: string; file?: string }[];
  /** No problem found and made for this module (or not known otherwise). */
  flashable: boolean;
  /** moduleMatch 'no': the word to type to flash it anyway (the package's model, e.g. "EG25"). */
  overrideWord?: string;
  /** Whether the plan keeps the module's EFS/NV (calibration, IMEI): the update XML does, a factory XML does not. */
  keepsCalibration: boolean;
}

export interface FlashView {
  seconds: number;
  bytesWritten: number;
  verified: string;
  resumed: boolean;
  /** The firmware snapshot taken before the first erase (what "Undo this upgrade" flashes back). */
  snapshot?: SnapshotView;
  /** Why no snapshot was taken, when one was asked for. */
  snapshotSkipped?: string;
}

/** One module's end of a flashAll run. */
export interface FleetModuleView {
  /** The module's device id (DeviceSummary.id). */
  id: string;
  name: string;
  /** The chip serial the programmer reported (or the bench knew), when known. */
  serial?: string;
  ok: boolean;
  seconds: number;
  bytesWritten?: number;
  /** What verification found (as FlashView.verified), when it ended well. */
  verified?: string;
  /** Times the engine recovered this module (retries, reconnects) and cut its power. */
  recoveries?: number;
  powerCycles?: number;
  resumed?: boolean;
  error?: ErrorReport;
}

export interface FleetView {
  modules: FleetModuleView[];
  /** Wall time of the whole run. */
  seconds: number;
}

/** A complete firmware snapshot: what the module held before a flash. */
export interface SnapshotView {
  path: string;
  /** The firmware version it holds, when known. */
  firmware?: string;
  /** ISO date it was taken. */
  createdAt: string;
  bytesOnDisk: number;
}

/** What a snapshot before flashing this package costs, and whether the wizard takes one by default. */
export interface SnapshotPlanView {
  /** On by default when the module was seen running its firmware (normal mode): there is something to go back to. */
  recommended: boolean;
  reason: string;
  /** Bytes read from the modem (the most it takes on disk). */
  bytes: number;
  /** About how long the reading takes on a real module. */
  seconds: number;
  /** Where it goes: beside the QCN backup. */
  folder: string;
}

/** A QCN restore (or its dry run): what differs, and what was written and read back. */
export interface RestoreView {
  dryRun: boolean;
  /** 'partly restored' when anything the file holds was refused, read back differently or cannot be written. */
  outcome: 'dry run' | 'nothing to write' | 'restored' | 'partly restored';
  /** Items and files that differ and are (or would be) written, e.g. "NV 570", "/nv/item_files/rfnv/00020000". */
  write: string[];
  /** Items that differ but are protected (IMEI, ESN, MEID, SPC): left as they are. */
  skipped: string[];
  /** What the file holds that no write can carry, "label: reason" (found before any write). */
  invalid: string[];
  same: number;
  written: number;
  verified: number;
  /** Items the modem refused to write, "label: the modem's reason". */
  refused: string[];
  /** Items the modem accepted that read back differently, "label: reason". */
  failed: string[];
  /** The backup of the current state taken before writing. */
  freshBackup?: string;
}

export interface FinishView {
  mode: DeviceMode;
  /** AT+QGMR after the restart, when the module came back in normal mode. */
  firmware?: string;
  /** +CFUN state: 5 or no calibration means the radio lost its calibration (offer a restore). */
  radioOk?: boolean;
  /** The snapshot taken before this flash, while it still exists and is complete ("Undo this upgrade"). */
  snapshot?: SnapshotView;
}

/** A way to power-cycle the modem from the computer (suspend and wake, USB re-connect, port power). */
export interface PowerCycleActionView {
  id: string;
  label: string;
  /** What it will do, shown before it runs. */
  explanation: string;
  available: boolean;
  /** Why not, and how to do the same by hand. */
  reason?: string;
  needsAdmin: boolean;
}

/** What a picker chooses: a firmware package (folder or .zip), a folder for backups, a QCN file to restore. */
export type PickKind = 'package' | 'backup-folder' | 'qcn';
export const PICK_KINDS: readonly PickKind[] = ['package', 'backup-folder', 'qcn'];

export function isPickKind(v: unknown): v is PickKind {
  return typeof v === 'string' && (PICK_KINDS as readonly string[]).includes(v);
}

/** One file chosen or dropped in the page (browser mode), to be sent to the local server. */
export interface UploadFile {
  /** Its path inside what was chosen: "name.zip", or "Folder/sub/file.mbn" for a folder. */
  relativePath: string;
  size: number;
  /** The bytes (a DOM Blob/File in the page). */
  body: Blob;
}

/**
 * How the wizard gets a path other than by typing it. Electron: the native dialogs of the main
 * process (pickPath / showInFolder calls). Browser mode: the files chosen or dropped in the page
 * are uploaded to the local server into a private temporary folder, whose path is then used.
 */
export interface PathPicker {
  readonly kind: 'dialog' | 'upload';
  /** 'dialog': the native open dialog (a package as its folder or its .zip); the path, or undefined when cancelled. */
  choose(what: PickKind, as?: 'folder' | 'zip', defaultPath?: string): Promise<string | undefined>;
  /** 'upload': sends the files and returns the path to use (the .zip, the folder, the .qcn). */
  upload(what: PickKind, files: readonly UploadFile[], onProgress?: (sentBytes: number) => void): Promise<string>;
  /** Shows the file in the system's file manager; false where the front end cannot (browser mode). */
  reveal(path: string): Promise<boolean>;
}

/** Manual actions of demo mode, standing in for what a person does with the real module. */
export type DemoAction = 'short-usb-boot' | 'suspend-resume' | 'replug' | 'go-silent';

/** Every method: its parameters and its result. */
export interface ApiMethods {
  getDevices: { params: Record<string, never>; result: DeviceState };
  /**
   * silent: the virtual module answers nothing until the manual EDL steps; faults: fault specs for
   * the flash (e.g. 'stall@1M'; 'K:SPEC' arms SPEC on module K of a bench only). count (1-8): a
   * bench of that many virtual modules (ids demo-1..demo-N, each its own serial and bus) instead
   * of the single one (id 'demo'); edl: the bench's modules start in download mode.
   */
  setDemoMode: {
    params: { on: boolean; silent?: boolean; faults?: string[]; count?: number; edl?: boolean };
    result: DeviceState;
  };
  platformChecks: { params: Record<string, never>; result: PlatformCheck[] };
  runFix: { params: { id: string }; result: PlatformCheck[] };
  defaultBackupFolder: { params: Record<string, never>; result: string };
  backup: { params: { deviceId: string; folder: string }; result: BackupView };
  enterEdl: { params: { deviceId: string }; result: { edlDevice: string } };
  demoAction: { params: { action: DemoAction }; result: DeviceState };
  /** The power-cycle actions this computer offers for the modem (or for whatever sits in the slot). */
  powerCycleActions: { params: { deviceId?: string }; result: PowerCycleActionView[] };
  /** Run one (after the person saw its explanation), then wait (bounded) for a modem to come back. */
  runPowerCycle: { params: { id: string; deviceId?: string }; result: { message: string; mode?: DeviceMode } };
  inspectPackage: { params: { path: string }; result: PackageView };
  /** Demo mode: a package for the virtual module, made on the spot. */
  makeDemoPackage: { params: Record<string, never>; result: string };
  /** overrideWord: the package view's overrideWord, typed by the person, to flash a package made for another module. */
  /**
   * powerCycle: the person allowed the run to cut the modem's power itself if it hangs (then resume).
   * snapshot: take a firmware snapshot before the first erase (default: the snapshot plan's recommendation); false skips it.
   */
  flash: {
    params: { packagePath: string; verify: boolean; overrideWord?: string; powerCycle?: boolean; snapshot?: boolean };
    result: FlashView;
  };
  /**
   * Flash every module in download mode at once (demo or real; deviceIds: exactly the modules the
   * person confirmed), each by its own run (its own link, recovery, journal and, with powerCycle,
   * its own port's power switch). Its engine events carry the module's id; one module's failure
   * does not stop the others (the result says per module).
   */
  flashAll: {
    params: { packagePath: string; verify: boolean; powerCycle?: boolean; deviceIds?: string[] };
    result: FleetView;
  };
  /** The cost and the default of a firmware snapshot before flashing this package. */
  snapshotPlan: { params: { packagePath: string }; result: SnapshotPlanView };
  /** Flash a snapshot back ("Undo this upgrade"): a module in normal mode is switched to EDL first. */
  undo: { params: { snapshotPath: string; deviceId?: string }; result: FlashView };
  cancel: { params: Record<string, never>; result: { cancelled: boolean } };
  finish: { params: Record<string, never>; result: FinishView };
  /** Restore the module's calibration (NV + rfnv files) from a QCN backup of this same module. */
  restore: { params: { deviceId: string; file: string; dryRun: boolean }; result: RestoreView };
  /** The report zip (IMEIs masked); json: the report.json beside it. Browser mode downloads the zip from /reports/. */
  saveReport: { params: Record<string, never>; result: { path: string; json?: string } };
  /** Desktop app only (answered by the main process): the native open dialog for `what`. */
  pickPath: {
    params: { what: PickKind; as?: 'folder' | 'zip'; defaultPath?: string };
    result: { path?: string };
  };
  /** Desktop app only: show this file in the system's file manager. */
  showInFolder: { params: { path: string }; result: { shown: boolean } };
}

export type ApiMethod = keyof ApiMethods;
export type Params<M extends ApiMethod> = ApiMethods[M]['params'];
export type Result<M extends ApiMethod> = ApiMethods[M]['result'];

export const API_METHODS: readonly ApiMethod[] = [
  'getDevices',
  'setDemoMode',
  'platformChecks',
  'runFix',
  'defaultBackupFolder',
  'backup',
  'enterEdl',
  'demoAction',
  'powerCycleActions',
  'runPowerCycle',
  'inspectPackage',
  'makeDemoPackage',
  'flash',
  'flashAll',
  'snapshotPlan',
  'undo',
  'cancel',
  'finish',
  'restore',
  'saveReport',
  'pickPath',
  'showInFolder',
];

/** What the engine pushes to the wizard. */
export type ApiEvent =
  | { type: 'devices'; state: DeviceState }
  /** module: the device id of the module the event is about, in a run of several (flashAll); absent otherwise. */
  | { type: 'engine'; event: EngineEvent; module?: string }
  | { type: 'busy'; method: ApiMethod | undefined };

/** A call's outcome on the wire. Errors are ErrorReports: code, sentence, next step; never a stack. */
export type ApiResponse<M extends ApiMethod = ApiMethod> =
  { ok: true; result: Result<M> } | { ok: false; error: ErrorReport };

/** The interface both implementations (Electron preload, browser WebSocket) give the renderer. */
export interface RescueApi {
  call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>>;
  /** Subscribe to pushed events; returns the unsubscribe function. */
  onEvent(listener: (e: ApiEvent) => void): () => void;
}

/** What the wizard is given: the calls, and the way to pick paths of this front end. */
export interface WizardApi {
  api: RescueApi;
  picker: PathPicker;
}

/** IPC channel names (Electron). */
export const IPC_CALL = 'modem-rescue:call';
export const IPC_EVENT = 'modem-rescue:event';

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && (API_METHODS as readonly string[]).includes(m);
}

export function maskImei(imei: string | undefined): string {
  if (!imei) return 'unknown';
  return imei.length <= 4 ? imei : `${'*'.repeat(imei.length - 4)}${imei.slice(-4)}`;
}

/** Every 14-17 digit run (an IMEI, with or without its check digit, or an IMEISV) masked. */
export function maskImeisInText(text: string): string {
  return text.replace(/(?<!\d)\d{14,17}(?!\d)/g, (m) => maskImei(m));
}
