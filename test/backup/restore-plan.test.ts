// The restore plan on its own (no module): what the checks let through, what they refuse and why.

import { describe, expect, it } from 'vitest';
import { checkEntries, planWrites } from '../../src-main/flows/restore-plan.js';
import type { QcnBackup, QcnNvItem } from '../../src-main/qcn/layout.js';

const rec = (id: number, index: number, first: number, fill = 1, context: 0 | 1 | 2 = 0): QcnNvItem => {
  const data = new Uint8Array(128).fill(fill);
  data[0] = first;
  return { id, index, context, data };
};

function qcn(parts: Partial<QcnBackup>): QcnBackup {
  return {
    model: 24655,
    nvItems: [],
    efsBackup: [],
    provisioning: [],
    nvItemFiles: [],
    property: { esn: 0, model: 24655, nvMajor: 0, nvMinor: 0, swVersion: '', tool: '' },
    featureMask: new Uint8Array(0),
    ...parts,
  };
}

describe('restore plan: checks on the file alone', () => {
  it('indexed items: entries that carry their index, or are the same at every index, pass; the rest is refused with the reason', () => {
    const c = checkEntries(
      qcn({
        nvItems: [
          ...[0, 1, 2, 3, 4, 5].map((i) => rec(1014, i, i)),
          ...[0, 1, 2, 3].map((i) => rec(4678, i, 0x34)),
          rec(296, 0, 0),
          rec(296, 2, 7, 2), // differs from entry 0 and does not start with 2
          rec(57, 300, 44), // index beyond one byte
          rec(10, 0, 1, 1),
          rec(10, 0, 1, 1), // the same record twice: written once
          rec(11, 0, 1, 1),
          rec(11, 0, 1, 9), // two different records for one key
        ],
      }),
    );
    expect(c.nv.map((i) => `${i.id}:${i.index}`)).toEqual([
      '1014:0',
      '1014:1',
      '1014:2',
      '1014:3',
      '1014:4',
      '1014:5',
      '4678:0',
      '4678:1',
      '4678:2',
      '4678:3',
      '296:0',
      '10:0',
    ]);
    expect(c.invalid.map((i) => `${i.label}: ${i.reason}`)).toEqual([
      'NV 296[2]: its data does not start with its index 2 and differs from entry 0, so no NV write can put it at index 2',
      'NV 57[300]: its index 300 does not fit the one byte a DIAG write carries',
      'NV 11: the file holds 2 different records for it',
    ]);
  });

  it('files: relative paths from the EFS root, items by PUT, one job per module file, unusable paths refused', () => {
    const d = Uint8Array.of(1);
    const c = checkEntries(
      qcn({
        efsBackup: [
          { path: 'pdp_profiles/a', mtime: 0, data: d },
          { path: '/nv/item_files/rfnv/00020001', mtime: 5, data: d },
          { path: '../etc/x', mtime: 0, data: d },
        ],
        provisioning: [
          { path: '/pdp_profiles/a', data: d }, // the same file, the same bytes: written once
          { path: '/nv/item_files/ims/IMS_enable', data: new Uint8Array(0) },
        ],
        nvItemFiles: [{ path: '/nv/item_files/rfnv/00020001', data: Uint8Array.of(2) }],
      }),
    );
    expect(c.files.map((f) => [f.label, f.path, f.asItem])).toEqual([
      ['pdp_profiles/a', '/pdp_profiles/a', false],
      ['/nv/item_files/ims/IMS_enable', '/nv/item_files/ims/IMS_enable', true],
    ]);
    expect(c.invalid.map((i) => `${i.label}: ${i.reason}`)).toEqual([
      '../etc/x: its path climbs with "." or ".."',
      '/nv/item_files/rfnv/00020001: the file holds it 2 times with different contents (/nv/item_files/rfnv/00020001, /nv/item_files/rfnv/00020001)',
    ]);
    // QPST keeps rfnv item files in EFS_Backup: they go back as item files (PUT) when they fit one request.
    const rf = checkEntries(
      qcn({
        efsBackup: [
          { path: '/nv/item_files/rfnv/00020002', mtime: 0, data: new Uint8Array(700) },
          { path: '/nv/item_files/rfnv/00020003', mtime: 0, data: new Uint8Array(1025) },
        ],
        provisioning: [{ path: '/nv/item_files/big', data: new Uint8Array(1065) }],
      }),
    );
    expect(rf.files.map((f) => f.asItem)).toEqual([true, false, false]);
  });
});

describe('restore plan: against the module', () => {
  it('writes what differs or is missing, counts what is equal, leaves protected items alone unless named', () => {
    const entries = checkEntries(
      qcn({
        nvItems: [rec(10, 0, 1), rec(550, 0, 8), rec(569, 0, 3), rec(20, 0, 4)],
        efsBackup: [{ path: '/nv/item_files/rfnv/00020001', mtime: 0, data: Uint8Array.of(1) }],
      }),
    );
    const nowNv = [rec(10, 0, 1).data, undefined, undefined, rec(20, 0, 5).data];
    const plan = planWrites(entries, nowNv, [undefined], new Set());
    expect(plan.same).toBe(1);
    expect(plan.write.map((w) => `${w.label} (${w.reason})`)).toEqual(['NV 20 (differs)']);
    expect(plan.skipped.map((w) => `${w.label}:${w.protectedAs}`)).toEqual([
      'NV 550:imei',
      'NV 569:rfnv',
      '/nv/item_files/rfnv/00020001:rfnv',
    ]);
    const named = planWrites(entries, nowNv, [undefined], new Set(['imei', 'rfnv'] as const));
    expect(named.write.map((w) => w.label)).toEqual(['NV 550', 'NV 569', 'NV 20', '/nv/item_files/rfnv/00020001']);
    expect(named.write[0]!.reason).toBe('missing on the modem');
    expect(named.nv.map((i) => i.id)).toEqual([550, 569, 20]);
    expect(named.files.map((f) => f.path)).toEqual(['/nv/item_files/rfnv/00020001']);
  });
});
