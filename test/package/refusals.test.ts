// Every way a package is refused before anything touches a modem: the specific code, and a
// message that names the file.

import { copyFileSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { assertFlashable, loadPackage, type FirmwarePackage } from '../../src-main/package/load.js';
import { REAL, REAL_XML, realPackage, tempDir, type RealPackage } from './helpers.js';

async function load(p: RealPackage): Promise<FirmwarePackage> {
  const pkg = await loadPackage(p.root);
  await pkg.dispose();
  return pkg;
}

function editXml(p: RealPackage, from: string, to: string): void {
  const file = path.join(p.firehose, REAL_XML);
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

function only(pkg: FirmwarePackage, code: string): { message: string; file?: string } {
  const hits = pkg.problems.filter((x) => x.code === code);
  expect(hits, JSON.stringify(pkg.problems)).toHaveLength(1);
  return hits[0]!;
}

describe('refused packages', () => {
  test('a missing image', async () => {
    const p = realPackage();
    rmSync(path.join(p.update, 'usrdata.ubi'));
    const pkg = await load(p);
    expect(only(pkg, 'PACKAGE_MISSING_FILE').message).toMatch(/usrdata\.ubi .*line 22/);
    expect(pkg.problems).toHaveLength(1);
    expect(() => assertFlashable(pkg)).toThrow(
      expect.objectContaining({ code: 'PACKAGE_MISSING_FILE', message: expect.stringContaining('usrdata.ubi') }),
    );
  });

  test('an image larger than its partition (by one byte past the last page)', async () => {
    const p = realPackage();
    writeFileSync(path.join(p.update, 'rpm.mbn'), new Uint8Array(576 * 2048 + 1));
    const pkg = await load(p);
    expect(only(pkg, 'PACKAGE_FILE_TOO_LARGE').message).toMatch(
      /rpm\.mbn is 1179649 bytes \(577 sectors\).*holds 576 sectors/,
    );
  });

  test('an image exactly the size of its partition is fine', async () => {
    const p = realPackage();
    writeFileSync(path.join(p.update, 'rpm.mbn'), new Uint8Array(576 * 2048));
    expect((await load(p)).problems).toEqual([]);
  });

  test('an empty image', async () => {
    const p = realPackage();
    truncateSync(path.join(p.update, 'tz.mbn'), 0);
    expect(only(await load(p), 'PACKAGE_EMPTY_FILE').message).toContain('tz.mbn');
  });

  test('a ..\\..\\..\\etc\\passwd traversal', async () => {
    const p = realPackage();
    editXml(p, 'filename="..\\tz.mbn"', 'filename="..\\..\\..\\..\\..\\..\\..\\..\\etc\\passwd"');
    const pkg = await load(p);
    const prob = only(pkg, 'PACKAGE_UNSAFE_PATH');
    expect(prob.message).toContain('etc\\passwd');
    expect(prob.message).toContain('outside the package');
    // The unsafe line never becomes a step that reads the file.
    expect(pkg.plan.some((s) => s.path?.includes('passwd'))).toBe(false);
  });

  test('an absolute path, Windows or POSIX', async () => {
    for (const name of ['C:\\Windows\\win.ini', '/etc/passwd', '\\\\server\\share\\x.mbn']) {
      const p = realPackage();
      editXml(p, 'filename="..\\tz.mbn"', `filename="${name}"`);
      expect(only(await load(p), 'PACKAGE_UNSAFE_PATH').message).toContain('absolute path');
    }
  });

  test('a symlink that leads out of the package', async () => {
    const p = realPackage();
    const outside = path.join(tempDir(), 'secret.bin');
    writeFileSync(outside, 'not firmware');
    rmSync(path.join(p.update, 'data.ubi'));
    symlinkSync(outside, path.join(p.update, 'data.ubi'));
    const prob = only(await load(p), 'PACKAGE_UNSAFE_PATH');
    expect(prob.message).toMatch(/data\.ubi.*link to a file outside/);
  });

  test('a symlink that stays inside the package is followed', async () => {
    const p = realPackage();
    rmSync(path.join(p.update, 'data.ubi'));
    symlinkSync(path.join(p.update, 'usrdata.ubi'), path.join(p.update, 'data.ubi'));
    expect((await load(p)).problems).toEqual([]);
  });

  const hostileXml: [string, string][] = [
    [
      'billion laughs',
      '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n<data>&lol2;</data>',
    ],
    [
      'external entity',
      '<?xml version="1.0"?>\n<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<data><program filename="&xxe;"/></data>',
    ],
  ];
  for (const [what, xml] of hostileXml) {
    test(`${what} XML is refused (no DOCTYPE)`, async () => {
      const p = realPackage();
      writeFileSync(path.join(p.firehose, REAL_XML), xml);
      const pkg = await load(p);
      const prob = only(pkg, 'PACKAGE_BAD_XML');
      expect(prob.message).toContain(REAL_XML);
      expect(prob.message).toMatch(/line 2: DOCTYPE/);
      expect(pkg.plan).toEqual([]);
    });
  }

  test('malformed XML names the file and line', async () => {
    const p = realPackage();
    editXml(
      p,
      '<erase PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="2048" num_partition_sectors="576"',
      '<erase PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="2048 num_partition_sectors="576"',
    );
    const prob = only(await load(p), 'PACKAGE_BAD_XML');
    expect(prob.message).toContain(`${REAL_XML}, line 10`);
  });

  test('a number that is not plain decimal, and a sector size that changes mid-file', async () => {
    const p = realPackage();
    editXml(p, 'start_sector="13184"/>', 'start_sector="0x3380"/>');
    expect(only(await load(p), 'PACKAGE_BAD_XML').message).toMatch(
      /line 9: start_sector="0x3380" .* not a plain decimal/,
    );
    const q = realPackage();
    editXml(
      q,
      'SECTOR_SIZE_IN_BYTES="2048" num_partition_sectors="576"',
      'SECTOR_SIZE_IN_BYTES="4096" num_partition_sectors="576"',
    );
    expect(only(await load(q), 'PACKAGE_BAD_XML').message).toMatch(
      /line 10: SECTOR_SIZE_IN_BYTES=4096 differs from 2048/,
    );
  });

  test('a huge XML is refused by its size, without being parsed', async () => {
    const p = realPackage();
    const file = path.join(p.firehose, REAL_XML);
    writeFileSync(file, '<data>');
    truncateSync(file, 64 * 1024 * 1024);
    const prob = only(await load(p), 'PACKAGE_BAD_XML');
    expect(prob.message).toMatch(/67108864 bytes, more than the 4194304/);
  });

  test('an md5 mismatch names the file; files md5.txt does not list are fine', async () => {
    const p = realPackage();
    const good = (await import('node:crypto'))
      .createHash('md5')
      .update(readFileSync(path.join(p.update, 'sbl1.mbn')))
      .digest('hex');
    writeFileSync(
      path.join(p.root, 'md5.txt'),
      `FILE:\\update\\sbl1.mbn:${good}\r\n\r\nFILE:\\update\\tz.mbn:${'0'.repeat(32)}\r\n`,
    );
    const pkg = await load(p);
    const prob = only(pkg, 'PACKAGE_CHECKSUM_MISMATCH');
    expect(prob.message).toContain('update\\tz.mbn');
    expect(pkg.problems).toHaveLength(1);
  });

  test('md5.txt listing a file that is not there', async () => {
    const p = realPackage();
    writeFileSync(path.join(p.root, 'md5.txt'), `FILE:\\update\\NON-HLOS-2.ubi:${'a'.repeat(32)}\n`);
    expect(only(await load(p), 'PACKAGE_MISSING_FILE').message).toContain('NON-HLOS-2.ubi');
  });

  test('md5 check can be turned off', async () => {
    const p = realPackage();
    writeFileSync(path.join(p.root, 'md5.txt'), `FILE:\\update\\tz.mbn:${'0'.repeat(32)}\n`);
    const pkg = await loadPackage(p.root, { verifyMd5: false });
    expect(pkg.problems).toEqual([]);
    expect(pkg.warnings.join(' ')).toContain('md5.txt was not checked');
  });

  test('no programmer', async () => {
    const p = realPackage({ programmer: false });
    const pkg = await load(p);
    expect(only(pkg, 'PACKAGE_NO_PROGRAMMER').message).toContain('prog_*firehose*.mbn');
    expect(pkg.programmerPath).toBe('');
  });

  test('a programmer that is not an ELF', async () => {
    const p = realPackage({ programmer: false });
    writeFileSync(path.join(p.firehose, 'prog_nand_firehose_9x07.mbn'), '<html>404 Not Found</html>'.repeat(100));
    const prob = only(await load(p), 'PACKAGE_NO_PROGRAMMER');
    expect(prob.message).toMatch(/prog_nand_firehose_9x07\.mbn is not a valid programmer: not an ELF/);
  });

  test('the NAND programmer is preferred for a NAND XML', async () => {
    const p = realPackage();
    copyFileSync(
      path.join(p.firehose, 'prog_nand_firehose_9x07.mbn'),
      path.join(p.firehose, 'prog_emmc_firehose_8953.mbn'),
    );
    expect(path.basename((await load(p)).programmerPath)).toBe('prog_nand_firehose_9x07.mbn');
  });

  test('no rawprogram XML at all', async () => {
    const p = realPackage();
    rmSync(path.join(p.firehose, REAL_XML));
    await expect(loadPackage(p.root)).rejects.toMatchObject({ code: 'PACKAGE_NO_RAWPROGRAM' });
  });

  test('a path that does not exist', async () => {
    await expect(loadPackage(path.join(tempDir(), 'nope'))).rejects.toMatchObject({ code: 'PACKAGE_NOT_FOUND' });
  });

  test('_update is preferred over _factory, and the reason says what the factory XML would erase', async () => {
    const p = realPackage();
    const factory = readFileSync(path.join(REAL, REAL_XML), 'utf8').replace(
      '<erase ',
      '<erase PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="2048" num_partition_sectors="11904" physical_partition_number="0" start_sector="1280"/>\n  <erase ',
    );
    writeFileSync(path.join(p.firehose, 'rawprogram_nand_p2K_b128K_factory.xml'), factory);
    const pkg = await load(p);
    expect(path.basename(pkg.rawprogramPath)).toBe(REAL_XML);
    expect(pkg.rawprogramReason).toMatch(/factory\.xml would also erase EFS\/NV, i\.e\. the calibration and the IMEI/);
    expect(pkg.plan.some((s) => s.start_sector === 1280)).toBe(false);
  });

  test('a package with only a factory XML is used with a warning', async () => {
    const p = realPackage();
    copyFileSync(path.join(p.firehose, REAL_XML), path.join(p.firehose, 'rawprogram_nand_p2K_b128K_factory.xml'));
    rmSync(path.join(p.firehose, REAL_XML));
    const pkg = await load(p);
    expect(pkg.warnings.join('\n')).toMatch(/factory XML: it also erases EFS\/NV/);
  });

  test('assertFlashable lists every problem under the first code', async () => {
    const p = realPackage({ programmer: false });
    rmSync(path.join(p.update, 'usrdata.ubi'));
    const pkg = await load(p);
    let err: unknown;
    try {
      assertFlashable(pkg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RescueError);
    expect((err as RescueError).code).toBe(pkg.problems[0]!.code);
    expect((err as RescueError).message).toMatch(/2 problems:[\s\S]*usrdata\.ubi[\s\S]*prog_\*firehose/);
  });
});

describe('links and odd places', () => {
  test('md5.txt that is a link out of the package is refused, not read', async () => {
    const p = realPackage();
    const outside = path.join(tempDir(), 'md5.txt');
    writeFileSync(outside, `FILE:\\update\\tz.mbn:${'0'.repeat(32)}\n`);
    symlinkSync(outside, path.join(p.root, 'md5.txt'));
    const pkg = await load(p);
    expect(pkg.problems.map((x) => x.code)).toEqual(['PACKAGE_UNSAFE_PATH']);
    expect(pkg.problems[0]!.message).toContain('md5.txt');
  });

  test('the package can be given as its update/ or update/firehose/ folder', async () => {
    const p = realPackage();
    for (const given of [p.update, p.firehose]) {
      const pkg = await load({ ...p, root: given });
      expect(pkg.problems).toEqual([]);
      expect(pkg.plan).toHaveLength(25);
    }
  });
});

test('two program lines writing the same pages are refused', async () => {
  const p = realPackage();
  editXml(
    p,
    'filename="..\\tz.mbn" num_partition_sectors="768" physical_partition_number="0" start_sector="13184"',
    'filename="..\\tz.mbn" num_partition_sectors="768" physical_partition_number="0" start_sector="1000"',
  );
  const prob = only(await load(p), 'PACKAGE_BAD_XML');
  expect(prob.message).toMatch(
    /line 9: the program of \.\.\\tz\.mbn \(sectors 1000\+768\) overlaps the one of partition_complete_p2K_b128K\.mbn at line 8/,
  );
});
