// The snapshot's pure parts: which ranges a plan touches, file names, the XML and the manifest checks.

import { describe, expect, it } from 'vitest';
import {
  imageNames,
  normalSerial,
  parseManifest,
  rawprogramName,
  snapshotMd5Txt,
  snapshotRanges,
  snapshotRawprogramXml,
  type SnapshotManifest,
} from '../../src-main/flows/snapshot-manifest.js';
import type { PlanStep } from '../../src-main/package/plan.js';

const step = (
  p: Partial<PlanStep> & Pick<PlanStep, 'operation' | 'label' | 'start_sector' | 'num_sectors'>,
): PlanStep => ({
  index: 0,
  sector_size: 2048,
  pages_per_block: 64,
  physical_partition: 0,
  bytes: 0,
  ...p,
});

describe('snapshotRanges', () => {
  it('takes every erase and program range once, merges overlaps, widens to whole blocks, adds a patched block', () => {
    const plan = [
      step({ operation: 'erase', label: 'sbl', start_sector: 0, num_sectors: 640 }),
      step({ operation: 'erase', label: 'tz', start_sector: 1280, num_sectors: 128 }),
      step({ operation: 'program', label: 'tz', start_sector: 1280, num_sectors: 128, filename: 'tz.mbn' }),
      step({ operation: 'program', label: 'sbl', start_sector: 0, num_sectors: 640, filename: 'sbl1.mbn' }),
      // A program line no erase covers, not block aligned.
      step({ operation: 'program', label: 'odd', start_sector: 2000, num_sectors: 10, filename: 'odd.bin' }),
      step({
        operation: 'patch',
        label: 'size limit',
        start_sector: 3000,
        num_sectors: 0,
        disk_patch: { byteOffset: 512, sizeInBytes: 4, value: '1', what: 'x' },
      }),
      step({ operation: 'reset', label: 'restart', start_sector: 0, num_sectors: 0 }),
    ];
    expect(snapshotRanges(plan).map((r) => [r.label, r.startSector, r.numSectors])).toEqual([
      ['sbl', 0, 640],
      ['tz', 1280, 128],
      ['odd', 1984, 64],
      ['patched size limit', 2944, 64],
    ]);
  });
});

describe('snapshot files', () => {
  const manifest: SnapshotManifest = {
    format: 'modem-rescue-snapshot/1',
    complete: true,
    createdAt: '2025-01-02T03:04:05.000Z',
    module: { serial: '123' },
    geometry: { sectorSize: 2048, pagesPerBlock: 64 },
    programmer: 'update/firehose/prog_nand_firehose_9x07.mbn',
    partitions: [
      {
        label: 'sbl',
        physicalPartition: 0,
        startSector: 0,
        numSectors: 640,
        sectorSize: 2048,
        pagesPerBlock: 64,
        image: 'update/sbl.bin',
        imageBytes: 4096,
        sha256: 'a',
        md5: 'b',
        rangeSha256: 'c',
        verifiedBy: 'digest',
      },
      {
        label: 'sec',
        physicalPartition: 0,
        startSector: 640,
        numSectors: 64,
        sectorSize: 2048,
        pagesPerBlock: 64,
        imageBytes: 0,
        sha256: 'd',
        md5: 'e',
        rangeSha256: 'f',
        verifiedBy: 'second read',
      },
    ],
    bytesRead: 704 * 2048,
    bytesOnDisk: 4096,
  };

  it('names images after their labels, unique, in safe characters', () => {
    const r = { physicalPartition: 0, startSector: 0, numSectors: 64, sectorSize: 2048, pagesPerBlock: 64 };
    expect(
      imageNames([
        { ...r, label: 'NON-HLOS.ubi' },
        { ...r, label: 'non-hlos' },
        { ...r, label: '../..' },
      ]),
    ).toEqual(['NON-HLOS.bin', 'non-hlos_2.bin', 'sectors_0.bin']);
  });

  it('writes an erase for every range and a program only where an image was kept', () => {
    const xml = snapshotRawprogramXml(manifest);
    expect(xml).toContain(
      '<erase PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="2048" label="sec" num_partition_sectors="64"',
    );
    expect(xml).toContain('filename="..\\sbl.bin" label="sbl" num_partition_sectors="640"');
    expect(xml.match(/<program /g)).toHaveLength(1);
    expect(rawprogramName(manifest.geometry)).toBe('rawprogram_nand_p2K_b128K_update.xml');
    expect(snapshotMd5Txt(manifest)).toBe('FILE:\\update\\sbl.bin:b\r\n');
  });

  it('reads a manifest back, and refuses one that is not a snapshot or names a file outside update/', () => {
    expect(parseManifest(JSON.stringify(manifest), 'm').complete).toBe(true);
    expect(() => parseManifest('{', 'm')).toThrow(/not JSON/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, format: 'x' }), 'm')).toThrow(/format/);
    const evil = { ...manifest, partitions: [{ ...manifest.partitions[0], image: 'update/../../etc/passwd' }] };
    expect(() => parseManifest(JSON.stringify(evil), 'm')).toThrow(/not a file in update/);
  });

  it('treats a serial of zeros as unknown', () => {
    expect(normalSerial('0')).toBeUndefined();
    expect(normalSerial(' 471479117 ')).toBe('471479117');
  });
});
