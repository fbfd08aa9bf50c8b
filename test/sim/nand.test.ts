import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MODELS } from '../../src-main/sim/models.js';
import { Nand, NandError } from '../../src-main/sim/nand.js';
import { equalBytes, fillPseudoRandom } from '../../src-main/sim/programmer-image.js';

const model = MODELS.eg25g; // 2048-byte pages, 64 pages per block
const PS = model.pageSize;
const BLOCK = PS * 64;
const opened: Nand[] = [];
const dirs: string[] = [];

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nand-test-'));
  dirs.push(d);
  return d;
}

function open(opts: Partial<Parameters<typeof Nand.open>[0]> = {}): Nand {
  const n = Nand.open({ model, totalBlocks: 8, ...opts });
  opened.push(n);
  return n;
}

function pages(count: number, seed: number): Uint8Array {
  const b = new Uint8Array(count * PS);
  fillPseudoRandom(b, seed);
  return b;
}

afterEach(() => {
  for (const n of opened.splice(0)) n.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('virtual NAND', () => {
  it('starts erased and reads back what was programmed', () => {
    const n = open();
    expect(n.read(0, 1).every((b) => b === 0xff)).toBe(true);
    const data = pages(3, 1);
    n.program(5, data, 'x');
    expect(n.read(5, 3)).toEqual(data);
    expect(n.isErased(5)).toBe(false);
    expect(n.isErased(8)).toBe(true);
  });

  it('refuses to program a page that is not erased, until its block is erased', () => {
    const n = open();
    n.program(70, pages(1, 2));
    expect(() => n.program(70, pages(1, 3))).toThrow(/program of a page that is not erased/);
    // Bits only go back to 1 by erasing the whole block: every page of block 1 reads 0xFF again.
    n.program(64, pages(1, 4));
    n.erase(1, 1);
    expect(n.read(64, 64).every((b) => b === 0xff)).toBe(true);
    n.program(70, pages(1, 3));
    expect(n.read(70, 1)).toEqual(pages(1, 3));
  });

  it('programming 0xFF flips no bit: such a page stays erased and programmable', () => {
    const n = open();
    const data = pages(2, 5);
    data.fill(0xff, PS, 2 * PS);
    n.program(0, data);
    expect(n.isErased(0)).toBe(false);
    expect(n.isErased(1)).toBe(true);
    n.program(1, pages(1, 6));
    expect(n.read(1, 1)).toEqual(pages(1, 6));
  });

  it('only programs whole pages inside the device', () => {
    const n = open();
    expect(() => n.program(0, new Uint8Array(PS + 1))).toThrow(NandError);
    expect(() => n.program(8 * 64 - 1, pages(2, 1))).toThrow(/outside the NAND/);
    expect(() => n.erase(7, 2)).toThrow(/outside the NAND/);
  });

  it('bad blocks refuse erase and program; the logical mapping skips them', () => {
    const n = open({ badBlocks: [2, 5] });
    expect(() => n.erase(2, 1)).toThrow(/bad block 2/);
    expect(() => n.program(2 * 64, pages(1, 1))).toThrow(/bad block 2/);
    expect(n.logicalPages).toBe(6 * 64);
    // Logical blocks 0,1,2,3,4,5 -> physical 0,1,3,4,6,7.
    expect(n.mapLogical(64, 192)).toEqual([
      { page: 64, pages: 64 },
      { page: 192, pages: 128 },
    ]);
    expect(n.physicalBlock(4)).toBe(6);
    expect(() => n.mapLogical(6 * 64 - 1, 2)).toThrow(/outside the 384 usable pages/);
    const data = pages(128, 7);
    const runs = n.mapLogical(64, 128);
    let off = 0;
    for (const r of runs) {
      n.program(r.page, data.subarray(off, off + r.pages * PS));
      off += r.pages * PS;
    }
    expect(equalBytes(n.read(3 * 64, 64), data.subarray(BLOCK, 2 * BLOCK))).toBe(true);
    expect(equalBytes(n.read(2 * 64, 64), data.subarray(BLOCK, 2 * BLOCK))).toBe(false);
    expect(equalBytes(n.readLogicalInto(64, new Uint8Array(128 * PS)), data)).toBe(true);
  });

  it('keeps nand.bin at page offsets and survives a reopen (data, erased map, bad blocks)', () => {
    const dir = tmpDir();
    const a = Nand.open({ model, stateDir: dir, totalBlocks: 8, badBlocks: [6] });
    const data = pages(2, 9);
    a.program(130, data);
    a.close();
    const bin = fs.readFileSync(path.join(dir, 'nand.bin'));
    expect(bin.length).toBe(8 * BLOCK);
    expect(new Uint8Array(bin.subarray(130 * PS, 132 * PS))).toEqual(data);
    expect(bin.subarray(0, 130 * PS).every((x) => x === 0xff)).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'nand.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ model: 'eg25g', pageSize: 2048, pagesPerBlock: 64, totalBlocks: 8, badBlocks: [6] });

    const b = Nand.open({ model, stateDir: dir });
    opened.push(b);
    expect(b.read(130, 2)).toEqual(data);
    expect(b.isErased(130)).toBe(false);
    expect(b.isErased(132)).toBe(true);
    expect(b.badBlocks).toEqual([6]);
    expect(() => b.program(131, pages(1, 1))).toThrow(/not erased/);
  });

  it('refuses a state folder holding another geometry', () => {
    const dir = tmpDir();
    Nand.open({ model, stateDir: dir, totalBlocks: 8 }).close();
    expect(() => Nand.open({ model: MODELS.ec25, stateDir: dir, totalBlocks: 8 })).toThrow(/not a ec25 one/);
    expect(() => Nand.open({ model, stateDir: dir, totalBlocks: 9 })).toThrow(/8 blocks, not 9/);
  });

  it('logs operations in order, merging adjacent programs of one image', () => {
    const n = open();
    const seen: string[] = [];
    n.onOp = (op) => seen.push(op.op);
    n.erase(0, 2, 'sbl');
    n.program(64, pages(2, 1), 'tz');
    n.program(66, pages(2, 2), 'tz');
    n.program(0, pages(1, 3), 'sbl');
    expect(n.ops).toEqual([
      { op: 'erase', startPage: 0, pages: 128, label: 'sbl' },
      { op: 'program', startPage: 64, pages: 4, label: 'tz' },
      { op: 'program', startPage: 0, pages: 1, label: 'sbl' },
    ]);
    expect(seen).toEqual(['erase', 'program', 'program', 'program']);
  });

  it('a temporary NAND is removed on close', () => {
    const n = Nand.open({ model, totalBlocks: 2 });
    expect(fs.existsSync(n.path)).toBe(true);
    n.close();
    expect(fs.existsSync(n.path)).toBe(false);
    expect(() => n.read(0, 1)).toThrow(/closed/);
  });
});
