// What a virtual module remembers in normal mode: its NV items (per subscription context), its
// EFS2 file tree, the paths READDIR does not show, and the firmware it last booted. Created on
// first start from the model (normal-content.ts), and kept in <stateDir>/normal.json.
// A firmware update never touches it, as the update XML never erases EFS2. Every change is
// written atomically (temporary file, then rename).

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import type { ModelSpec } from './models.js';
import { nvToImei } from '../protocol/imei.js';
import {
  EFS_MAX_FILES,
  EFS_MAX_FILE_BYTES,
  EFS_MAX_TOTAL_BYTES,
  generateState,
  MULTI_ENTRY_ITEMS,
  NV_CONTEXTS,
  NV_IMEI,
  NV_ITEM_SIZE,
  NV_STATUS,
  nvDefined,
  parents,
  PROTECTED_ITEMS,
  RF_CAL_ITEMS,
  type EfsFile,
  type EfsListEntry,
  type EfsNode,
  type StateData,
} from './normal-content.js';

export * from './normal-content.js';

/** A path the module accepts: absolute, no empty, "." or ".." parts, printable, bounded. */
export function normalizeEfsPath(path: string): string | undefined {
  if (!path.startsWith('/') || path.length > 1024 || [...path].some((c) => c.charCodeAt(0) < 0x20)) return undefined;
  const parts = path.split('/').filter(Boolean);
  if (parts.some((p) => p === '.' || p === '..')) return undefined;
  return `/${parts.join('/')}`;
}

// ---------------------------------------------------------------------------------------------
// Persistence.

interface StateJson {
  format: 1;
  model: string;
  firmware: string;
  nv: Record<string, string>[];
  efs: Record<string, { data: string; mtime: number; item: boolean }>;
  dirs: string[];
  hidden: string[];
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

function toJson(model: ModelSpec, s: StateData): StateJson {
  return {
    format: 1,
    model: model.id,
    firmware: s.firmware,
    nv: s.nv.map((m) => Object.fromEntries([...m].map(([k, v]) => [k, b64(v)]))),
    efs: Object.fromEntries([...s.efs].map(([p, f]) => [p, { data: b64(f.data), mtime: f.mtime, item: f.item }])),
    dirs: [...s.dirs],
    hidden: [...s.hidden],
  };
}

function fromJson(j: unknown, file: string): StateData {
  const bad = (why: string): never => {
    throw new RescueError(
      'HOST_IO',
      `The virtual modem's state file ${file} is damaged (${why}); delete it to start from the factory state.`,
    );
  };
  if (typeof j !== 'object' || j === null) return bad('not an object');
  const o = j as Partial<StateJson>;
  if (o.format !== 1 || typeof o.firmware !== 'string') return bad('unknown format');
  if (!Array.isArray(o.nv) || o.nv.length !== NV_CONTEXTS) return bad('NV contexts');
  const nv = o.nv.map((ctx) => {
    if (typeof ctx !== 'object' || ctx === null) return bad('NV context');
    const m = new Map<string, Uint8Array>();
    for (const [k, v] of Object.entries(ctx)) {
      if (!/^\d+(:\d+)?$/.test(k) || typeof v !== 'string') return bad(`NV item ${k}`);
      const data = unb64(v);
      if (data.length !== NV_ITEM_SIZE) return bad(`NV item ${k} is not ${NV_ITEM_SIZE} bytes`);
      m.set(k, data);
    }
    return m;
  });
  const efs = new Map<string, EfsFile>();
  for (const [p, f] of Object.entries(o.efs ?? {})) {
    if (normalizeEfsPath(p) !== p || typeof f?.data !== 'string' || typeof f.mtime !== 'number')
      return bad(`EFS file ${p}`);
    efs.set(p, { data: unb64(f.data), mtime: f.mtime, item: f.item === true });
  }
  const strings = (a: unknown, what: string): string[] =>
    Array.isArray(a) && a.every((x) => typeof x === 'string') ? a : bad(what);
  return {
    firmware: o.firmware,
    nv,
    efs,
    dirs: new Set(strings(o.dirs, 'dirs')),
    hidden: new Set(strings(o.hidden, 'hidden')),
  };
}

// ---------------------------------------------------------------------------------------------

export interface NormalStateOptions {
  model: ModelSpec;
  /** Folder for normal.json; memory only when absent. */
  stateDir?: string;
}

export class NormalState {
  /** Where the state is kept (undefined: memory only). */
  readonly file: string | undefined;
  /** True when this open created the factory state (no normal.json existed). */
  readonly created: boolean;
  private readonly data: StateData;

  private constructor(
    readonly model: ModelSpec,
    data: StateData,
    file: string | undefined,
    created: boolean,
  ) {
    this.data = data;
    this.file = file;
    this.created = created;
  }

  static open(opts: NormalStateOptions): NormalState {
    if (!opts.stateDir) return new NormalState(opts.model, generateState(opts.model), undefined, true);
    const file = join(opts.stateDir, 'normal.json');
    if (existsSync(file)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new RescueError(
          'HOST_IO',
          `The virtual modem's state file ${file} cannot be read (${e instanceof Error ? e.message : String(e)}).`,
        );
      }
      return new NormalState(opts.model, fromJson(parsed, file), file, false);
    }
    mkdirSync(opts.stateDir, { recursive: true });
    const s = new NormalState(opts.model, generateState(opts.model), file, true);
    s.save();
    return s;
  }

  get firmware(): string {
    return this.data.firmware;
  }

  setFirmware(version: string): void {
    if (version === this.data.firmware) return;
    this.data.firmware = version;
    this.save();
  }

  /** NV read: the 128 data bytes and the status a module answers. */
  nvRead(id: number, context: number, index = 0): { status: number; data: Uint8Array } {
    const empty = new Uint8Array(NV_ITEM_SIZE);
    const store = this.data.nv[context];
    if (!store || !nvDefined(id)) return { status: NV_STATUS.BADPARM, data: empty };
    const entries = MULTI_ENTRY_ITEMS.get(id);
    if (entries !== undefined) {
      if (index >= entries) return { status: NV_STATUS.BADPARM, data: empty };
      const d = store.get(`${id}:${index}`);
      if (!d) {
        empty[0] = index;
        return { status: NV_STATUS.NOTACTIVE, data: empty };
      }
      return { status: NV_STATUS.DONE, data: d.slice() };
    }
    const d = store.get(String(id));
    return d ? { status: NV_STATUS.DONE, data: d.slice() } : { status: NV_STATUS.NOTACTIVE, data: empty };
  }

  /** NV write; protected identity items need `unlocked` (the SPC was accepted). */
  nvWrite(id: number, context: number, data: Uint8Array, opts: { unlocked: boolean }): number {
    const store = this.data.nv[context];
    if (!store || !nvDefined(id)) return NV_STATUS.BADPARM;
    if (PROTECTED_ITEMS.has(id) && !opts.unlocked) return NV_STATUS.READONLY;
    const d = new Uint8Array(NV_ITEM_SIZE);
    d.set(data.subarray(0, NV_ITEM_SIZE));
    const entries = MULTI_ENTRY_ITEMS.get(id);
    if (entries !== undefined) {
      if (d[0]! >= entries) return NV_STATUS.BADPARM;
      store.set(`${id}:${d[0]}`, d);
    } else store.set(String(id), d);
    this.save();
    return NV_STATUS.DONE;
  }

  /** Forget every NV item and file (tests: a module whose NV and EFS were erased, all items NOTACTIVE). */
  eraseAll(): void {
    for (const m of this.data.nv) m.clear();
    this.data.efs.clear();
    this.data.dirs = new Set(['/']);
    this.data.hidden.clear();
    this.save();
  }

  /** Delete an NV item (tests: "a modem whose NV was changed"). */
  nvErase(id: number, context = 0): void {
    if (this.data.nv[context]?.delete(String(id))) this.save();
  }

  /** Ids that answer DONE in a context (multi-entry items once), sorted. */
  nvIds(context = 0): number[] {
    const ids = new Set<number>();
    for (const k of this.data.nv[context]?.keys() ?? []) ids.add(Number(k.split(':')[0]));
    return [...ids].sort((a, b) => a - b);
  }

  imei(context = 0): string | undefined {
    const d = this.data.nv[context]?.get(String(NV_IMEI));
    return d ? nvToImei(d) : undefined;
  }

  /** RF calibration present: the NV items and at least one rfnv file. Without it: +CFUN: 5. */
  hasRfCalibration(): boolean {
    const nv = this.data.nv[0]!;
    if (!RF_CAL_ITEMS.every((id) => nv.has(String(id)))) return false;
    for (const p of this.data.efs.keys()) if (p.startsWith('/nv/item_files/rfnv/')) return true;
    return false;
  }

  // --- EFS ---

  stat(path: string): EfsNode | undefined {
    const p = normalizeEfsPath(path);
    if (p === undefined) return undefined;
    const f = this.data.efs.get(p);
    if (f) return { kind: 'file', file: f };
    return this.data.dirs.has(p) ? { kind: 'dir' } : undefined;
  }

  readFile(path: string): Uint8Array | undefined {
    const p = normalizeEfsPath(path);
    return p === undefined ? undefined : this.data.efs.get(p)?.data;
  }

  /** Create or replace a file (folders created as needed when autodir). Returns an errno (0 = ok). */
  writeFile(path: string, data: Uint8Array, opts: { item?: boolean; autodir?: boolean; mtime?: number } = {}): number {
    const p = normalizeEfsPath(path);
    if (p === undefined || p === '/') return ERRNO.EINVAL;
    if (this.data.dirs.has(p)) return ERRNO.EISDIR;
    if (data.length > EFS_MAX_FILE_BYTES) return ERRNO.EFBIG;
    if (!this.data.efs.has(p) && this.data.efs.size >= EFS_MAX_FILES) return ERRNO.ENOSPC;
    let total = data.length;
    for (const [q, f] of this.data.efs) if (q !== p) total += f.data.length;
    if (total > EFS_MAX_TOTAL_BYTES) return ERRNO.ENOSPC;
    const ups = parents(p);
    for (const d of ups) {
      if (this.data.efs.has(d)) return ERRNO.ENOTDIR;
      if (!this.data.dirs.has(d) && !opts.autodir) return ERRNO.ENOENT;
    }
    for (const d of ups) this.data.dirs.add(d);
    const isItem = opts.item ?? (p.startsWith('/nv/item_files/') || p.startsWith('/nv/reg_files/'));
    this.data.efs.set(p, { data: data.slice(), mtime: opts.mtime ?? Math.floor(Date.now() / 1000), item: isItem });
    this.save();
    return 0;
  }

  /** Remove a file (tests: lose calibration). */
  removeFile(path: string): boolean {
    const p = normalizeEfsPath(path);
    if (p === undefined || !this.data.efs.delete(p)) return false;
    this.save();
    return true;
  }

  isHidden(path: string): boolean {
    const p = normalizeEfsPath(path);
    return p !== undefined && this.data.hidden.has(p);
  }

  /** Every file path, hidden ones included, sorted. */
  allFiles(): string[] {
    return [...this.data.efs.keys()].sort();
  }

  /** The entries READDIR shows in a folder (hidden paths left out), sorted by name; undefined if no such folder. */
  list(dir: string): EfsListEntry[] | undefined {
    const d = normalizeEfsPath(dir);
    if (d === undefined || !this.data.dirs.has(d)) return undefined;
    const prefix = d === '/' ? '/' : `${d}/`;
    const out = new Map<string, EfsListEntry>();
    for (const sub of this.data.dirs) {
      if (sub === d || !sub.startsWith(prefix)) continue;
      const name = sub.slice(prefix.length);
      if (!name.includes('/')) out.set(name, { name, kind: 'dir', size: 0, mtime: 0 });
    }
    for (const [p, f] of this.data.efs) {
      if (!p.startsWith(prefix) || this.data.hidden.has(p)) continue;
      const name = p.slice(prefix.length);
      if (!name.includes('/'))
        out.set(name, { name, kind: f.item ? 'item' : 'file', size: f.data.length, mtime: f.mtime });
    }
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Write normal.json atomically (no-op for a memory-only state). */
  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(toJson(this.model, this.data)));
    renameSync(tmp, this.file);
  }
}

/** EFS2 errno values (Linux numbering, as the module uses). */
export const ERRNO = {
  ENOENT: 2,
  EBADF: 9,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  ENAMETOOLONG: 36,
} as const;
