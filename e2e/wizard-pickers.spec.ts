// Paths are picked, not only typed: in browser mode a package folder (folder input), a package
// .zip (file input) or a drop is sent to the local server and checked from its private copy; a
// file that is not a package is refused with a sentence. At 200 % zoom (a 1280x800 window is
// 640x400 CSS pixels at device scale 2) the path field keeps its width and its label one line.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Page } from '@playwright/test';
import { writeZip } from '../src-main/util/zip-writer.js';
import { makePackage } from '../src-main/sim/make-package.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import { demoOn, expectStep, FLASH_TIMEOUT_MS, goNext, walkToPackageStep } from './helpers/wizard.js';

requireChromium();

async function packageOnDisk(): Promise<{ dir: string; root: string; zip: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'modem-rescue-e2e-pick-'));
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'out'), sizeMiB: 2, seed: 11 });
  const names = (await readdir(made.root, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
  const zip = join(dir, 'EC25-package.zip');
  await writeZip(
    zip,
    await Promise.all(names.map(async (f) => ({ name: relative(made.root, f), data: await readFile(f) }))),
  );
  return { dir, root: made.root, zip };
}

async function expectCheckedFromUpload(page: Page): Promise<void> {
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await expect(page.getByTestId('package-summary')).toContainText('Made for this module');
  await expect(page.getByTestId('package-path')).toHaveValue(/modem-rescue-upload-/);
}

test('browser mode: a package folder and a package .zip are chosen with file inputs and checked', async ({
  page,
  server,
  shot,
}) => {
  const pkg = await packageOnDisk();
  try {
    await walkToPackageStep(page, server.url);
    await page.getByTestId('package-path-folder').setInputFiles(pkg.root);
    await expectCheckedFromUpload(page);
    await expect(page.getByTestId('package-path')).not.toHaveValue(pkg.root);
    await shot('package-folder-uploaded');
    await page.getByTestId('package-path-file').setInputFiles(pkg.zip);
    await expect(page.getByTestId('package-path')).toHaveValue(/EC25-package\.zip$/, { timeout: FLASH_TIMEOUT_MS });
    await expectCheckedFromUpload(page);
    await goNext(page, 'flash');
  } finally {
    await rm(pkg.dir, { recursive: true, force: true });
  }
});

test('browser mode: a dropped .zip is checked, a dropped text file is refused with a sentence', async ({
  page,
  server,
}) => {
  const pkg = await packageOnDisk();
  try {
    await walkToPackageStep(page, server.url);
    const drop = async (name: string, bytes: Buffer): Promise<void> => {
      const dt = await page.evaluateHandle(
        ({ name, b64 }) => {
          const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const t = new DataTransfer();
          t.items.add(new File([data], name));
          return t;
        },
        { name, b64: bytes.toString('base64') },
      );
      await page.getByTestId('package-path-field').dispatchEvent('drop', { dataTransfer: dt });
    };
    await drop('notes.txt', Buffer.from('not a package'));
    await expect(page.getByTestId('error-message')).toContainText('neither a .zip nor a folder');
    await drop('dropped.zip', await readFile(pkg.zip));
    await expect(page.getByTestId('package-path')).toHaveValue(/dropped\.zip$/, { timeout: FLASH_TIMEOUT_MS });
    await expectCheckedFromUpload(page);
  } finally {
    await rm(pkg.dir, { recursive: true, force: true });
  }
});

test.describe('200 % zoom', () => {
  // A 1280x800 window at 200 % zoom: 640x400 CSS pixels, two device pixels each.
  test.use({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });

  test('the path fields keep their width and their labels stay on one line', async ({ page, server, shot }) => {
    await page.goto(server.url);
    await expectStep(page, 'connect');
    await demoOn(page);
    await goNext(page, 'prepare');
    await goNext(page, 'backup');
    const fieldIsUsable = async (id: string): Promise<void> => {
      const input = await page.getByTestId(id).boundingBox();
      const content = await page.locator('.step-body').boundingBox();
      const label = await page.locator(`label[for="${id === 'package-path' ? 'package-path' : 'backup-folder'}"]`);
      const labelBox = await label.boundingBox();
      const lineHeight = await label.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
      expect(input && content, `${id} and the content are laid out`).toBeTruthy();
      // The field takes most of the content's width (not three characters).
      expect(input!.width, `${id} is ${input!.width}px of ${content!.width}px`).toBeGreaterThan(content!.width * 0.9);
      expect(input!.width).toBeGreaterThan(300);
      // Its label is one line.
      expect(labelBox!.height, 'the label does not wrap').toBeLessThan(lineHeight * 1.5);
    };
    await fieldIsUsable('backup-folder');
    await shot('zoom200-backup');
    await page.getByTestId('backup-skip-understand').check();
    await goNext(page, 'enter-edl');
    await page.getByTestId('enter-edl-auto').click();
    await expect(page.getByTestId('edl-indicator')).toHaveAttribute('data-state', 'present', { timeout: 15_000 });
    await goNext(page, 'package');
    await fieldIsUsable('package-path');
    // Nothing sticks out sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('zoom200-package');
  });
});
