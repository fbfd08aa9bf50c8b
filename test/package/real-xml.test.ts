// The real EG25-G XML, as published, read as is: the plan it yields and what `package inspect`
// shows for it.

import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { EXIT_CODES } from '../../shared/errors.js';
import { packageInspectCommand } from '../../src-main/cli/commands/package-inspect.js';
import { assertFlashable, loadPackage } from '../../src-main/package/load.js';
import { FakeIo, REAL, REAL_XML, realPackage } from './helpers.js';

function xmlLines(): { op: string; start: number; num: number; filename?: string }[] {
  const text = readFileSync(path.join(REAL, REAL_XML), 'utf8');
  return [...text.matchAll(/<(program|erase) ([^>]*)\/>/g)].map((m) => {
    const a = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    return {
      op: m[1]!,
      start: Number(a.start_sector),
      num: Number(a.num_partition_sectors),
      ...(a.filename ? { filename: a.filename } : {}),
    };
  });
}

describe('the real EG25-G update XML', () => {
  test('loads with no problems once its images are present, and the plan survives interruption', async () => {
    const p = realPackage();
    const pkg = await loadPackage(p.root);
    try {
      expect(pkg.problems).toEqual([]);
      expect(() => assertFlashable(pkg)).not.toThrow();
      // "NUM_PARTITION_SECTORS  = 131072" in the real file's header: a 256 MiB NAND.
      expect(pkg.geometry).toEqual({ sectorSize: 2048, pagesPerBlock: 64, totalSectors: 131072 });
      expect(pkg.version).toBe('EG25GGBR07A08M2G');
      // Its two MIBIB file patches are listed, not applied: the file is written as shipped.
      expect(pkg.filePatches.map((f) => [f.file, f.value, f.applied])).toEqual([
        ['partition_complete_p2K_b128K.mbn', 'NUM_DISK_BLOCKS-1476.', false],
        ['partition_complete_p2K_b128K.mbn', 'CRC32(0,4096)', false],
      ]);
      expect(pkg.plan.some((s) => (s.file_patches?.length ?? 0) > 0)).toBe(false);
      const ops = pkg.plan.map((s) => s.operation);
      const lastErase = ops.lastIndexOf('erase');
      const firstProgram = ops.indexOf('program');
      expect(lastErase).toBeLessThan(firstProgram);
      // All erases first, SBL's (start 0) first of all; SBL programmed last of the programs.
      expect(pkg.plan[0]).toMatchObject({ operation: 'erase', start_sector: 0, num_sectors: 640, label: 'sbl1.mbn' });
      const programs = pkg.plan.filter((s) => s.operation === 'program');
      expect(programs.at(-1)).toMatchObject({ filename: '..\\sbl1.mbn', start_sector: 0 });
      expect(pkg.plan.at(-1)!.operation).toBe('reset');
      // Nothing erases a region after it was programmed.
      pkg.plan.forEach((s, i) => {
        if (s.operation !== 'erase') return;
        for (const p2 of pkg.plan.slice(0, i).filter((x) => x.operation === 'program')) {
          expect(
            s.start_sector >= p2.start_sector + p2.num_sectors || s.start_sector + s.num_sectors <= p2.start_sector,
          ).toBe(true);
        }
      });
      // Every line of the XML is in the plan with its start sector and size; the erase lines once each.
      const lines = xmlLines();
      expect(programs.map((s) => `${s.filename}@${s.start_sector}+${s.num_sectors}`).sort()).toEqual(
        lines
          .filter((l) => l.op === 'program')
          .map((l) => `${l.filename}@${l.start}+${l.num}`)
          .sort(),
      );
      expect(
        pkg.plan
          .filter((s) => s.operation === 'erase')
          .map((s) => `${s.start_sector}+${s.num_sectors}`)
          .sort(),
      ).toEqual(
        lines
          .filter((l) => l.op === 'erase')
          .map((l) => `${l.start}+${l.num}`)
          .sort(),
      );
      // Asked for, the MIBIB carries the two file patches in XML order.
      const patched = await loadPackage(p.root, { applyFilePatches: true });
      const mibib = patched.plan.find((s) => s.operation === 'program' && s.start_sector === 640)!;
      expect(mibib.file_patches?.map((f) => f.value)).toEqual(['NUM_DISK_BLOCKS-1476.', 'CRC32(0,4096)']);
      await patched.dispose();
      // The rpm erase is labelled by its program.
      expect(pkg.plan.find((s) => s.operation === 'erase' && s.start_sector === 13952)!.label).toBe('rpm.mbn');
      expect(pkg.plan.filter((s) => s.operation === 'patch')).toEqual([]);
      expect(pkg.totalProgramBytes).toBe(programs.reduce((n, s) => n + s.bytes, 0));
      expect(programs.every((s) => s.bytes > 0 && s.path && path.isAbsolute(s.path))).toBe(true);
    } finally {
      await pkg.dispose();
    }
  });

  test('a program line of a file the XML names twice gets its own step each time', async () => {
    const pkg = await loadPackage(realPackage().root);
    const boot = pkg.plan.filter((s) => s.operation === 'program' && s.filename === '..\\mdm9607-boot.img');
    expect(boot.map((s) => s.start_sector)).toEqual([16320, 20288]);
  });

  test('package inspect --json: plan, problems and the chosen XML, with the images missing as in the fixture', async () => {
    const p = realPackage({ images: false });
    const io = new FakeIo();
    const code = await packageInspectCommand.run([p.root, '--json'], io);
    expect(code).toBe(EXIT_CODES.package);
    const j = JSON.parse(io.stdout) as Record<string, unknown> & {
      steps: Record<string, unknown>[];
      problems: { code: string; message: string; file: string }[];
    };
    expect(Object.keys(j)).toEqual(
      expect.arrayContaining([
        'root',
        'programmer',
        'rawprogram',
        'rawprogramReason',
        'patch',
        'version',
        'geometry',
        'steps',
        'problems',
        'warnings',
      ]),
    );
    expect(j.rawprogram).toBe(path.join(p.firehose, REAL_XML));
    expect(j.patch).toBe(path.join(p.firehose, 'patch_p2K_b128K.xml'));
    expect(j.steps).toHaveLength(25);
    expect(j.steps[0]).toMatchObject({
      index: 0,
      operation: 'erase',
      label: 'sbl1.mbn',
      filename: null,
      start_sector: 0,
      num_sectors: 640,
    });
    expect(j.steps[23]).toMatchObject({
      index: 23,
      operation: 'program',
      filename: '..\\sbl1.mbn',
      start_sector: 0,
      num_sectors: 640,
      bytes: 0,
    });
    const missing = j.problems.filter((x) => x.code === 'PACKAGE_MISSING_FILE');
    // 11 distinct files (mdm9607-boot.img is named twice but reported once).
    expect(missing).toHaveLength(11);
    expect(missing.map((m) => m.message).join('\n')).toContain('NON-HLOS.ubi');
    expect(missing.map((m) => m.message).join('\n')).toContain(`sbl1.mbn (${REAL_XML} line 7)`);
  });

  test('package inspect prints the plan as a table, the reason for the XML and every problem', async () => {
    const p = realPackage();
    rmSync(path.join(p.update, 'NON-HLOS.ubi'));
    const io = new FakeIo();
    const code = await packageInspectCommand.run([p.root], io);
    expect(code).toBe(EXIT_CODES.package);
    expect(io.stdout).toContain(REAL_XML);
    expect(io.stdout).toMatch(/why: .*EFS\/NV/);
    expect(io.stdout).toMatch(/^0 +erase +sbl1\.mbn +0 +640/m);
    expect(io.stdout).toMatch(/^23 +program +sbl1\.mbn +0 +640 +8315/m);
    expect(io.stdout).toMatch(/PACKAGE_MISSING_FILE: .*NON-HLOS\.ubi/);
  });

  test('package inspect exits 0 for a complete package', async () => {
    const io = new FakeIo();
    expect(await packageInspectCommand.run([realPackage().root], io)).toBe(0);
    expect(io.stdout).toContain('No problems found.');
  });
});
