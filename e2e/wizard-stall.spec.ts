// A stall during the flash: the virtual modem stops answering 1 MiB into the transfer; the flash
// recovers by itself, the wizard says what recovery is doing, and the flash completes.

import { apiCall } from './helpers/api.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import { demoOn, devices, expectIndicator, expectStep, FLASH_TIMEOUT_MS, goNext } from './helpers/wizard.js';

requireChromium();

test('a stall during the flash recovers on screen and the flash completes', async ({ page, server, shot }) => {
  await page.goto(server.url);
  await expectStep(page, 'connect');
  await demoOn(page);
  await apiCall(server.url, 'setDemoMode', { on: true, faults: ['stall@1M'] });
  await expect(devices(page).first()).toHaveAttribute('data-mode', 'normal');

  await goNext(page, 'prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-skip-understand').check();
  await goNext(page, 'enter-edl');
  await page.getByTestId('enter-edl-auto').click();
  await expectIndicator(page, 'present');

  await goNext(page, 'package');
  await page.getByTestId('package-demo').click();
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });

  await goNext(page, 'flash');
  await page.getByTestId('flash-start').click();
  const recovery = page.getByTestId('recovery-message');
  await expect(recovery, 'the wizard says what recovery is doing').toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await expect(recovery).not.toBeEmpty();
  await shot('flash-recovering');
  await expect(page.getByTestId('flash-progress')).toHaveAttribute('aria-valuenow', '100', { timeout: FLASH_TIMEOUT_MS });
  await expect(page.getByTestId('error-card')).toHaveCount(0);
  await expect(page.getByTestId('log-tail')).not.toBeEmpty();
  await shot('flash-done');
  await goNext(page, 'finish');
  await expect(page.getByTestId('finish-status')).toContainText(/normal/i, { timeout: FLASH_TIMEOUT_MS });
  await shot('finish');
});
