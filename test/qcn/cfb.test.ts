import CFB from 'cfb';
import { describe, expect, it } from 'vitest';
import { fromFiletime, toFiletime, type CfbNode, type CfbStorage } from '../../src-main/qcn/cfb.js';
import { readCfb } from '../../src-main/qcn/cfb-reader.js';
import { writeCfb } from '../../src-main/qcn/cfb-writer.js';
import { RescueError } from '../../shared/errors.js';

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sample(): CfbStorage {
  const many: CfbNode[] = [];
  for (let i = 0; i < 40; i++)
    many.push({ kind: 'stream', name: i.toString(16).toUpperCase().padStart(8, '0'), data: bytes(i * 37, i + 1) });
  return {
    kind: 'storage',
    name: 'Root Entry',
    children: [
      { kind: 'stream', name: 'File_Version', data: new Uint8Array([2, 0, 0, 0, 0, 0]) },
      { kind: 'stream', name: 'Big', data: bytes(70_000, 7) },
      { kind: 'stream', name: 'Exactly4096', data: bytes(4096, 9) },
      { kind: 'stream', name: 'Empty', data: new Uint8Array(0) },
      { kind: 'storage', name: '00024655', children: [{ kind: 'storage', name: 'default', children: many }] },
    ],
  };
}

/** Every stream as "path -> bytes", from our own tree. */
function paths(s: CfbStorage, prefix = ''): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const c of s.children) {
    if (c.kind === 'stream') out.set(prefix + c.name, c.data);
    else for (const [k, v] of paths(c, `${prefix}${c.name}/`)) out.set(k, v);
  }
  return out;
}

/** The same map as the independent `cfb` package reads it. */
function pathsByCfbPackage(file: Uint8Array): { streams: Map<string, Uint8Array>; storages: string[] } {
  const c = CFB.read(Buffer.from(file), { type: 'buffer' });
  const streams = new Map<string, Uint8Array>();
  const storages: string[] = [];
  c.FileIndex.forEach((e, i) => {
    const full = c.FullPaths[i]!.replace(/^Root Entry\//, '');
    if (e.type === 2) streams.set(full, new Uint8Array(e.content ?? []));
    else if (e.type === 1) storages.push(full);
  });
  return { streams, storages: storages.sort() };
}

describe('compound file writer and reader', () => {
  it('writes a file the independent cfb package reads with exactly the same tree', () => {
    const tree = sample();
    const file = writeCfb(tree);
    expect(file.length % 512).toBe(0);
    const theirs = pathsByCfbPackage(file);
    const ours = paths(tree);
    expect([...theirs.streams.keys()].sort()).toEqual([...ours.keys()].sort());
    for (const [k, v] of ours) expect(Buffer.from(theirs.streams.get(k)!).equals(Buffer.from(v)), k).toBe(true);
    expect(theirs.storages).toEqual(['00024655/', '00024655/default/']);
    expect([...theirs.streams.keys()].some((k) => k.includes('Sh33tJ5'))).toBe(false);
  });

  it('reads back what it writes, and writes deterministically', () => {
    const tree = sample();
    const file = writeCfb(tree);
    const back = readCfb(file);
    const a = paths(tree);
    const b = paths(back);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(Buffer.from(b.get(k)!).equals(Buffer.from(v)), k).toBe(true);
    expect(Buffer.from(writeCfb(back)).equals(Buffer.from(file))).toBe(true);
  });

  it('keeps the creation order of siblings and the storages\u2019 FILETIME times, as QPST files carry them', () => {
    // Real QPST 2.7 backups (koyuyesil/Nebula-QCN-MCDF-Analyser, sources/Test/TestFiles/*/00000000_0.qcn)
    // list File_Version before the model storage and NV_NUMBERED_ITEMS, Mobile_Property_Info,
    // Feature_Mask, EFS_Backup... under "default": neither alphabetical nor the tree's name order.
    const t = (sec: number): bigint => toFiletime(new Date(Date.UTC(2021, 6, 24, 8, 14, sec)));
    const tree: CfbStorage = {
      kind: 'storage',
      name: 'Root Entry',
      modified: t(43),
      children: [
        { kind: 'stream', name: 'File_Version', data: new Uint8Array([2, 0, 0, 0, 0, 0]) },
        {
          kind: 'storage',
          name: 'default',
          created: t(1),
          modified: t(2),
          children: [
            { kind: 'stream', name: 'Zeta', data: bytes(3, 1) },
            { kind: 'stream', name: 'A', data: bytes(2, 2) },
            { kind: 'storage', name: 'Mid', children: [] },
          ],
        },
      ],
    };
    const file = writeCfb(tree);
    const back = readCfb(file);
    expect(back.children.map((c) => c.name)).toEqual(['File_Version', 'default']);
    const def = back.children[1] as CfbStorage;
    expect(def.children.map((c) => c.name)).toEqual(['Zeta', 'A', 'Mid']);
    expect(def.created).toBe(t(1));
    expect(def.modified).toBe(t(2));
    expect(back.modified).toBe(t(43));
    expect(back.created).toBeUndefined();
    expect(fromFiletime(def.created)!.toISOString()).toBe('2021-07-24T08:14:01.000Z');
    // The independent reader sees the same times and finds every entry through the sibling tree.
    const c = CFB.read(Buffer.from(file), { type: 'buffer' });
    const e = c.FileIndex[c.FullPaths.indexOf('Root Entry/default/')]!;
    expect(e.ct?.toISOString()).toBe('2021-07-24T08:14:01.000Z');
    expect(CFB.find(c, 'Root Entry/default/A')).toBeTruthy();
    expect(CFB.find(c, 'Root Entry/default/Zeta')).toBeTruthy();
  });

  it('reads a file written by the cfb package', () => {
    const c = CFB.utils.cfb_new();
    CFB.utils.cfb_add(c, 'Root Entry/A/small', Buffer.from('hello'));
    CFB.utils.cfb_add(c, 'Root Entry/A/large', Buffer.from(bytes(9000, 3)));
    const file = new Uint8Array(CFB.write(c, { type: 'buffer' }) as Buffer);
    const p = paths(readCfb(file));
    expect(Buffer.from(p.get('A/small')!).toString()).toBe('hello');
    expect(Buffer.from(p.get('A/large')!).equals(Buffer.from(bytes(9000, 3)))).toBe(true);
  });

  it('needs a DIFAT beyond 109 FAT sectors (files over ~7 MB) and still round-trips', () => {
    const big = bytes(7_200_000, 11);
    const tree: CfbStorage = {
      kind: 'storage',
      name: 'Root Entry',
      children: [
        { kind: 'stream', name: 'Huge', data: big },
        { kind: 'stream', name: 's', data: bytes(10, 1) },
      ],
    };
    const file = writeCfb(tree);
    expect(new DataView(file.buffer).getUint32(72, true)).toBeGreaterThan(0); // DIFAT sectors used
    expect(Buffer.from(paths(readCfb(file)).get('Huge')!).equals(Buffer.from(big))).toBe(true);
    expect(Buffer.from(pathsByCfbPackage(file).streams.get('Huge')!).equals(Buffer.from(big))).toBe(true);
  });
});

describe('hostile compound files', () => {
  const good = writeCfb(sample());
  const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mutate = (f: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    f(b);
    return b;
  };
  const fatStart = 512 + 512 * dv(good).getUint32(76, true);
  const dirSector = dv(good).getUint32(48, true);
  const dirOff = 512 + 512 * dirSector;
  /** Offset of the directory entry named `name`. */
  const entry = (name: string): number => {
    for (let i = 0; i < 64; i++) {
      const o = dirOff + i * 128;
      const n = Buffer.from(good.subarray(o, o + name.length * 2)).toString('utf16le');
      if (n === name) return o;
    }
    throw new Error(name);
  };
  const expectCorrupt = (b: Uint8Array, pattern: RegExp): void => {
    let err: unknown;
    try {
      readCfb(b);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RescueError);
    expect((err as RescueError).code).toBe('QCN_CORRUPT');
    expect((err as RescueError).message).toMatch(pattern);
  };

  it('wrong magic', () =>
    expectCorrupt(
      mutate((b) => (b[0] = 0x50)),
      /signature/,
    ));
  it('truncated header', () => expectCorrupt(good.slice(0, 300), /shorter than the 512-byte header/));
  it('truncated body', () =>
    expectCorrupt(good.slice(0, 512 * 20), /beyond the end of the file|FAT does not cover|more than the whole file/));
  it('a FAT chain that loops', () => {
    const big = entry('Big');
    const start = dv(good).getUint32(big + 116, true);
    expectCorrupt(
      mutate((b) => dv(b).setUint32(fatStart + (start + 3) * 4, start, true)),
      /loops at sector/,
    );
  });
  it('a directory sibling tree that loops', () => {
    expectCorrupt(
      mutate((b) => {
        const d = dv(b);
        const root = dirOff;
        const child = d.getUint32(root + 76, true);
        d.setUint32(dirOff + child * 128 + 68, child, true);
      }),
      /directory tree loops/,
    );
  });
  it('a sector index out of range', () =>
    expectCorrupt(
      mutate((b) => dv(b).setUint32(entry('Big') + 116, 999_999, true)),
      /FAT does not cover|beyond/,
    ));
  it('a huge declared stream size', () =>
    expectCorrupt(
      mutate((b) => dv(b).setUint32(entry('Big') + 120, 0xfffffff0, true)),
      /more than the whole file/,
    ));
  it('a declared size longer than its chain', () =>
    expectCorrupt(
      mutate((b) => dv(b).setUint32(entry('Big') + 120, 80_000, true)),
      /holds only/,
    ));
  it('a huge FAT sector count', () =>
    expectCorrupt(
      mutate((b) => dv(b).setUint32(44, 0x7fffffff, true)),
      /FAT sectors in a file/,
    ));
  it('a mini stream chain out of range', () =>
    expectCorrupt(
      mutate((b) => dv(b).setUint32(entry('File_Version') + 116, 100_000, true)),
      /mini sector/,
    ));
  it('a bad name length', () =>
    expectCorrupt(
      mutate((b) => dv(b).setUint16(entry('Big') + 64, 99, true)),
      /name length/,
    ));
  it('a FAT sector that is also used by a stream', () => {
    const big = entry('Big');
    const fat0 = dv(good).getUint32(76, true);
    expectCorrupt(
      mutate((b) => dv(b).setUint32(big + 116, fat0, true)),
      /already uses|loops/,
    );
  });
  it('random damage never crashes: always a tree or QCN_CORRUPT', () => {
    let seed = 5;
    for (let n = 0; n < 300; n++) {
      const b = good.slice();
      const flips = bytes(16, ++seed);
      for (let k = 0; k < 8; k++) {
        const pos = (flips[k * 2]! * 256 + flips[k * 2 + 1]!) % 4096;
        b[pos] = flips[(k + 3) % 16]!;
      }
      try {
        readCfb(b);
      } catch (e) {
        expect((e as RescueError).code).toBe('QCN_CORRUPT');
      }
    }
  });
});
