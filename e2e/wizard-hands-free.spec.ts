// Hands-free recovery: the person allows the flash to cut the modem's power. The virtual modem
// stops taking data in the middle of NON-HLOS.ubi (2 MiB into the demo package's raw data: a
// hung programmer, as in the user's "send NON-HLOS.ubi" hang); the run climbs its ladder, switches the demo modem's USB port off and on
// by itself, waits for download mode and the greeting, resumes after what was verified, and
// reaches 100 % with no error card: every rung shown on screen.

import { expect, requireChromium, test } from './helpers/fixtures.js';
import { FLASH_TIMEOUT_MS, goNext, confirmAndFlash, walkToPackageStep } from './helpers/wizard.js';

requireChromium();

test('a stall mid-flash with consent: the run power-cycles the modem by itself and completes', async ({
  page,
  server,
  shot,
}) => {
  // The ladder gives up on a hung programmer only after the engine's real limits (about 50 s).
  test.setTimeout(180_000);
  await walkToPackageStep(page, server.url, { faults: ['stall@2M'] });
  await page.getByTestId('package-demo').click();
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await goNext(page, 'flash');

  const consent = page.getByTestId('flash-power-consent');
  await expect(consent, 'power cutting is asked, not assumed').not.toBeChecked();
  await consent.check();
  await shot('flash-consent');
  await confirmAndFlash(page);

  // No data moves: the figures say so instead of freezing.
  await expect(page.getByTestId('flash-speed')).toHaveText('stalled', { timeout: FLASH_TIMEOUT_MS });
  await shot('flash-stalled');
  const cycles = page.getByTestId('flash-power-cycles');
  await expect(cycles).toContainText(
    /stopped while writing NON-HLOS\.ubi.*USB port off and on \(power cycle 1 of 2\)/,
    {
      timeout: 120_000,
    },
  );
  await expect(cycles).toContainText(/The power is back/, { timeout: 60_000 });
  await shot('flash-power-cycled');
  await expect(page.getByTestId('flash-progress')).toHaveAttribute('aria-valuenow', '100', { timeout: 120_000 });
  await expect(page.getByTestId('error-card')).toHaveCount(0);
  await expect(page.getByTestId('recovery-message')).toContainText(/Recovered/);
  await expect(page.getByTestId('flash-next'), 'no failure, so no next action').toHaveCount(0);
  await shot('flash-hands-free-done');

  await goNext(page, 'finish');
  await expect(page.getByTestId('finish-status')).toContainText(/normal/i, { timeout: FLASH_TIMEOUT_MS });
});
