// The compound file writer: version 3, 512-byte sectors, mini stream for streams under 4096
// bytes, all directory nodes black in a balanced tree, entries in the order given, deterministic.

import { RescueError } from '../../shared/errors.js';
import {
  MAX_CFB_BYTES,
  MAGIC,
  DIFSECT,
  FATSECT,
  ENDOFCHAIN,
  FREESECT,
  NOSTREAM,
  HEADER,
  MINI_CUTOFF,
  MINI_SECTOR,
  DIR_ENTRY,
  MAX_DEPTH,
  compareCfbNames,
  validCfbName,
  type CfbStream,
  type CfbStorage,
  type CfbNode,
} from './cfb.js';

interface Flat {
  node: CfbNode | null; // null = root
  name: string;
  type: number;
  children: number[];
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
  created: bigint;
  modified: bigint;
}

function flatten(root: CfbStorage): Flat[] {
  const out: Flat[] = [
    {
      node: null,
      name: 'Root Entry',
      type: 5,
      children: [],
      left: NOSTREAM,
      right: NOSTREAM,
      child: NOSTREAM,
      start: ENDOFCHAIN,
      size: 0,
      created: root.created ?? 0n,
      modified: root.modified ?? 0n,
    },
  ];
  const visit = (storage: CfbStorage, index: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw new RescueError('INTERNAL', `QCN tree nests deeper than ${MAX_DEPTH} levels.`);
    // Entries in the given (creation) order, children right after their storage's siblings.
    const kids: number[] = [];
    for (const n of storage.children) {
      if (!validCfbName(n.name)) throw new RescueError('INTERNAL', `"${n.name}" is not a valid compound file name.`);
      const id = out.length;
      const t =
        n.kind === 'storage' ? { created: n.created ?? 0n, modified: n.modified ?? 0n } : { created: 0n, modified: 0n };
      out.push({
        node: n,
        name: n.name,
        type: n.kind === 'storage' ? 1 : 2,
        children: [],
        left: NOSTREAM,
        right: NOSTREAM,
        child: NOSTREAM,
        start: ENDOFCHAIN,
        size: n.kind === 'stream' ? n.data.length : 0,
        ...t,
      });
      out[index]!.children.push(id);
      kids.push(id);
    }
    kids.forEach((id) => {
      const n = out[id]!.node;
      if (n?.kind === 'storage') visit(n, id, depth + 1);
    });
    // Balanced binary search tree over the children sorted by name; all black is a valid red-black tree.
    const ids = [...out[index]!.children].sort((a, b) => compareCfbNames(out[a]!.name, out[b]!.name));
    for (let i = 1; i < ids.length; i++) {
      if (compareCfbNames(out[ids[i - 1]!]!.name, out[ids[i]!]!.name) === 0)
        throw new RescueError('INTERNAL', `Two entries named "${out[ids[i]!]!.name}" in one storage.`);
    }
    const balance = (lo: number, hi: number): number => {
      if (lo > hi) return NOSTREAM;
      const mid = (lo + hi) >> 1;
      const id = ids[mid]!;
      out[id]!.left = balance(lo, mid - 1);
      out[id]!.right = balance(mid + 1, hi);
      return id;
    };
    out[index]!.child = balance(0, ids.length - 1);
  };
  visit(root, 0, 1);
  return out;
}

const SS = 512;

/** Directory entries in their sectors (unused slots: empty name, no siblings). */
function writeDirectory(
  dv: DataView,
  at: (sector: number) => number,
  dirStart: number,
  dirSectors: number,
  flat: readonly Flat[],
): void {
  const dirOffset = (i: number): number => at(dirStart + Math.floor((i * DIR_ENTRY) / SS)) + ((i * DIR_ENTRY) % SS);
  for (let i = 0; i < dirSectors * (SS / DIR_ENTRY); i++) {
    const o = dirOffset(i);
    const f = flat[i];
    if (!f) {
      dv.setUint32(o + 68, NOSTREAM, true);
      dv.setUint32(o + 72, NOSTREAM, true);
      dv.setUint32(o + 76, NOSTREAM, true);
      continue;
    }
    for (let c = 0; c < f.name.length; c++) dv.setUint16(o + c * 2, f.name.charCodeAt(c), true);
    dv.setUint16(o + 64, (f.name.length + 1) * 2, true);
    dv.setUint8(o + 66, f.type);
    dv.setUint8(o + 67, 1); // black
    dv.setUint32(o + 68, f.left, true);
    dv.setUint32(o + 72, f.right, true);
    dv.setUint32(o + 76, f.child, true);
    dv.setBigUint64(o + 100, f.created, true);
    dv.setBigUint64(o + 108, f.modified, true);
    dv.setUint32(o + 116, f.type === 2 && f.size === 0 ? ENDOFCHAIN : f.start, true);
    dv.setUint32(o + 120, f.size, true);
  }
}

/** The mini FAT (one chain per small stream) and the mini stream (the small streams, packed). */
function writeMini(
  out: Uint8Array,
  at: (sector: number) => number,
  miniFatStart: number,
  miniFatSectors: number,
  miniStreamStart: number,
  miniChunks: readonly Uint8Array[],
): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let m = 0;
  for (const chunk of miniChunks) {
    const n = Math.ceil(chunk.length / MINI_SECTOR);
    for (let i = 0; i < n; i++, m++) {
      const o = at(miniFatStart + Math.floor((m * 4) / SS)) + ((m * 4) % SS);
      dv.setUint32(o, i === n - 1 ? ENDOFCHAIN : m + 1, true);
    }
  }
  for (let i = m; i < miniFatSectors * (SS / 4); i++)
    dv.setUint32(at(miniFatStart + Math.floor((i * 4) / SS)) + ((i * 4) % SS), FREESECT, true);
  let mo = 0;
  for (const chunk of miniChunks) {
    for (let off = 0; off < chunk.length; off += MINI_SECTOR, mo += MINI_SECTOR) {
      const piece = chunk.subarray(off, off + MINI_SECTOR);
      out.set(piece, at(miniStreamStart + Math.floor(mo / SS)) + (mo % SS));
    }
  }
}

/** Serialise a tree of storages and streams as a version 3 compound file. Deterministic. */
export function writeCfb(root: CfbStorage): Uint8Array {
  const flat = flatten(root);
  const ss = SS;
  // Mini stream: streams under the cutoff, packed in 64-byte mini sectors in directory order.
  const miniChunks: Uint8Array[] = [];
  let miniSectors = 0;
  const bigStreams: Flat[] = [];
  for (const f of flat) {
    if (f.node?.kind !== 'stream' || f.size === 0) continue;
    if (f.size < MINI_CUTOFF) {
      f.start = miniSectors;
      miniChunks.push(f.node.data);
      miniSectors += Math.ceil(f.size / MINI_SECTOR);
    } else bigStreams.push(f);
  }
  let total = 0;
  for (const f of flat) total += f.size;
  if (total > MAX_CFB_BYTES)
    throw new RescueError('INTERNAL', `The QCN would be ${total} bytes, more than ${MAX_CFB_BYTES}.`);
  const miniStreamBytes = miniSectors * MINI_SECTOR;
  const miniStreamSectors = Math.ceil(miniStreamBytes / ss);
  const miniFatSectors = Math.ceil((miniSectors * 4) / ss);
  const dirSectors = Math.ceil((flat.length * DIR_ENTRY) / ss);
  let bigSectors = 0;
  for (const f of bigStreams) bigSectors += Math.ceil(f.size / ss);
  const content = dirSectors + miniFatSectors + miniStreamSectors + bigSectors;
  let fatSectors = 0;
  let difatSectors = 0;
  for (;;) {
    const need = Math.ceil((content + fatSectors + difatSectors) / (ss / 4));
    const needDifat = need > 109 ? Math.ceil((need - 109) / (ss / 4 - 1)) : 0;
    if (need === fatSectors && needDifat === difatSectors) break;
    fatSectors = need;
    difatSectors = needDifat;
  }
  const sectorCount = fatSectors + difatSectors + content;
  const fat = new Uint32Array(fatSectors * (ss / 4)).fill(FREESECT);
  let next = 0;
  const fatIds: number[] = [];
  for (let i = 0; i < fatSectors; i++, next++) {
    fat[next] = FATSECT;
    fatIds.push(next);
  }
  const difatIds: number[] = [];
  for (let i = 0; i < difatSectors; i++, next++) {
    fat[next] = DIFSECT;
    difatIds.push(next);
  }
  const allocChain = (count: number): number => {
    if (count === 0) return ENDOFCHAIN;
    const start = next;
    for (let i = 0; i < count; i++, next++) fat[next] = i === count - 1 ? ENDOFCHAIN : next + 1;
    return start;
  };
  const dirStart = allocChain(dirSectors);
  const miniFatStart = allocChain(miniFatSectors);
  const miniStreamStart = allocChain(miniStreamSectors);
  for (const f of bigStreams) f.start = allocChain(Math.ceil(f.size / ss));
  flat[0]!.start = miniStreamSectors > 0 ? miniStreamStart : ENDOFCHAIN;
  flat[0]!.size = miniStreamBytes;

  const out = new Uint8Array(HEADER + sectorCount * ss);
  const dv = new DataView(out.buffer);
  const at = (sector: number): number => HEADER + sector * ss;
  // Header
  out.set(MAGIC, 0);
  dv.setUint16(24, 0x003e, true);
  dv.setUint16(26, 3, true);
  dv.setUint16(28, 0xfffe, true);
  dv.setUint16(30, 9, true);
  dv.setUint16(32, 6, true);
  dv.setUint32(44, fatSectors, true);
  dv.setUint32(48, dirStart, true);
  dv.setUint32(56, MINI_CUTOFF, true);
  dv.setUint32(60, miniFatSectors > 0 ? miniFatStart : ENDOFCHAIN, true);
  dv.setUint32(64, miniFatSectors, true);
  dv.setUint32(68, difatSectors > 0 ? difatIds[0]! : ENDOFCHAIN, true);
  dv.setUint32(72, difatSectors, true);
  for (let i = 0; i < 109; i++) dv.setUint32(76 + i * 4, fatIds[i] ?? FREESECT, true);
  // DIFAT sectors: 127 FAT sector ids, then the next DIFAT sector.
  difatIds.forEach((sec, k) => {
    for (let i = 0; i < ss / 4 - 1; i++)
      dv.setUint32(at(sec) + i * 4, fatIds[109 + k * (ss / 4 - 1) + i] ?? FREESECT, true);
    dv.setUint32(at(sec) + ss - 4, difatIds[k + 1] ?? ENDOFCHAIN, true);
  });
  // FAT
  fatIds.forEach((sec, k) => {
    for (let i = 0; i < ss / 4; i++) dv.setUint32(at(sec) + i * 4, fat[k * (ss / 4) + i]!, true);
  });
  writeDirectory(dv, at, dirStart, dirSectors, flat);
  writeMini(out, at, miniFatStart, miniFatSectors, miniStreamStart, miniChunks);
  // Regular streams: contiguous chains.
  for (const f of bigStreams) out.set((f.node as CfbStream).data, at(f.start));
  return out;
}
