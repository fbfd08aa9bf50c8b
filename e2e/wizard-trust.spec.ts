// What a frightened person must be able to trust: a package for another module is refused until
// its model is typed (and the modem's own answers still stop it before any erase), and a cancel
// asks first and then says what the modem holds now, never "nothing was changed" after an erase.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePackage } from '../src-main/sim/make-package.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import {
  confirmAndFlash,
  demoOn,
  devices,
  expectIndicator,
  expectStep,
  FLASH_TIMEOUT_MS,
  goNext,
  nextButton,
  progressValue,
} from './helpers/wizard.js';
import type { Page } from '@playwright/test';

requireChromium();

/** Connect -> skip the backup -> EDL over DIAG, ending on the Package step. */
async function toPackageStep(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expectStep(page, 'connect');
  await demoOn(page);
  await expect(devices(page).first()).toHaveAttribute('data-mode', 'normal');
  await goNext(page, 'prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-skip-understand').check();
  await goNext(page, 'enter-edl');
  await page.getByTestId('enter-edl-auto').click();
  await expectIndicator(page, 'present');
  await goNext(page, 'package');
}

test('a package for another module: refused, typed override only, and the modem still refuses before erasing', async ({
  page,
  server,
  shot,
}) => {
  const dir = await mkdtemp(join(tmpdir(), 'modem-rescue-e2e-eg25g-'));
  try {
    const other = await makePackage({ model: 'eg25g', outDir: dir, sizeMiB: 2, seed: 9 });
    await toPackageStep(page, server.url);
    await page.getByTestId('package-path').fill(other.root);
    await page.getByTestId('package-inspect').click();
    const refusal = page.getByTestId('package-not-for-module');
    await expect(refusal).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
    await expect(page.getByTestId('package-summary')).toContainText('Not for this module');
    await expect(page.getByTestId('package-summary')).not.toContainText('This package can be flashed');
    await expect(nextButton(page)).toBeDisabled();
    await page.getByTestId('package-override').fill('EC25');
    await expect(nextButton(page)).toBeDisabled();
    await page.getByTestId('package-override').fill('EG25');
    await shot('package-not-for-module');
    await goNext(page, 'flash');
    const summary = await confirmAndFlash(page);
    expect(summary).toMatch(/for another module/);
    // The programmer reports 4 KiB pages; the package writes 2 KiB ones: refused before any erase.
    await expect(page.getByTestId('error-code')).toHaveText('FLASH_REFUSED_BEFORE_ERASE', {
      timeout: FLASH_TIMEOUT_MS,
    });
    await expect(page.getByTestId('flash-module-state')).toContainText(/Nothing was erased or written/);
    await shot('flash-refused-before-erase');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cancel asks first, then says what the modem holds now', async ({ page, server, shot }) => {
  await toPackageStep(page, server.url);
  await page.getByTestId('package-demo').click();
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await goNext(page, 'flash');
  await confirmAndFlash(page);
  await expect
    .poll(() => progressValue(page), { timeout: FLASH_TIMEOUT_MS, message: 'the flash is writing' })
    .toBeGreaterThan(0);
  await page.getByTestId('flash-cancel').click();
  const ask = page.getByTestId('flash-cancel-confirm');
  await expect(ask).toContainText(/without working firmware until you run the flash again/);
  await shot('flash-cancel-confirm');
  await page.getByTestId('flash-cancel-go').click();
  await expect(page.getByTestId('error-code')).toHaveText('CANCELLED', { timeout: FLASH_TIMEOUT_MS });
  const state = page.getByTestId('flash-module-state');
  await expect(state).toContainText(/no working firmware/);
  await expect(page.getByTestId('step-flash')).not.toContainText(/nothing (else )?was changed/i);
  await expect(page.getByTestId('flash-start')).toHaveText(/Resume the flash/);
  await shot('flash-cancelled');
});
