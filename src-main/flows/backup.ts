// QCN backup over the DM port: identify the module, read NV items 0..7500 in the default context,
// subscription 1 (and 2 where the module has it), every index of multi-entry items, the EFS tree
// (rfnv calibration and other item files), the files QPST asks for by name, and a list of
// provisioning item files that READDIR does not show; lay them out in the storages QPST uses;
// write the QCN atomically, read it back from disk and compare it item by item with what was
// read, then write a manifest beside it.

import { createHash } from 'node:crypto';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { nvToImei, NV_IMEI } from '../protocol/imei.js';
import { compareQcn, summarizeDifferences } from '../qcn/compare.js';
import { isItemFilePath, isRfnvPath, modulePath, qpstStorageFor, QPST_RELATIVE_NAMES } from '../qcn/efs-paths.js';
import {
  readQcn,
  writeQcn,
  type NvContext,
  type QcnBackup,
  type QcnEfsBackupFile,
  type QcnFile,
  type QcnNvItem,
} from '../qcn/layout.js';
import { MAX_CFB_BYTES } from '../qcn/cfb.js';
import type { PipeOpener } from '../transport/transport.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { throwIfAborted } from '../util/deadline.js';
import { readInputFile } from '../util/input-file.js';
import { DiagClient, openDiagSession } from '../host/diag-client.js';
import type { EfsClient } from '../host/efs-client.js';
import { DiagError } from '../host/diag-error.js';
import { ProgressTracker } from './progress.js';
import { runPool } from '../util/pool.js';

export const NV_DONE = 0;
/** NV ids a full backup reads (QPST reads about the same range). */
export const DEFAULT_NV_RANGE: [number, number] = [0, 7500];
/**
 * Multi-entry items QPST saves entry by entry, one record per index (the index travels in data[0]
 * of the request); probed up to their count. Real QPST backups (koyuyesil/Nebula-QCN-MCDF-Analyser,
 * sources/Test/TestFiles) hold NV 1014 entries 0-5 or 0-6 and NV 4678 entries 0-3. NV 1031 is
 * not one (NV_FORCE_UE_MSCR_R99_I, a single uint8 holding 2 there): probing its "index 2" would
 * make up an entry that does not exist.
 */
export const MULTI_ENTRY_NV: ReadonlyMap<number, number> = new Map([
  [57, 100], // NV_DIAL_I (speed dial)
  [259, 8],
  [296, 16],
  [1014, 16], // NV_SMS_GW_SERVICE_TABLE_I
  [4678, 4],
]);
/** Items QPST saves at every index although their data does not carry the index (4678: four identical records). */
export const NV_EVERY_INDEX: ReadonlySet<number> = new Set([4678]);
/** An item every module defines, read to learn whether a subscription context exists (BADPARM: it does not). */
const NV_CONTEXT_PROBE = 550;
const NV_BADPARM = 6;
/** Item files backed up by asking for them by path: several are invisible to READDIR. */
export const PROVISIONING_PATHS: readonly string[] = [
  '/nv/item_files/modem/mmode/ue_usage_setting',
  '/nv/item_files/modem/mmode/sms_domain_pref',
  '/nv/item_files/modem/mmode/voice_domain_pref',
  '/nv/item_files/modem/mmode/lte_disable_duration',
  '/nv/item_files/ims/IMS_enable',
  '/nv/item_files/ims/qp_ims_sms_config',
  '/nv/item_files/modem/lte/rrc/efs/lte_band_pref',
  '/nv/item_files/mcfg/mcfg_autoselect_by_uim',
  '/nv/item_files/modem/uim/uimdrv/feature_support_hotswap',
  '/policyman/carrier_policy.xml',
  '/policyman/device_config.xml',
];
const MAX_EFS_DEPTH = 16;
/** An item file travels in one DIAG answer (payload up to 2048 bytes). */
const ITEM_GET_MAX = 1536;
const MAX_EFS_FILES = 8192;
const MAX_EFS_FILE_BYTES = 4 * 1024 * 1024;
const MAX_EFS_TOTAL_BYTES = 48 * 1024 * 1024;

export interface BackupManifest {
  format: 'modem-rescue-qcn-manifest/1';
  createdAt: string;
  file: string;
  sha256: string;
  bytes: number;
  module: { model: string; modelNumber: number; msmHwVersion: number };
  firmware: string;
  imei?: string;
  imei2?: string;
  counts: {
    nvItems: number;
    nvItemsSim1: number;
    nvItemsSim2: number;
    efsFiles: number;
    rfnvFiles: number;
    itemFiles: number;
    provisioningFiles: number;
  };
}

export interface BackupOptions {
  dm: PipeOpener;
  out: string;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  nvRange?: [number, number];
  maxInFlight?: number;
  /** Per DIAG request (default: the client's 3 s). */
  timeoutMs?: number;
  /** Waiting for the DM port to open (default 10 s). */
  openTimeoutMs?: number;
}

export interface BackupResult {
  path: string;
  manifestPath: string;
  manifest: BackupManifest;
}

/** Where the manifest of a QCN goes: FILE.qcn -> FILE.manifest.json. */
export function manifestPathFor(out: string): string {
  return `${out.replace(/\.x?qcn$/i, '')}.manifest.json`;
}

function log(sink: EventSink | undefined, message: string, level: 'info' | 'warn' = 'info'): void {
  sink?.({ type: 'log', level, message });
}

/** Errors that end the run (the modem is gone, or the user cancelled) rather than mark one item absent. */
function isFatal(e: unknown): boolean {
  return !(e instanceof DiagError && (e.diagCode !== undefined || e.efsErrno !== undefined));
}

export interface ModuleIdentity {
  model: string;
  modelNumber: number;
  msmHwVersion: number;
  firmware: string;
  featureMask: Uint8Array;
}

export async function identify(client: DiagClient): Promise<ModuleIdentity> {
  const ext = await client.extBuildId();
  const ver = await client.version();
  let featureMask: Uint8Array = new Uint8Array(0);
  try {
    featureMask = await client.featureQuery();
  } catch (e) {
    if (isFatal(e)) throw e;
  }
  const modelNumber = ext.mobileModelId > 0 && ext.mobileModelId <= 99_999_999 ? ext.mobileModelId : ver.model;
  return { model: ext.model, modelNumber, msmHwVersion: ext.msmHwVersion, firmware: ext.build, featureMask };
}

interface NvJob {
  id: number;
  index: number;
  context: NvContext;
}

async function readNv(
  client: DiagClient,
  jobs: NvJob[],
  maxInFlight: number,
  progress: ProgressTracker,
  done0: number,
  signal?: AbortSignal,
): Promise<QcnNvItem[]> {
  const found: (QcnNvItem | undefined)[] = new Array(jobs.length);
  let done = done0;
  await runPool(jobs.length, maxInFlight, signal, async (i) => {
    const j = jobs[i]!;
    try {
      const opts = j.index > 0 ? { context: j.context, index: j.index } : { context: j.context };
      const r = await client.nvRead(j.id, opts);
      if (r.status === NV_DONE) found[i] = { id: j.id, index: j.index, data: r.data.slice(0, 128), context: j.context };
    } catch (e) {
      if (isFatal(e)) throw e;
    }
    progress.update(++done - done0);
  });
  return found.filter((x): x is QcnNvItem => x !== undefined);
}

/**
 * Entries 1.. of multi-entry items: an entry is real when it answers DONE and carries its index in
 * data[0] (a module that ignores the index answers entry 0's bytes every time), or when the item
 * is one QPST saves at every index regardless (NV_EVERY_INDEX).
 */
export function keepRealEntries(items: QcnNvItem[]): QcnNvItem[] {
  return items.filter((it) => it.index === 0 || it.data[0] === it.index || NV_EVERY_INDEX.has(it.id));
}

/** The subscription contexts the module has: 0 and 1 always, 2 when NV 550 does not answer BADPARM there. */
async function contextsOf(client: DiagClient): Promise<NvContext[]> {
  try {
    const r = await client.nvRead(NV_CONTEXT_PROBE, { context: 2 });
    return r.status === NV_BADPARM ? [0, 1] : [0, 1, 2];
  } catch (e) {
    if (isFatal(e)) throw e;
    return [0, 1];
  }
}

const EFBIG = 27;

/** A file's bytes: item files in one GET when they fit, otherwise (or for plain files) open/read. undefined when absent. */
export async function readEfsFile(efs: EfsClient, path: string, asItem: boolean): Promise<Uint8Array | undefined> {
  if (asItem) {
    try {
      return await efs.getItem(path, ITEM_GET_MAX);
    } catch (e) {
      if (!(e instanceof DiagError && e.efsErrno === EFBIG)) throw e;
    }
  }
  if (!(await efs.stat(path))) return undefined;
  return efs.readFile(path, MAX_EFS_FILE_BYTES);
}

interface EfsHarvest {
  efsBackup: QcnEfsBackupFile[];
  provisioning: QcnFile[];
}

interface WalkedFile {
  path: string;
  mtime: number;
  item: boolean;
}

/** Every file READDIR shows, folder by folder (bounded in depth and count). */
async function walkEfs(efs: EfsClient, onEvent: EventSink | undefined, signal?: AbortSignal): Promise<WalkedFile[]> {
  const files: WalkedFile[] = [];
  const seenDirs = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    throwIfAborted(signal);
    if (depth > MAX_EFS_DEPTH || seenDirs.has(dir)) return;
    seenDirs.add(dir);
    let entries;
    try {
      entries = await efs.listDir(dir);
    } catch (e) {
      if (isFatal(e)) throw e;
      log(
        onEvent,
        `EFS folder ${dir} could not be listed (${e instanceof Error ? e.message : String(e)}); skipped.`,
        'warn',
      );
      return;
    }
    for (const en of entries) {
      if (en.name === '.' || en.name === '..' || en.name === '' || en.name.includes('/')) continue;
      const path = dir === '/' ? `/${en.name}` : `${dir}/${en.name}`;
      if (en.type === 1) await walk(path, depth + 1);
      else if (en.type === 0 || en.type === 3) {
        if (files.length >= MAX_EFS_FILES)
          throw new DiagError(
            `The modem's file system lists more than ${MAX_EFS_FILES} files; the backup stops rather than run without bound.`,
          );
        files.push({ path, mtime: en.mtime, item: en.type === 3 || isItemFilePath(path) });
      }
    }
  };
  await walk('/', 0);
  return files;
}

/** Read files (bounded in total size); undefined for a file that is absent or that the modem refuses (logged). */
async function readFiles(
  efs: EfsClient,
  files: { path: string; item: boolean; quiet?: boolean }[],
  maxInFlight: number,
  onEvent: EventSink | undefined,
  signal?: AbortSignal,
): Promise<(Uint8Array | undefined)[]> {
  let total = 0;
  const data: (Uint8Array | undefined)[] = new Array(files.length);
  await runPool(files.length, maxInFlight, signal, async (i) => {
    const f = files[i]!;
    try {
      const bytes = await readEfsFile(efs, modulePath(f.path) ?? f.path, f.item);
      if (bytes === undefined) return;
      total += bytes.length;
      if (total > MAX_EFS_TOTAL_BYTES)
        throw new DiagError(
          `The modem's files add up to more than ${MAX_EFS_TOTAL_BYTES} bytes, more than a QCN backup holds.`,
        );
      data[i] = bytes;
    } catch (e) {
      if (isFatal(e)) throw e;
      if (!f.quiet)
        log(
          onEvent,
          `EFS file ${f.path} could not be read (${e instanceof Error ? e.message : String(e)}); skipped.`,
          'warn',
        );
    }
  });
  return data;
}

/**
 * The files of a QCN, in QPST's storages: the names QPST asks for relative to the root first
 * (EFS_Backup, time 0, spelled as QPST spells them), then the walked files (rfnv and plain files
 * in EFS_Backup with their time, item files in Provisioning_Item_Files), then the provisioning
 * files READDIR does not show, asked for by path.
 */
async function readEfs(
  efs: EfsClient,
  maxInFlight: number,
  onEvent: EventSink | undefined,
  signal?: AbortSignal,
): Promise<EfsHarvest> {
  const walked = await walkEfs(efs, onEvent, signal);
  const byName = QPST_RELATIVE_NAMES.map((path) => ({ path, item: false, quiet: true }));
  const probed = PROVISIONING_PATHS.map((path) => ({ path, item: true, quiet: true }));
  const taken = new Set([...byName, ...probed].map((f) => modulePath(f.path)));
  const rest = walked.filter((f) => !taken.has(f.path));
  const [named, walkedData, probedData] = [
    await readFiles(efs, byName, maxInFlight, onEvent, signal),
    await readFiles(efs, rest, maxInFlight, onEvent, signal),
    await readFiles(efs, probed, maxInFlight, onEvent, signal),
  ];
  const out: EfsHarvest = { efsBackup: [], provisioning: [] };
  byName.forEach((f, i) => {
    const d = named[i];
    if (d !== undefined) out.efsBackup.push({ path: f.path, mtime: 0, data: d });
  });
  rest.forEach((f, i) => {
    const d = walkedData[i];
    if (d === undefined) return;
    if (qpstStorageFor(f.path, f.item) === 'efsBackup') out.efsBackup.push({ path: f.path, mtime: f.mtime, data: d });
    else out.provisioning.push({ path: f.path, data: d });
  });
  probed.forEach((f, i) => {
    const d = probedData[i];
    if (d !== undefined) out.provisioning.push({ path: f.path, data: d });
  });
  return out;
}

/** Every NV read of a backup: each id of the range in each context, and entries 1.. of multi-entry items. */
export function nvJobs(lo: number, hi: number, contexts: NvContext[]): NvJob[] {
  const jobs: NvJob[] = [];
  for (const context of contexts) {
    for (let n = lo; n <= hi; n++) jobs.push({ id: n, index: 0, context });
    for (const [n, count] of MULTI_ENTRY_NV)
      if (n >= lo && n <= hi) for (let index = 1; index < count; index++) jobs.push({ id: n, index, context });
  }
  return jobs;
}

/** Read everything a QCN holds from an open DIAG session. */
export async function readModuleState(
  client: DiagClient,
  opts: { signal?: AbortSignal | undefined; onEvent?: EventSink; nvRange?: [number, number]; maxInFlight?: number },
): Promise<{ backup: QcnBackup; id: ModuleIdentity }> {
  const [lo, hi] = opts.nvRange ?? DEFAULT_NV_RANGE;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi <= 0xffff && lo <= hi))
    throw new RescueError('USAGE', `The NV range ${lo}..${hi} is not valid.`);
  const maxInFlight = Math.max(1, Math.min(64, opts.maxInFlight ?? 8));
  const started = new Date();
  const id = await identify(client);
  log(opts.onEvent, `Module ${id.model} (model number ${id.modelNumber}), firmware ${id.firmware}.`);
  const contexts = await contextsOf(client);
  const jobs = nvJobs(lo, hi, contexts);
  const progress = new ProgressTracker(jobs.length, opts.onEvent);
  progress.startStep(0, jobs.length);
  log(
    opts.onEvent,
    `Reading NV items ${lo}..${hi} in the default context and subscription${contexts.length > 2 ? 's 1 and 2' : ' 1'} (${jobs.length} requests, ${maxInFlight} in flight).`,
  );
  const nvItems = keepRealEntries(await readNv(client, jobs, maxInFlight, progress, 0, opts.signal));
  log(opts.onEvent, `${nvItems.length} NV records answered DONE. Reading the modem's file system.`);
  await client.efs.hello();
  const efs = await readEfs(client.efs, maxInFlight, opts.onEvent, opts.signal);
  const rfnv = efs.efsBackup.filter((f) => isRfnvPath(f.path)).length;
  log(
    opts.onEvent,
    `${efs.efsBackup.length} files for EFS_Backup (${rfnv} rfnv calibration), ${efs.provisioning.length} provisioning item files.`,
  );
  const esnItem = nvItems.find((i) => i.id === 0 && i.context === 0);
  const esn = esnItem ? new DataView(esnItem.data.buffer, esnItem.data.byteOffset).getUint32(0, true) : 0;
  const backup: QcnBackup = {
    model: id.modelNumber,
    nvItems,
    efsBackup: efs.efsBackup,
    provisioning: efs.provisioning,
    nvItemFiles: [],
    property: {
      esn,
      model: id.modelNumber & 0xffff,
      nvMajor: 0,
      nvMinor: 0,
      swVersion: id.firmware,
      tool: 'Modem Rescue',
    },
    featureMask: id.featureMask,
    times: { created: started, modified: new Date() },
  };
  return { backup, id };
}

/** Every difference between what was read and what the file on disk holds (empty = identical). */
export function compareBackups(read: QcnBackup, onDisk: QcnBackup): string[] {
  return compareQcn(read, onDisk, { mtimes: true });
}

/** Write the QCN and its manifest atomically, then read the file back and compare it with `backup`. */
export async function saveBackup(backup: QcnBackup, id: ModuleIdentity, out: string): Promise<BackupResult> {
  const bytes = writeQcn(backup);
  await writeFileAtomic(out, bytes);
  const again = new Uint8Array(
    await readInputFile(out, { maxBytes: MAX_CFB_BYTES, what: 'a QCN backup', code: 'BACKUP_VERIFY_FAILED' }),
  );
  const problems = compareBackups(backup, readQcn(again));
  if (problems.length > 0)
    throw new RescueError(
      'BACKUP_VERIFY_FAILED',
      `${out} does not read back as what was read from the modem: ${summarizeDifferences(problems)}.`,
    );
  const imei = (ctx: number): string | undefined => {
    const it = backup.nvItems.find((i) => i.id === NV_IMEI && i.context === ctx);
    return it ? nvToImei(it.data) : undefined;
  };
  const imei1 = imei(0);
  const imei2 = imei(1);
  const manifest: BackupManifest = {
    format: 'modem-rescue-qcn-manifest/1',
    createdAt: new Date().toISOString(),
    file: out,
    sha256: createHash('sha256').update(again).digest('hex'),
    bytes: again.length,
    module: { model: id.model, modelNumber: id.modelNumber, msmHwVersion: id.msmHwVersion },
    firmware: id.firmware,
    ...(imei1 ? { imei: imei1 } : {}),
    ...(imei2 ? { imei2 } : {}),
    counts: {
      nvItems: backup.nvItems.filter((i) => i.context === 0).length,
      nvItemsSim1: backup.nvItems.filter((i) => i.context === 1).length,
      nvItemsSim2: backup.nvItems.filter((i) => i.context === 2).length,
      efsFiles: backup.efsBackup.length,
      rfnvFiles: [...backup.efsBackup, ...backup.provisioning, ...backup.nvItemFiles].filter((f) => isRfnvPath(f.path))
        .length,
      itemFiles: backup.nvItemFiles.length,
      provisioningFiles: backup.provisioning.length,
    },
  };
  const manifestPath = manifestPathFor(out);
  await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { path: out, manifestPath, manifest };
}

/** Back up the module on the DM port to `out` (QCN), verified, with a manifest beside it. */
export async function backupQcn(opts: BackupOptions): Promise<BackupResult> {
  throwIfAborted(opts.signal);
  const client = await openDiagSession(opts.dm, opts);
  try {
    const { backup, id } = await readModuleState(client, opts);
    const result = await saveBackup(backup, id, opts.out);
    log(
      opts.onEvent,
      `Backup written and verified: ${opts.out} (${result.manifest.bytes} bytes, SHA-256 ${result.manifest.sha256.slice(0, 16)}...).`,
    );
    return result;
  } finally {
    await client.close().catch(() => undefined);
  }
}
