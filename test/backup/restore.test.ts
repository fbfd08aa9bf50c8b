import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupQcn } from '../../src-main/flows/backup.js';
import { restoreQcn } from '../../src-main/flows/restore.js';
import { readQcn, writeQcn } from '../../src-main/qcn/layout.js';
import { treeToXqcn } from '../../src-main/qcn/xqcn.js';
import { qcnToTree } from '../../src-main/qcn/layout.js';
import { imeiToNv } from '../../src-main/protocol/imei.js';
import { startNormalModem, type TestModem } from './normal-modem.js';

let dir: string;
let modem: TestModem | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-restore-'));
});
afterEach(async () => {
  await modem?.stop();
  modem = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Small NV range keeps the tests fast; the items changed below are inside it. */
const range: [number, number] = [0, 2600];

async function savedBackup(m: TestModem): Promise<string> {
  const out = join(dir, 'saved.qcn');
  await backupQcn({ dm: m.bus.dmOpener, out, nvRange: range });
  return out;
}

function nvOf(m: TestModem, id: number, ctx = 0): string {
  return Buffer.from(m.state.nvRead(id, ctx).data).toString('hex');
}

describe('QCN restore onto the virtual modem', () => {
  it('dry run lists exactly the differences; restore brings back exactly the saved state, protected items only when named', async () => {
    modem = await startNormalModem();
    const saved = await savedBackup(modem);
    const ids = modem.state
      .nvIds(0)
      .filter((id) => id > 100 && id < 2400 && ![259, 296, 1031, 569, 570, 571].includes(id));
    const changedId = ids[0]!;
    const erasedId = ids[1]!;
    const before = {
      changed: nvOf(modem, changedId),
      erased: nvOf(modem, erasedId),
      sim: nvOf(modem, 10, 1),
      imei: nvOf(modem, 550),
      rf: nvOf(modem, 569),
    };
    const rfnvPath = modem.state.allFiles().find((p) => p.startsWith('/nv/item_files/rfnv/'))!;
    const rfnvBytes = modem.state.readFile(rfnvPath)!.slice();
    // Change the modem: one item altered, one erased, a SIM 1 item, a hidden provisioning file, the IMEI, calibration.
    const unlocked = { unlocked: true };
    modem.state.nvWrite(changedId, 0, new Uint8Array(128).fill(0xee), unlocked);
    modem.state.nvErase(erasedId);
    modem.state.nvWrite(10, 1, new Uint8Array(128).fill(0x11), unlocked);
    const imsBefore = [...modem.state.readFile('/nv/item_files/ims/IMS_enable')!];
    modem.state.writeFile('/nv/item_files/ims/IMS_enable', Uint8Array.of(0x5a));
    modem.state.nvWrite(550, 0, imeiToNv('490154203237518'), unlocked);
    modem.state.nvWrite(569, 0, new Uint8Array(128).fill(1), unlocked);
    modem.state.writeFile(rfnvPath, Uint8Array.of(9, 9, 9));

    const dry = await restoreQcn({ dm: modem.bus.dmOpener, file: saved, dryRun: true, backupDir: dir });
    expect(dry.written).toBe(0);
    expect(dry.diff.write.map((w) => w.label).sort()).toEqual(
      [`NV ${changedId}`, `NV ${erasedId}`, 'NV 10 (SIM 1)', '/nv/item_files/ims/IMS_enable'].sort(),
    );
    expect(dry.diff.write.find((w) => w.label === `NV ${erasedId}`)!.reason).toBe('missing on the modem');
    expect(dry.diff.skipped.map((s) => `${s.label}:${s.protectedAs}`).sort()).toEqual(
      ['NV 550:imei', 'NV 569:rfnv', `${rfnvPath}:rfnv`].sort(),
    );
    expect(nvOf(modem, changedId)).toBe('ee'.repeat(128)); // a dry run writes nothing
    expect(readdirSync(dir)).toEqual(['saved.manifest.json', 'saved.qcn']);

    const r = await restoreQcn({ dm: modem.bus.dmOpener, file: saved, backupDir: dir, nvRange: range });
    expect(r.written).toBe(4);
    expect(r.verified).toBe(4);
    expect(r.outcome).toBe('restored');
    expect(nvOf(modem, changedId)).toBe(before.changed);
    expect(nvOf(modem, erasedId)).toBe(before.erased);
    expect(nvOf(modem, 10, 1)).toBe(before.sim);
    expect([...modem.state.readFile('/nv/item_files/ims/IMS_enable')!]).toEqual(imsBefore);
    expect(nvOf(modem, 550)).not.toBe(before.imei); // protected: left alone
    expect(r.freshBackup).toBeDefined();
    const fresh = readQcn(new Uint8Array(readFileSync(r.freshBackup!)));
    expect(Buffer.from(fresh.nvItems.find((i) => i.id === changedId && i.context === 0)!.data).toString('hex')).toBe(
      'ee'.repeat(128),
    );
    await expect.poll(() => modem!.resets, { timeout: 2000 }).toBe(1);

    // Named groups: now IMEI and calibration come back too, and the modem equals the saved file.
    const r2 = await restoreQcn({
      dm: modem.bus.dmOpener,
      file: saved,
      backupDir: dir,
      items: ['imei', 'rfnv'],
      nvRange: range,
    });
    expect(r2.written).toBe(3);
    expect(nvOf(modem, 550)).toBe(before.imei);
    expect(nvOf(modem, 569)).toBe(before.rf);
    expect(Buffer.from(modem.state.readFile(rfnvPath)!).equals(Buffer.from(rfnvBytes))).toBe(true);
    await expect.poll(() => modem!.resets, { timeout: 2000 }).toBe(2);
    const again = await restoreQcn({
      dm: modem.bus.dmOpener,
      file: saved,
      dryRun: true,
      backupDir: dir,
      items: ['imei', 'rfnv', 'esn', 'meid', 'spc'],
    });
    expect(again.diff.write).toEqual([]);
    expect(again.diff.skipped).toEqual([]);
  });

  it('refuses a QCN from another model or firmware unless forced', async () => {
    modem = await startNormalModem();
    const saved = readQcn(new Uint8Array(readFileSync(await savedBackup(modem))));
    const other = join(dir, 'other.qcn');
    writeFileSync(other, writeQcn({ ...saved, property: { ...saved.property, swVersion: 'EC25EFAR02A01M4G' } }));
    await expect(
      restoreQcn({ dm: modem.bus.dmOpener, file: other, dryRun: true, backupDir: dir }),
    ).rejects.toMatchObject({ code: 'QCN_MISMATCH' });
    const forced = await restoreQcn({ dm: modem.bus.dmOpener, file: other, dryRun: true, force: true, backupDir: dir });
    expect(forced.diff.write).toEqual([]);
    const otherModel = join(dir, 'model.qcn');
    writeFileSync(otherModel, writeQcn({ ...saved, model: 12345 }));
    await expect(
      restoreQcn({ dm: modem.bus.dmOpener, file: otherModel, dryRun: true, backupDir: dir }),
    ).rejects.toThrow(/model number 12345/);
  });

  it('an item the modem refuses (not defined in its firmware) is reported; the rest is restored and verified', async () => {
    modem = await startNormalModem();
    const saved = readQcn(new Uint8Array(readFileSync(await savedBackup(modem))));
    const id = modem.state.nvIds(0).find((n) => n > 100 && n < 2400 && ![259, 296, 1031].includes(n))!;
    const before = nvOf(modem, id);
    modem.state.nvWrite(id, 0, new Uint8Array(128).fill(0xee), { unlocked: true });
    const file = join(dir, 'extra.qcn');
    writeFileSync(
      file,
      writeQcn({
        ...saved,
        nvItems: [...saved.nvItems, { id: 7400, index: 0, context: 0, data: new Uint8Array(128).fill(5) }],
      }),
    );
    const r = await restoreQcn({ dm: modem.bus.dmOpener, file, backupDir: dir, nvRange: range });
    expect(r.outcome).toBe('partly restored');
    expect(r.refused).toEqual([
      { label: 'NV 7400', reason: 'the item number or its data is not valid for this modem (BADPARM)' },
    ]);
    expect(r.failed).toEqual([]);
    expect(r.written).toBe(1);
    expect(r.verified).toBe(1);
    expect(r.reset).toBe(true);
    expect(nvOf(modem, id)).toBe(before);
  });

  it('when the modem refuses everything there was to write: partly restored, nothing written, no reset', async () => {
    modem = await startNormalModem();
    const saved = readQcn(new Uint8Array(readFileSync(await savedBackup(modem))));
    const file = join(dir, 'only-extra.qcn');
    writeFileSync(
      file,
      writeQcn({
        ...saved,
        nvItems: [...saved.nvItems, { id: 7400, index: 0, context: 0, data: new Uint8Array(128).fill(5) }],
      }),
    );
    const r = await restoreQcn({ dm: modem.bus.dmOpener, file, backupDir: dir, nvRange: range });
    expect([r.outcome, r.written, r.verified, r.reset]).toEqual(['partly restored', 0, 0, false]);
    expect(r.refused.map((p) => p.label)).toEqual(['NV 7400']);
    await new Promise((res) => setTimeout(res, 100));
    expect(modem.resets).toBe(0);
  });

  it('paces EFS writes with syncs: every file restored on a modem whose journal takes only 10 writes', async () => {
    modem = await startNormalModem({ journalWrites: 10 });
    const saved = await savedBackup(modem);
    const paths = modem.state.allFiles().filter((p) => !p.startsWith('/nv/item_files/rfnv/'));
    expect(paths.length).toBeGreaterThan(15);
    const before = new Map(paths.map((p) => [p, Buffer.from(modem!.state.readFile(p)!).toString('hex')]));
    for (const p of paths) modem.state.writeFile(p, Uint8Array.of(0x77, 0x77));
    const warnings: string[] = [];
    const r = await restoreQcn({
      dm: modem.bus.dmOpener,
      file: saved,
      backupDir: dir,
      nvRange: range,
      onEvent: (e) => e.type === 'log' && e.level === 'warn' && warnings.push(e.message),
    });
    expect(warnings.some((w) => w.includes('journal was full'))).toBe(true);
    expect(r.written).toBe(paths.length);
    expect(r.verified).toBe(paths.length);
    for (const p of paths) expect(Buffer.from(modem.state.readFile(p)!).toString('hex'), p).toBe(before.get(p));
  });

  it('reads XQCN as well as QCN', async () => {
    modem = await startNormalModem();
    const saved = readQcn(new Uint8Array(readFileSync(await savedBackup(modem))));
    const x = join(dir, 'saved.xqcn');
    writeFileSync(x, treeToXqcn(qcnToTree(saved)));
    const r = await restoreQcn({ dm: modem.bus.dmOpener, file: x, dryRun: true, backupDir: dir });
    expect(r.diff.write).toEqual([]);
    expect(r.diff.same).toBe(
      saved.nvItems.length + saved.efsBackup.length + saved.provisioning.length + saved.nvItemFiles.length,
    );
  });

  it('a modem dropping off mid-restore gives a clear error; the fresh backup taken before the writes is complete', async () => {
    const change = (m: TestModem): void => {
      for (const id of m.state
        .nvIds(0)
        .filter((n) => n > 100 && n < 2400 && ![259, 296, 1031].includes(n))
        .slice(0, 6))
        m.state.nvWrite(id, 0, new Uint8Array(128).fill(0xee), { unlocked: true });
    };
    // A run without the fault tells where the writes start.
    modem = await startNormalModem();
    const saved = await savedBackup(modem);
    change(modem);
    const start = modem.requests();
    let writesFrom = 0;
    const m1 = modem;
    await restoreQcn({
      dm: modem.bus.dmOpener,
      file: saved,
      backupDir: join(dir, 'first'),
      nvRange: range,
      onEvent: (e) => {
        if (e.type === 'log' && e.message.startsWith('Writing ')) writesFrom = m1.requests() - start;
      },
    });
    expect(writesFrom).toBeGreaterThan(1000);
    await modem.stop();
    rmSync(join(dir, 'first'), { recursive: true });

    modem = await startNormalModem({ faults: [`drop-diag@${writesFrom + 3}`] });
    change(modem);
    const backups = join(dir, 'before');
    const err = await restoreQcn({
      dm: modem.bus.dmOpener,
      file: saved,
      backupDir: backups,
      timeoutMs: 500,
      nvRange: range,
    }).catch((e: unknown) => e);
    expect(modem.dropped).toBe(true);
    expect((err as { code?: string }).code).toBe('DEVICE_DISCONNECTED');
    expect((err as Error).message).toMatch(/disappeared/);
    expect((err as Error).message).toMatch(
      /run the same restore again when the modem is back: it writes only what still differs/,
    );
    const files = readdirSync(backups);
    expect(files.filter((f) => f.endsWith('.qcn'))).toHaveLength(1);
    expect(files.some((f) => f.includes('partial'))).toBe(false);
    const fresh = readQcn(
      new Uint8Array(
        readFileSync(
          join(
            backups,
            files.find((f) => f.endsWith('.qcn'))!,
          ),
        ),
      ),
    );
    expect(fresh.nvItems.filter((i) => i.data.every((b) => b === 0xee))).toHaveLength(6);
  });
});
