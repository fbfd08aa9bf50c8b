// QCN restore over the DM port, following the safety rules: refuse another model or firmware
// unless forced; diff the file against the modem (a dry run stops there); take and verify a fresh
// backup of the current state; write only what differs, never identity items or RF calibration
// unless named; pace EFS writes with syncs; read every write back; reset the modem at the end.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { MAX_CFB_BYTES } from '../qcn/cfb.js';
import { nvKey, readQcn, treeToQcn, type QcnBackup, type QcnNvItem } from '../qcn/layout.js';
import { xqcnToTree } from '../qcn/xqcn.js';
import type { PipeOpener } from '../transport/transport.js';
import { throwIfAborted } from '../util/deadline.js';
import { openInputFile, tooLarge } from '../util/input-file.js';
import { identify, readEfsFile, saveBackup, readModuleState, NV_DONE } from './backup.js';
import { DiagClient } from './diag-client.js';
import { DiagError } from './diag-error.js';
import { runPool } from './pool.js';
import { nvStatusName } from '../protocol/diag.js';

/** Items a restore leaves alone unless the user names them. */
export const PROTECTED_NV: Readonly<Record<string, readonly number[]>> = {
  esn: [0],
  spc: [85],
  imei: [550],
  meid: [1943],
  rfnv: [569, 570, 571, 2497, 2498, 2499, 2500],
};
export const PROTECTED_ITEM_NAMES = ['imei', 'esn', 'meid', 'spc', 'rfnv'] as const;
export type ProtectedItemName = (typeof PROTECTED_ITEM_NAMES)[number];
const RFNV_PREFIX = '/nv/item_files/rfnv/';
/** NV writes between syncs. */
const SYNC_EVERY = 16;
/** EFS journal writes (PUTs, 1024-byte WRITE chunks) between syncs. */
const JOURNAL_BUDGET = 32;
const EFS_CHUNK_BYTES = 1024;
const ENOSPC = 28;

export interface RestoreChange {
  kind: 'nv' | 'file';
  /** "NV 550", "NV 296[3] (SIM 1)" or the file path. */
  label: string;
  /** 'differs' or 'missing on the modem'. */
  reason: string;
  /** The protected group it belongs to (written only when named). */
  protectedAs?: ProtectedItemName;
}

export interface RestoreDiff {
  /** What a restore writes (differs, and not protected or explicitly allowed). */
  write: RestoreChange[];
  /** What differs but is protected and was not named in `items`. */
  skipped: RestoreChange[];
  /** Items and files already equal on the modem. */
  same: number;
  module: { model: string; modelNumber: number; firmware: string };
  file: { modelNumber: number; firmware: string };
}

export interface RestoreOptions {
  dm: PipeOpener;
  file: string;
  dryRun?: boolean;
  /** Protected groups the user allows: 'imei', 'esn', 'meid', 'spc', 'rfnv'. */
  items?: string[];
  /** Restore even onto another model or firmware. */
  force?: boolean;
  /**
   * Restore onto other firmware of the same model (not another model): the case of a module's own
   * backup taken just before a flash, restored after it.
   */
  allowOtherFirmware?: boolean;
  /** Where the fresh backup of the current state goes before any write. */
  backupDir: string;
  signal?: AbortSignal;
  onEvent?: EventSink;
  maxInFlight?: number;
  timeoutMs?: number;
  openTimeoutMs?: number;
  /** NV ids the fresh backup reads (default 0..7500). */
  nvRange?: [number, number];
  /** The SPC to unlock identity items with (default "000000"). */
  spc?: string;
}

export interface RestoreResult {
  diff: RestoreDiff;
  written: number;
  verified: number;
  /** Items the modem refused to write (e.g. not defined in its firmware); the rest was restored. */
  refused: string[];
  freshBackup?: string;
}

function log(sink: EventSink | undefined, message: string, level: 'info' | 'warn' = 'info'): void {
  sink?.({ type: 'log', level, message });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Read a QCN (or XQCN, by its extension or content) from disk, bounded in size. */
export async function loadQcnFile(path: string, signal?: AbortSignal): Promise<QcnBackup> {
  // Only a regular file (never /dev/zero or a FIFO), its size bounded before it is read: an XQCN
  // (hex text) up to 3 times a QCN's, a binary QCN up to MAX_CFB_BYTES.
  const input = await openInputFile(path, { maxBytes: 3 * MAX_CFB_BYTES, what: 'a QCN or XQCN backup', code: 'QCN_CORRUPT', notFileCode: 'NOT_A_FILE', missingCode: 'HOST_IO', ...(signal ? { signal } : {}) });
  let bytes: Uint8Array;
  let isXml: boolean;
  try {
    const head = new Uint8Array(4);
    await input.readAt(head, 0);
    isXml = /\.xqcn$/i.test(path) || head[0] === 0x3c || (head[0] === 0xef && head[3] === 0x3c);
    if (!isXml && input.size > MAX_CFB_BYTES) throw tooLarge(path, input.size, { maxBytes: MAX_CFB_BYTES, what: 'a QCN backup', code: 'QCN_CORRUPT' });
    bytes = new Uint8Array(await input.readAll());
  } finally {
    await input.close();
  }
  if (isXml) return treeToQcn(xqcnToTree(Buffer.from(bytes).toString('utf8')));
  return readQcn(bytes);
}

export function protectedGroupOfNv(id: number): ProtectedItemName | undefined {
  for (const name of PROTECTED_ITEM_NAMES) if (PROTECTED_NV[name]!.includes(id)) return name;
  return undefined;
}

function nvLabel(it: { id: number; index: number; context: number }): string {
  return `NV ${it.id}${it.index ? `[${it.index}]` : ''}${it.context ? ' (SIM 1)' : ''}`;
}

export function parseAllowedItems(items: string[] | undefined): Set<ProtectedItemName> {
  const out = new Set<ProtectedItemName>();
  for (const raw of items ?? []) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!(PROTECTED_ITEM_NAMES as readonly string[]).includes(name)) throw new RescueError('USAGE', `"${raw}" is not an item group; use ${PROTECTED_ITEM_NAMES.join(', ')}.`);
    out.add(name as ProtectedItemName);
  }
  return out;
}

interface FileJob {
  path: string;
  data: Uint8Array;
  asItem: boolean;
}

interface Plan {
  diff: RestoreDiff;
  nv: QcnNvItem[];
  files: FileJob[];
}

async function readNvOf(client: DiagClient, it: { id: number; index: number; context: number }): Promise<Uint8Array | undefined> {
  try {
    const r = await client.nvRead(it.id, it.index > 0 ? { context: it.context, index: it.index } : { context: it.context });
    return r.status === NV_DONE ? r.data.slice(0, 128) : undefined;
  } catch (e) {
    if (e instanceof DiagError && e.diagCode !== undefined) return undefined;
    throw e;
  }
}

async function readFileOf(client: DiagClient, f: FileJob): Promise<Uint8Array | undefined> {
  try {
    return await readEfsFile(client.efs, f.path, f.asItem);
  } catch (e) {
    if (e instanceof DiagError && (e.efsErrno !== undefined || e.diagCode !== undefined)) return undefined;
    throw e;
  }
}

async function makePlan(client: DiagClient, qcn: QcnBackup, allowed: Set<ProtectedItemName>, maxInFlight: number, signal?: AbortSignal): Promise<Omit<Plan, 'diff'> & { write: RestoreChange[]; skipped: RestoreChange[]; same: number }> {
  const write: RestoreChange[] = [];
  const skipped: RestoreChange[] = [];
  let same = 0;
  const nv: QcnNvItem[] = [];
  const files: FileJob[] = [];
  const nvNow: (Uint8Array | undefined)[] = new Array(qcn.nvItems.length);
  await runPool(qcn.nvItems.length, maxInFlight, signal, async (i) => {
    nvNow[i] = await readNvOf(client, qcn.nvItems[i]!);
  });
  const seen = new Set<string>();
  qcn.nvItems.forEach((it, i) => {
    if (seen.has(nvKey(it))) return;
    seen.add(nvKey(it));
    const now = nvNow[i];
    if (now && sameBytes(now, it.data)) {
      same++;
      return;
    }
    const group = protectedGroupOfNv(it.id);
    const change: RestoreChange = { kind: 'nv', label: nvLabel(it), reason: now ? 'differs' : 'missing on the modem', ...(group ? { protectedAs: group } : {}) };
    if (group && !allowed.has(group)) skipped.push(change);
    else {
      write.push(change);
      nv.push(it);
    }
  });
  const allFiles: FileJob[] = [];
  const byPath = new Set<string>();
  const add = (path: string, data: Uint8Array, asItem: boolean): void => {
    if (byPath.has(path)) return;
    byPath.add(path);
    allFiles.push({ path, data, asItem });
  };
  for (const f of qcn.provisioning) add(f.path, f.data, true);
  for (const f of qcn.nvItemFiles) add(f.path, f.data, true);
  for (const f of qcn.efsBackup) add(f.path, f.data, false);
  const filesNow: (Uint8Array | undefined)[] = new Array(allFiles.length);
  await runPool(allFiles.length, maxInFlight, signal, async (i) => {
    filesNow[i] = await readFileOf(client, allFiles[i]!);
  });
  allFiles.forEach((f, i) => {
    const now = filesNow[i];
    if (now && sameBytes(now, f.data)) {
      same++;
      return;
    }
    const group: ProtectedItemName | undefined = f.path.startsWith(RFNV_PREFIX) ? 'rfnv' : undefined;
    const change: RestoreChange = { kind: 'file', label: f.path, reason: now ? 'differs' : 'missing on the modem', ...(group ? { protectedAs: group } : {}) };
    if (group && !allowed.has(group)) skipped.push(change);
    else {
      write.push(change);
      files.push(f);
    }
  });
  return { write, skipped, same, nv, files };
}

/** Restore a QCN onto the module on the DM port (or, with dryRun, only report what would change). */
export async function restoreQcn(opts: RestoreOptions): Promise<RestoreResult> {
  throwIfAborted(opts.signal);
  const allowed = parseAllowedItems(opts.items);
  const qcn = await loadQcnFile(opts.file, opts.signal);
  if (!opts.dryRun) {
    await mkdir(opts.backupDir, { recursive: true }).catch((e: unknown) => {
      throw new RescueError('HOST_IO', `Cannot create the folder for the backup taken before the restore, ${opts.backupDir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    });
  }
  const maxInFlight = Math.max(1, Math.min(64, opts.maxInFlight ?? 8));
  const pipe = await opts.dm.open({ timeoutMs: opts.openTimeoutMs ?? 10_000, ...(opts.signal ? { signal: opts.signal } : {}), what: 'the DM (DIAG) port' });
  const client = new DiagClient(pipe, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), maxInFlight });
  try {
    const id = await identify(client);
    const mismatch: string[] = [];
    if (qcn.model !== id.modelNumber) mismatch.push(`the file is for model number ${qcn.model}, the modem is ${id.modelNumber} (${id.model})`);
    if (qcn.property.swVersion && qcn.property.swVersion !== id.firmware) {
      const what = `the file was made on firmware ${qcn.property.swVersion}, the modem runs ${id.firmware}`;
      if (opts.allowOtherFirmware) log(opts.onEvent, `Restoring onto other firmware of the same model, as asked: ${what}.`, 'warn');
      else mismatch.push(what);
    }
    if (mismatch.length > 0) {
      if (!opts.force) throw new RescueError('QCN_MISMATCH', `${mismatch.join('; ')}.`);
      log(opts.onEvent, `Restoring anyway (--force): ${mismatch.join('; ')}.`, 'warn');
    }
    await client.efs.hello();
    log(opts.onEvent, `Comparing ${qcn.nvItems.length} NV records and ${qcn.efsBackup.length + qcn.provisioning.length + qcn.nvItemFiles.length} files with the modem.`);
    const plan = await makePlan(client, qcn, allowed, maxInFlight, opts.signal);
    const diff: RestoreDiff = {
      write: plan.write,
      skipped: plan.skipped,
      same: plan.same,
      module: { model: id.model, modelNumber: id.modelNumber, firmware: id.firmware },
      file: { modelNumber: qcn.model, firmware: qcn.property.swVersion },
    };
    for (const s of plan.skipped) log(opts.onEvent, `Not restoring ${s.label} (${s.protectedAs}): name it with --items ${s.protectedAs} to write it.`, 'warn');
    if (opts.dryRun || plan.write.length === 0) {
      log(opts.onEvent, opts.dryRun ? `Dry run: ${plan.write.length} to write, ${plan.skipped.length} protected and skipped, ${plan.same} already equal.` : 'The modem already holds everything in the file; nothing written.');
      return { diff, written: 0, verified: 0, refused: [] };
    }
    if (allowed.has('rfnv') && plan.write.some((w) => w.protectedAs === 'rfnv')) {
      log(opts.onEvent, 'Writing RF calibration: if this QCN came from another module, its radio will work worse than with its own calibration.', 'warn');
    }

    // A fresh, verified backup of the current state before the first write.
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const freshBackup = join(opts.backupDir, `before-restore-${stamp}.qcn`);
    log(opts.onEvent, `Taking a backup of the current state first: ${freshBackup}`);
    const current = await readModuleState(client, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}), ...(opts.nvRange ? { nvRange: opts.nvRange } : {}), maxInFlight });
    await saveBackup(current.backup, current.id, freshBackup);

    if (plan.nv.some((it) => ['imei', 'esn', 'meid', 'spc'].includes(protectedGroupOfNv(it.id) ?? ''))) {
      if (!(await client.spc(opts.spc ?? '000000'))) throw new DiagError('The modem did not accept the service programming code (SPC); identity items cannot be written.');
    }
    let written = 0;
    const refused: string[] = [];
    const accepted: QcnNvItem[] = [];
    log(opts.onEvent, `Writing ${plan.nv.length} NV items and ${plan.files.length} files.`);
    // NV items live in the EFS too: written in groups (pipelined within a group), a sync between groups.
    for (let from = 0; from < plan.nv.length; from += SYNC_EVERY) {
      const group = plan.nv.slice(from, from + SYNC_EVERY);
      if (from > 0) await client.efs.sync();
      await runPool(group.length, maxInFlight, opts.signal, async (i) => {
        const it = group[i]!;
        const status = await client.nvWrite(it.id, it.data, { context: it.context });
        if (status !== NV_DONE) {
          refused.push(`${nvLabel(it)} (${nvStatusName(status)})`);
          log(opts.onEvent, `The modem refused to write ${nvLabel(it)} (NV status ${nvStatusName(status)}); continuing with the rest.`, 'warn');
          return;
        }
        accepted.push(it);
        written++;
      });
    }
    // EFS writes one at a time, a sync whenever the journal budget would be exceeded (the module's
    // journal fills after about a hundred unsynced writes); a full journal gets a sync and one retry.
    let unsynced = 0;
    for (const f of plan.files) {
      throwIfAborted(opts.signal);
      const cost = f.asItem ? 1 : Math.max(1, Math.ceil(f.data.length / EFS_CHUNK_BYTES));
      if (unsynced > 0 && unsynced + cost > JOURNAL_BUDGET) {
        await client.efs.sync();
        unsynced = 0;
      }
      const put = (): Promise<void> => (f.asItem ? client.efs.putItem(f.path, f.data) : client.efs.writeFile(f.path, f.data));
      try {
        await put();
      } catch (e) {
        if (!(e instanceof DiagError && e.efsErrno === ENOSPC)) throw e;
        log(opts.onEvent, `The modem's file system journal was full writing ${f.path}; syncing and trying again.`, 'warn');
        await client.efs.sync();
        unsynced = 0;
        await put();
      }
      unsynced += cost;
      written++;
    }
    if (plan.files.length > 0) await client.efs.sync();

    // Read every write back.
    const bad: string[] = [];
    let verified = 0;
    await runPool(accepted.length, maxInFlight, opts.signal, async (i) => {
      const it = accepted[i]!;
      const now = await readNvOf(client, it);
      if (now && sameBytes(now, it.data)) verified++;
      else bad.push(nvLabel(it));
    });
    await runPool(plan.files.length, maxInFlight, opts.signal, async (i) => {
      const f = plan.files[i]!;
      const now = await readFileOf(client, f);
      if (now && sameBytes(now, f.data)) verified++;
      else bad.push(f.path);
    });
    if (bad.length > 0) {
      throw new RescueError('BACKUP_VERIFY_FAILED', `${bad.length} restored items read back differently: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', ...' : ''}. The backup taken before the restore is ${freshBackup}.`);
    }
    log(opts.onEvent, `Restored and verified ${verified} items; resetting the modem so it uses them.`);
    try {
      await client.control(2);
    } catch (e) {
      log(opts.onEvent, `The modem did not confirm the reset (${e instanceof Error ? e.message : String(e)}); power-cycle it to use the restored items.`, 'warn');
    }
    return { diff, written, verified, refused, freshBackup };
  } finally {
    await client.close().catch(() => undefined);
  }
}
