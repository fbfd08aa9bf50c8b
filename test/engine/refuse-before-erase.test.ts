// Everything that can refuse a flash for a knowable reason refuses it before the first erase:
// each case here ends with FLASH_REFUSED_BEFORE_ERASE (or a package problem) and a virtual NAND
// byte-identical to what it was before the run, with no erase or program sent.

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import type { ModelId } from '../../src-main/sim/models.js';
import type { ProgrammerName } from '../../src-main/sim/programmer-profiles.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { makeRealEg25gPackage } from '../helpers/real-eg25g-package.js';
import { rejection } from '../helpers/rejection.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-refuse-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/** Flash `root` onto a virtual `model`; the error, and whether the NAND changed at all. */
async function flashExpectingRefusal(model: ModelId, root: string, programmer: ProgrammerName = 'default') {
  const bus = new MemoryBus();
  const modem = new VirtualModem({ model, programmer, stateDir: join(dir, 'modem'), reEnumerateDelayMs: 50 }, bus);
  await modem.start();
  const nand = join(dir, 'modem', 'nand.bin');
  try {
    const before = await sha(nand);
    const error = await rejection(flashPackage({ package: root, opener: bus.opener, openTimeoutMs: 5000 }));
    const ops = modem.nand.ops.map((o) => o.op);
    return { error, ops, unchanged: (await sha(nand)) === before };
  } finally {
    await modem.stop();
  }
}

/** Rewrite the package's rawprogram XML (and its md5.txt line, as a package maker would). */
async function editRawprogram(root: string, edit: (xml: string) => string): Promise<void> {
  const pkg = await loadPackage(root);
  const file = pkg.rawprogramPath;
  await pkg.dispose();
  await editFile(root, file, edit);
}

/** Rewrite one file of the package and its md5.txt line. */
async function editFile(root: string, file: string, edit: (text: string) => string): Promise<void> {
  const old = createHash('md5')
    .update(await readFile(file))
    .digest('hex');
  await writeFile(file, edit(await readFile(file, 'utf8')));
  const md5 = join(root, 'md5.txt');
  await writeFile(
    md5,
    (await readFile(md5, 'utf8')).replace(
      old,
      createHash('md5')
        .update(await readFile(file))
        .digest('hex'),
    ),
  );
}

describe('refusals before the first erase leave the NAND untouched', () => {
  it('a package for 2 KiB pages on a module with 4 KiB pages (the programmer reports its NAND)', async () => {
    const root = await makeRealEg25gPackage(join(dir, 'pkg'));
    const r = await flashExpectingRefusal('ec25', root);
    expect(r.error).toBeInstanceOf(RescueError);
    expect((r.error as RescueError).code).toBe('FLASH_REFUSED_BEFORE_ERASE');
    expect((r.error as RescueError).message).toMatch(
      /4096-byte pages, but rawprogram_nand_p2K_b128K_update\.xml writes 2048-byte sectors/,
    );
    expect(r.ops.filter((o) => o === 'erase' || o === 'program')).toEqual([]);
    expect(r.unchanged).toBe(true);
  });

  it("a line past the end of the NAND, when the XML states no size: the programmer's storage answer catches it", async () => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 4 });
    await editRawprogram(made.root, (xml) =>
      xml
        .replace(/<!--\s*NUM_PARTITION_SECTORS[^>]*-->/i, '')
        .replace(
          '</data>',
          '  <erase PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="4096" num_partition_sectors="64" physical_partition_number="0" start_sector="70000"/>\n</data>',
        ),
    );
    const r = await flashExpectingRefusal('ec25', made.root);
    expect((r.error as RescueError).code).toBe('FLASH_REFUSED_BEFORE_ERASE');
    expect((r.error as RescueError).message).toMatch(
      /reaches page 70063, past the end of the NAND \(65536 pages, as the programmer reports\)/,
    );
    expect(r.ops.filter((o) => o === 'erase' || o === 'program')).toEqual([]);
    expect(r.unchanged).toBe(true);
  });

  it('a line past the end of the NAND the XML states: package inspect and flash refuse it before touching the module', async () => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 5 });
    await editRawprogram(made.root, (xml) =>
      xml.replace(
        '</data>',
        '  <erase PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="4096" num_partition_sectors="64" physical_partition_number="0" start_sector="70000"/>\n</data>',
      ),
    );
    const pkg = await loadPackage(made.root);
    expect(pkg.problems.map((p) => p.code)).toEqual(['PACKAGE_BAD_XML']);
    expect(pkg.problems[0]!.message).toMatch(
      /past the end of the NAND \(65536 pages, as rawprogram_nand_p4K_b256K_update\.xml states\)/,
    );
    await pkg.dispose();
    const r = await flashExpectingRefusal('ec25', made.root);
    expect((r.error as RescueError).code).toBe('PACKAGE_BAD_XML');
    expect(r.ops).toEqual([]);
    expect(r.unchanged).toBe(true);
  });

  it('a DISK patch for a programmer that does not offer <patch> (the MDM9x07 NAND loader): refused before erasing', async () => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 6 });
    const patchXml = join(made.root, 'update', 'firehose', 'patch_p4K_b256K.xml');
    await editFile(made.root, patchXml, (xml) =>
      xml.replace(
        '</patches>',
        '  <patch SECTOR_SIZE_IN_BYTES="4096" byte_offset="0" filename="DISK" physical_partition_number="0" size_in_bytes="4" start_sector="320" value="0" what="a device-side patch"/>\n</patches>',
      ),
    );
    const r = await flashExpectingRefusal('ec25', made.root, 'mdm9x07-legacy');
    expect((r.error as RescueError).code).toBe('FLASH_REFUSED_BEFORE_ERASE');
    expect((r.error as RescueError).message).toMatch(/does not offer <patch>/);
    expect(r.ops.filter((o) => o === 'erase' || o === 'program')).toEqual([]);
    expect(r.unchanged).toBe(true);
  });
});
