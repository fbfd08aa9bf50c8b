// QCN restore over the DM port, following the safety rules: refuse another model or firmware
// unless forced; plan the whole restore before the first write (every entry checked: paths from
// the EFS root, sizes, indexes; protected items left alone unless named) and compare it with the
// module (a dry run stops there and shows exactly this plan); take and verify a fresh backup of
// the current state; write only what differs, an item the module refuses recorded with its reason
// while the rest goes on; read every write back; reset the module. The result says "restored" or
// "partly restored" with every entry that was not, and why. A run cut short (the module gone)
// converges when run again: it writes only what still differs.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { MAX_CFB_BYTES } from '../qcn/cfb.js';
import { nvLabel } from '../qcn/compare.js';
import type { QcnBackup, QcnNvItem } from '../qcn/layout.js';
import { parseBackupFile } from '../qcn/qcn-file.js';
import type { PipeOpener } from '../transport/transport.js';
import { throwIfAborted } from '../util/deadline.js';
import { openInputFile, tooLarge } from '../util/input-file.js';
import { identify, readModuleState, saveBackup, type ModuleIdentity } from './backup.js';
import { DiagClient, openDiagSession } from '../host/diag-client.js';
import { readCurrent, verifyWrites, writeFiles, writeNv, type DeviceOptions } from './restore-device.js';
import {
  checkEntries,
  planWrites,
  PROTECTED_ITEM_NAMES,
  protectedGroupOfNv,
  SPC_GROUPS,
  type PlannedWrites,
  type ProtectedItemName,
  type RestoreChange,
  type RestoreProblem,
} from './restore-plan.js';

export {
  PROTECTED_ITEM_NAMES,
  PROTECTED_NV,
  protectedGroupOfNv,
  type ProtectedItemName,
  type RestoreChange,
  type RestoreProblem,
} from './restore-plan.js';

export interface RestoreDiff {
  /** What a restore writes (differs, and not protected or explicitly allowed). */
  write: RestoreChange[];
  /** What differs but is protected and was not named in `items`. */
  skipped: RestoreChange[];
  /** What the file holds that cannot be written at all (a path, size or index no write can carry), with the reason. */
  invalid: RestoreChange[];
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
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  maxInFlight?: number;
  timeoutMs?: number;
  openTimeoutMs?: number;
  /** NV ids the fresh backup reads (default 0..7500). */
  nvRange?: [number, number];
  /** The SPC to unlock identity items with (default "000000"). */
  spc?: string;
}

/**
 * 'dry run': nothing written; 'nothing to write': the module already holds the file;
 * 'restored': everything planned written and read back equal; 'partly restored': some entries
 * were refused, read back differently or could not be written at all (each named in the result).
 */
export type RestoreOutcome = 'dry run' | 'nothing to write' | 'restored' | 'partly restored';

export interface RestoreResult {
  outcome: RestoreOutcome;
  diff: RestoreDiff;
  written: number;
  verified: number;
  /** Entries the modem refused to write, each with its reason; everything else was written. */
  refused: RestoreProblem[];
  /** Entries the modem accepted but that read back differently. */
  failed: RestoreProblem[];
  /** Whether the modem confirmed the reset that makes it use the restored items. */
  reset: boolean;
  freshBackup?: string;
}

function log(sink: EventSink | undefined, message: string, level: 'info' | 'warn' = 'info'): void {
  sink?.({ type: 'log', level, message });
}

/** Read a QCN (or XQCN, by its extension or content) from disk, bounded in size. */
export async function loadQcnFile(path: string, signal?: AbortSignal): Promise<QcnBackup> {
  // Only a regular file (never /dev/zero or a FIFO), its size bounded before it is read: an XQCN
  // (hex text) up to 3 times a QCN's, a binary QCN up to MAX_CFB_BYTES.
  const input = await openInputFile(path, {
    maxBytes: 3 * MAX_CFB_BYTES,
    what: 'a QCN or XQCN backup',
    code: 'QCN_CORRUPT',
    notFileCode: 'NOT_A_FILE',
    missingCode: 'HOST_IO',
    ...(signal ? { signal } : {}),
  });
  let bytes: Uint8Array;
  try {
    const head = new Uint8Array(4);
    await input.readAt(head, 0);
    const isXml = /\.xqcn$/i.test(path) || head[0] === 0x3c || (head[0] === 0xef && head[3] === 0x3c);
    if (!isXml && input.size > MAX_CFB_BYTES)
      throw tooLarge(path, input.size, { maxBytes: MAX_CFB_BYTES, what: 'a QCN backup', code: 'QCN_CORRUPT' });
    bytes = new Uint8Array(await input.readAll());
  } finally {
    await input.close();
  }
  return parseBackupFile(bytes, path);
}

export function parseAllowedItems(items: string[] | undefined): Set<ProtectedItemName> {
  const out = new Set<ProtectedItemName>();
  for (const raw of items ?? []) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!(PROTECTED_ITEM_NAMES as readonly string[]).includes(name))
      throw new RescueError('USAGE', `"${raw}" is not an item group; use ${PROTECTED_ITEM_NAMES.join(', ')}.`);
    out.add(name as ProtectedItemName);
  }
  return out;
}

/** Refuse another model or firmware (unless allowed); before anything else is asked of the module. */
function checkMatch(qcn: QcnBackup, id: ModuleIdentity, opts: RestoreOptions): void {
  const mismatch: string[] = [];
  if (qcn.model !== id.modelNumber)
    mismatch.push(`the file is for model number ${qcn.model}, the modem is ${id.modelNumber} (${id.model})`);
  if (qcn.property.swVersion && qcn.property.swVersion !== id.firmware) {
    const what = `the file was made on firmware ${qcn.property.swVersion}, the modem runs ${id.firmware}`;
    if (opts.allowOtherFirmware)
      log(opts.onEvent, `Restoring onto other firmware of the same model, as asked: ${what}.`, 'warn');
    else mismatch.push(what);
  }
  if (mismatch.length === 0) return;
  if (!opts.force) throw new RescueError('QCN_MISMATCH', `${mismatch.join('; ')}.`);
  log(opts.onEvent, `Restoring anyway (--force): ${mismatch.join('; ')}.`, 'warn');
}

/** The whole plan: the file's entries checked, then compared with the module. No write. */
async function makePlan(
  client: DiagClient,
  qcn: QcnBackup,
  id: ModuleIdentity,
  allowed: Set<ProtectedItemName>,
  o: DeviceOptions,
): Promise<{ diff: RestoreDiff; plan: PlannedWrites }> {
  const entries = checkEntries(qcn);
  for (const bad of entries.invalid) log(o.onEvent, `${bad.label} cannot be restored: ${bad.reason}.`, 'warn');
  log(o.onEvent, `Comparing ${entries.nv.length} NV records and ${entries.files.length} files with the modem.`);
  const now = await readCurrent(client, entries.nv, entries.files, o);
  const plan = planWrites(entries, now.nv, now.files, allowed);
  for (const s of plan.skipped)
    log(
      o.onEvent,
      `Not restoring ${s.label} (${s.protectedAs}): name it with --items ${s.protectedAs} to write it.`,
      'warn',
    );
  const diff: RestoreDiff = {
    write: plan.write,
    skipped: plan.skipped,
    invalid: entries.invalid,
    same: plan.same,
    module: { model: id.model, modelNumber: id.modelNumber, firmware: id.firmware },
    file: { modelNumber: qcn.model, firmware: qcn.property.swVersion },
  };
  return { diff, plan };
}

/** Identity items need the SPC; when the module does not take it they are refused, the rest goes on. */
async function unlockIdentity(
  client: DiagClient,
  nv: QcnNvItem[],
  spc: string | undefined,
  o: DeviceOptions,
): Promise<{ nv: QcnNvItem[]; refused: RestoreProblem[] }> {
  const needs = (it: QcnNvItem): boolean => {
    const group = protectedGroupOfNv(it.id);
    return group !== undefined && SPC_GROUPS.has(group);
  };
  if (!nv.some(needs) || (await client.spc(spc ?? '000000'))) return { nv, refused: [] };
  const refused = nv.filter(needs).map((it) => ({
    label: nvLabel(it),
    reason: 'the modem did not accept the service programming code (SPC) that identity items need',
  }));
  log(
    o.onEvent,
    `The modem did not accept the SPC: ${refused.map((r) => r.label).join(', ')} will not be written; the rest will.`,
    'warn',
  );
  return { nv: nv.filter((it) => !needs(it)), refused };
}

/** Writes, read-back and reset; a session that ends half way says how to finish. */
async function writePlan(
  client: DiagClient,
  plan: PlannedWrites,
  opts: RestoreOptions,
  o: DeviceOptions,
  freshBackup: string,
): Promise<Omit<RestoreResult, 'outcome' | 'diff' | 'freshBackup'>> {
  let written = 0;
  const total = plan.nv.length + plan.files.length;
  try {
    const unlocked = await unlockIdentity(client, plan.nv, opts.spc, o);
    log(opts.onEvent, `Writing ${unlocked.nv.length} NV items and ${plan.files.length} files.`);
    const nv = await writeNv(client, unlocked.nv, o, () => written++);
    const files = await writeFiles(client, plan.files, o, () => written++);
    const check = await verifyWrites(client, nv.accepted, files.accepted, o);
    for (const f of check.failed) log(opts.onEvent, `${f.label} did not read back as written: ${f.reason}.`, 'warn');
    log(
      opts.onEvent,
      `Wrote ${written} of ${total}; ${check.verified} read back equal.${written > 0 ? ' Resetting the modem so it uses them.' : ''}`,
    );
    let reset = written > 0;
    if (reset) {
      try {
        await client.control(2);
      } catch (e) {
        reset = false;
        log(
          opts.onEvent,
          `The modem did not confirm the reset (${e instanceof Error ? e.message : String(e)}); power-cycle it to use the restored items.`,
          'warn',
        );
      }
    }
    return {
      written,
      verified: check.verified,
      refused: [...unlocked.refused, ...nv.refused, ...files.refused],
      failed: check.failed,
      reset,
    };
  } catch (e) {
    if (!(e instanceof RescueError) || e.code === 'CANCELLED') throw e;
    throw new RescueError(
      e.code,
      `${e.detail} The restore stopped after ${written} of ${total} writes; run the same restore again when the modem is back: it writes only what still differs. The state before it is saved in ${freshBackup}.`,
      { cause: e },
    );
  }
}

/** Restore a QCN onto the module on the DM port (or, with dryRun, only report the plan). */
export async function restoreQcn(opts: RestoreOptions): Promise<RestoreResult> {
  throwIfAborted(opts.signal);
  const allowed = parseAllowedItems(opts.items);
  const qcn = await loadQcnFile(opts.file, opts.signal);
  if (!opts.dryRun) {
    await mkdir(opts.backupDir, { recursive: true }).catch((e: unknown) => {
      throw new RescueError(
        'HOST_IO',
        `Cannot create the folder for the backup taken before the restore, ${opts.backupDir}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    });
  }
  const maxInFlight = Math.max(1, Math.min(64, opts.maxInFlight ?? 8));
  const o: DeviceOptions = {
    maxInFlight,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  };
  const client = await openDiagSession(opts.dm, { ...opts, maxInFlight });
  try {
    const id = await identify(client);
    checkMatch(qcn, id, opts);
    await client.efs.hello();
    const { diff, plan } = await makePlan(client, qcn, id, allowed, o);
    const none = { written: 0, verified: 0, refused: [], failed: [], reset: false };
    if (opts.dryRun) {
      log(
        opts.onEvent,
        `Dry run: ${diff.write.length} to write, ${diff.skipped.length} protected and skipped, ${diff.invalid.length} that cannot be written, ${diff.same} already equal.`,
      );
      return { outcome: 'dry run', diff, ...none };
    }
    if (diff.write.length === 0) {
      log(opts.onEvent, 'The modem already holds everything in the file that can be written; nothing written.');
      return { outcome: diff.invalid.length > 0 ? 'partly restored' : 'nothing to write', diff, ...none };
    }
    if (plan.write.some((w) => w.protectedAs === 'rfnv'))
      log(
        opts.onEvent,
        'Writing RF calibration: if this QCN came from another module, its radio will work worse than with its own calibration.',
        'warn',
      );

    // A fresh, verified backup of the current state before the first write.
    const freshBackup = join(opts.backupDir, `before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}.qcn`);
    log(opts.onEvent, `Taking a backup of the current state first: ${freshBackup}`);
    const current = await readModuleState(client, { ...o, ...(opts.nvRange ? { nvRange: opts.nvRange } : {}) });
    await saveBackup(current.backup, current.id, freshBackup);

    const done = await writePlan(client, plan, opts, o, freshBackup);
    const partly = done.refused.length > 0 || done.failed.length > 0 || diff.invalid.length > 0;
    return { outcome: partly ? 'partly restored' : 'restored', diff, ...done, freshBackup };
  } finally {
    await client.close().catch(() => undefined);
  }
}
