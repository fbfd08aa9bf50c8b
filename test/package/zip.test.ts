// Packages as .zip files: a good one unpacks into a temporary folder that dispose() removes;
// hostile ones (zip slip, absolute names, backslash traversal, symlinks, bombs, too many
// entries, lying sizes, not a zip) are refused with their codes and nothing lands outside.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadPackage } from '../../src-main/package/load.js';
import { REAL, REAL_FILES, REAL_PATCH, REAL_XML, standIn, tempDir, writeZip, type ZipEntrySpec } from './helpers.js';
import { makeProgrammerElf } from '../../src-main/sim/programmer-image.js';
import { MODELS } from '../../src-main/sim/models.js';

function packageEntries(top = 'EG25GGBR07A08M2G/'): ZipEntrySpec[] {
  return [
    { name: top },
    { name: `${top}update/firehose/${REAL_XML}`, data: readFileSync(path.join(REAL, REAL_XML)), deflate: true },
    { name: `${top}update/firehose/${REAL_PATCH}`, data: readFileSync(path.join(REAL, REAL_PATCH)) },
    {
      name: `${top}update/firehose/prog_nand_firehose_9x07.mbn`,
      data: makeProgrammerElf({ pkHash: MODELS.eg25g.pkHash }),
      deflate: true,
    },
    ...REAL_FILES.map((f, i): ZipEntrySpec => ({ name: `${top}update/${f}`, data: standIn(i), deflate: i % 2 === 0 })),
  ];
}

function zipOf(entries: ZipEntrySpec[]): string {
  const f = path.join(tempDir(), 'EG25GGBR07A08M2G.zip');
  writeZip(f, entries);
  return f;
}

function tempPackages(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith('modem-rescue-pkg-'));
}

describe('zip packages', () => {
  test('a good zip loads like the folder, and dispose removes the unpacked copy', async () => {
    const before = new Set(tempPackages());
    const pkg = await loadPackage(zipOf(packageEntries()));
    expect(pkg.problems).toEqual([]);
    expect(pkg.version).toBe('EG25GGBR07A08M2G');
    expect(pkg.plan).toHaveLength(25);
    const programmer = pkg.programmerPath;
    expect(existsSync(programmer)).toBe(true);
    expect(
      Buffer.from(readFileSync(pkg.plan.find((s) => s.label === 'rpm.mbn' && s.operation === 'program')!.path!)).equals(
        Buffer.from(standIn(2)),
      ),
    ).toBe(true);
    await pkg.dispose();
    expect(existsSync(programmer)).toBe(false);
    expect(tempPackages().filter((n) => !before.has(n))).toEqual([]);
  });

  test('a zip with update/ at its top level works too', async () => {
    const pkg = await loadPackage(zipOf(packageEntries('')));
    expect(pkg.problems).toEqual([]);
    expect(pkg.version).toBe('EG25GGBR07A08M2G');
    await pkg.dispose();
  });

  const unsafe: [string, ZipEntrySpec][] = [
    ['zip slip', { name: 'EG25GGBR07A08M2G/../../../../tmp/evil.txt', data: new Uint8Array([1]) }],
    ['backslash traversal', { name: 'EG25GGBR07A08M2G\\..\\..\\evil.txt', data: new Uint8Array([1]) }],
    ['absolute name', { name: '/tmp/evil.txt', data: new Uint8Array([1]) }],
    ['drive letter', { name: 'C:\\evil.txt', data: new Uint8Array([1]) }],
    [
      'symlink entry',
      {
        name: 'EG25GGBR07A08M2G/update/NON-HLOS.ubi.link',
        data: new TextEncoder().encode('/etc/passwd'),
        unixMode: 0o120777,
      },
    ],
  ];
  for (const [what, entry] of unsafe) {
    test(`refuses a ${what}, names the entry, and leaves nothing behind`, async () => {
      const before = new Set(tempPackages());
      const err = await loadPackage(zipOf([...packageEntries(), entry])).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PACKAGE_UNSAFE_PATH', message: expect.stringContaining(entry.name) });
      expect(tempPackages().filter((n) => !before.has(n))).toEqual([]);
    });
  }

  test('refuses a compression bomb by its ratio', async () => {
    const err = await loadPackage(
      zipOf([...packageEntries(), { name: 'x/bomb.bin', data: new Uint8Array(8 * 1024 * 1024), deflate: true }]),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PACKAGE_BAD_ZIP',
      message: expect.stringMatching(/bomb\.bin.*compression bomb/),
    });
  });

  test('refuses more entries, or more bytes, than the limits', async () => {
    const entries = packageEntries();
    await expect(loadPackage(zipOf(entries), { zipLimits: { maxEntries: 5 } })).rejects.toMatchObject({
      code: 'PACKAGE_BAD_ZIP',
      message: expect.stringContaining('more than the 5'),
    });
    await expect(loadPackage(zipOf(entries), { zipLimits: { maxTotalBytes: 50_000 } })).rejects.toMatchObject({
      code: 'PACKAGE_BAD_ZIP',
      message: expect.stringContaining('more than 50000 bytes'),
    });
  });

  test('refuses an entry whose data is longer than its header says', async () => {
    const entries = packageEntries();
    entries.push({
      name: 'EG25GGBR07A08M2G/update/extra.bin',
      data: standIn(1, 5000),
      deflate: true,
      declaredSize: 100,
    });
    await expect(loadPackage(zipOf(entries))).rejects.toMatchObject({ code: 'PACKAGE_BAD_ZIP' });
  });

  test('refuses a file that is not a zip', async () => {
    const f = path.join(tempDir(), 'firmware.zip');
    writeFileSync(f, 'this is not an archive');
    await expect(loadPackage(f)).rejects.toMatchObject({
      code: 'PACKAGE_BAD_ZIP',
      message: expect.stringContaining('firmware.zip'),
    });
  });
});
