// The QCN backup layout (what QPST/QFIL write) on top of the compound file container: a typed
// model, and the conversion to and from the stream tree. See diag-nv-qcn.md for the layout.
//
// Written as QPST 2.7.0.496 writes a full backup (seen in the public test files of
// koyuyesil/Nebula-QCN-MCDF-Analyser, sources/Test/TestFiles/*/00000000_0.qcn): under the root
// File_Version then the model storage; under "default" NV_NUMBERED_ITEMS (NV_ITEM_ARRAY,
// NV_ITEM_ARRAY_SIM_1, NV_ITEM_ARRAY_SIM_2, the last two present even when empty),
// Mobile_Property_Info, Feature_Mask, EFS_Backup, Provisioning_Item_Files, NV_Items; creation and
// modification times on the storages, a modification time on the root.

import { RescueError } from '../../shared/errors.js';
import { fromFiletime, toFiletime, type CfbNode, type CfbStorage, type CfbStream } from './cfb.js';
import { readCfb } from './cfb-reader.js';
import { writeCfb } from './cfb-writer.js';

export const NV_RECORD_BYTES = 136;
export const NV_DATA_BYTES = 128;

export interface QcnNvItem {
  id: number;
  /** Entry index of a multi-entry item (0 otherwise). */
  index: number;
  /** 128 bytes. */
  data: Uint8Array;
  /** 0 = default (NV_ITEM_ARRAY), 1 = subscription 1 (NV_ITEM_ARRAY_SIM_1), 2 = subscription 2 (NV_ITEM_ARRAY_SIM_2). */
  context: NvContext;
}
export type NvContext = 0 | 1 | 2;
/** The NV record stream of each context. */
export const NV_ARRAY_STREAMS: readonly [string, string, string] = [
  'NV_ITEM_ARRAY',
  'NV_ITEM_ARRAY_SIM_1',
  'NV_ITEM_ARRAY_SIM_2',
];
export interface QcnEfsBackupFile {
  path: string;
  mtime: number;
  data: Uint8Array;
}
export interface QcnFile {
  path: string;
  data: Uint8Array;
}
export interface QcnProperty {
  esn: number;
  model: number;
  nvMajor: number;
  nvMinor: number;
  swVersion: string;
  tool: string;
}
export interface QcnBackup {
  /** Model number (the storage name, %08d). */
  model: number;
  nvItems: QcnNvItem[];
  efsBackup: QcnEfsBackupFile[];
  provisioning: QcnFile[];
  nvItemFiles: QcnFile[];
  property: QcnProperty;
  featureMask: Uint8Array;
  /** When the backup was started and finished (the storages' times); absent: not recorded. */
  times?: { created: Date; modified: Date };
}

const EFS_BACKUP_PREFIX = [0x01, 0x00, 0x01, 0x01];
const MAX_PATH = 1024;
const MAX_STRING = 4096;

function corrupt(what: string): RescueError {
  return new RescueError('QCN_CORRUPT', `The QCN file is damaged: ${what}.`);
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const bytesOf = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');

function stream(name: string, data: Uint8Array): CfbStream {
  return { kind: 'stream', name, data };
}
function storage(name: string, children: CfbNode[], times?: { created: bigint; modified: bigint }): CfbStorage {
  return { kind: 'storage', name, children, ...(times ? { created: times.created, modified: times.modified } : {}) };
}

function encodeNvArray(items: QcnNvItem[]): Uint8Array {
  const out = new Uint8Array(items.length * NV_RECORD_BYTES);
  const dv = new DataView(out.buffer);
  items.forEach((it, i) => {
    const o = i * NV_RECORD_BYTES;
    dv.setUint16(o, NV_RECORD_BYTES, true);
    dv.setUint16(o + 2, 1, true);
    dv.setUint16(o + 4, it.id, true);
    dv.setUint16(o + 6, it.index, true);
    out.set(it.data.subarray(0, NV_DATA_BYTES), o + 8);
  });
  return out;
}

function decodeNvArray(data: Uint8Array, context: NvContext, name: string): QcnNvItem[] {
  if (data.length % NV_RECORD_BYTES !== 0)
    throw corrupt(`${name} is ${data.length} bytes, not a whole number of 136-byte records`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const items: QcnNvItem[] = [];
  for (let o = 0; o < data.length; o += NV_RECORD_BYTES) {
    if (dv.getUint16(o, true) !== NV_RECORD_BYTES)
      throw corrupt(`record ${o / NV_RECORD_BYTES} of ${name} does not start with its length 0x0088`);
    items.push({
      id: dv.getUint16(o + 4, true),
      index: dv.getUint16(o + 6, true),
      data: data.slice(o + 8, o + NV_RECORD_BYTES),
      context,
    });
  }
  return items;
}

/** EFS_Dir/EFS_Data pairs, numbered %08X from 0. */
function filePairs(
  name: string,
  files: { dir: Uint8Array; data: Uint8Array }[],
  t?: { created: bigint; modified: bigint },
): CfbStorage {
  return storage(
    name,
    [
      storage(
        'EFS_Dir',
        files.map((f, i) => stream(hex8(i), f.dir)),
        t,
      ),
      storage(
        'EFS_Data',
        files.map((f, i) => stream(hex8(i), f.data)),
        t,
      ),
    ],
    t,
  );
}

function encodeProperty(p: QcnProperty): Uint8Array {
  const sw = bytesOf(p.swVersion).subarray(0, MAX_STRING);
  const tool = bytesOf(p.tool).subarray(0, MAX_STRING);
  const out = new Uint8Array(8 + 2 + sw.length + 2 + tool.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, p.esn >>> 0, true);
  dv.setUint16(4, p.model, true);
  dv.setUint8(6, p.nvMajor);
  dv.setUint8(7, p.nvMinor);
  dv.setUint16(8, sw.length, true);
  out.set(sw, 10);
  dv.setUint16(10 + sw.length, tool.length, true);
  out.set(tool, 12 + sw.length);
  return out;
}

function decodeProperty(b: Uint8Array): QcnProperty {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 10) throw corrupt(`Mobile_Property_Info is only ${b.length} bytes`);
  const swLen = dv.getUint16(8, true);
  if (10 + swLen > b.length)
    throw corrupt(`Mobile_Property_Info declares a ${swLen}-byte version string in ${b.length} bytes`);
  let tool = '';
  if (12 + swLen <= b.length) {
    const toolLen = dv.getUint16(10 + swLen, true);
    if (12 + swLen + toolLen > b.length)
      throw corrupt(`Mobile_Property_Info declares a ${toolLen}-byte tool string past its end`);
    tool = latin1(b.subarray(12 + swLen, 12 + swLen + toolLen));
  }
  return {
    esn: dv.getUint32(0, true),
    model: dv.getUint16(4, true),
    nvMajor: dv.getUint8(6),
    nvMinor: dv.getUint8(7),
    swVersion: latin1(b.subarray(10, 10 + swLen)),
    tool,
  };
}

function checkWritable(b: QcnBackup): void {
  if (!Number.isInteger(b.model) || b.model < 0 || b.model > 99_999_999)
    throw new RescueError('INTERNAL', `Model number ${b.model} cannot name a QCN storage.`);
  const u16 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff;
  for (const it of b.nvItems) {
    if (!u16(it.id) || !u16(it.index) || it.data.length !== NV_DATA_BYTES || ![0, 1, 2].includes(it.context))
      throw new RescueError(
        'INTERNAL',
        `NV item ${it.id}/${it.index} (context ${it.context}) cannot be stored (${it.data.length} bytes).`,
      );
  }
}

function efsBackupDir(f: QcnEfsBackupFile): Uint8Array {
  const path = bytesOf(f.path);
  const dir = new Uint8Array(8 + path.length);
  dir.set(EFS_BACKUP_PREFIX, 0);
  new DataView(dir.buffer).setUint32(4, f.mtime >>> 0, true);
  dir.set(path, 8);
  return dir;
}

/** The stream tree of a backup, exactly as QPST lays it out. */
export function qcnToTree(b: QcnBackup): CfbStorage {
  checkWritable(b);
  const t = b.times ? { created: toFiletime(b.times.created), modified: toFiletime(b.times.modified) } : undefined;
  const mask = new Uint8Array(2 + b.featureMask.length);
  new DataView(mask.buffer).setUint16(0, b.featureMask.length, true);
  mask.set(b.featureMask, 2);
  const arrays = NV_ARRAY_STREAMS.map((name, ctx) =>
    stream(name, encodeNvArray(b.nvItems.filter((i) => i.context === ctx))),
  );
  const defaults = storage(
    'default',
    [
      storage('NV_NUMBERED_ITEMS', arrays, t),
      stream('Mobile_Property_Info', encodeProperty(b.property)),
      stream('Feature_Mask', mask),
      filePairs(
        'EFS_Backup',
        b.efsBackup.map((f) => ({ dir: efsBackupDir(f), data: f.data })),
        t,
      ),
      filePairs(
        'Provisioning_Item_Files',
        b.provisioning.map((f) => ({ dir: bytesOf(`${f.path}\0`), data: f.data })),
        t,
      ),
      filePairs(
        'NV_Items',
        b.nvItemFiles.map((f) => ({ dir: bytesOf(f.path), data: f.data })),
        t,
      ),
    ],
    t,
  );
  const root: CfbStorage = {
    kind: 'storage',
    name: 'Root Entry',
    children: [
      stream('File_Version', new Uint8Array([2, 0, 0, 0, 0, 0])),
      storage(String(b.model).padStart(8, '0'), [defaults], t),
    ],
  };
  if (t) root.modified = t.modified;
  return root;
}

function child(s: CfbStorage | undefined, name: string): CfbNode | undefined {
  return s?.children.find((c) => c.name.toUpperCase() === name.toUpperCase());
}
function childStorage(s: CfbStorage | undefined, name: string): CfbStorage | undefined {
  const c = child(s, name);
  return c?.kind === 'storage' ? c : undefined;
}
function childStream(s: CfbStorage | undefined, name: string): Uint8Array | undefined {
  const c = child(s, name);
  return c?.kind === 'stream' ? c.data : undefined;
}

function readPairs(s: CfbStorage | undefined, where: string): { dir: Uint8Array; data: Uint8Array }[] {
  if (!s) return [];
  const dirs = childStorage(s, 'EFS_Dir');
  const datas = childStorage(s, 'EFS_Data');
  const out: { dir: Uint8Array; data: Uint8Array }[] = [];
  // One table instead of a scan per entry (a QCN of many small files must not take quadratic time).
  const firstData = new Map<string, Uint8Array | undefined>();
  for (const c of datas?.children ?? [])
    if (!firstData.has(c.name.toUpperCase()))
      firstData.set(c.name.toUpperCase(), c.kind === 'stream' ? c.data : undefined);
  for (const d of dirs?.children ?? []) {
    if (d.kind !== 'stream') continue;
    const data = firstData.get(d.name.toUpperCase());
    if (!data) throw corrupt(`${where}/EFS_Dir/${d.name} has no matching EFS_Data stream`);
    if (d.data.length > MAX_PATH + 8) throw corrupt(`${where}/EFS_Dir/${d.name} holds a ${d.data.length}-byte path`);
    out.push({ dir: d.data, data });
  }
  return out;
}

function stripNul(b: Uint8Array): string {
  const z = b.indexOf(0);
  return latin1(z >= 0 ? b.subarray(0, z) : b);
}

/** The typed backup from a stream tree. Throws QCN_CORRUPT when the tree is not a QCN. */
export function treeToQcn(root: CfbStorage): QcnBackup {
  const version = childStream(root, 'File_Version');
  if (!version || version.length < 2) throw corrupt('it has no File_Version stream (is it a QCN backup?)');
  const modelStorages = root.children.filter((c): c is CfbStorage => c.kind === 'storage' && /^\d{1,8}$/.test(c.name));
  if (modelStorages.length !== 1) throw corrupt(`it holds ${modelStorages.length} model storages instead of one`);
  const modelStorage = modelStorages[0]!;
  const defaults = childStorage(modelStorage, 'default');
  if (!defaults) throw corrupt(`storage ${modelStorage.name} has no "default" storage`);
  const numbered = childStorage(defaults, 'NV_NUMBERED_ITEMS');
  const nvItems = NV_ARRAY_STREAMS.flatMap((name, ctx) =>
    decodeNvArray(childStream(numbered, name) ?? new Uint8Array(0), ctx as NvContext, name),
  );
  const efsBackup = readPairs(childStorage(defaults, 'EFS_Backup'), 'EFS_Backup').map(({ dir, data }, i) => {
    if (dir.length < 8 || !EFS_BACKUP_PREFIX.every((v, k) => dir[k] === v))
      throw corrupt(`EFS_Backup path ${i} does not start with 01 00 01 01`);
    return {
      path: stripNul(dir.subarray(8)),
      mtime: new DataView(dir.buffer, dir.byteOffset).getUint32(4, true),
      data,
    };
  });
  const provisioning = readPairs(childStorage(defaults, 'Provisioning_Item_Files'), 'Provisioning_Item_Files').map(
    ({ dir, data }) => ({ path: stripNul(dir), data }),
  );
  const nvItemFiles = readPairs(childStorage(defaults, 'NV_Items'), 'NV_Items').map(({ dir, data }) => ({
    path: stripNul(dir),
    data,
  }));
  const prop = childStream(defaults, 'Mobile_Property_Info');
  const property = prop
    ? decodeProperty(prop)
    : { esn: 0, model: Number(modelStorage.name) & 0xffff, nvMajor: 0, nvMinor: 0, swVersion: '', tool: '' };
  const maskStream = childStream(defaults, 'Feature_Mask');
  let featureMask = new Uint8Array(0);
  if (maskStream) {
    if (maskStream.length < 2) throw corrupt('Feature_Mask is shorter than its length field');
    const len = new DataView(maskStream.buffer, maskStream.byteOffset).getUint16(0, true);
    if (2 + len > maskStream.length) throw corrupt(`Feature_Mask declares ${len} bytes in ${maskStream.length - 2}`);
    featureMask = maskStream.slice(2, 2 + len);
  }
  const created = fromFiletime(modelStorage.created);
  const modified = fromFiletime(root.modified ?? modelStorage.modified);
  const times = created && modified ? { times: { created, modified } } : {};
  return {
    model: Number(modelStorage.name),
    nvItems,
    efsBackup,
    provisioning,
    nvItemFiles,
    property,
    featureMask,
    ...times,
  };
}

export function writeQcn(b: QcnBackup): Uint8Array {
  return writeCfb(qcnToTree(b));
}

export function readQcn(bytes: Uint8Array): QcnBackup {
  return treeToQcn(readCfb(bytes));
}

/** Key of an NV record: context, id, entry index. */
export function nvKey(it: { id: number; index: number; context: number }): string {
  return `${it.context}:${it.id}:${it.index}`;
}
