import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MODELS } from '../../src-main/sim/models.js';
import {
  HIDDEN_PATHS,
  NV_IMEI,
  NV_STATUS,
  NormalState,
  RF_CAL_ITEMS,
  modelImeis,
} from '../../src-main/sim/normal-state.js';
import { imeiToNv, isValidImei, nvToImei } from '../../src-main/protocol/imei.js';
import { cleanup, tempDir } from './harness.js';

afterEach(cleanup);

describe('normal-mode state of the virtual module', () => {
  it('holds a Luhn-valid IMEI in NV 550 in the BCD layout, a second one in SIM 1, derived from the serial', () => {
    const s = NormalState.open({ model: MODELS.ec25 });
    const [imei1, imei2] = modelImeis(MODELS.ec25);
    expect(imei1).toMatch(/^\d{15}$/);
    expect(isValidImei(imei1)).toBe(true);
    expect(isValidImei(imei2)).toBe(true);
    expect(imei1).not.toBe(imei2);
    const r = s.nvRead(NV_IMEI, 0);
    expect(r.status).toBe(NV_STATUS.DONE);
    // 08, (d1 << 4) | 0x0A, then nibble-swapped BCD: spelled out for the first digits.
    const d = [...imei1].map(Number);
    expect(r.data[0]).toBe(0x08);
    expect(r.data[1]).toBe((d[0]! << 4) | 0x0a);
    expect(r.data[2]).toBe(d[1]! | (d[2]! << 4));
    expect(r.data[8]).toBe(d[13]! | (d[14]! << 4));
    expect(nvToImei(r.data)).toBe(imei1);
    expect(s.imei(1)).toBe(imei2);
    expect(modelImeis(MODELS.eg25g)[0]).not.toBe(imei1);
  });

  it('IMEI codec round-trips and rejects what is not an IMEI record', () => {
    expect(nvToImei(imeiToNv('490154203237518'))).toBe('490154203237518');
    expect(isValidImei('490154203237518')).toBe(true);
    expect(isValidImei('490154203237519')).toBe(false);
    expect(nvToImei(new Uint8Array(128))).toBeUndefined();
    expect(() => imeiToNv('12345')).toThrow(/15 digits/);
  });

  it('answers DONE for calibration and a few hundred items, NOTACTIVE or BADPARM for the rest; SIM 1 has its own items', () => {
    const s = NormalState.open({ model: MODELS.ec25 });
    for (const id of RF_CAL_ITEMS) expect(s.nvRead(id, 0).status).toBe(NV_STATUS.DONE);
    const done = s.nvIds(0);
    expect(done.length).toBeGreaterThan(300);
    expect(Math.max(...done)).toBeGreaterThan(5000);
    const statuses = new Set<number>();
    for (let id = 0; id <= 7500; id++) statuses.add(s.nvRead(id, 0).status);
    expect([...statuses].sort()).toEqual([NV_STATUS.DONE, NV_STATUS.NOTACTIVE, NV_STATUS.BADPARM]);
    expect(s.nvRead(7400, 0).status).toBe(NV_STATUS.BADPARM);
    expect(s.nvIds(1)).toContain(NV_IMEI);
    expect(s.nvIds(1).length).toBeLessThan(20);
    expect(s.nvRead(550, 2).status).toBe(NV_STATUS.BADPARM);
  });

  it('is deterministic per model', () => {
    const a = NormalState.open({ model: MODELS.ec25 });
    const b = NormalState.open({ model: MODELS.ec25 });
    expect(a.nvIds(0)).toEqual(b.nvIds(0));
    expect(a.nvRead(a.nvIds(0)[100]!, 0).data).toEqual(b.nvRead(a.nvIds(0)[100]!, 0).data);
    expect(a.allFiles()).toEqual(b.allFiles());
  });

  it('has rfnv files and an EFS tree in which the provisioning files are hidden from listings but readable by path', () => {
    const s = NormalState.open({ model: MODELS.ec25 });
    const rfnv = s.list('/nv/item_files/rfnv')!;
    expect(rfnv.length).toBeGreaterThanOrEqual(24);
    expect(rfnv.every((e) => /^000\d{5}$/.test(e.name) && Number(e.name) >= 20000)).toBe(true);
    expect(s.allFiles().some((p) => p.endsWith('_Subscription01'))).toBe(true);
    for (const p of HIDDEN_PATHS) {
      expect(s.readFile(p)).toBeDefined();
      const slash = p.lastIndexOf('/');
      const names = s.list(p.slice(0, slash))!.map((e) => e.name);
      expect(names).not.toContain(p.slice(slash + 1));
    }
    expect(s.list('/policyman')!.map((e) => e.name)).toEqual(['device_config.xml', 'post.xml']);
    expect(s.list('/')!.map((e) => e.name)).toEqual(expect.arrayContaining(['nv', 'policyman']));
  });

  it('protects ESN/IMEI/MEID unless unlocked and persists writes atomically across reopen', () => {
    const dir = tempDir();
    const s = NormalState.open({ model: MODELS.ec25, stateDir: dir });
    expect(s.created).toBe(true);
    expect(s.nvWrite(NV_IMEI, 0, imeiToNv('490154203237518'), { unlocked: false })).toBe(NV_STATUS.READONLY);
    expect(s.nvWrite(NV_IMEI, 0, imeiToNv('490154203237518'), { unlocked: true })).toBe(NV_STATUS.DONE);
    expect(s.nvWrite(10, 0, Uint8Array.of(1, 2, 3), { unlocked: false })).toBe(NV_STATUS.DONE);
    expect(s.writeFile('/nv/item_files/new/thing', Uint8Array.of(9), { autodir: false })).toBe(2);
    expect(s.writeFile('/nv/item_files/new/thing', Uint8Array.of(9), { autodir: true })).toBe(0);
    const again = NormalState.open({ model: MODELS.ec25, stateDir: dir });
    expect(again.created).toBe(false);
    expect(again.imei(0)).toBe('490154203237518');
    expect(again.nvRead(10, 0).data.subarray(0, 4)).toEqual(Uint8Array.of(1, 2, 3, 0));
    expect(again.readFile('/nv/item_files/new/thing')).toEqual(Uint8Array.of(9));
    expect(existsSync(join(dir, 'normal.json'))).toBe(true);
    expect(readFileSync(join(dir, 'normal.json'), 'utf8').startsWith('{')).toBe(true);
  });

  it('can be erased (a module whose NV and EFS are empty): every item NOTACTIVE, only the root folder, kept across reopen', () => {
    const dir = tempDir();
    {
      const s = NormalState.open({ model: MODELS.ec25, stateDir: dir });
      s.eraseAll();
      expect(s.nvIds(0)).toEqual([]);
      expect(s.nvRead(550, 0).status).toBe(NV_STATUS.NOTACTIVE);
      expect(s.nvRead(1014, 0, 2).status).toBe(NV_STATUS.NOTACTIVE);
      expect(s.allFiles()).toEqual([]);
      expect(s.list('/')).toEqual([]);
      const again = NormalState.open({ model: MODELS.ec25, stateDir: dir });
      expect(again.allFiles()).toEqual([]);
      expect(again.nvIds(1)).toEqual([]);
    }
  });

  it('refuses files beyond the EFS limits with an errno, not by growing without bound', () => {
    const s = NormalState.open({ model: MODELS.ec25 });
    expect(s.writeFile('/data/a', new Uint8Array(1024 * 1024 + 1), { autodir: true })).toBe(27); // EFBIG
    for (let i = 0; i < 15; i++)
      expect(s.writeFile(`/data/f${i}`, new Uint8Array(1024 * 1024), { autodir: true })).toBe(0);
    expect(s.writeFile('/data/one-too-many', new Uint8Array(1024 * 1024), { autodir: true })).toBe(28); // ENOSPC
    expect(s.writeFile('/data/../etc', Uint8Array.of(1), { autodir: true })).toBe(22); // EINVAL
    expect(s.writeFile('/nv/item_files/rfnv', Uint8Array.of(1), { autodir: true })).toBe(21); // EISDIR
  });

  it('a damaged state file gives a clear error', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'normal.json'),
      '{"format":1,"firmware":"x","nv":[{"550":"AAAA"},{}],"efs":{},"dirs":[],"hidden":[]}',
    );
    expect(() => NormalState.open({ model: MODELS.ec25, stateDir: dir })).toThrow(
      /damaged.*NV item 550 is not 128 bytes/,
    );
    writeFileSync(join(dir, 'normal.json'), 'not json');
    expect(() => NormalState.open({ model: MODELS.ec25, stateDir: dir })).toThrow(/cannot be read/);
  });
});
