// A package for benchmarks: the signed programmer, a signed SBL and one big image, in Quectel's
// layout, streamed to disk (a 1 GiB image never sits in memory).

import { createHash } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fillPseudoRandom, makeProgrammerElf } from '../src-main/sim/programmer-image.js';
import type { ModelSpec } from '../src-main/sim/models.js';

export interface BenchPackage {
  root: string;
  imageBytes: number;
  /** Blocks the virtual NAND needs to hold it. */
  totalBlocks: number;
}

export async function makeBenchPackage(dir: string, model: ModelSpec, imageMiB: number): Promise<BenchPackage> {
  const root = join(dir, 'BENCH_PACKAGE');
  const update = join(root, 'update');
  const firehose = join(update, 'firehose');
  await mkdir(firehose, { recursive: true });
  const blockBytes = model.pageSize * model.pagesPerBlock;
  const sbl = makeProgrammerElf({ pkHash: model.pkHash, size: 300 * 1024, seed: 11 });
  await writeFile(join(update, 'sbl1.mbn'), sbl);
  await writeFile(join(firehose, 'prog_nand_firehose_9x07.mbn'), makeProgrammerElf({ pkHash: model.pkHash, seed: 3 }));
  const imageBytes = imageMiB * 1024 * 1024 - 1000; // not a page multiple: exercises the padding
  const md5 = createHash('md5');
  const fh = await open(join(update, 'system.img'), 'w');
  const piece = Buffer.alloc(4 * 1024 * 1024);
  try {
    for (let off = 0, seed = 1; off < imageBytes; off += piece.length, seed++) {
      const n = Math.min(piece.length, imageBytes - off);
      fillPseudoRandom(piece, seed);
      md5.update(piece.subarray(0, n));
      await fh.write(piece, 0, n, off);
    }
  } finally {
    await fh.close();
  }
  const sblPages = 2 * model.pagesPerBlock;
  const imagePages = Math.ceil(imageBytes / blockBytes) * model.pagesPerBlock;
  const attrs = `PAGES_PER_BLOCK="${model.pagesPerBlock}" SECTOR_SIZE_IN_BYTES="${model.pageSize}" physical_partition_number="0"`;
  const xml = [
    '<?xml version="1.0" ?>',
    '<data>',
    `  <program ${attrs} filename="..\\sbl1.mbn" num_partition_sectors="${sblPages}" start_sector="0"/>`,
    `  <erase ${attrs} num_partition_sectors="${imagePages}" start_sector="${sblPages}"/>`,
    `  <program ${attrs} filename="..\\system.img" num_partition_sectors="${imagePages}" start_sector="${sblPages}"/>`,
    `  <erase ${attrs} num_partition_sectors="${sblPages}" start_sector="0"/>`,
    '</data>',
    '',
  ].join('\n');
  await writeFile(join(firehose, `rawprogram_nand_${model.geometryTag}_update.xml`), xml);
  await writeFile(join(root, 'md5.txt'), `FILE:\\update\\system.img:${md5.digest('hex')}\r\n`);
  const totalBlocks = (sblPages + imagePages) / model.pagesPerBlock + 8;
  return { root, imageBytes, totalBlocks };
}
