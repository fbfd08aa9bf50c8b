// What a virtual module remembers in normal mode: its NV items (per subscription context), its
// EFS2 file tree (item files, rfnv calibration, policy files), the paths READDIR does not show,
// and the firmware it last booted. Created on first start from the model, deterministically (the
// model's serial is the seed, so tests can predict every item), and kept in <stateDir>/normal.json.
// A firmware update never touches it, as the update XML never erases EFS2. Every change is
// written atomically (temporary file, then rename).

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { NV_STATUS } from '../protocol/diag.js';
import type { ModelSpec } from './models.js';
import { fillPseudoRandom } from './programmer-image.js';
import { imeiToNv, luhnDigit, nvToImei } from '../protocol/imei.js';

export const NV_ITEM_SIZE = 128;
export const NV_ESN = 0;
export const NV_IMEI = 550;
export const NV_MEID = 1943;
/** Identity items: READONLY to NV_WRITE until the SPC was accepted in the current DIAG session. */
export const PROTECTED_ITEMS: ReadonlySet<number> = new Set([NV_ESN, NV_IMEI, NV_MEID]);
/** RF calibration NV items, unique to each module. */
export const RF_CAL_ITEMS: readonly number[] = [569, 570, 571, 2497, 2498, 2499, 2500];
/** Highest NV id the firmware defines; above it every id answers BADPARM. */
export const NV_MAX_DEFINED = 7232;
/**
 * Multi-entry items (id -> number of entries): the index travels in data[0] of a read or write,
 * and each entry's data starts with its index. 1014 (NV_SMS_GW_SERVICE_TABLE_I, u8 index first)
 * holds entries 0-5 as in a real QPST backup (koyuyesil/Nebula-QCN-MCDF-Analyser,
 * sources/Test/TestFiles/sunny-EFS-Backups-20210724120944-MP-1.91.0/00000000_0.xqcn).
 */
export const MULTI_ENTRY_ITEMS: ReadonlyMap<number, number> = new Map([
  [57, 100],
  [259, 4],
  [296, 8],
  [1014, 16],
]);
/**
 * An item QPST saves once per index (0-3) although the module keeps one value and ignores the
 * index: the same real backups hold four identical records of NV 4678 whose data[0] is not the index.
 */
export const NV_SAME_FOR_EVERY_INDEX = 4678;
/**
 * NV_FORCE_UE_MSCR_R99_I: one uint8 (vtsingaras/orct samples/NvDefinition.xml), a single record
 * holding 2 in the same real backups. (Earlier versions of this model made it a multi-entry item.)
 */
const NV_FORCE_UE_MSCR_R99 = 1031;
/** Files QPST reads by a root-relative name (pdp_profiles/...): this module has two of them. */
const PDP_PROFILE_FILES = ['/pdp_profiles/ap_embd_call_prof_num_Subscription01', '/pdp_profiles/embedded_call_prof_num_Subscription01'];
/** Contexts (subscriptions) this module has: 0 default, 1 SIM 1. */
export const NV_CONTEXTS = 2;
/** First id of the rfnv item files (/nv/item_files/rfnv/000NNNNN). */
export const RFNV_FIRST_ID = 20000;
/** Item files READDIR does not list: a backup has to ask for them by path. */
export const HIDDEN_PATHS: readonly string[] = [
  '/nv/item_files/modem/mmode/ue_usage_setting',
  '/nv/item_files/ims/IMS_enable',
  '/policyman/carrier_policy.xml',
  '/nv/item_files/modem/mmode/sms_domain_pref',
];
/** Largest EFS file the module holds (bounds what a host can make it store). */
export const EFS_MAX_FILE_BYTES = 1024 * 1024;
/** Limits on files and bytes, so a runaway host cannot grow the state without bound (ENOSPC). */
export const EFS_MAX_FILES = 4096;
export const EFS_MAX_TOTAL_BYTES = 16 * 1024 * 1024;

export interface EfsFile {
  data: Uint8Array;
  /** Seconds since the epoch. */
  mtime: number;
  /** An item file (made by PUT or living under /nv/item_files or /nv/reg_files). */
  item: boolean;
}

export type EfsNode = { kind: 'file'; file: EfsFile } | { kind: 'dir' };

export interface EfsListEntry {
  name: string;
  kind: 'file' | 'dir' | 'item';
  size: number;
  mtime: number;
}

export { NV_STATUS };

// ---------------------------------------------------------------------------------------------
/** The module's IMEIs: a Quectel-like TAC, the serial as serial number, Luhn check digit. */
export function modelImeis(model: ModelSpec): [string, string] {
  const snr = model.serial % 999_999;
  const make = (n: number): string => {
    const first14 = `86153603${String(n).padStart(6, '0')}`;
    return first14 + String(luhnDigit(first14));
  };
  return [make(snr), make(snr + 1)];
}

// ---------------------------------------------------------------------------------------------
// Deterministic content.

function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function item(seed: number, used: number): Uint8Array {
  const out = new Uint8Array(NV_ITEM_SIZE);
  fillPseudoRandom(out.subarray(0, Math.max(1, Math.min(NV_ITEM_SIZE, used))), seed);
  return out;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Whether the firmware defines an item id (undefined ids answer BADPARM). */
export function nvDefined(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= NV_MAX_DEFINED && id % 97 !== 13;
}

export interface StateData {
  firmware: string;
  /** Per context: key "id" or "id:index" (multi-entry) -> 128 bytes. */
  nv: Map<string, Uint8Array>[];
  efs: Map<string, EfsFile>;
  dirs: Set<string>;
  hidden: Set<string>;
}

/** What a module of this model holds when it leaves the factory. */
export function generateState(model: ModelSpec): StateData {
  const rand = rng(model.serial);
  const seedOf = (n: number): number => (model.serial * 31 + n * 2654435761) >>> 0;
  const nv0 = new Map<string, Uint8Array>();
  const nv1 = new Map<string, Uint8Array>();
  const [imei1, imei2] = modelImeis(model);
  const esn = new Uint8Array(NV_ITEM_SIZE);
  new DataView(esn.buffer).setUint32(0, model.serial >>> 0, true);
  nv0.set(String(NV_ESN), esn);
  const meid = new Uint8Array(NV_ITEM_SIZE);
  new DataView(meid.buffer).setBigUint64(0, 0xa1000000000000n + BigInt(model.serial), true);
  nv0.set(String(NV_MEID), meid);
  nv0.set(String(NV_IMEI), imeiToNv(imei1));
  nv1.set(String(NV_IMEI), imeiToNv(imei2));
  for (const id of RF_CAL_ITEMS) nv0.set(String(id), item(seedOf(id), NV_ITEM_SIZE));
  // A few hundred configuration items spread over the id space, some mostly zero.
  let placed = 0;
  for (let guard = 0; placed < 320 && guard < 100_000; guard++) {
    const id = Math.floor(rand() * 7500);
    if (!nvDefined(id) || nv0.has(String(id)) || MULTI_ENTRY_ITEMS.has(id) || id === NV_FORCE_UE_MSCR_R99 || PROTECTED_ITEMS.has(id)) continue;
    nv0.set(String(id), item(seedOf(id), 1 + Math.floor(rand() * (rand() < 0.5 ? 8 : NV_ITEM_SIZE))));
    placed++;
  }
  // Multi-entry items: every entry written, except the speed dial list (57) with three of its 100
  // and the SMS service table (1014) with six of its 16.
  for (const [id, entries] of MULTI_ENTRY_ITEMS) {
    for (let i = 0; i < (id === 57 ? 3 : id === 1014 ? 6 : entries); i++) {
      const d = item(seedOf(id * 16 + i), 24);
      d[0] = i;
      nv0.set(`${id}:${i}`, d);
    }
  }
  nv0.set(String(NV_FORCE_UE_MSCR_R99), Uint8Array.from({ length: NV_ITEM_SIZE }, (_, i) => (i === 0 ? 2 : 0)));
  const same = item(seedOf(NV_SAME_FOR_EVERY_INDEX), 6);
  same[0] = 0x34;
  nv0.set(String(NV_SAME_FOR_EVERY_INDEX), same);
  // Subscription 1 carries its own copy of a few per-SIM items.
  for (const id of [10, 441, 946, 1877, 4204, 6828]) nv1.set(String(id), item(seedOf(id + 100_000), 6));

  const mtime = 1_600_000_000 + (model.serial % 10_000_000);
  const efs = new Map<string, EfsFile>();
  const put = (path: string, data: Uint8Array, isItem = true): void => {
    efs.set(path, { data, mtime, item: isItem });
  };
  for (let i = 0, id = RFNV_FIRST_ID; i < 36; i++) {
    id += 1 + Math.floor(rand() * 5);
    const size = 16 + Math.floor(rand() * 700);
    const data = new Uint8Array(size);
    fillPseudoRandom(data, seedOf(id));
    put(`/nv/item_files/rfnv/${String(id).padStart(8, '0')}`, data);
  }
  const small = (n: number, len: number): Uint8Array => item(seedOf(n), len).subarray(0, len);
  put('/nv/item_files/modem/mmode/ue_usage_setting', Uint8Array.of(1));
  put('/nv/item_files/modem/mmode/sms_domain_pref', Uint8Array.of(0));
  put('/nv/item_files/modem/mmode/voice_domain_pref', Uint8Array.of(1));
  put('/nv/item_files/modem/mmode/voice_domain_pref_Subscription01', Uint8Array.of(1));
  put('/nv/item_files/modem/mmode/lte_disable_duration', small(1, 4));
  put('/nv/item_files/modem/nas/lte_nas_ue_sec_capability', small(2, 8));
  put('/nv/item_files/modem/nas/sglte_nas_nv_config', small(3, 6));
  put('/nv/item_files/modem/nas/sglte_nas_nv_config_Subscription01', small(3, 6));
  put('/nv/item_files/modem/uim/gstk/feature_bmsk', small(4, 4));
  put('/nv/item_files/modem/lte/rrc/efs/lte_rrc_ue_category', Uint8Array.of(4));
  put('/nv/item_files/modem/lte/rrc/efs/lte_rrc_ue_category_Subscription01', Uint8Array.of(4));
  put('/nv/item_files/modem/data/3gpp/ps/ds_3gpp_auto_attach', Uint8Array.of(1));
  put('/nv/item_files/ims/IMS_enable', Uint8Array.of(0));
  put('/nv/item_files/ims/qp_ims_sms_config', small(5, 12));
  put('/nv/item_files/ims/qp_ims_sms_config_Subscription01', small(5, 12));
  put('/nv/item_files/conf/mmode.conf', text('/nv/item_files/modem/mmode/ue_usage_setting\n/nv/item_files/modem/mmode/sms_domain_pref\n/nv/item_files/modem/mmode/voice_domain_pref\n'), false);
  put('/nv/item_files/conf/ims.conf', text('/nv/item_files/ims/IMS_enable\n/nv/item_files/ims/qp_ims_sms_config\n'), false);
  put('/nv/reg_files/modem/lte/ML1/cdrx_config', small(6, 20));
  put('/nv/reg_files/modem/nas/lte_bands_Subscription01', small(7, 16));
  put('/policyman/device_config.xml', text('<?xml version="1.0"?>\n<policy name="device_config" enabled="true">\n  <initial><config primary="C H G W L" /></initial>\n</policy>\n'), false);
  put('/policyman/carrier_policy.xml', text('<?xml version="1.0"?>\n<policy name="carrier_policy" enabled="true">\n  <initial><rat_capability base="none"><include>L W G</include></rat_capability></initial>\n</policy>\n'), false);
  put('/policyman/post.xml', text('<?xml version="1.0"?>\n<policy name="post" enabled="false"/>\n'), false);
  put('/sd/rat_acq_order', small(8, 10), false);
  for (const [i, p] of PDP_PROFILE_FILES.entries()) put(p, Uint8Array.of(i + 1), false);
  const dirs = new Set<string>(['/', '/data', '/sys']);
  for (const p of efs.keys()) for (const d of parents(p)) dirs.add(d);
  return { firmware: model.firmware, nv: [nv0, nv1], efs, dirs, hidden: new Set(HIDDEN_PATHS) };
}

/** Every folder above a path, "/" included. */
function parents(path: string): string[] {
  const out = ['/'];
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) out.push(`/${parts.slice(0, i).join('/')}`);
  return out;
}

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
    throw new RescueError('HOST_IO', `The virtual modem's state file ${file} is damaged (${why}); delete it to start from the factory state.`);
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
    if (normalizeEfsPath(p) !== p || typeof f?.data !== 'string' || typeof f.mtime !== 'number') return bad(`EFS file ${p}`);
    efs.set(p, { data: unb64(f.data), mtime: f.mtime, item: f.item === true });
  }
  const strings = (a: unknown, what: string): string[] => (Array.isArray(a) && a.every((x) => typeof x === 'string') ? a : bad(what));
  return { firmware: o.firmware, nv, efs, dirs: new Set(strings(o.dirs, 'dirs')), hidden: new Set(strings(o.hidden, 'hidden')) };
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
        throw new RescueError('HOST_IO', `The virtual modem's state file ${file} cannot be read (${e instanceof Error ? e.message : String(e)}).`);
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
      if (!name.includes('/')) out.set(name, { name, kind: f.item ? 'item' : 'file', size: f.data.length, mtime: f.mtime });
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
export const ERRNO = { ENOENT: 2, EBADF: 9, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, EMFILE: 24, EFBIG: 27, ENOSPC: 28, ENAMETOOLONG: 36 } as const;
