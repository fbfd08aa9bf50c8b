// Skip what is already there: a re-flash compares each partition on the modem with the package
// (the programmer's digest over the whole partition range) and neither erases nor writes those
// that match. A changed partition, a partition holding a longer older image (stale data past the
// new one) and the SBL are always written; a skip-run cut short resumes to a byte-identical NAND.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/events.js';
import { flashPackage, type FlashResult } from '../../src-main/flows/flash.js';
import { erasedDigest, expectedDigests } from '../../src-main/flows/skip-unchanged.js';
import { loadPackage, type FirmwarePackage } from '../../src-main/package/load.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import type { ProgrammerName } from '../../src-main/sim/programmer-profiles.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';

let dir: string;
let pkgA: FirmwarePackage;
/** Package A with usrdata.ubi changed in one byte and cache.ubi cut to its first half (whole pages). */
let pkgB: FirmwarePackage;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-skip-'));
  const a = await makePackage({ model: 'ec25', outDir: join(dir, 'a'), sizeMiB: 2, seed: 21 });
  pkgA = await loadPackage(a.root);
  await cp(join(dir, 'a'), join(dir, 'b'), { recursive: true });
  pkgB = await loadPackage(a.root.replace(join(dir, 'a'), join(dir, 'b')));
  const usr = programOf(pkgB, 'usrdata.ubi').path!;
  const data = await readFile(usr);
  data[data.length >> 1] = data[data.length >> 1]! ^ 0x01;
  await writeFile(usr, data);
  const cache = programOf(pkgB, 'cache.ubi').path!;
  const c = await readFile(cache);
  expect(c.length).toBeGreaterThan(4 * MODELS.ec25.pageSize);
  // page-aligned: on the modem, the new image's own pages hold exactly it (only the tail differs)
  const ps = MODELS.ec25.pageSize;
  await writeFile(cache, c.subarray(0, Math.floor(c.length / 2 / ps) * ps));
  // md5.txt says what the files now hold (a package as its vendor would ship it)
  const md5Path = join(dir, 'b', relative(join(dir, 'a'), a.root), 'md5.txt');
  let md5 = await readFile(md5Path, 'utf8');
  for (const f of [usr, cache]) {
    const name = basename(f);
    md5 = md5.replace(
      new RegExp(`(${name.replace('.', '\\.')}:)[0-9a-f]{32}`, 'i'),
      (_m, head: string) => head + createHash('md5').update(readFileSync(f)).digest('hex'),
    );
  }
  await writeFile(md5Path, md5);
  await pkgB.dispose();
  pkgB = await loadPackage(a.root.replace(join(dir, 'a'), join(dir, 'b'))); // sizes re-read
});
afterAll(async () => {
  await pkgA.dispose();
  await pkgB.dispose();
  await rm(dir, { recursive: true, force: true });
});

function programOf(pkg: FirmwarePackage, label: string) {
  return pkg.plan.find((s) => s.operation === 'program' && s.label === label)!;
}

interface Run {
  r: FlashResult | Error;
  events: EngineEvent[];
  problems: string[];
  /** NAND operations of this run: [op, start page]. */
  ops: [string, number][];
}

async function flashOn(
  modemDir: string,
  pkg: FirmwarePackage,
  opts: { faults?: Fault[]; journalDir?: string; maxAttempts?: number; programmer?: ProgrammerName } = {},
): Promise<Run> {
  const bus = new MemoryBus();
  const modem = new VirtualModem(
    {
      model: 'ec25',
      stateDir: modemDir,
      faults: opts.faults ?? [],
      reEnumerateDelayMs: 50,
      ...(opts.programmer ? { programmer: opts.programmer } : {}),
    },
    bus,
  );
  await modem.start();
  const before = modem.nand.ops.length;
  const events: EngineEvent[] = [];
  try {
    const r = await flashPackage({
      package: pkg,
      opener: bus.opener,
      onEvent: (e) => events.push(e),
      verifyMd5: false,
      openTimeoutMs: 3000,
      recovery: { maxAttempts: opts.maxAttempts ?? 3 },
      timeouts: { writeMs: 1000, responseMs: 2000 },
      ...(opts.journalDir ? { journalDir: opts.journalDir } : {}),
    }).catch((e: unknown) => e as Error);
    await modem.nand.settle();
    const m = MODELS.ec25;
    const audit = await auditNand(
      {
        nandPath: join(modemDir, 'nand.bin'),
        pageSize: m.pageSize,
        pagesPerBlock: m.pagesPerBlock,
        totalBlocks: modem.nand.totalBlocks,
        badBlocks: modem.nand.badBlocks,
      },
      pkg.plan,
    );
    const ops = modem.nand.ops.slice(before).map((o): [string, number] => [o.op, o.startPage]);
    return { r, events, problems: audit.problems, ops };
  } finally {
    await modem.stop();
  }
}

const methods = (r: FlashResult | Error): Record<string, string> => {
  if (r instanceof Error) throw r;
  return Object.fromEntries(r.partitions.map((p) => [p.label, p.method]));
};

describe('re-flashing skips what the modem already holds', () => {
  it('the same package again: every partition but SBL unchanged by digest, SBL erased first and written last', async () => {
    const modemDir = join(dir, 'm-same');
    const first = await flashOn(modemDir, pkgA);
    expect(first.problems).toEqual([]);
    expect(Object.values(methods(first.r)).every((m) => m === 'digest')).toBe(true);
    const again = await flashOn(modemDir, pkgA);
    expect(again.problems).toEqual([]);
    const m = methods(again.r);
    expect(m['sbl1.mbn']).toBe('digest');
    for (const [label, method] of Object.entries(m))
      if (label !== 'sbl1.mbn') expect(method).toBe('unchanged (digest)');
    // SBL only: its erase (start page 0) first, its program last
    expect(again.ops.length).toBeGreaterThan(0);
    expect(again.ops.every(([, page]) => page === 0)).toBe(true);
    expect(again.ops[0]![0]).toBe('erase');
    expect(again.ops.at(-1)![0]).toBe('program');
    const skipLogs = again.events.filter((e) => e.type === 'log' && /already holds this image/.test(e.message));
    expect(skipLogs.length).toBe(pkgA.plan.filter((st) => st.operation === 'program').length - 1);
    if (again.r instanceof Error) throw again.r;
    expect(again.r.bytesWritten).toBeLessThan(programOf(pkgA, 'sbl1.mbn').bytes + MODELS.ec25.pageSize);
  });

  it('a changed partition and one whose older image was longer are written; the rest is skipped', async () => {
    const modemDir = join(dir, 'm-changed');
    expect((await flashOn(modemDir, pkgA)).problems).toEqual([]);
    const run = await flashOn(modemDir, pkgB);
    expect(run.problems).toEqual([]); // cache.ubi's tail past the shorter image is erased again
    const m = methods(run.r);
    expect(m['usrdata.ubi']).toBe('digest');
    expect(m['cache.ubi']).toBe('digest');
    expect(m['sbl1.mbn']).toBe('digest');
    expect(m['NON-HLOS.ubi']).toBe('unchanged (digest)');
    const written = new Set(run.ops.filter(([op]) => op === 'program').map(([, p]) => p));
    for (const label of ['usrdata.ubi', 'cache.ubi', 'sbl1.mbn'])
      expect(written.has(programOf(pkgB, label).start_sector)).toBe(true);
    expect(written.has(programOf(pkgB, 'NON-HLOS.ubi').start_sector)).toBe(false);
  });

  it('the shorter image padded with zeros matches the longer one on its own pages, but not the whole partition', async () => {
    const older = await readFile(programOf(pkgA, 'cache.ubi').path!);
    const newer = await readFile(programOf(pkgB, 'cache.ubi').path!);
    expect(older.subarray(0, newer.length).equals(newer)).toBe(true); // a digest of the image's pages alone would match
    const b = await expectedDigests(programOf(pkgB, 'cache.ubi'));
    expect(b.padded).toBe(createHash('sha256').update(older.subarray(0, newer.length)).digest('hex'));
    // what decides: the rest of the partition must be erased, and on the modem it holds the older tail
    const rest = (programOf(pkgB, 'cache.ubi').num_sectors - b.imageSectors) * MODELS.ec25.pageSize;
    expect(b.tail).toBe(erasedDigest(rest));
    expect(b.probe).not.toBe(b.tail);
  });

  it('a programmer without getsha256digest: nothing is skipped, everything is written', async () => {
    const modemDir = join(dir, 'm-nodigest');
    expect((await flashOn(modemDir, pkgA, { programmer: 'no-digest' })).problems).toEqual([]);
    const again = await flashOn(modemDir, pkgA, { programmer: 'no-digest' });
    expect(again.problems).toEqual([]);
    expect(Object.values(methods(again.r))).not.toContain('unchanged (digest)');
  });

  it('a skip-run cut off while writing the changed partition resumes to a byte-identical NAND', async () => {
    const modemDir = join(dir, 'm-cut');
    const journalDir = join(dir, 'j-cut');
    expect((await flashOn(modemDir, pkgA)).problems).toEqual([]);
    const half = Math.floor(programOf(pkgB, 'usrdata.ubi').bytes / 2);
    const cut = await flashOn(modemDir, pkgB, {
      faults: [{ kind: 'disconnect', atBytes: half }],
      journalDir,
      maxAttempts: 0,
    });
    expect(cut.r).toBeInstanceOf(Error);
    expect(cut.problems.length).toBeGreaterThan(0);
    const resumed = await flashOn(modemDir, pkgB, { journalDir });
    expect(resumed.problems).toEqual([]);
    const m = methods(resumed.r);
    expect(m['NON-HLOS.ubi']).toBe('earlier run'); // found unchanged by the cut run, kept in its journal
    expect(m['usrdata.ubi']).toBe('digest');
    expect(m['sbl1.mbn']).toBe('digest');
  });
});
