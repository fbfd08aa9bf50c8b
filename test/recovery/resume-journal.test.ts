// The resume journal: which plan steps a new run may skip (never SBL, never a patch or the reset,
// an erase only when verified programs cover it), atomic files that survive a reload, damaged or
// foreign journals set aside, and a run resumed on the engine level.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/events.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { isBootStep, packageIdentity, ResumeJournal } from '../../src-main/flows/resume-journal.js';
import { loadPackage, type FirmwarePackage } from '../../src-main/package/load.js';
import type { PlanStep } from '../../src-main/package/plan.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';

let dir: string;
let pkg: FirmwarePackage;
const H = 'a'.repeat(64);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-journal-'));
  pkg = await loadPackage((await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 7 })).root);
});
afterAll(async () => {
  await pkg.dispose();
  await rm(dir, { recursive: true, force: true });
});

const program = (label: string): PlanStep => pkg.plan.find((s) => s.operation === 'program' && s.label === label)!;
const erase = (label: string): PlanStep => pkg.plan.find((s) => s.operation === 'erase' && s.label === label)!;

describe('what a journal lets a run skip', () => {
  it('a verified partition skips its erase and program; SBL, patches and the reset never skip', async () => {
    const j = await ResumeJournal.open(join(dir, 'j1'), 'pkg-a');
    await j.record(program('NON-HLOS.ubi'), H, 'digest');
    await j.record(program('sbl1.mbn'), H, 'digest'); // ignored: SBL is never trusted
    expect(j.canSkip(program('NON-HLOS.ubi'), pkg.plan)).toBe(true);
    expect(j.canSkip(erase('NON-HLOS.ubi'), pkg.plan)).toBe(true);
    expect(j.canSkip(program('usrdata.ubi'), pkg.plan)).toBe(false);
    expect(j.canSkip(erase('usrdata.ubi'), pkg.plan)).toBe(false);
    const sbl = pkg.plan.filter(isBootStep);
    expect(sbl.map((s) => s.operation)).toEqual(expect.arrayContaining(['erase', 'program']));
    for (const s of sbl) expect(j.canSkip(s, pkg.plan)).toBe(false);
    for (const s of pkg.plan.filter((x) => x.operation === 'patch' || x.operation === 'reset'))
      expect(j.canSkip(s, pkg.plan)).toBe(false);
    expect(j.verified.map((v) => v.label)).toEqual(['NON-HLOS.ubi']);
  });

  it('survives a reload, written atomically (no temporary file left), and is removed when cleared', async () => {
    const folder = join(dir, 'j2');
    const j = await ResumeJournal.open(folder, 'pkg-b');
    await j.record(program('cache.ubi'), H, 'read-back');
    expect(await readdir(folder)).toEqual(['pkg-b.json']);
    const again = await ResumeJournal.open(folder, 'pkg-b');
    expect(again.verifiedFor(program('cache.ubi'))).toMatchObject({ sha256: H, method: 'read-back' });
    await again.clear();
    expect(await readdir(folder)).toEqual([]);
  });

  it('sets aside a damaged journal, one of another package, and one bound to another modem', async () => {
    const folder = join(dir, 'j3');
    const j = await ResumeJournal.open(folder, 'pkg-c');
    await j.bindDevice('111');
    await j.record(program('cache.ubi'), H, 'digest');
    const text = await readFile(join(folder, 'pkg-c.json'), 'utf8');
    expect(await (await ResumeJournal.open(folder, 'pkg-c')).bindDevice('222')).toBe(true); // other modem: dropped
    await writeFile(join(folder, 'pkg-c.json'), text);
    await writeFile(
      join(folder, 'pkg-d.json'),
      text.replace('"pkg-c"', '"pkg-d"').replace(/"sha256": "a+"/, '"sha256": "zz"'),
    );
    const damaged = await ResumeJournal.open(folder, 'pkg-d');
    expect(damaged.setAside).toMatch(/SHA-256/);
    expect(damaged.verified).toEqual([]);
    await writeFile(
      join(folder, 'pkg-e.json'),
      '{"format": "modem-rescue-journal/1", "packageId": "pkg-c", "verified": []}',
    );
    expect((await ResumeJournal.open(folder, 'pkg-e')).setAside).toMatch(/another package/);
    await writeFile(join(folder, 'pkg-f.json'), '{not json');
    expect((await ResumeJournal.open(folder, 'pkg-f')).setAside).toMatch(/JSON/);
  });

  it('the package identity changes when an image changes', async () => {
    const before = await packageIdentity(pkg);
    const p = program('cache.ubi').path!;
    const original = await readFile(p);
    const changed = Buffer.from(original);
    changed[0] = changed[0]! ^ 0xff;
    await writeFile(p, changed);
    try {
      expect(await packageIdentity(pkg)).not.toBe(before);
    } finally {
      await writeFile(p, original);
    }
    expect(await packageIdentity(pkg)).toBe(before);
  });
});

describe('resuming on the engine level', () => {
  async function flashOn(
    modemDir: string,
    journalDir: string,
    faults: ConstructorParameters<typeof VirtualModem>[0]['faults'] = [],
    maxAttempts = 3,
  ) {
    const bus = new MemoryBus();
    const modem = new VirtualModem({ model: 'ec25', stateDir: modemDir, faults, reEnumerateDelayMs: 50 }, bus);
    await modem.start();
    const events: EngineEvent[] = [];
    try {
      const r = await flashPackage({
        package: pkg,
        opener: bus.opener,
        onEvent: (e) => events.push(e),
        journalDir,
        openTimeoutMs: 3000,
        recovery: { maxAttempts },
        timeouts: { writeMs: 1000, responseMs: 2000 },
      }).then(
        (x) => x,
        (e: unknown) => e as Error,
      );
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
      const programmed = new Set(modem.nand.ops.filter((o) => o.op === 'program').map((o) => o.startPage));
      return { r, events, audit, programmed };
    } finally {
      await modem.stop();
    }
  }

  it('a run cut by power loss during SBL (recovery off) is finished by the next run without rewriting verified partitions', async () => {
    const modemDir = join(dir, 'm1');
    const journalDir = join(dir, 'jm1');
    const first = await flashOn(modemDir, journalDir, [{ kind: 'power-loss-sbl' }], 0);
    expect(first.r).toBeInstanceOf(Error);
    const second = await flashOn(modemDir, journalDir);
    expect(second.r).not.toBeInstanceOf(Error);
    if (second.r instanceof Error) return;
    expect(second.audit.problems).toEqual([]);
    // every partition but SBL was verified in the first run: the second writes SBL only
    expect(second.r.resumed.length).toBe(pkg.plan.filter((s) => s.operation === 'program').length - 1);
    expect([...second.programmed]).toEqual([0]);
    expect(second.r.partitions.find((p) => p.label === 'sbl1.mbn')?.method).toBe('digest');
    expect(second.r.partitions.find((p) => p.label === 'NON-HLOS.ubi')?.method).toBe('earlier run');
    expect(await readdir(journalDir)).toEqual([]);
  });

  it('a journal that does not match the modem (another, blank one) is checked on the device and everything is written', async () => {
    const journalDir = join(dir, 'jm2');
    const first = await flashOn(join(dir, 'm2a'), journalDir, [{ kind: 'power-loss-sbl' }], 0);
    expect(first.r).toBeInstanceOf(Error);
    const other = await flashOn(join(dir, 'm2b'), journalDir); // same serial (same model), blank NAND
    expect(other.r).not.toBeInstanceOf(Error);
    expect(other.audit.problems).toEqual([]);
    if (!(other.r instanceof Error)) expect(other.r.resumed).toEqual([]);
    expect(other.events.filter((e) => e.type === 'log' && /no longer holds/.test(e.message)).length).toBeGreaterThan(0);
  });
});
