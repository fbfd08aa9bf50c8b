// A broken package is refused with its message: an emptied image (PACKAGE_EMPTY_FILE) and a file
// name that climbs out of the package (PACKAGE_UNSAFE_PATH). The wizard lists the problem with its
// code and will not go on to the flash.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import { CLI } from './helpers/serve.js';
import { demoOn, expectStep, goNext, nextButton } from './helpers/wizard.js';
import type { Page } from '@playwright/test';

requireChromium();

const run = promisify(execFile);

/** A small, valid package for the virtual EC25, made by the CLI; returns its folder. */
async function makePackage(outDir: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'sim', 'make-package', '--model', 'ec25', '--out', outDir, '--size', '2'],
    { timeout: 30_000 },
  );
  return stdout.trim().split('\n').pop() as string;
}

async function rawprogramPath(root: string): Promise<string> {
  const firehose = join(root, 'update', 'firehose');
  const xml = (await readdir(firehose)).find((f) => /^rawprogram.*\.xml$/i.test(f));
  if (!xml) throw new Error(`no rawprogram XML in ${firehose}`);
  return join(firehose, xml);
}

async function reachPackageStep(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expectStep(page, 'connect');
  await demoOn(page);
  await goNext(page, 'prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-skip-understand').check();
  await goNext(page, 'enter-edl');
  await page.getByTestId('enter-edl-auto').click();
  await expect(page.getByTestId('edl-indicator')).toHaveAttribute('data-state', 'present', { timeout: 15_000 });
  await goNext(page, 'package');
}

async function inspect(page: Page, path: string): Promise<void> {
  await page.getByTestId('package-path').fill(path);
  await page.getByTestId('package-inspect').click();
}

const breakages: { name: string; code: RegExp; damage: (root: string) => Promise<void> }[] = [
  {
    name: 'an emptied image',
    code: /PACKAGE_EMPTY_FILE/,
    damage: async (root) => truncate(join(root, 'update', 'cache.ubi'), 0),
  },
  {
    name: 'a file name that points outside the package',
    code: /PACKAGE_UNSAFE_PATH/,
    damage: async (root) => {
      const xml = await rawprogramPath(root);
      const text = await readFile(xml, 'utf8');
      const changed = text.replace(/filename="[^"]*cache\.ubi"/, 'filename="..\\..\\..\\..\\etc\\passwd"');
      if (changed === text) throw new Error('the rawprogram XML has no cache.ubi line to damage');
      await writeFile(xml, changed);
    },
  },
];

for (const broken of breakages) {
  test(`a package with ${broken.name} is refused with its code and Next stays disabled`, async ({
    page,
    server,
    shot,
  }) => {
    const work = await mkdtemp(join(tmpdir(), 'modem-rescue-e2e-pkg-'));
    try {
      const root = await makePackage(work);
      await broken.damage(root);
      await reachPackageStep(page, server.url);
      await inspect(page, root);
      const problems = page.getByTestId('package-problems');
      await expect(problems).toBeVisible({ timeout: 15_000 });
      await expect(problems).toContainText(broken.code);
      await expect(nextButton(page), 'a broken package cannot go on to the flash').toBeDisabled();
      await shot('package-refused');

      // A good package afterwards clears the refusal.
      await page.getByTestId('package-demo').click();
      await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: 15_000 });
      await expect(problems.getByText(broken.code)).toHaveCount(0);
      await goNext(page, 'flash');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
