// QPST's own layout and XQCN formatting, against test/fixtures/qpst-synthetic/full.xqcn (made by
// an independent Python script; see its SOURCE.md for the real feature each part reproduces).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import CFB from 'cfb';
import { describe, expect, it } from 'vitest';
import { readCfb } from '../../src-main/qcn/cfb-reader.js';
import { writeCfb } from '../../src-main/qcn/cfb-writer.js';
import { compareQcn } from '../../src-main/qcn/compare.js';
import { efsPathProblem, modulePath, qpstStorageFor } from '../../src-main/qcn/efs-paths.js';
import { readQcn, writeQcn, type QcnBackup } from '../../src-main/qcn/layout.js';
import { backupToQcn, backupToXqcn, looksLikeXqcn, parseBackupFile, xqcnBytes } from '../../src-main/qcn/qcn-file.js';
import { decodeXqcnBytes, treeToXqcn, xqcnToTree } from '../../src-main/qcn/xqcn.js';

const FIXTURE = join(__dirname, '../fixtures/qpst-synthetic/full.xqcn');
const ROOT_NAME = 'C:\\Users\\tester\\Desktop\\00000000_0.xqcn';
const fixtureBytes = (): Uint8Array => new Uint8Array(readFileSync(FIXTURE));
const fixture = (): QcnBackup => parseBackupFile(fixtureBytes(), FIXTURE);

describe('a QPST-layout full backup (synthetic, QPST formatting)', () => {
  it('is read completely: indexed items, all three NV arrays, relative paths, provisioning files, empty NV_Items', () => {
    const q = fixture();
    expect(q.model).toBe(24655);
    const idx = (id: number): number[] => q.nvItems.filter((i) => i.id === id && i.context === 0).map((i) => i.index);
    expect(idx(1014)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(idx(4678)).toEqual([0, 1, 2, 3]);
    expect(q.nvItems.find((i) => i.id === 1014 && i.index === 5)!.data[0]).toBe(5);
    expect(q.nvItems.filter((i) => i.context === 0)).toHaveLength(14);
    expect(q.nvItems.filter((i) => i.context === 1).map((i) => i.id)).toEqual([10, 441]);
    expect(q.nvItems.filter((i) => i.context === 2)).toEqual([]);
    expect(q.efsBackup.map((f) => [f.path, f.mtime])).toEqual([
      ['pdp_profiles/ap_embd_call_prof_num_Subscription01', 0],
      ['pdp_profiles/embedded_call_prof_num_Subscription01', 0],
      ['/nv/item_files/rfnv/00021722', 0x12d53d80],
      ['/nv/item_files/rfnv/00022606', 0x12d53d80],
      ['/nv/item_files/rfnv/00024953', 0x12d53d80],
      ['/rfc/rffe_scan/rffe_scan.dat', 0x60fbca1f],
    ]);
    expect(q.provisioning.map((f) => `${f.path}:${f.data.length}`)).toContain(
      '/nv/item_files/mcfg/mcfg_setting_Subscription01:0',
    );
    expect(q.provisioning).toHaveLength(5);
    expect(q.nvItemFiles).toEqual([]);
    expect(q.property).toMatchObject({
      model: 24655,
      swVersion: 'EC25EFAR06A11M4G_01.001.01.001',
      tool: 'QPST Software Download 2.7.0.496',
    });
  });

  it('our XQCN writer reproduces QPST\u2019s text byte for byte', () => {
    const text = backupToXqcn(fixture(), ROOT_NAME);
    expect(Buffer.from(xqcnBytes(text)).equals(Buffer.from(fixtureBytes()))).toBe(true);
  });

  it('XQCN -> QCN -> XQCN and QCN -> XQCN -> QCN lose nothing', () => {
    const qcn = backupToQcn(fixture());
    const viaQcn = readQcn(qcn);
    expect(compareQcn(fixture(), viaQcn, { mtimes: true })).toEqual([]);
    expect(backupToXqcn(viaQcn, ROOT_NAME)).toBe(decodeXqcnBytes(fixtureBytes()));
    const again = backupToQcn(parseBackupFile(xqcnBytes(backupToXqcn(viaQcn, 'x.xqcn')), 'x.xqcn'));
    expect(Buffer.from(again).equals(Buffer.from(qcn))).toBe(true);
    // The tree itself too (what `qcn dump --xqcn` of a foreign file does): QPST's order survives the compound file.
    const tree = xqcnToTree(decodeXqcnBytes(fixtureBytes()));
    expect(treeToXqcn(readCfb(writeCfb(tree)), { name: ROOT_NAME })).toBe(decodeXqcnBytes(fixtureBytes()));
  });

  it('writes the compound file in QPST\u2019s creation order with storage times, as the independent cfb package reads it', () => {
    const created = new Date('2021-07-24T08:13:35.000Z');
    const modified = new Date('2021-07-24T08:14:43.000Z');
    const file = writeQcn({ ...fixture(), times: { created, modified } });
    const c = CFB.read(Buffer.from(file), { type: 'buffer' });
    const under = (p: string): string[] =>
      c.FullPaths.filter((f) => f.startsWith(p) && f !== p && !f.slice(p.length).replace(/\/$/, '').includes('/')).map(
        (f) => f.slice(p.length).replace(/\/$/, ''),
      );
    expect(under('Root Entry/00024655/default/')).toEqual([
      'NV_NUMBERED_ITEMS',
      'Mobile_Property_Info',
      'Feature_Mask',
      'EFS_Backup',
      'Provisioning_Item_Files',
      'NV_Items',
    ]);
    expect(under('Root Entry/')).toEqual(['File_Version', '00024655']);
    const entry = (p: string): CFB.CFB$Entry => c.FileIndex[c.FullPaths.indexOf(p)]!;
    expect(entry('Root Entry/00024655/default/EFS_Backup/').ct?.toISOString()).toBe(created.toISOString());
    expect(entry('Root Entry/00024655/default/EFS_Backup/').mt?.toISOString()).toBe(modified.toISOString());
    expect(readQcn(file).times).toEqual({ created, modified });
    expect(entry('Root Entry/00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY_SIM_2').size).toBe(0);
  });

  it('reads Windows-1252 bytes as its declaration says, writes anything outside ASCII as a character reference', () => {
    const text = backupToXqcn(fixture(), 'C:\\Users\\J\u00fcrgen\\Desktop\\b\u00e4ckup.xqcn');
    expect(text).toContain("<Storage Name='C:\\Users\\J&#252;rgen\\Desktop\\b&#228;ckup.xqcn'>");
    expect([...text].every((c) => c === '\n' || (c >= ' ' && c <= '~'))).toBe(true);
    const raw = Buffer.from(decodeXqcnBytes(fixtureBytes()).replace(ROOT_NAME, 'C:\\J\u00fcrgen.xqcn'), 'latin1'); // QPST writes the byte 0xFC
    expect(raw.includes(0xfc)).toBe(true);
    expect(decodeXqcnBytes(new Uint8Array(raw))).toContain('J\u00fcrgen');
    expect(compareQcn(fixture(), parseBackupFile(new Uint8Array(raw)))).toEqual([]);
    expect(looksLikeXqcn(new Uint8Array(raw))).toBe(true);
    expect(looksLikeXqcn(backupToQcn(fixture()))).toBe(false);
  });
});

describe('XQCN as this tool wrote it before (double quotes, UTF-8, a QPSTXQCNFile root)', () => {
  it('is still read', () => {
    const old = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<QPSTXQCNFile>',
      `  <Stream Length="6" Name="File_Version" Value='02 00 00 00 00 00' />`,
      '  <Storage Name="00024655">',
      '    <Storage Name="default">',
      '      <Storage Name="NV_NUMBERED_ITEMS">',
      `        <Stream Length="136" Name="NV_ITEM_ARRAY" Value='88 00 01 00 0A 00 02 00 02${' 00'.repeat(127)}' />`,
      '      </Storage>',
      '    </Storage>',
      '  </Storage>',
      '</QPSTXQCNFile>',
      '',
    ].join('\n');
    const q = parseBackupFile(new Uint8Array(Buffer.from(old, 'utf8')), 'old.xqcn');
    expect(q.nvItems.map((i) => [i.id, i.index, i.data[0]])).toEqual([[10, 2, 2]]);
    expect(q.efsBackup).toEqual([]);
  });
});

describe('EFS paths and storages', () => {
  it('takes relative paths from the EFS root, refuses what cannot name a file', () => {
    expect(modulePath('pdp_profiles/ap_embd_call_prof_num_Subscription01')).toBe(
      '/pdp_profiles/ap_embd_call_prof_num_Subscription01',
    );
    expect(modulePath('/nv/item_files/rfnv/00021722')).toBe('/nv/item_files/rfnv/00021722');
    expect(efsPathProblem('a/../b')).toMatch(/climbs/);
    expect(efsPathProblem('')).toMatch(/empty/);
    expect(efsPathProblem('/a//b')).toMatch(/empty folder/);
    expect(efsPathProblem(`/${'x'.repeat(1100)}`)).toMatch(/longer/);
    expect(modulePath('a\u0001b')).toBeUndefined();
  });

  it('puts files where QPST does: rfnv and plain files in EFS_Backup, other item files in Provisioning_Item_Files', () => {
    expect(qpstStorageFor('/nv/item_files/rfnv/00021722', true)).toBe('efsBackup');
    expect(qpstStorageFor('/rfc/rffe_scan/rffe_scan.dat', false)).toBe('efsBackup');
    expect(qpstStorageFor('pdp_profiles/x', false)).toBe('efsBackup');
    expect(qpstStorageFor('/nv/item_files/ims/IMS_enable', false)).toBe('provisioning');
    expect(qpstStorageFor('/nv/reg_files/mcs/x', false)).toBe('provisioning');
    expect(qpstStorageFor('/sd/mru001', true)).toBe('provisioning');
  });
});

describe('comparing backups', () => {
  it('names a missing index, a file moved to another storage, another spelling and changed bytes', () => {
    const a = fixture();
    const b = structuredClone(a);
    b.nvItems = b.nvItems.filter((i) => !(i.id === 1014 && i.index === 5));
    const moved = b.efsBackup.pop()!;
    b.nvItemFiles.push({ path: moved.path, data: moved.data });
    b.efsBackup[0]!.path = `/${b.efsBackup[0]!.path}`;
    b.provisioning[0]!.data = Uint8Array.of(7);
    expect(compareQcn(a, b).sort()).toEqual(
      [
        'NV 1014[5] is missing',
        '/rfc/rffe_scan/rffe_scan.dat is in NV_Items instead of EFS_Backup',
        'pdp_profiles/ap_embd_call_prof_num_Subscription01 is missing from EFS_Backup',
        '/pdp_profiles/ap_embd_call_prof_num_Subscription01 is extra in EFS_Backup',
        '/nv/item_files/Thin_UI/enable_thin_ui_cfg (Provisioning_Item_Files) differs',
      ].sort(),
    );
    expect(compareQcn(a, structuredClone(a))).toEqual([]);
  });
});
