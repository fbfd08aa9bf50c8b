// Two QCN backups compared record by record, index by index, file by file and storage by storage.
// Pure. Used to verify a backup file against what was read, and to check that a restore followed
// by a backup gives the same QCN back.

import { nvKey, type QcnBackup, type QcnNvItem } from './layout.js';

const STORAGES = [
  ['efsBackup', 'EFS_Backup'],
  ['provisioning', 'Provisioning_Item_Files'],
  ['nvItemFiles', 'NV_Items'],
] as const;

export interface CompareOptions {
  /** Compare the EFS_Backup modification times too (a restore cannot set them: off by default). */
  mtimes?: boolean;
  /** Compare Mobile_Property_Info and Feature_Mask (on by default). */
  property?: boolean;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  );
}

/** "NV 550", "NV 1014[5]", "NV 10 (SIM 1)". */
export function nvLabel(it: { id: number; index: number; context: number }): string {
  return `NV ${it.id}${it.index ? `[${it.index}]` : ''}${it.context ? ` (SIM ${it.context})` : ''}`;
}

function compareNv(a: QcnNvItem[], b: QcnNvItem[], out: string[]): void {
  const group = (items: QcnNvItem[]): Map<string, QcnNvItem[]> => {
    const m = new Map<string, QcnNvItem[]>();
    for (const it of items) m.set(nvKey(it), [...(m.get(nvKey(it)) ?? []), it]);
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  for (const [k, list] of ga) {
    const other = gb.get(k);
    const label = nvLabel(list[0]!);
    if (!other) out.push(`${label} is missing`);
    else if (other.length !== list.length) out.push(`${label} has ${other.length} records instead of ${list.length}`);
    else if (list.some((it, i) => !sameBytes(it.data, other[i]!.data))) out.push(`${label} differs`);
  }
  for (const [k, list] of gb) if (!ga.has(k)) out.push(`${nvLabel(list[0]!)} is extra`);
}

function compareFiles(a: QcnBackup, b: QcnBackup, opts: CompareOptions, out: string[]): void {
  const where = new Map<string, string>();
  for (const [key, name] of STORAGES) for (const f of b[key]) where.set(f.path, name);
  const expectedPaths = new Set<string>(STORAGES.flatMap(([key]) => a[key].map((f) => f.path)));
  for (const [key, name] of STORAGES) {
    const mine = new Map<string, { data: Uint8Array; mtime?: number }>(a[key].map((f) => [f.path, f]));
    const theirs = new Map<string, { data: Uint8Array; mtime?: number }>(b[key].map((f) => [f.path, f]));
    if (mine.size !== a[key].length) out.push(`${name} names a file twice`);
    for (const [path, f] of mine) {
      const t = theirs.get(path);
      if (!t)
        out.push(
          where.has(path) ? `${path} is in ${where.get(path)!} instead of ${name}` : `${path} is missing from ${name}`,
        );
      else if (!sameBytes(t.data, f.data)) out.push(`${path} (${name}) differs`);
      else if (opts.mtimes && t.mtime !== f.mtime) out.push(`${path} (${name}) has another modification time`);
    }
    for (const path of theirs.keys()) if (!expectedPaths.has(path)) out.push(`${path} is extra in ${name}`);
  }
}

/** Every difference of `actual` from `expected` (empty: the same backup). */
export function compareQcn(expected: QcnBackup, actual: QcnBackup, opts: CompareOptions = {}): string[] {
  const out: string[] = [];
  if (expected.model !== actual.model) out.push(`model ${actual.model} instead of ${expected.model}`);
  compareNv(expected.nvItems, actual.nvItems, out);
  compareFiles(expected, actual, opts, out);
  if (opts.property !== false) {
    if (!sameBytes(expected.featureMask, actual.featureMask)) out.push('Feature_Mask differs');
    if (expected.property.swVersion !== actual.property.swVersion) out.push('Mobile_Property_Info differs');
  }
  return out;
}

/** A short sentence listing the first few differences. */
export function summarizeDifferences(problems: string[], max = 5): string {
  return `${problems.slice(0, max).join(', ')}${problems.length > max ? ` and ${problems.length - max} more` : ''}`;
}
