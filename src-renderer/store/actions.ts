// What the buttons do: API calls whose results and errors land in the stores. Every failure
// becomes an ErrorReport on the error card; nothing is thrown at the page.

import type {
  ApiEvent,
  ApiMethod,
  Params,
  PathPicker,
  PickKind,
  PowerCycleActionView,
  RescueApi,
  Result,
  SnapshotPlanView,
  UploadFile,
} from '../../shared/api.js';
import { toReport } from '../api/call-error.js';
import { useBench } from './bench.js';
import { useDevices } from './devices.js';
import { restoreFileOf, useRun } from './run.js';
import { useSettings } from './settings.js';
import { T } from '../text.js';

let api: RescueApi | undefined;
let picker: PathPicker | undefined;

export function attachApi(a: RescueApi, p?: PathPicker): () => void {
  api = a;
  picker = p;
  return a.onEvent(handleEvent);
}

/** How this front end picks paths: native dialogs, uploads from the page, or none (typing only). */
export function pickerKind(): PathPicker['kind'] | undefined {
  return picker?.kind;
}

export function handleEvent(e: ApiEvent): void {
  if (e.type === 'devices') useDevices.getState().set(e.state);
  // An event of one module of several (flash all) belongs to that module's bench row only.
  else if (e.type === 'engine' && e.module !== undefined) useBench.getState().moduleEvent(e.module, e.event);
  else if (e.type === 'engine') useRun.getState().engineEvent(e.event);
  else if (e.type === 'busy') useRun.getState().patch({ engineBusy: e.method });
}

/** One call with the page marked busy; undefined when it failed (the error card shows why). */
async function run<M extends ApiMethod>(
  method: M,
  params: Params<M>,
  opts: { quiet?: boolean } = {},
): Promise<Result<M> | undefined> {
  const runStore = useRun.getState();
  if (!api) {
    runStore.patch({ lastError: toReport(new Error(T.errors.notAttached)) });
    return undefined;
  }
  if (!opts.quiet) runStore.patch({ pending: method, lastError: undefined });
  try {
    return await api.call(method, params);
  } catch (e) {
    useRun.getState().patch({ lastError: toReport(e) });
    return undefined;
  } finally {
    if (!opts.quiet && useRun.getState().pending === method) useRun.getState().patch({ pending: undefined });
  }
}

export async function refreshDevices(): Promise<void> {
  const s = await run('getDevices', {}, { quiet: true });
  if (s) useDevices.getState().set(s);
}

export async function setDemoMode(on: boolean): Promise<void> {
  const silent = useSettings.getState().demoSilent;
  const s = await run('setDemoMode', on ? { on, silent } : { on });
  if (s) useDevices.getState().set(s);
}

export async function loadChecks(): Promise<void> {
  const checks = await run('platformChecks', {});
  if (checks) useRun.getState().patch({ checks });
}

export async function runFix(id: string): Promise<void> {
  const checks = await run('runFix', { id });
  if (checks) useRun.getState().patch({ checks });
}

export async function loadDefaultBackupFolder(): Promise<void> {
  if (useRun.getState().backupFolder) return;
  const folder = await run('defaultBackupFolder', {}, { quiet: true });
  if (folder && !useRun.getState().backupFolder) useRun.getState().patch({ backupFolder: folder });
}

export async function startBackup(deviceId: string): Promise<void> {
  const folder = useRun.getState().backupFolder.trim();
  const backup = await run('backup', { deviceId, folder });
  if (backup) useRun.getState().patch({ backup });
}

export async function enterEdl(deviceId: string): Promise<void> {
  useRun.getState().patch({ edlRequested: true });
  await run('enterEdl', { deviceId });
}

export async function demoAction(action: Params<'demoAction'>['action']): Promise<void> {
  const s = await run('demoAction', { action });
  if (s) useDevices.getState().set(s);
}

export async function loadPowerCycleActions(deviceId: string | undefined): Promise<PowerCycleActionView[]> {
  return (await run('powerCycleActions', deviceId ? { deviceId } : {}, { quiet: true })) ?? [];
}

/** Runs a power-cycle action the person confirmed; returns what happened. */
export async function runPowerCycle(id: string, deviceId: string | undefined): Promise<string | undefined> {
  const r = await run('runPowerCycle', deviceId ? { id, deviceId } : { id });
  await refreshDevices();
  return r?.message;
}

export async function inspectPackage(): Promise<void> {
  const path = useRun.getState().packagePath.trim();
  useRun.getState().patch({ packageView: undefined, overrideTyped: '' });
  if (!path) {
    useRun.getState().patch({
      lastError: {
        code: 'PACKAGE_NOT_FOUND',
        category: 'package',
        message: T.errors.noPackage,
        nextStep: T.errors.noPackageNext,
      },
    });
    return;
  }
  const packageView = await run('inspectPackage', { path });
  if (packageView) useRun.getState().patch({ packageView });
}

/** Put a picked path where it belongs, and check a package at once. */
async function usePicked(what: PickKind, path: string): Promise<void> {
  if (what === 'package') {
    useRun.getState().patch({ packagePath: path, packageView: undefined, overrideTyped: '' });
    await inspectPackage();
  } else if (what === 'backup-folder') useRun.getState().patch({ backupFolder: path });
  else useRun.getState().patch({ restoreFile: path, restore: undefined });
}

/** Desktop app: the native dialog; nothing changes when the person cancels it. */
export async function choosePath(what: PickKind, as?: 'folder' | 'zip'): Promise<void> {
  if (!picker) return;
  const s = useRun.getState();
  const current = what === 'package' ? s.packagePath : what === 'backup-folder' ? s.backupFolder : s.restoreFile;
  let path: string | undefined;
  try {
    path = await picker.choose(what, as, current?.trim() || undefined);
  } catch (e) {
    useRun.getState().patch({ lastError: toReport(e) });
    return;
  }
  if (path) await usePicked(what, path);
}

/** Browser mode: send the chosen or dropped files to the local server, then use the path it gives. */
export async function uploadFiles(what: PickKind, files: readonly UploadFile[]): Promise<void> {
  if (!picker || files.length === 0) return;
  const total = files.reduce((n, f) => n + f.size, 0);
  useRun.getState().patch({ upload: { what, sent: 0, total, files: files.length }, lastError: undefined });
  let path: string;
  try {
    path = await picker.upload(what, files, (sent) =>
      useRun.getState().patch({ upload: { what, sent, total, files: files.length } }),
    );
  } catch (e) {
    useRun.getState().patch({ lastError: toReport(e), upload: undefined });
    return;
  }
  useRun.getState().patch({ upload: undefined });
  await usePicked(what, path);
}

/** Show a saved file in the file manager; false where this front end cannot. */
export async function revealPath(path: string): Promise<boolean> {
  if (!picker) return false;
  try {
    return await picker.reveal(path);
  } catch (e) {
    useRun.getState().patch({ lastError: toReport(e) });
    return false;
  }
}

export async function makeDemoPackage(): Promise<void> {
  const path = await run('makeDemoPackage', {});
  if (!path) return;
  useRun.getState().patch({ packagePath: path });
  await inspectPackage();
}

/** What a firmware snapshot before this flash costs, and whether it is on by default. */
export async function loadSnapshotPlan(): Promise<SnapshotPlanView | undefined> {
  const { packageView, packagePath } = useRun.getState();
  if (!packageView) return undefined;
  return run('snapshotPlan', { packagePath: packagePath.trim() || packageView.root }, { quiet: true });
}

/** Flash the snapshot taken before this upgrade back ("Undo this upgrade"), then check the modem again. */
export async function undoUpgrade(snapshotPath: string, deviceId: string | undefined): Promise<void> {
  useRun.getState().resetProgress();
  const flash = await run('undo', { snapshotPath, ...(deviceId ? { deviceId } : {}) });
  if (flash) {
    useRun.getState().patch({ flash, finish: undefined });
    await checkFinish();
  }
}

export async function startFlash(snapshot?: boolean): Promise<void> {
  const { packageView, packagePath, overrideTyped } = useRun.getState();
  if (!packageView) return;
  useRun.getState().resetProgress();
  useRun.getState().patch({ flash: undefined, finish: undefined, flashStarted: true });
  const flash = await run('flash', {
    packagePath: packagePath.trim() || packageView.root,
    verify: useSettings.getState().verify,
    powerCycle: useSettings.getState().powerCycleConsent,
    ...(packageView.moduleMatch === 'no' ? { overrideWord: overrideTyped } : {}),
    ...(snapshot !== undefined ? { snapshot } : {}),
  });
  if (flash) useRun.getState().patch({ flash });
}

/** Switch these modules to download mode, one after the other (a failure stops there, on the error card). */
export async function enterEdlEach(deviceIds: readonly string[]): Promise<void> {
  for (const id of deviceIds) {
    if ((await run('enterEdl', { deviceId: id })) === undefined) return;
  }
}

/** Flash every module in download mode at once (the bench view); each row follows its own module. */
export async function flashAll(deviceIds: readonly string[]): Promise<void> {
  const { packageView, packagePath } = useRun.getState();
  if (!packageView) return;
  useBench.getState().start(deviceIds);
  const result = await run('flashAll', {
    packagePath: packagePath.trim() || packageView.root,
    verify: useSettings.getState().verify,
    powerCycle: useBench.getState().powerConsent,
    deviceIds: [...deviceIds],
  });
  if (result) useBench.getState().patch({ result });
}

/** Asks the engine to stop at the next safe point; the flash call then ends with CANCELLED. */
export async function cancel(): Promise<void> {
  await run('cancel', {}, { quiet: true });
}

export async function checkFinish(): Promise<void> {
  const finish = await run('finish', {});
  if (finish) useRun.getState().patch({ finish });
}

/** Restore the module's calibration from its QCN (the chosen file, else the backup made at the start): dry run first. */
export async function restoreCalibration(deviceId: string, dryRun: boolean): Promise<void> {
  const file = restoreFileOf(useRun.getState());
  if (!file) return;
  const restore = await run('restore', { deviceId, file, dryRun });
  if (restore) useRun.getState().patch({ restore });
  if (restore && !dryRun) await checkFinish();
}

/**
 * Save the report zip. Browser mode: returns the address it can be downloaded from (the page
 * then hands it to the browser), since the file is on the server's side.
 */
export async function saveReport(): Promise<{ download?: { url: string; name: string } } | undefined> {
  const r = await run('saveReport', {});
  if (!r) return undefined;
  useRun.getState().patch({ reportPath: r.path });
  if (picker?.kind !== 'upload') return {};
  const name = r.path.split(/[\\/]/).pop() ?? '';
  return { download: { url: `/reports/${encodeURIComponent(name)}`, name } };
}

/** Rescue another modem: back to Connect with nothing of this run kept (the settings stay). */
export function startOver(): void {
  useRun.getState().resetProgress();
  useRun.getState().patch({
    backup: undefined,
    backupSkipUnderstood: false,
    edlRequested: false,
    packagePath: '',
    packageView: undefined,
    overrideTyped: '',
    flash: undefined,
    flashStarted: false,
    finish: undefined,
    restore: undefined,
    restoreFile: '',
    reportPath: undefined,
    lastError: undefined,
  });
  useRun.getState().goTo('connect');
}
