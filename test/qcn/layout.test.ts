import CFB from 'cfb';
import { describe, expect, it } from 'vitest';
import { imeiToNv, isValidImei, luhnDigit, nvToImei } from '../../src-main/protocol/imei.js';
import { qcnToTree, readQcn, treeToQcn, writeQcn, type QcnBackup } from '../../src-main/qcn/layout.js';
import { treeToXqcn, xqcnToTree } from '../../src-main/qcn/xqcn.js';
import { RescueError } from '../../shared/errors.js';
import { writeCfb } from '../../src-main/qcn/cfb-writer.js';

function data(fill: number): Uint8Array {
  return new Uint8Array(128).map((_, i) => (fill + i) & 0xff);
}

function backup(): QcnBackup {
  return {
    model: 24655,
    nvItems: [
      { id: 550, index: 0, data: imeiToNv('866123456789018'), context: 0 },
      { id: 10, index: 0, data: data(1), context: 0 },
      { id: 4102, index: 3, data: data(9), context: 0 },
      { id: 550, index: 0, data: imeiToNv('866123456789026'), context: 1 },
    ],
    efsBackup: [{ path: '/nv/item_files/modem/mmode/x', mtime: 1_700_000_000, data: new Uint8Array([1, 2, 3]) }],
    provisioning: [{ path: '/nv/item_files/ims/IMS_enable', data: new Uint8Array([1]) }],
    nvItemFiles: [{ path: '/nv/item_files/rfnv/00020000', data: new Uint8Array(5000).fill(7) }],
    property: {
      esn: 0x12345678,
      model: 24655 & 0xffff,
      nvMajor: 1,
      nvMinor: 2,
      swVersion: 'EC25EFAR06A06M4G',
      tool: 'modem-rescue 0.1.0',
    },
    featureMask: new Uint8Array([0xff, 0x0f, 0x00, 0x81]),
  };
}

describe('QCN layout', () => {
  it('writes the QPST tree exactly, as read by the independent cfb package', () => {
    const file = writeQcn(backup());
    const c = CFB.read(Buffer.from(file), { type: 'buffer' });
    const streams = c.FullPaths.filter((_, i) => c.FileIndex[i]!.type === 2)
      .map((p) => p.replace(/^Root Entry\//, ''))
      .sort();
    expect(streams).toEqual([
      '00024655/default/EFS_Backup/EFS_Data/00000000',
      '00024655/default/EFS_Backup/EFS_Dir/00000000',
      '00024655/default/Feature_Mask',
      '00024655/default/Mobile_Property_Info',
      '00024655/default/NV_Items/EFS_Data/00000000',
      '00024655/default/NV_Items/EFS_Dir/00000000',
      '00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY',
      '00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY_SIM_1',
      '00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY_SIM_2',
      '00024655/default/Provisioning_Item_Files/EFS_Data/00000000',
      '00024655/default/Provisioning_Item_Files/EFS_Dir/00000000',
      'File_Version',
    ]);
    const get = (p: string): Buffer => Buffer.from(CFB.find(c, `Root Entry/${p}`)!.content as Uint8Array);
    expect([...get('File_Version')]).toEqual([2, 0, 0, 0, 0, 0]);
    const arr = get('00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY');
    expect(arr.length).toBe(3 * 136);
    expect([...arr.subarray(0, 8)]).toEqual([0x88, 0, 1, 0, 0x26, 0x02, 0, 0]); // 0x0088, 1, item 550, index 0
    expect(arr.readUInt16LE(136 * 2 + 6)).toBe(3);
    expect(nvToImei(get('00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY_SIM_1').subarray(8))).toBe('866123456789026');
    const efsDir = get('00024655/default/EFS_Backup/EFS_Dir/00000000');
    expect([...efsDir.subarray(0, 4)]).toEqual([1, 0, 1, 1]);
    expect(efsDir.readUInt32LE(4)).toBe(1_700_000_000);
    expect(efsDir.subarray(8).toString('latin1')).toBe('/nv/item_files/modem/mmode/x');
    expect(get('00024655/default/Provisioning_Item_Files/EFS_Dir/00000000').toString('latin1')).toBe(
      '/nv/item_files/ims/IMS_enable\0',
    );
    expect(get('00024655/default/NV_Items/EFS_Dir/00000000').toString('latin1')).toBe('/nv/item_files/rfnv/00020000');
    const prop = get('00024655/default/Mobile_Property_Info');
    expect(prop.readUInt32LE(0)).toBe(0x12345678);
    expect(prop.readUInt16LE(8)).toBe(16);
    expect(prop.subarray(10, 26).toString()).toBe('EC25EFAR06A06M4G');
    expect([...get('00024655/default/Feature_Mask')]).toEqual([4, 0, 0xff, 0x0f, 0x00, 0x81]);
  });

  it('reads back exactly what it wrote', () => {
    const b = backup();
    expect(readQcn(writeQcn(b))).toEqual(b);
  });

  it('refuses a compound file that is not a QCN', () => {
    const notQcn = writeCfb({
      kind: 'storage',
      name: 'Root Entry',
      children: [{ kind: 'stream', name: 'WordDocument', data: new Uint8Array(10) }],
    });
    expect(() => readQcn(notQcn)).toThrow(/File_Version/);
  });

  it('refuses an NV array that is not whole 136-byte records', () => {
    const tree = qcnToTree(backup());
    const def = (tree.children[1] as { children: { children: { name: string; data: Uint8Array }[] }[] }).children[0]!;
    const numbered = def.children.find((c) => c.name === 'NV_NUMBERED_ITEMS') as unknown as {
      children: { data: Uint8Array }[];
    };
    numbered.children[0]!.data = numbered.children[0]!.data.subarray(0, 200);
    expect(() => readQcn(writeCfb(tree))).toThrow(RescueError);
    expect(() => readQcn(writeCfb(tree))).toThrow(/136-byte records/);
  });
});

describe('XQCN', () => {
  it('round-trips the QCN tree through XML', () => {
    const tree = qcnToTree(backup());
    const xml = treeToXqcn(tree);
    expect(xml).toContain(`\n  <Stream Length='6' Name='File_Version' Value='02 00 00 00 00 00 '/>\n</Storage>`);
    expect(xml).toContain("\n  <Storage Name='00024655'>\n");
    // The XQCN lists storages before streams (QPST's order); the backup it holds is the same, byte for byte.
    expect(writeQcn(treeToQcn(xqcnToTree(xml)))).toEqual(writeQcn(backup()));
  });

  it('refuses a length that does not match the bytes, bad hex and entity tricks', () => {
    expect(() => xqcnToTree(`<X><Stream Length="3" Name="a" Value='01 02' /></X>`)).toThrow(
      /declares 3 bytes but holds 2/,
    );
    expect(() => xqcnToTree(`<X><Stream Length="1" Name="a" Value='zz' /></X>`)).toThrow(/not a hex byte/);
    expect(() => xqcnToTree(`<!DOCTYPE x [<!ENTITY a "b">]><X/>`)).toThrow(RescueError);
    expect(() => xqcnToTree(`<X><Stream Length="1" Name="a/b" Value='01' /></X>`)).toThrow(/valid Name/);
  });
});

describe('IMEI in NV 550', () => {
  it('encodes the documented layout and decodes it back', () => {
    const nv = imeiToNv('490154203237518');
    expect([...nv.subarray(0, 9)]).toEqual([0x08, 0x4a, 0x09, 0x51, 0x24, 0x30, 0x32, 0x57, 0x81]);
    expect(nv.length).toBe(128);
    expect(nvToImei(nv)).toBe('490154203237518');
  });
  it('checks the Luhn digit', () => {
    expect(luhnDigit('49015420323751')).toBe(8);
    expect(isValidImei('490154203237518')).toBe(true);
    expect(isValidImei('490154203237519')).toBe(false);
    expect(() => imeiToNv('12345')).toThrow(/not a valid IMEI/);
    expect(nvToImei(new Uint8Array(128))).toBeUndefined();
  });
});
