// QCN backups under fuzz: compound files written by writeQcn, then damaged where it hurts
// (header counts and chain starts, directory links and sizes, FAT entries that loop or point
// past the end, truncation, absurd sizes), into readCfb / readQcn; and XQCN text into
// xqcnToTree. A refusal must be QCN_CORRUPT with a sentence of its own (never an internal
// exception rewrapped), in bounded time and memory.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { type CfbNode, type CfbStorage } from '../../src-main/qcn/cfb.js';
import { readCfb } from '../../src-main/qcn/cfb-reader.js';
import { readQcn, writeQcn, type QcnBackup } from '../../src-main/qcn/layout.js';
import { treeToXqcn, xqcnToTree } from '../../src-main/qcn/xqcn.js';
import { PROPERTY_TIMEOUT_MS, allocationBounded, bounded, interestingU32, mutate, params } from './fuzz-kit.js';

const path = fc.stringMatching(/^\/[a-z_]{1,12}(\/[a-z_.]{1,12}){0,2}$/);
const backup: fc.Arbitrary<QcnBackup> = fc.record({
  model: fc.integer({ min: 0, max: 99_999_999 }),
  nvItems: fc.array(
    fc.record({
      id: fc.nat(0xffff),
      index: fc.nat(3),
      data: fc.uint8Array({ minLength: 128, maxLength: 128 }),
      context: fc.constantFrom(0 as const, 1 as const),
    }),
    { maxLength: 12 },
  ),
  efsBackup: fc.array(
    fc.record({
      path,
      mtime: interestingU32,
      data: fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 4000, max: 9000 }).map((n) => new Uint8Array(n).map((_, i) => i & 0xff)),
      ),
    }),
    { maxLength: 3 },
  ),
  provisioning: fc.array(fc.record({ path, data: fc.uint8Array({ maxLength: 100 }) }), { maxLength: 2 }),
  nvItemFiles: fc.array(fc.record({ path, data: fc.uint8Array({ maxLength: 100 }) }), { maxLength: 2 }),
  property: fc.record({
    esn: interestingU32,
    model: fc.nat(0xffff),
    nvMajor: fc.nat(255),
    nvMinor: fc.nat(255),
    swVersion: fc.stringMatching(/^[A-Za-z0-9_.]{0,30}$/),
    tool: fc.stringMatching(/^[A-Za-z0-9 ]{0,20}$/),
  }),
  featureMask: fc.uint8Array({ maxLength: 32 }),
});

/** Files to damage: written once (writing is what costs), damaged anew in every case. */
let pool: Uint8Array[] | undefined;
function filePool(): Uint8Array[] {
  pool ??= fc.sample(backup, { numRuns: 80, seed: 0x9c400 }).flatMap((b) => write(b) ?? []);
  return pool;
}
const pooledFile = fc.nat().map((i) => filePool()[i % filePool().length]!);
let xqcnPool: string[] | undefined;
const pooledXqcn = fc.nat().map((i) => {
  xqcnPool ??= filePool().map((f) => treeToXqcn(readCfb(f)));
  return xqcnPool[i % xqcnPool.length]!;
});

function write(b: QcnBackup): Uint8Array | undefined {
  try {
    return writeQcn(b);
  } catch {
    return undefined; // a generated backup the writer refuses (duplicate paths...) is not the point here
  }
}

/** A damaging edit aimed at the structures a reader must not trust. */
type Damage = { where: 'header' | 'difat' | 'dir' | 'fat' | 'minifat'; index: number; value: number; self: boolean };
const damage: fc.Arbitrary<Damage> = fc.record({
  where: fc.constantFrom('header' as const, 'difat' as const, 'dir' as const, 'fat' as const, 'minifat' as const),
  index: fc.nat(),
  value: interestingU32,
  self: fc.boolean(),
});

const HEADER_FIELDS = [24, 26, 28, 30, 32, 40, 44, 48, 52, 56, 60, 64, 68, 72];
const DIR_FIELDS = [64, 66, 67, 68, 72, 76, 116, 120, 124];

function applyDamage(file: Uint8Array, edits: readonly Damage[]): Uint8Array {
  const b = file.slice();
  const dv = new DataView(b.buffer);
  const u32 = (at: number): number => (at + 4 <= b.length ? dv.getUint32(at, true) : 0);
  const put = (at: number, v: number): void => {
    if (at >= 0 && at + 4 <= b.length) dv.setUint32(at, v >>> 0, true);
  };
  const sectorAt = (s: number): number => (s + 1) * 512;
  for (const d of edits) {
    switch (d.where) {
      case 'header':
        put(HEADER_FIELDS[d.index % HEADER_FIELDS.length]!, d.value);
        break;
      case 'difat':
        put(76 + 4 * (d.index % 109), d.value);
        break;
      case 'dir': {
        const at = sectorAt(u32(48)) + 128 * (d.index % 8) + DIR_FIELDS[(d.index >> 3) % DIR_FIELDS.length]!;
        put(at, d.self ? d.index % 8 : d.value);
        break;
      }
      case 'fat': {
        const k = d.index % 128;
        // self: a chain that points at itself or back one sector (a loop); else any value.
        put(sectorAt(u32(76)) + 4 * k, d.self ? (d.value & 1 ? k : Math.max(0, k - 1)) : d.value);
        break;
      }
      case 'minifat': {
        const k = d.index % 128;
        put(sectorAt(u32(60)) + 4 * k, d.self ? k : d.value);
        break;
      }
    }
  }
  return b;
}

function streamBytes(n: CfbNode): number {
  return n.kind === 'stream' ? n.data.length : n.children.reduce((s, c) => s + streamBytes(c), 0);
}

/** readCfb/readQcn on any bytes: a tree no larger than the file, or a deliberate QCN_CORRUPT. */
function checkRead(bytes: Uint8Array): void {
  const tree = allocationBounded(
    () =>
      bounded(
        () => {
          try {
            const t = readCfb(bytes);
            try {
              readQcn(bytes);
            } catch (e) {
              if (!(e instanceof RescueError) || e.code !== 'QCN_CORRUPT') throw e;
            }
            return t;
          } catch (e) {
            if (!(e instanceof RescueError) || e.code !== 'QCN_CORRUPT') throw e;
            // The reader's catch-all rewraps unexpected exceptions: each of those is an unchecked path.
            expect(e.message).not.toMatch(/could not be parsed/);
            return e;
          }
        },
        3000,
        'readCfb',
      ),
    4 * bytes.length + (8 << 20),
    'readCfb',
  );
  if (!(tree instanceof RescueError)) expect(streamBytes(tree as CfbStorage)).toBeLessThanOrEqual(bytes.length);
}

describe('fuzz: QCN compound file reader', () => {
  it(
    'a written QCN reads back (FUZZ_RUNS/10 cases: the writer is not what is fuzzed)',
    () => {
      fc.assert(
        fc.property(backup, (b) => {
          const file = write(b);
          if (!file) return;
          const back = readQcn(file);
          expect(back.nvItems.length).toBe(b.nvItems.length);
          expect(back.efsBackup.map((e) => e.data.length)).toEqual(b.efsBackup.map((e) => e.data.length));
        }),
        params(0x9c400, 100, 1 / 10),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'damaged in its header, DIFAT, directory, FAT or mini FAT (loops, out of range, absurd sizes), a QCN is refused cleanly',
    () => {
      fc.assert(
        fc.property(pooledFile, fc.array(damage, { minLength: 1, maxLength: 4 }), (file, edits) => {
          checkRead(applyDamage(file, edits));
        }),
        params(0x9c401, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'byte-level mutations and truncations anywhere are refused cleanly or read within bounds',
    () => {
      const mutation = fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('u32' as const), at: fc.nat(), value: interestingU32 }),
          fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
          fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
        ),
        { minLength: 1, maxLength: 5 },
      );
      fc.assert(
        fc.property(pooledFile, mutation, (file, muts) => {
          checkRead(mutate(file, muts));
        }),
        params(0x9c402, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'random bytes behind a valid signature and header are refused cleanly',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.constantFrom(3, 4), (rest, major) => {
          const head = new Uint8Array(512);
          head.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
          const dv = new DataView(head.buffer);
          dv.setUint16(24, 0x3e, true);
          dv.setUint16(26, major, true);
          dv.setUint16(28, 0xfffe, true);
          dv.setUint16(30, major === 3 ? 9 : 12, true);
          dv.setUint16(32, 6, true);
          dv.setUint32(56, 4096, true);
          const file = new Uint8Array(512 + rest.length);
          file.set(head);
          file.set(rest, 512);
          checkRead(file);
        }),
        params(0x9c403, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('fuzz: XQCN (XML) reader', () => {
  it(
    'mutated XQCN text gives a tree or QCN_CORRUPT',
    () => {
      const edit = fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom(
            '"',
            '<',
            '>',
            '/',
            '99999999999',
            '-1',
            'zz',
            '&',
            '<!DOCTYPE x>',
            '<a>',
            '</a>',
            'Length="4294967295"',
            '',
          ),
        ),
        { maxLength: 4 },
      );
      fc.assert(
        fc.property(pooledXqcn, edit, fc.nat(), (text, edits, cut) => {
          let xml = text;
          for (const [at, s] of edits) {
            const i = at % (xml.length + 1);
            xml = xml.slice(0, i) + s + xml.slice(i + (s.length > 0 ? 0 : 1));
          }
          if (cut % 4 === 0) xml = xml.slice(0, cut % (xml.length + 1));
          bounded(
            () => {
              try {
                xqcnToTree(xml);
              } catch (e) {
                if (!(e instanceof RescueError) || e.code !== 'QCN_CORRUPT') throw e;
              }
            },
            3000,
            'xqcnToTree',
          );
        }),
        params(0x9c404, 200),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
