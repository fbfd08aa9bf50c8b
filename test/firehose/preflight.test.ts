// The pre-erase checks as a pure function: every reason to refuse a flash that is knowable once
// the programmer has answered, and what is decided then (how to verify, the NAND size).

import { describe, expect, it } from 'vitest';
import { preflight, storageGeometry, type DeviceFacts, type PackageFacts } from '../../src-main/flows/preflight.js';
import type { PlanStep } from '../../src-main/package/plan.js';

const step = (over: Partial<PlanStep> & Pick<PlanStep, 'operation' | 'label'>): PlanStep => ({
  index: 0,
  start_sector: 0,
  num_sectors: 64,
  sector_size: 2048,
  pages_per_block: 64,
  physical_partition: 0,
  bytes: over.operation === 'program' ? 4096 : 0,
  source: 'rawprogram_nand_p2K_b128K_update.xml line 7',
  ...over,
});

const PLAN: PlanStep[] = [
  step({ operation: 'erase', label: 'sbl1.mbn' }),
  step({ operation: 'erase', label: 'modem', start_sector: 24256, num_sectors: 27392 }),
  step({
    operation: 'program',
    label: 'NON-HLOS.ubi',
    start_sector: 24256,
    num_sectors: 27392,
    path: '/p/NON-HLOS.ubi',
  }),
  step({ operation: 'program', label: 'sbl1.mbn', path: '/p/sbl1.mbn' }),
  step({ operation: 'reset', label: 'restart the modem' }),
];
const PKG: PackageFacts = {
  plan: PLAN,
  sectorSize: 2048,
  pagesPerBlock: 64,
  rawprogramName: 'rawprogram_nand_p2K_b128K_update.xml',
};
const ALL = new Set([
  'program',
  'read',
  'nop',
  'patch',
  'configure',
  'erase',
  'power',
  'getstorageinfo',
  'getsha256digest',
]);
const STORAGE = { total_blocks: 2048, block_size: 131072, page_size: 2048, pages_per_block: 64 };
const DEVICE: DeviceFacts = { functions: ALL, memoryName: 'nand', storage: STORAGE };
const OPTS = { verify: true, applyFilePatches: false };

describe('preflight: decided before the first erase', () => {
  it('a programmer and NAND that fit: no problems, digest verification, the size the programmer reports', () => {
    const r = preflight(PKG, DEVICE, OPTS);
    expect(r.problems).toEqual([]);
    expect(r.verifyBy).toBe('digest');
    expect(r.totalSectors).toBe(131072);
    expect(r.numDiskBlocks).toBe(2048);
  });

  it('no storage answer (9x07 NAND loader): the package header size is used and said; none at all is said too', () => {
    const r = preflight({ ...PKG, totalSectors: 131072 }, { functions: ALL, memoryName: 'nand' }, OPTS);
    expect(r.problems).toEqual([]);
    expect(r.totalSectors).toBe(131072);
    expect(r.notes.join(' ')).toMatch(
      /did not report the NAND size.*131072 pages rawprogram_nand_p2K_b128K_update\.xml states/,
    );
    const none = preflight(PKG, { functions: ALL, memoryName: 'nand' }, OPTS);
    expect(none.problems).toEqual([]);
    expect(none.notes.join(' ')).toMatch(/could not be checked/);
  });

  it('a range past the end of the NAND is refused, naming the line', () => {
    const plan = [
      ...PLAN,
      step({ operation: 'erase', label: 'past', start_sector: 131000, num_sectors: 128, source: 'x.xml line 30' }),
    ];
    const r = preflight({ ...PKG, plan }, DEVICE, OPTS);
    expect(r.problems).toEqual([
      'The erase of past (x.xml line 30) reaches page 131127, past the end of the NAND (131072 pages, as the programmer reports).',
    ]);
  });

  it('another page size or block size than the NAND has: the package is for another module', () => {
    const four = preflight(PKG, { ...DEVICE, storage: { ...STORAGE, page_size: 4096, block_size: 262144 } }, OPTS);
    expect(four.problems[0]).toMatch(
      /4096-byte pages, but rawprogram_nand_p2K_b128K_update\.xml writes 2048-byte sectors/,
    );
    const ppb = preflight(PKG, { ...DEVICE, storage: { page_size: 2048, block_size: 262144 } }, OPTS);
    expect(ppb.problems).toEqual([expect.stringMatching(/128 pages per block, but .* says 64/)]);
  });

  it('a programmer for other memory (eMMC) with a NAND package', () => {
    const r = preflight(PKG, { ...DEVICE, memoryName: 'eMMC' }, OPTS);
    expect(r.problems).toEqual([expect.stringMatching(/drives eMMC memory, but .* is for NAND/)]);
  });

  it('functions the plan needs and the programmer does not list', () => {
    const r = preflight(PKG, { ...DEVICE, functions: new Set(['program', 'read', 'configure']) }, OPTS);
    expect(r.problems).toEqual([expect.stringMatching(/does not offer <erase>/)]);
    expect(r.verifyBy).toBe('read-back');
    expect(r.notes.join(' ')).toMatch(/no getsha256digest: each partition is verified by reading it back/);
    // A programmer that lists nothing is not refused for it.
    expect(preflight(PKG, { ...DEVICE, functions: new Set() }, OPTS).problems).toEqual([]);
  });

  it('verification that cannot be done is refused unless verification is off', () => {
    const dev = { ...DEVICE, functions: new Set(['program', 'erase', 'configure']) };
    expect(preflight(PKG, dev, OPTS).problems).toEqual([
      expect.stringMatching(/neither getsha256digest nor read.*--no-verify/),
    ]);
    const off = preflight(PKG, dev, { ...OPTS, verify: false });
    expect(off.problems).toEqual([]);
    expect(off.verifyBy).toBe('none');
  });

  it('file patches asked for need the block count; refused before erasing when nobody gives it', () => {
    const mibib = step({
      operation: 'program',
      label: 'partition_complete_p2K_b128K.mbn',
      start_sector: 640,
      path: '/p/mibib',
      file_patches: [
        {
          start_sector: 1,
          byte_offset: 512,
          sector_size: 2048,
          size_in_bytes: 4,
          value: 'NUM_DISK_BLOCKS-1476.',
          what: 'x',
          source: 'patch_p2K_b128K.xml line 5',
        },
      ],
    });
    const pkg = { ...PKG, plan: [...PLAN, mibib] };
    const asked = { verify: true, applyFilePatches: true };
    expect(preflight(pkg, { functions: ALL, memoryName: 'nand' }, asked).problems).toEqual([
      expect.stringMatching(/patch_p2K_b128K\.xml line 5 .* need the NAND's block count/),
    ]);
    expect(preflight(pkg, DEVICE, asked).problems).toEqual([]);
    expect(
      preflight({ ...pkg, totalSectors: 131072 }, { functions: ALL, memoryName: 'nand' }, asked).numDiskBlocks,
    ).toBe(2048);
    // Not asked for (the default): nothing needed.
    expect(preflight(pkg, { functions: ALL, memoryName: 'nand' }, OPTS).problems).toEqual([]);
  });

  it('storage geometry from JSON or key=value answers', () => {
    expect(storageGeometry({ total_blocks: 1024, block_size: 262144, page_size: 4096 })).toEqual({
      pageSize: 4096,
      pagesPerBlock: 64,
      totalBlocks: 1024,
      totalSectors: 65536,
    });
    expect(storageGeometry({ sector_size: 2048, num_partition_sectors: 131072, pages_per_block: 64 })).toEqual({
      pageSize: 2048,
      pagesPerBlock: 64,
      totalBlocks: 2048,
      totalSectors: 131072,
    });
    expect(storageGeometry(undefined)).toEqual({});
  });
});
