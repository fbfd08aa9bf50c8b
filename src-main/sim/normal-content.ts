// What a virtual module holds in normal mode when it is new: the firmware's NV items (which ids
// exist, which are protected, multi-entry or calibration), its EFS2 file tree (item files, rfnv
// calibration, policy files) and the paths READDIR does not show, generated from the model
// deterministically (the model's serial is the seed, so tests can predict every item).
// normal-state.ts keeps and changes it.

import { NV_STATUS } from '../protocol/diag.js';
import { imeiToNv, luhnDigit } from '../protocol/imei.js';
import type { ModelSpec } from './models.js';
import { fillPseudoRandom } from './programmer-image.js';

export { NV_STATUS };

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
const PDP_PROFILE_FILES = [
  '/pdp_profiles/ap_embd_call_prof_num_Subscription01',
  '/pdp_profiles/embedded_call_prof_num_Subscription01',
];
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
/** Where the content's randomness comes from: one sequence (NV first, then EFS) and a seed per item. */
interface Seeds {
  rand: () => number;
  seedOf: (n: number) => number;
}

export function generateState(model: ModelSpec): StateData {
  const seeds: Seeds = { rand: rng(model.serial), seedOf: (n) => (model.serial * 31 + n * 2654435761) >>> 0 };
  const [nv0, nv1] = generateNv(model, seeds);
  const efs = generateEfs(model, seeds);
  const dirs = new Set<string>(['/', '/data', '/sys']);
  for (const p of efs.keys()) for (const d of parents(p)) dirs.add(d);
  return { firmware: model.firmware, nv: [nv0, nv1], efs, dirs, hidden: new Set(HIDDEN_PATHS) };
}

/** The NV items of both subscriptions: identity, calibration, configuration, multi-entry items. */
function generateNv(model: ModelSpec, { rand, seedOf }: Seeds): [Map<string, Uint8Array>, Map<string, Uint8Array>] {
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
    if (
      !nvDefined(id) ||
      nv0.has(String(id)) ||
      MULTI_ENTRY_ITEMS.has(id) ||
      id === NV_FORCE_UE_MSCR_R99 ||
      PROTECTED_ITEMS.has(id)
    )
      continue;
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
  nv0.set(
    String(NV_FORCE_UE_MSCR_R99),
    Uint8Array.from({ length: NV_ITEM_SIZE }, (_, i) => (i === 0 ? 2 : 0)),
  );
  const same = item(seedOf(NV_SAME_FOR_EVERY_INDEX), 6);
  same[0] = 0x34;
  nv0.set(String(NV_SAME_FOR_EVERY_INDEX), same);
  // Subscription 1 carries its own copy of a few per-SIM items.
  for (const id of [10, 441, 946, 1877, 4204, 6828]) nv1.set(String(id), item(seedOf(id + 100_000), 6));
  return [nv0, nv1];
}

/** The EFS2 files: rfnv calibration, item files, their .conf lists, policy files, PDP profiles. */
function generateEfs(model: ModelSpec, { rand, seedOf }: Seeds): Map<string, EfsFile> {
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
  put(
    '/nv/item_files/conf/mmode.conf',
    text(
      '/nv/item_files/modem/mmode/ue_usage_setting\n/nv/item_files/modem/mmode/sms_domain_pref\n/nv/item_files/modem/mmode/voice_domain_pref\n',
    ),
    false,
  );
  put(
    '/nv/item_files/conf/ims.conf',
    text('/nv/item_files/ims/IMS_enable\n/nv/item_files/ims/qp_ims_sms_config\n'),
    false,
  );
  put('/nv/reg_files/modem/lte/ML1/cdrx_config', small(6, 20));
  put('/nv/reg_files/modem/nas/lte_bands_Subscription01', small(7, 16));
  put(
    '/policyman/device_config.xml',
    text(
      '<?xml version="1.0"?>\n<policy name="device_config" enabled="true">\n  <initial><config primary="C H G W L" /></initial>\n</policy>\n',
    ),
    false,
  );
  put(
    '/policyman/carrier_policy.xml',
    text(
      '<?xml version="1.0"?>\n<policy name="carrier_policy" enabled="true">\n  <initial><rat_capability base="none"><include>L W G</include></rat_capability></initial>\n</policy>\n',
    ),
    false,
  );
  put('/policyman/post.xml', text('<?xml version="1.0"?>\n<policy name="post" enabled="false"/>\n'), false);
  put('/sd/rat_acq_order', small(8, 10), false);
  for (const [i, p] of PDP_PROFILE_FILES.entries()) put(p, Uint8Array.of(i + 1), false);
  return efs;
}

/** Every folder above a path, "/" included. */
export function parents(path: string): string[] {
  const out = ['/'];
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) out.push(`/${parts.slice(0, i).join('/')}`);
  return out;
}
