// The compound file reader: every sector index and chain is checked against the file, loops and
// cross-linked chains are refused, declared sizes must fit their chains, and nothing is allocated
// beyond what the file itself holds. Children come in directory-entry order (see cfb.ts).

import { RescueError } from '../../shared/errors.js';
import {
  MAX_CFB_BYTES,
  MAGIC,
  MAXREGSECT,
  ENDOFCHAIN,
  FREESECT,
  NOSTREAM,
  HEADER,
  MINI_CUTOFF,
  MINI_SECTOR,
  DIR_ENTRY,
  MAX_DEPTH,
  corrupt,
  validCfbName,
  type CfbStream,
  type CfbStorage,
  type CfbNode,
  type DirEntry,
} from './cfb.js';

class Reader {
  private readonly view: DataView;
  private readonly sectorSize: number;
  private readonly sectorCount: number;
  private readonly fat: Uint32Array;
  private readonly owner: Uint8Array; // 1 once a sector belongs to a chain
  private miniFat: Uint32Array = new Uint32Array(0);
  private miniOwner: Uint8Array = new Uint8Array(0);
  private miniStream: Uint8Array = new Uint8Array(0);
  private entries: DirEntry[] = [];

  constructor(private readonly bytes: Uint8Array) {
    if (bytes.length > MAX_CFB_BYTES)
      throw corrupt(`it is ${bytes.length} bytes, more than the ${MAX_CFB_BYTES} a QCN can be`);
    if (bytes.length < HEADER) throw corrupt(`it is only ${bytes.length} bytes long, shorter than the 512-byte header`);
    for (let i = 0; i < MAGIC.length; i++)
      if (bytes[i] !== MAGIC[i])
        throw corrupt('it does not start with the compound file signature (is it a QCN file?)');
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const major = this.u16(26);
    const shift = this.u16(30);
    if (this.u16(28) !== 0xfffe) throw corrupt('its header has a wrong byte order mark');
    if (!((major === 3 && shift === 9) || (major === 4 && shift === 12)))
      throw corrupt(`its header declares version ${major} with sector shift ${shift}`);
    if (this.u16(32) !== 6) throw corrupt(`its header declares mini sector shift ${this.u16(32)} instead of 6`);
    if (this.u32(56) !== MINI_CUTOFF)
      throw corrupt(`its header declares a mini stream cutoff of ${this.u32(56)} instead of 4096`);
    this.sectorSize = 1 << shift;
    const base = this.sectorSize; // sector 0 starts after the header sector (512 for v3, 4096 for v4)
    if (bytes.length < base) throw corrupt('it is shorter than its header sector');
    this.sectorCount = Math.ceil((bytes.length - base) / this.sectorSize);
    this.owner = new Uint8Array(this.sectorCount);
    this.fat = this.readFat();
  }

  u16(off: number): number {
    return this.view.getUint16(off, true);
  }
  u32(off: number): number {
    return this.view.getUint32(off, true);
  }

  /** The bytes of a sector, zero-padded when the file's last sector is cut short. */
  private sector(index: number): Uint8Array {
    if (index >= this.sectorCount)
      throw corrupt(`sector ${index} lies beyond the end of the file (${this.sectorCount} sectors)`);
    const start = this.sectorSize * (index + 1);
    const end = Math.min(start + this.sectorSize, this.bytes.length);
    if (end - start === this.sectorSize) return this.bytes.subarray(start, end);
    const out = new Uint8Array(this.sectorSize);
    out.set(this.bytes.subarray(start, end));
    return out;
  }

  private claim(index: number, what: string): void {
    if (index > MAXREGSECT || index >= this.sectorCount)
      throw corrupt(`${what} refers to sector ${index}, beyond the end of the file (${this.sectorCount} sectors)`);
    if (this.owner[index])
      throw corrupt(
        `${what} uses sector ${index}, which another part of the file already uses (its sector chain loops or is cross-linked)`,
      );
    this.owner[index] = 1;
  }

  private readFat(): Uint32Array {
    const fatCount = this.u32(44);
    const per = this.sectorSize / 4;
    if (fatCount > this.sectorCount)
      throw corrupt(`its header declares ${fatCount} FAT sectors in a file of ${this.sectorCount} sectors`);
    const fatSectors: number[] = [];
    for (let i = 0; i < 109 && fatSectors.length < fatCount; i++) fatSectors.push(this.u32(76 + i * 4));
    let difat = this.u32(68);
    let difatLeft = this.u32(72);
    if (difatLeft > this.sectorCount)
      throw corrupt(`its header declares ${difatLeft} DIFAT sectors in a file of ${this.sectorCount} sectors`);
    while (fatSectors.length < fatCount) {
      if (difat === ENDOFCHAIN || difat === FREESECT || difatLeft === 0)
        throw corrupt(`its FAT sector list ends after ${fatSectors.length} of ${fatCount} sectors`);
      this.claim(difat, 'the DIFAT chain');
      const s = this.sector(difat);
      const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
      for (let i = 0; i < per - 1 && fatSectors.length < fatCount; i++) fatSectors.push(dv.getUint32(i * 4, true));
      difat = dv.getUint32((per - 1) * 4, true);
      difatLeft--;
    }
    const fat = new Uint32Array(fatCount * per);
    fatSectors.forEach((sec, i) => {
      this.claim(sec, `FAT sector ${i}`);
      const s = this.sector(sec);
      const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
      for (let j = 0; j < per; j++) fat[i * per + j] = dv.getUint32(j * 4, true);
    });
    return fat;
  }

  /** Follow a chain of regular sectors; every sector checked and claimed once. */
  private chain(start: number, what: string): number[] {
    const out: number[] = [];
    let s = start;
    while (s !== ENDOFCHAIN) {
      if (s > MAXREGSECT)
        throw corrupt(`${what} has a broken sector chain (marker 0x${s.toString(16)} at step ${out.length})`);
      if (s >= this.fat.length) throw corrupt(`${what} refers to sector ${s}, which the FAT does not cover`);
      if (out.length >= this.sectorCount) throw corrupt(`${what}'s sector chain loops at sector ${s}`);
      if (this.owner[s] && out.includes(s)) throw corrupt(`${what}'s sector chain loops at sector ${s}`);
      this.claim(s, what);
      out.push(s);
      s = this.fat[s] ?? FREESECT;
    }
    return out;
  }

  private readChain(start: number, size: number, what: string): Uint8Array {
    if (size === 0) return new Uint8Array(0);
    const sectors = this.chain(start, what);
    if (sectors.length * this.sectorSize < size)
      throw corrupt(
        `${what} declares ${size} bytes but its sector chain holds only ${sectors.length * this.sectorSize}`,
      );
    const out = new Uint8Array(size);
    let off = 0;
    for (const sec of sectors) {
      if (off >= size) break;
      const part = this.sector(sec).subarray(0, Math.min(this.sectorSize, size - off));
      out.set(part, off);
      off += part.length;
    }
    return out;
  }

  private readDirectory(): void {
    const sectors = this.chain(this.u32(48), 'the directory');
    if (sectors.length === 0) throw corrupt('it has no directory');
    const per = this.sectorSize / DIR_ENTRY;
    for (const sec of sectors) {
      const s = this.sector(sec);
      const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
      for (let k = 0; k < per; k++) {
        const o = k * DIR_ENTRY;
        const nameLen = dv.getUint16(o + 64, true);
        const type = dv.getUint8(o + 66);
        let name = '';
        if (type !== 0) {
          if (nameLen < 2 || nameLen > 64 || nameLen % 2 !== 0)
            throw corrupt(`directory entry ${this.entries.length} has a name length of ${nameLen} bytes`);
          for (let c = 0; c < nameLen / 2 - 1; c++) name += String.fromCharCode(dv.getUint16(o + c * 2, true));
          if (dv.getUint16(o + nameLen - 2, true) !== 0)
            throw corrupt(`directory entry ${this.entries.length} has a name without its terminating NUL`);
        }
        const sizeLow = dv.getUint32(o + 120, true);
        const sizeHigh = dv.getUint32(o + 124, true);
        if (this.sectorSize !== 512 && sizeHigh !== 0)
          throw corrupt(`directory entry "${name}" declares a size beyond 4 GiB`);
        this.entries.push({
          name,
          type,
          left: dv.getUint32(o + 68, true),
          right: dv.getUint32(o + 72, true),
          child: dv.getUint32(o + 76, true),
          start: dv.getUint32(o + 116, true),
          size: sizeLow,
          created: dv.getBigUint64(o + 100, true),
          modified: dv.getBigUint64(o + 108, true),
        });
      }
    }
    const root = this.entries[0];
    if (!root || root.type !== 5) throw corrupt('its first directory entry is not the root entry');
  }

  private readMini(): void {
    const root = this.entries[0]!;
    if (root.size > this.sectorCount * this.sectorSize)
      throw corrupt(`its mini stream declares ${root.size} bytes, more than the whole file`);
    this.miniStream = this.readChain(root.start, root.size, 'the mini stream');
    const miniFatCount = this.u32(64);
    if (miniFatCount > this.sectorCount)
      throw corrupt(`its header declares ${miniFatCount} mini FAT sectors in a file of ${this.sectorCount} sectors`);
    const miniFatBytes = this.readChain(this.u32(60), miniFatCount * this.sectorSize, 'the mini FAT');
    const dv = new DataView(miniFatBytes.buffer, miniFatBytes.byteOffset, miniFatBytes.byteLength);
    this.miniFat = new Uint32Array(miniFatBytes.length / 4);
    for (let i = 0; i < this.miniFat.length; i++) this.miniFat[i] = dv.getUint32(i * 4, true);
    this.miniOwner = new Uint8Array(Math.ceil(this.miniStream.length / MINI_SECTOR));
  }

  private readMiniChain(start: number, size: number, what: string): Uint8Array {
    const out = new Uint8Array(size);
    let off = 0;
    let s = start;
    while (off < size) {
      if (s > MAXREGSECT) throw corrupt(`${what} declares ${size} bytes but its mini sector chain ends after ${off}`);
      if (s >= this.miniOwner.length || s >= this.miniFat.length)
        throw corrupt(`${what} refers to mini sector ${s}, beyond the mini stream`);
      if (this.miniOwner[s])
        throw corrupt(`${what}'s mini sector chain loops at mini sector ${s} (or shares it with another stream)`);
      this.miniOwner[s] = 1;
      const part = this.miniStream
        .subarray(s * MINI_SECTOR, Math.min(s * MINI_SECTOR + MINI_SECTOR, this.miniStream.length))
        .subarray(0, size - off);
      if (part.length < Math.min(MINI_SECTOR, size - off))
        throw corrupt(`${what} runs past the end of the mini stream`);
      out.set(part, off);
      off += part.length;
      s = this.miniFat[s] ?? FREESECT;
    }
    return out;
  }

  private streamData(e: DirEntry): Uint8Array {
    const what = `stream "${e.name}"`;
    if (e.size > this.bytes.length) throw corrupt(`${what} declares ${e.size} bytes, more than the whole file`);
    if (e.size === 0) return new Uint8Array(0);
    if (e.size < MINI_CUTOFF) return this.readMiniChain(e.start, e.size, what);
    return this.readChain(e.start, e.size, what);
  }

  read(): CfbStorage {
    this.readDirectory();
    this.readMini();
    const seen = new Set<number>([0]);
    const build = (childRoot: number, path: string, depth: number): CfbNode[] => {
      if (depth > MAX_DEPTH) throw corrupt(`its storages nest deeper than ${MAX_DEPTH} levels`);
      const ids: number[] = [];
      // In-order walk of the sibling tree with an explicit stack; each entry visited once.
      const stack: number[] = [];
      let cur = childRoot;
      while (cur !== NOSTREAM || stack.length > 0) {
        while (cur !== NOSTREAM) {
          if (cur >= this.entries.length)
            throw corrupt(
              `directory entry ${cur} under "${path}" is beyond the directory (${this.entries.length} entries)`,
            );
          if (seen.has(cur)) throw corrupt(`its directory tree loops at entry ${cur} under "${path}"`);
          seen.add(cur);
          stack.push(cur);
          cur = this.entries[cur]!.left;
        }
        const id = stack.pop()!;
        ids.push(id);
        cur = this.entries[id]!.right;
      }
      ids.sort((a, b) => a - b); // creation order
      const names = new Set<string>();
      return ids.map((id) => {
        const e = this.entries[id]!;
        if (!validCfbName(e.name)) throw corrupt(`directory entry ${id} under "${path}" has an invalid name`);
        const key = e.name.toUpperCase();
        if (names.has(key)) throw corrupt(`"${path}" holds two entries named "${e.name}"`);
        names.add(key);
        if (e.type === 1)
          return {
            kind: 'storage',
            name: e.name,
            children: build(e.child, `${path}${e.name}/`, depth + 1),
            ...times(e),
          } satisfies CfbStorage;
        if (e.type === 2) {
          if (e.child !== NOSTREAM) throw corrupt(`stream "${e.name}" claims to have children`);
          return { kind: 'stream', name: e.name, data: this.streamData(e) } satisfies CfbStream;
        }
        throw corrupt(`directory entry ${id} ("${e.name}") has object type ${e.type}`);
      });
    };
    const root = this.entries[0]!;
    return { kind: 'storage', name: root.name, children: build(root.child, '/', 1), ...times(root) };
  }
}

function times(e: DirEntry): { created?: bigint; modified?: bigint } {
  return { ...(e.created ? { created: e.created } : {}), ...(e.modified ? { modified: e.modified } : {}) };
}

/** Parse a compound file into its tree of storages and streams. Throws QCN_CORRUPT on anything malformed. */
export function readCfb(bytes: Uint8Array): CfbStorage {
  try {
    return new Reader(bytes).read();
  } catch (e) {
    if (e instanceof RescueError) throw e;
    throw corrupt(`it could not be parsed (${e instanceof Error ? e.message : String(e)})`);
  }
}
