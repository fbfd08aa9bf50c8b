// A QPST-layout full backup (test/fixtures/qpst-synthetic/full.xqcn: relative EFS paths, indexed
// NV items, SIM 1 items and an empty SIM 2 array, provisioning files, rfnv files in EFS_Backup)
// restored into a virtual EC25 whose NV and EFS were erased: the plan before any write, the
// restore, the next backup equal to the file item for item, index for index, file for file and
// storage by storage; items the module refuses; a restore cut off by a disconnect, run again.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupQcn } from '../../src-main/flows/backup.js';
import { restoreQcn } from '../../src-main/flows/restore.js';
import { compareQcn, nvLabel } from '../../src-main/qcn/compare.js';
import { readQcn, type QcnBackup } from '../../src-main/qcn/layout.js';
import { backupToQcn, parseBackupFile } from '../../src-main/qcn/qcn-file.js';
import { startNormalModem, type TestModem } from './normal-modem.js';

const FIXTURE = join(__dirname, '../fixtures/qpst-synthetic/full.xqcn');
/** The file's items reach NV 4678; the backups read no further, to stay quick. */
const range: [number, number] = [0, 4700];
/** The file holds the IMEI and RF calibration: a full restore names both. */
const items = ['imei', 'rfnv'];

let dir: string;
const modems: TestModem[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-restore-qpst-'));
});
afterEach(async () => {
  for (const m of modems.splice(0)) await m.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A virtual EC25 with nothing in NV or EFS (every item NOTACTIVE). */
async function blankModem(faults: string[] = []): Promise<TestModem> {
  const m = await startNormalModem({ faults });
  modems.push(m);
  m.state.eraseAll();
  return m;
}

const fixture = (): QcnBackup => parseBackupFile(new Uint8Array(readFileSync(FIXTURE)), FIXTURE);

/** Every entry of the file by its label: NV records with their index, files as the file spells them. */
function labelsOf(q: QcnBackup): string[] {
  return [
    ...q.nvItems.map(nvLabel),
    ...[...q.efsBackup, ...q.provisioning, ...q.nvItemFiles].map((f) => f.path),
  ].sort();
}

async function backupOf(m: TestModem, name: string): Promise<QcnBackup> {
  const out = join(dir, name);
  await backupQcn({ dm: m.bus.dmOpener, out, nvRange: range });
  return readQcn(new Uint8Array(readFileSync(out)));
}

describe('restoring a QPST-layout full backup', () => {
  it('the dry run shows the whole plan and writes nothing; the restore writes exactly it; the next backup equals the file', async () => {
    const m = await blankModem();
    const q = fixture();
    const dry = await restoreQcn({
      dm: m.bus.dmOpener,
      file: FIXTURE,
      dryRun: true,
      items,
      backupDir: join(dir, 'before'),
    });
    expect(dry.outcome).toBe('dry run');
    expect(dry.diff.write.map((w) => w.label).sort()).toEqual(labelsOf(q));
    expect(dry.diff.write.find((w) => w.label === 'NV 1014[5]')!.reason).toBe('missing on the modem');
    expect(dry.diff.invalid).toEqual([]);
    expect(m.state.nvIds(0)).toEqual([]); // nothing written
    expect(m.state.allFiles()).toEqual([]);
    expect(existsSync(join(dir, 'before'))).toBe(false);

    const r = await restoreQcn({
      dm: m.bus.dmOpener,
      file: FIXTURE,
      items,
      backupDir: join(dir, 'before'),
      nvRange: range,
    });
    expect(r.outcome).toBe('restored');
    expect(r.diff.write).toEqual(dry.diff.write); // the plan the dry run showed
    expect(r.written).toBe(labelsOf(q).length);
    expect(r.verified).toBe(r.written);
    expect([r.refused, r.failed]).toEqual([[], []]);
    expect(r.reset).toBe(true);
    await expect.poll(() => m.resets, { timeout: 2000 }).toBe(1);
    // Relative paths landed at the EFS root; entry 5 of 1014 at index 5.
    expect([...m.state.readFile('/pdp_profiles/ap_embd_call_prof_num_Subscription01')!]).toEqual([1]);
    expect(m.state.nvRead(1014, 0, 5).data[0]).toBe(5);
    expect(m.state.nvRead(1014, 0, 0).data[0]).toBe(0);

    const next = await backupOf(m, 'next.qcn');
    expect(compareQcn(q, next)).toEqual([]);
    expect(
      next.nvItems
        .filter((i) => i.id === 1014)
        .map((i) => i.index)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5]);
    expect(
      next.nvItems
        .filter((i) => i.id === 4678)
        .map((i) => i.index)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    expect(next.nvItemFiles).toEqual([]);

    const again = await restoreQcn({ dm: m.bus.dmOpener, file: FIXTURE, items, dryRun: true, backupDir: dir });
    expect(again.diff.write).toEqual([]);
    expect(again.diff.same).toBe(labelsOf(q).length);
  });

  it('the same file as a binary QCN restores the same way', async () => {
    const m = await blankModem();
    const qcn = join(dir, 'full.qcn');
    writeFileSync(qcn, backupToQcn(fixture()));
    const r = await restoreQcn({ dm: m.bus.dmOpener, file: qcn, items, backupDir: dir, nvRange: range });
    expect(r.outcome).toBe('restored');
    await expect.poll(() => m.resets, { timeout: 2000 }).toBe(1);
    expect(compareQcn(fixture(), await backupOf(m, 'next.qcn'))).toEqual([]);
  });

  it('items the module refuses, and entries no write can carry, leave a partly-restored result naming each; the rest is written, verified, the module reset', async () => {
    const m = await blankModem();
    const q = fixture();
    const bad: QcnBackup = {
      ...q,
      nvItems: [
        ...q.nvItems,
        { id: 7400, index: 0, context: 0, data: new Uint8Array(128).fill(5) },
        { id: 1014, index: 9, context: 0, data: new Uint8Array(128).fill(7) },
      ],
      // The last file's parent is a file the restore writes first: the module answers ENOTDIR.
      efsBackup: [
        ...q.efsBackup,
        { path: '/rfc/rffe_scan/rffe_scan.dat/extra', mtime: 0, data: Uint8Array.of(1) },
        { path: 'pdp_profiles/../x', mtime: 0, data: Uint8Array.of(1) },
      ],
    };
    const file = join(dir, 'bad.qcn');
    writeFileSync(file, backupToQcn(bad));
    const dry = await restoreQcn({ dm: m.bus.dmOpener, file, items, dryRun: true, backupDir: dir });
    expect(dry.diff.invalid.map((c) => `${c.label}: ${c.reason}`)).toEqual([
      'NV 1014[9]: its data does not start with its index 9 and differs from entry 0, so no NV write can put it at index 9',
      'pdp_profiles/../x: its path climbs with "." or ".."',
    ]);
    const r = await restoreQcn({ dm: m.bus.dmOpener, file, items, backupDir: dir, nvRange: range });
    expect(r.outcome).toBe('partly restored');
    expect(r.refused).toEqual([
      { label: 'NV 7400', reason: 'the item number or its data is not valid for this modem (BADPARM)' },
      { label: '/rfc/rffe_scan/rffe_scan.dat/extra', reason: expect.stringMatching(/ENOTDIR|not a folder/i) },
    ]);
    expect(r.failed).toEqual([]);
    expect(r.written).toBe(labelsOf(q).length);
    expect(r.verified).toBe(r.written);
    await expect.poll(() => m.resets, { timeout: 2000 }).toBe(1);
    expect(compareQcn(q, await backupOf(m, 'next.qcn'))).toEqual([]);
  });

  it('a restore cut off by a disconnect converges when run again: it writes only what still differs', async () => {
    // Where the writes start on a blank module (deterministic), from a run without the fault.
    const probe = await blankModem();
    let writesFrom = 0;
    const before = probe.requests();
    await restoreQcn({
      dm: probe.bus.dmOpener,
      file: FIXTURE,
      items,
      backupDir: join(dir, 'probe'),
      nvRange: range,
      onEvent: (e) => {
        if (e.type === 'log' && e.message.startsWith('Writing ')) writesFrom = probe.requests() - before;
      },
    });
    expect(writesFrom).toBeGreaterThan(1000);

    const m = await blankModem([`drop-diag@${writesFrom + 12}`]);
    const err = await restoreQcn({
      dm: m.bus.dmOpener,
      file: FIXTURE,
      items,
      backupDir: dir,
      nvRange: range,
      timeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(m.dropped).toBe(true);
    expect((err as { code?: string }).code).toBe('DEVICE_DISCONNECTED');
    const total = labelsOf(fixture()).length;
    const made = Number(
      /stopped after (\d+) of (\d+) writes; run the same restore again when the modem is back/.exec(
        (err as Error).message,
      )?.[1],
    );
    expect(made).toBeGreaterThan(0);
    expect((err as Error).message).toContain(`of ${total} writes`);
    expect(m.state.nvIds(0).length).toBeGreaterThan(0); // some writes were made

    const r = await restoreQcn({ dm: m.bus.dmOpener, file: FIXTURE, items, backupDir: dir, nvRange: range });
    expect(r.outcome).toBe('restored');
    expect(r.diff.same).toBeGreaterThanOrEqual(made);
    expect(r.written).toBe(total - r.diff.same);
    await expect.poll(() => m.resets, { timeout: 2000 }).toBe(1);
    expect(compareQcn(fixture(), await backupOf(m, 'next.qcn'))).toEqual([]);
  });
});
