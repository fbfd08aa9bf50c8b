// A package built around the real EG25-G update XML files (test/fixtures/real/eg25g, see its SOURCE.md), used
// as they are; the images they name are generated stand-ins (boot chain images signed for the
// virtual module's key so it boots, the MIBIB in the virtual module's own layout as shipped so it
// reads its partition table), each smaller than its partition and not a page multiple.

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXml } from '../../src-main/util/xml.js';
import { makeMibib } from '../../src-main/sim/make-package.js';
import { fillPseudoRandom, makeProgrammerElf } from '../../src-main/sim/programmer-image.js';
import { MODELS } from '../../src-main/sim/models.js';

export const REAL_EG25G_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/real/eg25g');
export const REAL_RAWPROGRAM = 'rawprogram_nand_p2K_b128K_update.xml';
export const REAL_PATCH = 'patch_p2K_b128K.xml';

const BOOT_CHAIN = new Set(['sbl1.mbn', 'tz.mbn', 'rpm.mbn', 'appsboot.mbn']);

/** Writes the package under dir and returns its root. Images are at most maxImageBytes. */
export async function makeRealEg25gPackage(dir: string, maxImageBytes = 96 * 1024): Promise<string> {
  const model = MODELS.eg25g;
  const root = join(dir, 'EG25GGBR07A08M2G');
  const firehose = join(root, 'update', 'firehose');
  await mkdir(firehose, { recursive: true });
  await copyFile(join(REAL_EG25G_DIR, REAL_RAWPROGRAM), join(firehose, REAL_RAWPROGRAM));
  await copyFile(join(REAL_EG25G_DIR, REAL_PATCH), join(firehose, REAL_PATCH));
  await writeFile(
    join(firehose, 'prog_nand_firehose_9x07.mbn'),
    makeProgrammerElf({ pkHash: model.pkHash, size: 64 * 1024, seed: 5 }),
  );
  const xml = parseXml(await readFile(join(firehose, REAL_RAWPROGRAM), 'utf8'));
  const written = new Set<string>();
  let seed = 100;
  for (const el of xml.children) {
    if (el.name !== 'program') continue;
    const name = el.attrs.filename!.replace(/\\/g, '/');
    const path = resolve(firehose, name);
    if (written.has(path)) continue;
    written.add(path);
    const partBytes = Number(el.attrs.num_partition_sectors) * model.pageSize;
    const base = name.split('/').pop()!;
    let data: Uint8Array;
    if (BOOT_CHAIN.has(base))
      data = makeProgrammerElf({ pkHash: model.pkHash, size: Math.min(maxImageBytes, partBytes) - 300, seed: seed++ });
    else if (/^partition_complete_/i.test(base)) data = makeMibib(model);
    else {
      data = new Uint8Array(Math.min(maxImageBytes, partBytes) - 777 - (seed % 5) * 100);
      fillPseudoRandom(data, seed++);
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }
  return root;
}
