// QCN backup over the DM port: identify the module, read NV items 0..7500 in the default context
// and subscription 1, the EFS tree (rfnv calibration and other item files), and a list of
// provisioning item files that READDIR does not show; write the QCN atomically, read it back from
// disk and compare it item by item with what was read, then write a manifest beside it.

import { createHash } from 'node:crypto';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { nvToImei, NV_IMEI } from '../protocol/imei.js';
import { nvKey, readQcn, writeQcn, type QcnBackup, type QcnFile, type QcnNvItem } from '../qcn/layout.js';
import { MAX_CFB_BYTES } from '../qcn/cfb.js';
import type { PipeOpener } from '../transport/transport.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { throwIfAborted } from '../util/deadline.js';
import { readInputFile } from '../util/input-file.js';
import { DiagClient, type EfsClient } from './diag-client.js';
import { DiagError } from './diag-error.js';
import { ProgressTracker } from './progress.js';
import { runPool } from './pool.js';

export const NV_DONE = 0;
/** NV ids a full backup reads (QPST reads about the same range). */
export const DEFAULT_NV_RANGE: [number, number] = [0, 7500];
/** Multi-entry items QPST saves entry by entry (the entry index travels in data[0]); probed up to their count. */
export const MULTI_ENTRY_NV: ReadonlyMap<number, number> = new Map([
  [57, 100], // NV_DIAL_I (speed dial)
  [259, 8],
  [296, 16],
  [1031, 8],
]);
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
  counts: { nvItems: number; nvItemsSim1: number; efsFiles: number; itemFiles: number; provisioningFiles: number };
}

export interface BackupOptions {
  dm: PipeOpener;
  out: string;
  signal?: AbortSignal;
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

const isItemPath = (p: string): boolean => p.startsWith('/nv/item_files/') || p.startsWith('/nv/reg_files/');

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
  context: 0 | 1;
}

async function readNv(client: DiagClient, jobs: NvJob[], maxInFlight: number, progress: ProgressTracker, done0: number, signal?: AbortSignal): Promise<QcnNvItem[]> {
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
 * Entries 1.. of multi-entry items: an entry is real when it answers DONE, carries its index in
 * data[0] and differs from entry 0 (an item that is not multi-entry ignores the index and answers
 * the same bytes every time).
 */
function keepRealEntries(items: QcnNvItem[]): QcnNvItem[] {
  const first = new Map<string, Uint8Array>();
  for (const it of items) if (it.index === 0) first.set(`${it.context}:${it.id}`, it.data);
  return items.filter((it) => {
    if (it.index === 0) return true;
    const zero = first.get(`${it.context}:${it.id}`);
    return it.data[0] === it.index && !(zero && sameBytes(zero, it.data));
  });
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
  efsBackup: { path: string; mtime: number; data: Uint8Array }[];
  nvItemFiles: QcnFile[];
  provisioning: QcnFile[];
}

/** Walk the EFS tree (bounded), then probe the provisioning list by path. */
async function readEfs(efs: EfsClient, maxInFlight: number, onEvent: EventSink | undefined, signal?: AbortSignal): Promise<EfsHarvest> {
  const files: { path: string; mtime: number; item: boolean }[] = [];
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
      log(onEvent, `EFS folder ${dir} could not be listed (${e instanceof Error ? e.message : String(e)}); skipped.`, 'warn');
      return;
    }
    for (const en of entries) {
      if (en.name === '.' || en.name === '..' || en.name === '' || en.name.includes('/')) continue;
      const path = dir === '/' ? `/${en.name}` : `${dir}/${en.name}`;
      if (en.type === 1) await walk(path, depth + 1);
      else if (en.type === 0 || en.type === 3) {
        if (files.length >= MAX_EFS_FILES) throw new DiagError(`The modem's file system lists more than ${MAX_EFS_FILES} files; the backup stops rather than run without bound.`);
        files.push({ path, mtime: en.mtime, item: en.type === 3 || isItemPath(path) });
      }
    }
  };
  await walk('/', 0);
  let total = 0;
  const data: (Uint8Array | undefined)[] = new Array(files.length);
  await runPool(files.length, maxInFlight, signal, async (i) => {
    const f = files[i]!;
    try {
      const bytes = await readEfsFile(efs, f.path, f.item);
      if (bytes === undefined) return;
      total += bytes.length;
      if (total > MAX_EFS_TOTAL_BYTES) throw new DiagError(`The modem's files add up to more than ${MAX_EFS_TOTAL_BYTES} bytes, more than a QCN backup holds.`);
      data[i] = bytes;
    } catch (e) {
      if (isFatal(e)) throw e;
      log(onEvent, `EFS file ${f.path} could not be read (${e instanceof Error ? e.message : String(e)}); skipped.`, 'warn');
    }
  });
  const provisioning: QcnFile[] = [];
  const probed: (Uint8Array | undefined)[] = new Array(PROVISIONING_PATHS.length);
  await runPool(PROVISIONING_PATHS.length, maxInFlight, signal, async (i) => {
    try {
      probed[i] = await readEfsFile(efs, PROVISIONING_PATHS[i]!, true);
    } catch (e) {
      if (isFatal(e)) throw e;
    }
  });
  PROVISIONING_PATHS.forEach((path, i) => {
    const d = probed[i];
    if (d !== undefined) provisioning.push({ path, data: d });
  });
  const provisioned = new Set(provisioning.map((p) => p.path));
  const out: EfsHarvest = { efsBackup: [], nvItemFiles: [], provisioning };
  files.forEach((f, i) => {
    const d = data[i];
    if (d === undefined || provisioned.has(f.path)) return;
    if (f.item) out.nvItemFiles.push({ path: f.path, data: d });
    else out.efsBackup.push({ path: f.path, mtime: f.mtime, data: d });
  });
  return out;
}

/** Read everything a QCN holds from an open DIAG session. */
export async function readModuleState(client: DiagClient, opts: { signal?: AbortSignal; onEvent?: EventSink; nvRange?: [number, number]; maxInFlight?: number }): Promise<{ backup: QcnBackup; id: ModuleIdentity }> {
  const [lo, hi] = opts.nvRange ?? DEFAULT_NV_RANGE;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi <= 0xffff && lo <= hi)) throw new RescueError('USAGE', `The NV range ${lo}..${hi} is not valid.`);
  const maxInFlight = Math.max(1, Math.min(64, opts.maxInFlight ?? 8));
  const id = await identify(client);
  log(opts.onEvent, `Module ${id.model} (model number ${id.modelNumber}), firmware ${id.firmware}.`);
  const jobs: NvJob[] = [];
  for (const context of [0, 1] as const) {
    for (let n = lo; n <= hi; n++) jobs.push({ id: n, index: 0, context });
    for (const [n, count] of MULTI_ENTRY_NV) if (n >= lo && n <= hi) for (let index = 1; index < count; index++) jobs.push({ id: n, index, context });
  }
  const progress = new ProgressTracker(jobs.length, opts.onEvent);
  progress.startStep(0, jobs.length);
  log(opts.onEvent, `Reading NV items ${lo}..${hi} in the default context and subscription 1 (${jobs.length} requests, ${maxInFlight} in flight).`);
  const nvItems = keepRealEntries(await readNv(client, jobs, maxInFlight, progress, 0, opts.signal));
  log(opts.onEvent, `${nvItems.length} NV items answered DONE. Reading the modem's file system.`);
  await client.efs.hello();
  const efs = await readEfs(client.efs, maxInFlight, opts.onEvent, opts.signal);
  log(opts.onEvent, `${efs.nvItemFiles.length} item files, ${efs.provisioning.length} provisioning files, ${efs.efsBackup.length} other files.`);
  const esnItem = nvItems.find((i) => i.id === 0 && i.context === 0);
  const esn = esnItem ? new DataView(esnItem.data.buffer, esnItem.data.byteOffset).getUint32(0, true) : 0;
  const backup: QcnBackup = {
    model: id.modelNumber,
    nvItems,
    efsBackup: efs.efsBackup,
    provisioning: efs.provisioning,
    nvItemFiles: efs.nvItemFiles,
    property: { esn, model: id.modelNumber & 0xffff, nvMajor: 0, nvMinor: 0, swVersion: id.firmware, tool: 'Modem Rescue' },
    featureMask: id.featureMask,
  };
  return { backup, id };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Every difference between what was read and what the file on disk holds (empty = identical). */
export function compareBackups(read: QcnBackup, onDisk: QcnBackup): string[] {
  const problems: string[] = [];
  if (read.model !== onDisk.model) problems.push(`model ${onDisk.model} instead of ${read.model}`);
  const disk = new Map(onDisk.nvItems.map((i) => [nvKey(i), i]));
  if (disk.size !== read.nvItems.length) problems.push(`${disk.size} NV records instead of ${read.nvItems.length}`);
  for (const it of read.nvItems) {
    const d = disk.get(nvKey(it));
    if (!d || !sameBytes(d.data, it.data)) problems.push(`NV ${it.id}${it.index ? `[${it.index}]` : ''}${it.context ? ' (SIM 1)' : ''}`);
  }
  const files = (b: QcnBackup): Map<string, Uint8Array> => new Map([...b.efsBackup, ...b.provisioning, ...b.nvItemFiles].map((f) => [f.path, f.data]));
  const a = files(read);
  const b = files(onDisk);
  if (a.size !== b.size) problems.push(`${b.size} files instead of ${a.size}`);
  for (const [path, data] of a) {
    const d = b.get(path);
    if (!d || !sameBytes(d, data)) problems.push(path);
  }
  if (!sameBytes(read.featureMask, onDisk.featureMask)) problems.push('Feature_Mask');
  if (read.property.swVersion !== onDisk.property.swVersion) problems.push('Mobile_Property_Info');
  return problems;
}

/** Write the QCN and its manifest atomically, then read the file back and compare it with `backup`. */
export async function saveBackup(backup: QcnBackup, id: ModuleIdentity, out: string): Promise<BackupResult> {
  const bytes = writeQcn(backup);
  await writeFileAtomic(out, bytes);
  const again = new Uint8Array(await readInputFile(out, { maxBytes: MAX_CFB_BYTES, what: 'a QCN backup', code: 'BACKUP_VERIFY_FAILED' }));
  const problems = compareBackups(backup, readQcn(again));
  if (problems.length > 0) throw new RescueError('BACKUP_VERIFY_FAILED', `${out} does not read back as what was read from the modem: ${problems.slice(0, 5).join(', ')}${problems.length > 5 ? ` and ${problems.length - 5} more` : ''}.`);
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
      efsFiles: backup.efsBackup.length,
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
  const pipe = await opts.dm.open({ timeoutMs: opts.openTimeoutMs ?? 10_000, ...(opts.signal ? { signal: opts.signal } : {}), what: 'the DM (DIAG) port' });
  const client = new DiagClient(pipe, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), maxInFlight: opts.maxInFlight ?? 8 });
  try {
    const { backup, id } = await readModuleState(client, opts);
    const result = await saveBackup(backup, id, opts.out);
    log(opts.onEvent, `Backup written and verified: ${opts.out} (${result.manifest.bytes} bytes, SHA-256 ${result.manifest.sha256.slice(0, 16)}...).`);
    return result;
  } finally {
    await client.close().catch(() => undefined);
  }
}
