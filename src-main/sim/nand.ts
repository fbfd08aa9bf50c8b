// Raw NAND flash of the virtual module, kept in a file (nand.bin) so it survives the process and
// can be inspected: byte offset = page number x page size, erased pages read 0xFF. The rules are a
// real chip's: erase by whole block, program only erased pages (bits only go 1 -> 0), bad blocks
// refuse both. Only a per-page "erased" bitmap lives in memory, never the flash itself.
//
// Bad-block mapping: like the MDM9x07 NAND driver, the programmer addresses "logical" pages in
// which bad blocks are skipped: logical block k is the k-th good block. mapLogical() gives the
// physical runs for a logical range.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelSpec } from './models.js';

export class NandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NandError';
  }
}

export interface NandOp {
  op: 'erase' | 'program';
  startPage: number;
  pages: number;
  label?: string;
}

export interface NandOptions {
  model: ModelSpec;
  /** Folder holding nand.bin and nand.json; a temporary folder (removed on close) when absent. */
  stateDir?: string | undefined;
  /** Override the model's block count (e.g. for a 1 GiB+ benchmark NAND or a small test NAND). */
  totalBlocks?: number | undefined;
  /** Factory bad blocks (physical block numbers); only used when the NAND is created. */
  badBlocks?: number[] | undefined;
  createdBy?: string;
}

export interface NandMeta {
  model: string;
  pageSize: number;
  pagesPerBlock: number;
  totalBlocks: number;
  badBlocks: number[];
  createdBy: string;
}

export interface PhysicalRun {
  /** First physical page. */
  page: number;
  pages: number;
}

const IO_CHUNK = 4 * 1024 * 1024;

export class Nand {
  readonly pageSize: number;
  readonly pagesPerBlock: number;
  readonly totalBlocks: number;
  readonly totalPages: number;
  readonly blockBytes: number;
  readonly dir: string;
  readonly badBlocks: readonly number[];
  /** Operations in order (adjacent programs of the same label are merged into one entry). */
  readonly ops: NandOp[] = [];
  /** Called for every erase or program, unmerged. */
  onOp: ((op: NandOp) => void) | undefined;

  private readonly bad: Set<number>;
  /** Physical block of each logical block. */
  private readonly goodBlocks: number[];
  /** 1 = page erased. */
  private readonly erased: Uint8Array;
  private fd: number | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly temporary: boolean;
  private readonly ffBlock: Buffer;

  private constructor(meta: NandMeta, dir: string, fd: number, erased: Uint8Array, temporary: boolean) {
    this.pageSize = meta.pageSize;
    this.pagesPerBlock = meta.pagesPerBlock;
    this.totalBlocks = meta.totalBlocks;
    this.totalPages = meta.totalBlocks * meta.pagesPerBlock;
    this.blockBytes = meta.pageSize * meta.pagesPerBlock;
    this.badBlocks = [...meta.badBlocks].sort((a, b) => a - b);
    this.bad = new Set(meta.badBlocks);
    this.goodBlocks = [];
    for (let b = 0; b < meta.totalBlocks; b++) if (!this.bad.has(b)) this.goodBlocks.push(b);
    this.dir = dir;
    this.fd = fd;
    this.erased = erased;
    this.temporary = temporary;
    this.ffBlock = Buffer.alloc(this.blockBytes, 0xff);
  }

  /** Open the NAND in opts.stateDir, creating it (all erased) when it does not exist yet. */
  static open(opts: NandOptions): Nand {
    const temporary = opts.stateDir === undefined;
    const dir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'modem-rescue-nand-'));
    fs.mkdirSync(dir, { recursive: true });
    const binPath = path.join(dir, 'nand.bin');
    const jsonPath = path.join(dir, 'nand.json');
    const want: NandMeta = {
      model: opts.model.id,
      pageSize: opts.model.pageSize,
      pagesPerBlock: opts.model.pagesPerBlock,
      totalBlocks: opts.totalBlocks ?? opts.model.totalBlocks,
      badBlocks: [...new Set(opts.badBlocks ?? [])].sort((a, b) => a - b),
      createdBy: opts.createdBy ?? 'modem-rescue virtual modem',
    };
    if (!Number.isSafeInteger(want.totalBlocks) || want.totalBlocks < 1)
      throw new NandError(`invalid block count ${want.totalBlocks}`);
    for (const b of want.badBlocks) {
      if (!Number.isSafeInteger(b) || b < 0 || b >= want.totalBlocks)
        throw new NandError(`bad block ${b} is outside the NAND (${want.totalBlocks} blocks)`);
    }
    if (fs.existsSync(jsonPath) && fs.existsSync(binPath)) {
      const meta = readMeta(jsonPath);
      if (meta.pageSize !== want.pageSize || meta.pagesPerBlock !== want.pagesPerBlock || meta.model !== want.model) {
        throw new NandError(
          `${dir} holds a ${meta.model} NAND (${meta.pageSize}-byte pages, ${meta.pagesPerBlock} per block), not a ${want.model} one`,
        );
      }
      if (opts.totalBlocks !== undefined && meta.totalBlocks !== opts.totalBlocks) {
        throw new NandError(`${dir} holds a NAND of ${meta.totalBlocks} blocks, not ${opts.totalBlocks}`);
      }
      const expectBytes = meta.totalBlocks * meta.pagesPerBlock * meta.pageSize;
      const size = fs.statSync(binPath).size;
      if (size !== expectBytes) throw new NandError(`${binPath} is ${size} bytes, expected ${expectBytes}`);
      const fd = fs.openSync(binPath, 'r+');
      try {
        const erased = scanErased(fd, meta);
        return new Nand(meta, dir, fd, erased, temporary);
      } catch (e) {
        fs.closeSync(fd);
        throw e;
      }
    }
    const fd = fs.openSync(binPath, 'w+');
    try {
      fillErased(fd, want.totalBlocks * want.pagesPerBlock * want.pageSize);
      fs.writeFileSync(jsonPath, `${JSON.stringify(want, null, 2)}\n`);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    const erased = new Uint8Array(want.totalBlocks * want.pagesPerBlock).fill(1);
    return new Nand(want, dir, fd, erased, temporary);
  }

  get path(): string {
    return path.join(this.dir, 'nand.bin');
  }

  /** Pages addressable by the programmer (good blocks only). */
  get logicalPages(): number {
    return this.goodBlocks.length * this.pagesPerBlock;
  }

  isBad(block: number): boolean {
    return this.bad.has(block);
  }

  isErased(page: number): boolean {
    return this.erased[page] === 1;
  }

  /** Erase physical blocks [first, first + count): every page reads 0xFF afterwards. */
  erase(firstBlock: number, count: number, label?: string): void {
    const fd = this.handle();
    this.checkBlocks(firstBlock, count, 'erase');
    for (let b = firstBlock; b < firstBlock + count; b++) {
      const p0 = b * this.pagesPerBlock;
      let clean = true;
      for (let p = p0; p < p0 + this.pagesPerBlock; p++) if (this.erased[p] !== 1) clean = false;
      // An already erased block holds 0xFF in the file: skip the write, the result is the same.
      if (!clean) writeAll(fd, this.ffBlock, b * this.blockBytes);
      this.erased.fill(1, p0, p0 + this.pagesPerBlock);
    }
    this.record({
      op: 'erase',
      startPage: firstBlock * this.pagesPerBlock,
      pages: count * this.pagesPerBlock,
      ...(label ? { label } : {}),
    });
  }

  /**
   * Program whole pages starting at physical page startPage with one positioned write. Every page
   * must be erased; a page written with all 0xFF flips no bit and stays erased.
   */
  program(startPage: number, data: Uint8Array, label?: string): void {
    const fd = this.handle();
    if (!this.claim(startPage, data, label)) return;
    writeAll(fd, data, startPage * this.pageSize);
  }

  /**
   * program() with the file write on libuv's thread pool, so the device's disk work overlaps the
   * host's. The rules are checked (and the page states updated) at once; keep `data` unchanged
   * and await the promise before reading these pages back.
   */
  programAsync(startPage: number, data: Uint8Array, label?: string): Promise<void> {
    const fd = this.handle();
    if (!this.claim(startPage, data, label)) return Promise.resolve();
    const w = writeAllAsync(fd, data, startPage * this.pageSize);
    const tracked = w.finally(() => this.inFlight.delete(tracked));
    tracked.catch(() => undefined);
    this.inFlight.add(tracked);
    return w;
  }

  /** Wait for every write started by programAsync (call before close()). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Check the program rules and mark the pages programmed; false when there is nothing to write. */
  private claim(startPage: number, data: Uint8Array, label: string | undefined): boolean {
    if (data.length === 0) return false;
    if (data.length % this.pageSize !== 0)
      throw new NandError(`program of ${data.length} bytes is not a whole number of ${this.pageSize}-byte pages`);
    const pages = data.length / this.pageSize;
    this.checkPages(startPage, pages, 'program');
    const firstBlock = Math.floor(startPage / this.pagesPerBlock);
    const lastBlock = Math.floor((startPage + pages - 1) / this.pagesPerBlock);
    for (let b = firstBlock; b <= lastBlock; b++)
      if (this.bad.has(b)) throw new NandError(`program of bad block ${b} failed`);
    for (let p = startPage; p < startPage + pages; p++) {
      if (this.erased[p] !== 1)
        throw new NandError(
          `program of a page that is not erased (page ${p}, block ${Math.floor(p / this.pagesPerBlock)})`,
        );
    }
    // The pages are erased (all 1s), so erased AND data == data: writing data stores the result.
    const ps = this.pageSize;
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < pages; i++) {
      const off = i * ps;
      const allOnes =
        view[off] === 0xff && view[off + ps - 1] === 0xff && view.compare(this.ffBlock, 0, ps, off, off + ps) === 0;
      this.erased[startPage + i] = allOnes ? 1 : 0;
    }
    this.record({ op: 'program', startPage, pages, ...(label ? { label } : {}) });
    return true;
  }

  /** Read physical pages into a caller-sized buffer (whole pages). */
  readInto(startPage: number, into: Uint8Array): Uint8Array {
    const fd = this.handle();
    if (into.length % this.pageSize !== 0)
      throw new NandError(`read of ${into.length} bytes is not a whole number of pages`);
    this.checkPages(startPage, into.length / this.pageSize, 'read');
    let done = 0;
    while (done < into.length) {
      const n = fs.readSync(fd, into, done, into.length - done, startPage * this.pageSize + done);
      if (n <= 0) throw new NandError(`nand.bin ended early at page ${startPage}`);
      done += n;
    }
    return into;
  }

  read(startPage: number, pages: number): Uint8Array {
    return this.readInto(startPage, new Uint8Array(pages * this.pageSize));
  }

  /** Physical runs of the logical pages [startPage, startPage + pages), bad blocks skipped. */
  mapLogical(startPage: number, pages: number): PhysicalRun[] {
    if (
      !Number.isSafeInteger(startPage) ||
      !Number.isSafeInteger(pages) ||
      startPage < 0 ||
      pages < 0 ||
      startPage + pages > this.logicalPages
    ) {
      throw new NandError(
        `pages ${startPage}..${startPage + pages - 1} lie outside the ${this.logicalPages} usable pages`,
      );
    }
    const runs: PhysicalRun[] = [];
    let page = startPage;
    const end = startPage + pages;
    while (page < end) {
      const lblock = Math.floor(page / this.pagesPerBlock);
      const inBlock = page % this.pagesPerBlock;
      const n = Math.min(end - page, this.pagesPerBlock - inBlock);
      const phys = this.goodBlocks[lblock]! * this.pagesPerBlock + inBlock;
      const last = runs[runs.length - 1];
      if (last && last.page + last.pages === phys) last.pages += n;
      else runs.push({ page: phys, pages: n });
      page += n;
    }
    return runs;
  }

  /** Physical block of a logical block. */
  physicalBlock(logicalBlock: number): number {
    const b = this.goodBlocks[logicalBlock];
    if (b === undefined)
      throw new NandError(`logical block ${logicalBlock} is outside the ${this.goodBlocks.length} good blocks`);
    return b;
  }

  /** Read logical pages (through the bad-block mapping) into a caller-sized buffer. */
  readLogicalInto(startPage: number, into: Uint8Array): Uint8Array {
    let off = 0;
    for (const run of this.mapLogical(startPage, into.length / this.pageSize)) {
      const bytes = run.pages * this.pageSize;
      this.readInto(run.page, into.subarray(off, off + bytes));
      off += bytes;
    }
    return into;
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Close the file (writes are already in the kernel); a temporary NAND is deleted. Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.temporary) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private record(op: NandOp): void {
    const last = this.ops[this.ops.length - 1];
    if (
      last &&
      last.op === 'program' &&
      op.op === 'program' &&
      last.label === op.label &&
      last.startPage + last.pages === op.startPage
    ) {
      last.pages += op.pages;
    } else this.ops.push({ ...op });
    this.onOp?.(op);
  }

  private handle(): number {
    if (this.fd === undefined) throw new NandError('the NAND is closed');
    return this.fd;
  }

  private checkPages(start: number, pages: number, what: string): void {
    if (
      !Number.isSafeInteger(start) ||
      !Number.isSafeInteger(pages) ||
      start < 0 ||
      pages < 0 ||
      start + pages > this.totalPages
    ) {
      throw new NandError(
        `${what} of pages ${start}..${start + pages - 1} lies outside the NAND (${this.totalPages} pages)`,
      );
    }
  }

  private checkBlocks(first: number, count: number, what: string): void {
    if (
      !Number.isSafeInteger(first) ||
      !Number.isSafeInteger(count) ||
      first < 0 ||
      count < 0 ||
      first + count > this.totalBlocks
    ) {
      throw new NandError(
        `${what} of blocks ${first}..${first + count - 1} lies outside the NAND (${this.totalBlocks} blocks)`,
      );
    }
    for (let b = first; b < first + count; b++)
      if (this.bad.has(b)) throw new NandError(`${what} of bad block ${b} failed`);
  }
}

function readMeta(jsonPath: string): NandMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new NandError(`${jsonPath} is not readable JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const m = raw as Partial<NandMeta>;
  const int = (v: unknown, min: number, max: number): boolean =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
  if (
    typeof m.model !== 'string' ||
    !int(m.pageSize, 512, 65536) ||
    !int(m.pagesPerBlock, 1, 1024) ||
    !int(m.totalBlocks, 1, 1 << 20) ||
    !Array.isArray(m.badBlocks)
  ) {
    throw new NandError(`${jsonPath} does not describe a NAND`);
  }
  const badBlocks = m.badBlocks.filter((b): b is number => int(b, 0, m.totalBlocks! - 1));
  return {
    model: m.model,
    pageSize: m.pageSize!,
    pagesPerBlock: m.pagesPerBlock!,
    totalBlocks: m.totalBlocks!,
    badBlocks,
    createdBy: typeof m.createdBy === 'string' ? m.createdBy : '',
  };
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done);
}

function writeAllAsync(fd: number, data: Uint8Array, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      if (done >= data.length) return resolve();
      fs.write(fd, data, done, data.length - done, position + done, (err, n) =>
        err ? reject(new NandError(`writing nand.bin failed: ${err.message}`)) : step(done + n),
      );
    };
    step(0);
  });
}

function fillErased(fd: number, bytes: number): void {
  const ff = Buffer.alloc(Math.min(IO_CHUNK, bytes), 0xff);
  for (let off = 0; off < bytes; off += ff.length) writeAll(fd, ff.subarray(0, Math.min(ff.length, bytes - off)), off);
}

/** Derive the erased bitmap from nand.bin with large reads: a page of all 0xFF is erased. */
function scanErased(fd: number, meta: NandMeta): Uint8Array {
  const pages = meta.totalBlocks * meta.pagesPerBlock;
  const ps = meta.pageSize;
  const erased = new Uint8Array(pages);
  const pagesPerRead = Math.max(1, Math.floor(IO_CHUNK / ps));
  const buf = Buffer.alloc(pagesPerRead * ps);
  const ff = Buffer.alloc(ps, 0xff);
  for (let p = 0; p < pages; p += pagesPerRead) {
    const n = Math.min(pagesPerRead, pages - p);
    let done = 0;
    while (done < n * ps) {
      const r = fs.readSync(fd, buf, done, n * ps - done, p * ps + done);
      if (r <= 0) throw new NandError(`nand.bin ended early at page ${p}`);
      done += r;
    }
    for (let i = 0; i < n; i++) {
      const off = i * ps;
      erased[p + i] = buf[off] === 0xff && buf.compare(ff, 0, ps, off, off + ps) === 0 ? 1 : 0;
    }
  }
  return erased;
}
