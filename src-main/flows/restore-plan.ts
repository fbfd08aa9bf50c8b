// The restore plan, computed in full before the first write. Pure: the file's entries are checked
// on their own (paths, sizes, indexes, contradictions), then compared with what the module holds
// now (read by the caller) to decide what is written, what is already equal, what is protected
// and left alone, and what cannot be written and why.

import { nvLabel } from '../qcn/compare.js';
import { EFS_CHUNK } from '../protocol/efs.js';
import { efsPathProblem, isItemFilePath, isRfnvPath, modulePath } from '../qcn/efs-paths.js';
import { NV_DATA_BYTES, nvKey, type QcnBackup, type QcnNvItem } from '../qcn/layout.js';

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
/** Protected groups that need the service programming code (SPC) before the module takes them. */
export const SPC_GROUPS: ReadonlySet<ProtectedItemName> = new Set(['imei', 'esn', 'meid', 'spc']);
/** DIAG carries the entry index of a multi-entry item in one byte (data[0]). */
const MAX_INDEX = 0xff;
/** An item file goes in one EFS PUT when it fits one (the EFS codec's 1024-byte bound); larger ones by open/write. */
export const PUT_MAX_BYTES = EFS_CHUNK;

export interface RestoreChange {
  kind: 'nv' | 'file';
  /** "NV 550", "NV 296[3] (SIM 1)" or the file path as the QCN spells it. */
  label: string;
  /** 'differs', 'missing on the modem', or why it cannot be written. */
  reason: string;
  /** The protected group it belongs to (written only when named). */
  protectedAs?: ProtectedItemName;
}

/** An entry the file holds that the module refused, or that read back differently: named, with the reason. */
export interface RestoreProblem {
  label: string;
  reason: string;
}

export interface FileJob {
  /** As the QCN spells it (relative paths too). */
  label: string;
  /** On the module (relative paths taken from the EFS root). */
  path: string;
  data: Uint8Array;
  /**
   * Written and read as an item file (EFS PUT/GET): provisioning and NV_Items entries, and
   * EFS_Backup entries under /nv/item_files or /nv/reg_files (QPST keeps the rfnv item files
   * there), when they fit one PUT.
   */
  asItem: boolean;
}

/** What the file holds that can be written, and what cannot (with the reason), before asking the module. */
export interface CheckedEntries {
  nv: QcnNvItem[];
  files: FileJob[];
  invalid: RestoreChange[];
}

export function protectedGroupOfNv(id: number): ProtectedItemName | undefined {
  for (const name of PROTECTED_ITEM_NAMES) if (PROTECTED_NV[name]!.includes(id)) return name;
  return undefined;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** Why an NV record cannot be written, or undefined. `entry0` is the same item's entry 0 in the file. */
function nvProblem(it: QcnNvItem, entry0: Uint8Array | undefined): string | undefined {
  if (it.data.length !== NV_DATA_BYTES) return `its record holds ${it.data.length} bytes, not ${NV_DATA_BYTES}`;
  if (it.index === 0) return undefined;
  if (it.index > MAX_INDEX) return `its index ${it.index} does not fit the one byte a DIAG write carries`;
  // A write places an entry by the index in its first byte; an item that keeps one value for every
  // index (QPST saves 4678 four times) is fine as long as every entry is the same.
  if (it.data[0] !== it.index && !(entry0 && sameBytes(entry0, it.data)))
    return `its data does not start with its index ${it.index} and differs from entry 0, so no NV write can put it at index ${it.index}`;
  return undefined;
}

function checkNv(items: QcnNvItem[], invalid: RestoreChange[]): QcnNvItem[] {
  const byKey = new Map<string, QcnNvItem[]>();
  for (const it of items) byKey.set(nvKey(it), [...(byKey.get(nvKey(it)) ?? []), it]);
  const out: QcnNvItem[] = [];
  for (const list of byKey.values()) {
    const it = list[0]!;
    const bad = (reason: string): void => void invalid.push({ kind: 'nv', label: nvLabel(it), reason });
    if (list.some((x) => !sameBytes(x.data, it.data))) {
      bad(`the file holds ${list.length} different records for it`);
      continue;
    }
    const problem = nvProblem(it, byKey.get(nvKey({ ...it, index: 0 }))?.[0]?.data);
    if (problem) bad(problem);
    else out.push(it);
  }
  return out;
}

function checkFiles(qcn: QcnBackup, invalid: RestoreChange[]): FileJob[] {
  const all: FileJob[] = [];
  const add = (label: string, data: Uint8Array, item: boolean): void => {
    const problem = efsPathProblem(label);
    if (problem) invalid.push({ kind: 'file', label, reason: problem });
    else
      all.push({
        label,
        path: modulePath(label)!,
        data,
        asItem: (item || isItemFilePath(label)) && data.length <= PUT_MAX_BYTES,
      });
  };
  for (const f of qcn.efsBackup) add(f.path, f.data, false);
  for (const f of qcn.provisioning) add(f.path, f.data, true);
  for (const f of qcn.nvItemFiles) add(f.path, f.data, true);
  const byPath = new Map<string, FileJob[]>();
  for (const f of all) byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  const out: FileJob[] = [];
  for (const list of byPath.values()) {
    if (list.some((f) => !sameBytes(f.data, list[0]!.data)))
      invalid.push({
        kind: 'file',
        label: list[0]!.label,
        reason: `the file holds it ${list.length} times with different contents (${list.map((f) => f.label).join(', ')})`,
      });
    else out.push(list[0]!);
  }
  return out;
}

/** Check every entry of the file on its own: what can be written, and what cannot with the reason. */
export function checkEntries(qcn: QcnBackup): CheckedEntries {
  const invalid: RestoreChange[] = [];
  const nv = checkNv(qcn.nvItems, invalid);
  const files = checkFiles(qcn, invalid);
  return { nv, files, invalid };
}

export interface PlannedWrites {
  /** What a restore writes (differs, and not protected or explicitly allowed). */
  write: RestoreChange[];
  /** What differs but is protected and was not named. */
  skipped: RestoreChange[];
  /** Entries already equal on the module. */
  same: number;
  nv: QcnNvItem[];
  files: FileJob[];
}

/** Compare the checked entries with the module's current values (undefined: absent or unreadable). */
export function planWrites(
  entries: CheckedEntries,
  nowNv: (Uint8Array | undefined)[],
  nowFiles: (Uint8Array | undefined)[],
  allowed: ReadonlySet<ProtectedItemName>,
): PlannedWrites {
  const plan: PlannedWrites = { write: [], skipped: [], same: 0, nv: [], files: [] };
  entries.nv.forEach((it, i) => {
    const now = nowNv[i];
    if (now && sameBytes(now, it.data)) return void plan.same++;
    const group = protectedGroupOfNv(it.id);
    const change: RestoreChange = {
      kind: 'nv',
      label: nvLabel(it),
      reason: now ? 'differs' : 'missing on the modem',
      ...(group ? { protectedAs: group } : {}),
    };
    if (group && !allowed.has(group)) plan.skipped.push(change);
    else {
      plan.write.push(change);
      plan.nv.push(it);
    }
  });
  entries.files.forEach((f, i) => {
    const now = nowFiles[i];
    if (now && sameBytes(now, f.data)) return void plan.same++;
    const group: ProtectedItemName | undefined = isRfnvPath(f.path) ? 'rfnv' : undefined;
    const change: RestoreChange = {
      kind: 'file',
      label: f.label,
      reason: now ? 'differs' : 'missing on the modem',
      ...(group ? { protectedAs: group } : {}),
    };
    if (group && !allowed.has(group)) plan.skipped.push(change);
    else {
      plan.write.push(change);
      plan.files.push(f);
    }
  });
  return plan;
}
