// The simulator's package maker: its packages load with no problems for both models, md5.txt
// verifies, the EG25-G XML is the real one, boot chain images are signed for the model's key,
// and images are not page multiples (so hosts must pad).

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { simMakePackageCommand } from '../../src-main/cli/commands/sim-make-package.js';
import { loadPackage } from '../../src-main/package/load.js';
import { parseMd5Txt } from '../../src-main/package/md5.js';
import { makePackage, rawprogramXml } from '../../src-main/sim/make-package.js';
import { MODELS, type ModelId } from '../../src-main/sim/models.js';
import { verifySignedImage } from '../../src-main/sim/programmer-image.js';
import { FakeIo, REAL, REAL_PATCH, REAL_XML, tempDir } from './helpers.js';

describe('makePackage', () => {
  for (const model of ['ec25', 'eg25g'] as ModelId[]) {
    test(`${model}: Quectel's layout, loads with no problems, md5 verifies`, async () => {
      const spec = MODELS[model];
      const made = await makePackage({ model, outDir: tempDir(), sizeMiB: 3, seed: 7 });
      expect(path.basename(made.root)).toBe(spec.firmware);
      const pkg = await loadPackage(made.root);
      try {
        expect(pkg.problems).toEqual([]);
        expect(pkg.warnings).toEqual([]);
        // The NAND size comes from the XML header, as in Quectel's generated files.
        expect(pkg.geometry).toEqual({
          sectorSize: spec.pageSize,
          pagesPerBlock: spec.pagesPerBlock,
          totalSectors: spec.totalBlocks * spec.pagesPerBlock,
        });
        expect(path.basename(pkg.programmerPath)).toBe('prog_nand_firehose_9x07.mbn');
        expect(path.basename(pkg.rawprogramPath)).toBe(`rawprogram_nand_${spec.geometryTag}_update.xml`);
        expect(pkg.version).toBe(spec.firmware);
        // About the size asked for.
        expect(pkg.totalProgramBytes).toBeGreaterThan(2.5 * 1024 * 1024);
        expect(pkg.totalProgramBytes).toBeLessThan(4 * 1024 * 1024);
        // Every layout partition with a file is programmed; SBL erase first, SBL program last.
        const programs = pkg.plan.filter((s) => s.operation === 'program');
        expect(programs.map((s) => s.start_sector).sort((a, b) => a - b)).toEqual(
          spec.layout.filter((p) => p.file).map((p) => p.startPage),
        );
        expect(pkg.plan[0]).toMatchObject({ operation: 'erase', start_sector: 0 });
        expect(programs.at(-1)).toMatchObject({ start_sector: 0, label: 'sbl1.mbn' });
        for (const s of programs) {
          expect(s.bytes % spec.pageSize, s.label).not.toBe(0);
          expect(Math.ceil(s.bytes / spec.pageSize)).toBeLessThan(s.num_sectors);
        }
        // Boot chain images are signed for the model's root key.
        for (const p of spec.layout.filter((l) => l.bootChain)) {
          expect(
            verifySignedImage(new Uint8Array(readFileSync(path.join(made.root, 'update', p.file))), spec.pkHash).ok,
            p.file,
          ).toBe(true);
        }
        expect(verifySignedImage(new Uint8Array(readFileSync(pkg.programmerPath)), spec.pkHash).ok).toBe(true);
        // md5.txt: Windows-style lines covering every image.
        const md5 = readFileSync(path.join(made.root, 'md5.txt'), 'utf8');
        expect(md5).toMatch(/^FILE:\\update\\firehose\\prog_nand_firehose_9x07\.mbn:[0-9a-f]{32}\r\n/);
        const listed = parseMd5Txt(md5).entries.map((e) => e.name);
        for (const s of programs)
          expect(listed).toContain(`\\${path.relative(made.root, s.path!).split(path.sep).join('\\')}`);
      } finally {
        await pkg.dispose();
      }
    });
  }

  test('the EG25-G XML files are the real ones', async () => {
    const made = await makePackage({ model: 'eg25g', outDir: tempDir(), sizeMiB: 1 });
    const fh = path.join(made.root, 'update', 'firehose');
    expect(readFileSync(path.join(fh, REAL_XML), 'utf8')).toBe(readFileSync(path.join(REAL, REAL_XML), 'utf8'));
    expect(readFileSync(path.join(fh, REAL_PATCH), 'utf8')).toBe(readFileSync(path.join(REAL, REAL_PATCH), 'utf8'));
    expect(rawprogramXml(MODELS.ec25)).toContain('<!--BlockSize = 256 KB-->');
  });

  test('a damaged image is caught by its md5', async () => {
    const made = await makePackage({ model: 'ec25', outDir: tempDir(), sizeMiB: 1 });
    const f = path.join(made.root, 'update', 'NON-HLOS.ubi');
    const bytes = readFileSync(f);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    writeFileSync(f, bytes);
    const pkg = await loadPackage(made.root);
    expect(pkg.problems.map((p) => p.code)).toEqual(['PACKAGE_CHECKSUM_MISMATCH']);
    expect(pkg.problems[0]!.message).toContain('NON-HLOS.ubi');
  });

  test('same seed, same package; another seed, other bytes', async () => {
    const a = await makePackage({ model: 'eg25g', outDir: tempDir(), sizeMiB: 1, seed: 3 });
    const b = await makePackage({ model: 'eg25g', outDir: tempDir(), sizeMiB: 1, seed: 3 });
    const c = await makePackage({ model: 'eg25g', outDir: tempDir(), sizeMiB: 1, seed: 4 });
    const md5 = (root: string): string => readFileSync(path.join(root, 'md5.txt'), 'utf8');
    expect(md5(a.root)).toBe(md5(b.root));
    expect(md5(a.root)).not.toBe(md5(c.root));
  });

  test('with a factory XML the update XML is still chosen, and the factory one erases EFS2', async () => {
    const made = await makePackage({ model: 'eg25g', outDir: tempDir(), sizeMiB: 1, factoryXml: true });
    const factory = readFileSync(
      path.join(made.root, 'update', 'firehose', 'rawprogram_nand_p2K_b128K_factory.xml'),
      'utf8',
    );
    expect(factory).toContain('num_partition_sectors="11904" physical_partition_number="0" start_sector="1280"');
    const pkg = await loadPackage(made.root);
    expect(pkg.problems).toEqual([]);
    expect(path.basename(pkg.rawprogramPath)).toBe(REAL_XML);
    expect(pkg.rawprogramReason).toContain('calibration and the IMEI');
    expect(pkg.plan.some((s) => s.start_sector === 1280)).toBe(false);
  });

  test('sim make-package prints the package folder; bad options are usage errors', async () => {
    const io = new FakeIo();
    const out = tempDir();
    expect(await simMakePackageCommand.run(['--model', 'ec25', '--out', out, '--size', '1', '--seed', '2'], io)).toBe(
      0,
    );
    const root = io.stdout.trim();
    expect(root).toBe(path.join(out, MODELS.ec25.firmware));
    expect(statSync(path.join(root, 'md5.txt')).isFile()).toBe(true);
    await expect(simMakePackageCommand.run(['--model', 'ec99', '--out', out], new FakeIo())).rejects.toMatchObject({
      code: 'USAGE',
    });
    await expect(simMakePackageCommand.run(['--model', 'ec25'], new FakeIo())).rejects.toMatchObject({ code: 'USAGE' });
  });
});
