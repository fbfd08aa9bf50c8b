// File patches (the MIBIB's NUM_DISK_BLOCKS and CRC32) and the image source that streams a
// patched image: checked against an independent CRC-32 (zlib's) and a copy patched by hand.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { crc32 } from '../../src-main/package/crc32.js';
import type { FilePatch } from '../../src-main/package/file-patch.js';
import { openImageSource } from '../../src-main/package/image-source.js';
import { loadPackage } from '../../src-main/package/load.js';
import { realPackage, standIn, tempDir } from './helpers.js';

const SS = 2048;
const mibibPatches = (source = 'patch_p2K_b128K.xml'): FilePatch[] => [
  {
    start_sector: 1,
    byte_offset: 512,
    sector_size: SS,
    size_in_bytes: 4,
    value: 'NUM_DISK_BLOCKS-1476.',
    what: 'size',
    pages_per_block: 64,
    source: `${source} line 5`,
  },
  {
    start_sector: 3,
    byte_offset: 12,
    sector_size: SS,
    size_in_bytes: 4,
    value: 'CRC32(0,4096)',
    what: 'crc',
    pages_per_block: 64,
    source: `${source} line 6`,
  },
];

function expected(original: Uint8Array, numDiskBlocks: number): Uint8Array {
  const want = original.slice();
  const dv = new DataView(want.buffer);
  dv.setUint32(SS + 512, numDiskBlocks - 1476, true);
  dv.setUint32(3 * SS + 12, zlibCrc32(want.subarray(0, 4096)) >>> 0, true);
  return want;
}

function imageFile(bytes: Uint8Array): string {
  const f = path.join(tempDir(), 'partition_complete_p2K_b128K.mbn');
  writeFileSync(f, bytes);
  return f;
}

describe('CRC-32', () => {
  test('matches zlib on the standard check value and on random data, also when fed in pieces', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const data = standIn(5, 10_000);
    expect(crc32(data)).toBe(zlibCrc32(data) >>> 0);
    expect(crc32(data.subarray(3000), crc32(data.subarray(0, 3000)))).toBe(zlibCrc32(data) >>> 0);
  });
});

describe('file patches through the image source', () => {
  test('NUM_DISK_BLOCKS then a CRC32 over the already patched header, little-endian', async () => {
    const original = standIn(3, 4 * SS + 300);
    const src = await openImageSource(imageFile(original), mibibPatches(), { numDiskBlocks: 2048 });
    try {
      expect(src.size).toBe(original.length);
      const all = await src.read(0, src.size);
      const want = expected(original, 2048);
      expect(Buffer.from(all).equals(Buffer.from(want))).toBe(true);
      expect(new DataView(all.buffer).getUint32(SS + 512, true)).toBe(572);
      // The CRC covers the patched sector 1: the CRC of the unpatched header would differ.
      expect(new DataView(all.buffer).getUint32(3 * SS + 12, true)).not.toBe(
        zlibCrc32(original.subarray(0, 4096)) >>> 0,
      );
    } finally {
      await src.close();
    }
  });

  test('reads at arbitrary offsets and lengths, across the patched bytes and past the end', async () => {
    const original = standIn(9, 4 * SS + 300);
    const want = expected(original, 4096);
    const src = await openImageSource(imageFile(original), mibibPatches(), { numDiskBlocks: 4096 });
    try {
      for (const [off, len] of [
        [SS + 510, 4],
        [SS + 513, 1],
        [SS + 514, 100],
        [3 * SS + 13, 2],
        [0, 1],
        [3 * SS, SS],
        [want.length - 5, 50],
        [want.length, 10],
        [7, 0],
      ] as const) {
        const got = await src.read(off, len);
        expect(Array.from(got), `read(${off}, ${len})`).toEqual(
          Array.from(want.subarray(off, Math.min(off + len, want.length))),
        );
      }
    } finally {
      await src.close();
    }
  });

  test('pads to whole sectors with zeros when asked, and patches only the file bytes', async () => {
    const original = standIn(1, 2 * SS + 7);
    const src = await openImageSource(imageFile(original), [], { sectorSize: SS });
    try {
      expect(src.size).toBe(3 * SS);
      const tail = await src.read(2 * SS, SS);
      expect(Array.from(tail.subarray(0, 7))).toEqual(Array.from(original.subarray(2 * SS)));
      expect(tail.subarray(7).every((b) => b === 0)).toBe(true);
    } finally {
      await src.close();
    }
  });

  test('NUM_DISK_SECTORS, plain numbers, and a value that does not fit', async () => {
    const original = standIn(2, SS + 100);
    const p = (value: string, size = 4): FilePatch[] => [
      {
        start_sector: 0,
        byte_offset: 8,
        sector_size: SS,
        size_in_bytes: size,
        value,
        what: '',
        pages_per_block: 64,
        source: 't line 1',
      },
    ];
    let src = await openImageSource(imageFile(original), p('NUM_DISK_SECTORS-34.'), { numDiskBlocks: 1024 });
    expect(new DataView((await src.read(8, 4)).buffer).getUint32(0, true)).toBe(1024 * 64 - 34);
    await src.close();
    src = await openImageSource(imageFile(original), p('4660.', 2), {});
    expect(Array.from(await src.read(8, 2))).toEqual([0x34, 0x12]);
    await src.close();
    await expect(openImageSource(imageFile(original), p('70000', 2), {})).rejects.toMatchObject({
      code: 'PACKAGE_BAD_PATCH',
      message: expect.stringContaining('does not fit in 2 bytes'),
    });
    await expect(
      openImageSource(imageFile(original), p('NUM_DISK_BLOCKS-3000.'), { numDiskBlocks: 2048 }),
    ).rejects.toMatchObject({ code: 'PACKAGE_BAD_PATCH' });
  });

  test('NUM_DISK_BLOCKS without the device size is refused, not guessed', async () => {
    await expect(openImageSource(imageFile(standIn(1, 4 * SS + 300)), mibibPatches(), {})).rejects.toMatchObject({
      code: 'PACKAGE_BAD_PATCH',
      message: expect.stringContaining('getstorageinfo'),
    });
  });

  test('a patch beyond the end of its file is a package problem found at load time', async () => {
    const p = realPackage();
    writeFileSync(path.join(p.firehose, 'partition_complete_p2K_b128K.mbn'), standIn(1, 3 * SS));
    // Only when file patches are asked for: by default files are written as shipped.
    expect((await loadPackage(p.root)).problems).toEqual([]);
    const pkg = await loadPackage(p.root, { applyFilePatches: true });
    const prob = pkg.problems.find((x) => x.code === 'PACKAGE_BAD_PATCH');
    expect(prob?.message).toMatch(
      /patch_p2K_b128K\.xml line 6: the patch writes at byte 6156, beyond the end of the 6144-byte file/,
    );
  });

  test('a patch value this tool cannot compute is refused at load time', async () => {
    const p = realPackage();
    const file = path.join(p.firehose, 'patch_p2K_b128K.xml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(file, readFileSync(file, 'utf8').replace('CRC32(0,4096)', 'SHA1(0,4096)'));
    const pkg = await loadPackage(p.root);
    expect(pkg.problems.map((x) => x.code)).toEqual(['PACKAGE_BAD_XML']);
    expect(pkg.problems[0]!.message).toMatch(/patch_p2K_b128K\.xml line 6: patch value "SHA1\(0,4096\)"/);
  });

  test('asked for, the loaded plan streams the MIBIB patched like the reference computation', async () => {
    const p = realPackage();
    const pkg = await loadPackage(p.root, { applyFilePatches: true });
    const step = pkg.plan.find((s) => s.operation === 'program' && s.start_sector === 640)!;
    const src = await openImageSource(step.path!, step.file_patches!, { numDiskBlocks: 2048 });
    try {
      const { readFileSync } = await import('node:fs');
      expect(
        Buffer.from(await src.read(0, src.size)).equals(
          Buffer.from(expected(new Uint8Array(readFileSync(step.path!)), 2048)),
        ),
      ).toBe(true);
    } finally {
      await src.close();
    }
  });
});
