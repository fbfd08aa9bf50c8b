import CFB from 'cfb';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupQcn, PROVISIONING_PATHS } from '../../src-main/flows/backup.js';
import { nvToImei } from '../../src-main/protocol/imei.js';
import { isItemFilePath, modulePath } from '../../src-main/qcn/efs-paths.js';
import { readQcn } from '../../src-main/qcn/layout.js';
import { startNormalModem, type TestModem } from './normal-modem.js';
import { createHash } from 'node:crypto';

let dir: string;
let modem: TestModem | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-backup-'));
});
afterEach(async () => {
  await modem?.stop();
  modem = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('QCN backup from the virtual modem', () => {
  it('writes a QCN the cfb package opens, with 136-byte NV records, the modem IMEI, every NV item and file', async () => {
    modem = await startNormalModem();
    const out = join(dir, 'ec25.qcn');
    const events: string[] = [];
    const r = await backupQcn({
      dm: modem.bus.dmOpener,
      out,
      onEvent: (e) => e.type === 'log' && events.push(e.message),
    });
    const file = readFileSync(out);
    const c = CFB.read(file, { type: 'buffer' });
    const streams = new Set(
      c.FullPaths.filter((_, i) => c.FileIndex[i]!.type === 2).map((p) => p.replace(/^Root Entry\//, '')),
    );
    for (const s of [
      'File_Version',
      '00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY',
      '00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY_SIM_1',
      '00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY_SIM_2',
      '00024655/default/Mobile_Property_Info',
      '00024655/default/Feature_Mask',
      '00024655/default/EFS_Backup/EFS_Dir/00000000',
      '00024655/default/Provisioning_Item_Files/EFS_Data/00000000',
    ]) {
      expect(streams.has(s), s).toBe(true);
    }
    const arr = Buffer.from(
      CFB.find(c, 'Root Entry/00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY')!.content as Uint8Array,
    );
    expect(arr.length % 136).toBe(0);
    let imeiRecord: Buffer | undefined;
    for (let o = 0; o < arr.length; o += 136) {
      expect(arr.readUInt16LE(o)).toBe(0x88);
      expect(arr.readUInt16LE(o + 2)).toBe(1);
      if (arr.readUInt16LE(o + 4) === 550) imeiRecord = arr.subarray(o + 8, o + 136);
    }
    expect(nvToImei(imeiRecord!)).toBe(modem.state.imei(0));

    // Everything the modem holds is in the file: NV items of both contexts, and every EFS file (hidden ones too).
    const q = readQcn(new Uint8Array(file));
    for (const ctx of [0, 1] as const) {
      const ids = new Set(q.nvItems.filter((i) => i.context === ctx).map((i) => i.id));
      expect([...ids].sort((a, b) => a - b)).toEqual(modem.state.nvIds(ctx));
    }
    // Every index of multi-entry items, one record per index (1014 carries its index, 4678 does not).
    const indexes = (id: number): number[] =>
      q.nvItems
        .filter((i) => i.id === id && i.context === 0)
        .map((i) => i.index)
        .sort((a, b) => a - b);
    expect(indexes(296)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(indexes(1014)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(indexes(4678)).toEqual([0, 1, 2, 3]);
    expect(indexes(57)).toEqual([0, 1, 2]);
    for (const it of q.nvItems.filter((i) => i.id === 1014))
      expect(Buffer.from(it.data).equals(Buffer.from(modem.state.nvRead(1014, 0, it.index).data))).toBe(true);
    expect(q.nvItems.filter((i) => i.context === 2)).toEqual([]); // the module has no subscription 2
    // Every file, in the storage QPST keeps it in: none in NV_Items.
    const all = [...q.efsBackup, ...q.provisioning];
    expect(all.map((f) => modulePath(f.path)).sort()).toEqual(modem.state.allFiles());
    for (const f of all)
      expect(Buffer.from(f.data).equals(Buffer.from(modem.state.readFile(modulePath(f.path)!)!)), f.path).toBe(true);
    expect(q.nvItemFiles).toEqual([]);
    expect(q.provisioning.map((p) => p.path)).toContain('/nv/item_files/ims/IMS_enable');
    expect(q.provisioning.every((f) => isItemFilePath(f.path) || PROVISIONING_PATHS.includes(f.path))).toBe(true);
    expect(
      q.efsBackup.filter((f) => f.path.startsWith('/nv/')).every((f) => f.path.startsWith('/nv/item_files/rfnv/')),
    ).toBe(true);
    expect(q.efsBackup.filter((p) => p.path.startsWith('/nv/item_files/rfnv/')).length).toBeGreaterThan(30);
    // The files QPST names relative to the root: first, spelled as QPST does, time 0.
    expect(q.efsBackup.slice(0, 2).map((f) => [f.path, f.mtime])).toEqual([
      ['pdp_profiles/ap_embd_call_prof_num_Subscription01', 0],
      ['pdp_profiles/embedded_call_prof_num_Subscription01', 0],
    ]);
    expect(q.times!.created.getTime()).toBeLessThanOrEqual(q.times!.modified.getTime());

    const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
    expect(manifest.imei).toBe(modem.state.imei(0));
    expect(manifest.imei2).toBe(modem.state.imei(1));
    expect(manifest.firmware).toBe(modem.state.firmware);
    expect(manifest.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(manifest.counts.nvItems).toBe(q.nvItems.filter((i) => i.context === 0).length);
    expect(manifest.counts.rfnvFiles).toBe(q.efsBackup.filter((p) => p.path.startsWith('/nv/item_files/rfnv/')).length);
    expect(readdirSync(dir).sort()).toEqual(['ec25.manifest.json', 'ec25.qcn']);
  });

  it('a modem dropping off mid-backup gives DEVICE_DISCONNECTED and leaves no file', async () => {
    modem = await startNormalModem({ faults: ['drop-diag@2000'] });
    const out = join(dir, 'x.qcn');
    const err = await backupQcn({ dm: modem.bus.dmOpener, out, timeoutMs: 500 }).catch((e: unknown) => e);
    expect(modem.dropped).toBe(true);
    expect((err as { code?: string }).code).toBe('DEVICE_DISCONNECTED');
    expect((err as Error).message).toMatch(/disappeared/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
