// A stall during the flash: the virtual modem stops reading 1 MiB into the transfer, as a wedged
// programmer does. On screen: the recovery ladder says what it is doing; when the module needs its
// power cycled the error card says so; after the replug (the demo button on the Flash step) the flash is started again, resumes after
// what was already written and verified, reaches 100 % and the module comes back in normal mode.

import { apiCall } from './helpers/api.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import { FLASH_TIMEOUT_MS, goNext, confirmAndFlash, walkToPackageStep } from './helpers/wizard.js';

requireChromium();

test('a stall during the flash: recovery shows on screen, and after the replug the flash resumes and completes', async ({
  page,
  server,
  shot,
}) => {
  // The stall is only given up on after the engine's real time limits (about 50 s).
  test.setTimeout(150_000);
  // The wizard has no control for arming faults: walkToPackageStep arms it over the API.
  await walkToPackageStep(page, server.url, { faults: ['stall@1M'] });
  await page.getByTestId('package-demo').click();
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });

  await goNext(page, 'flash');
  await confirmAndFlash(page);
  const recovery = page.getByTestId('recovery-message');
  await expect(recovery, 'the wizard says what recovery is doing').toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await expect(recovery).toContainText(/stalled|no data/i);
  await shot('flash-recovering');

  // The wedged module does not come back by itself: a clear error with the next step.
  const card = page.getByTestId('error-card');
  await expect(card).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await expect(page.getByTestId('error-code')).toHaveText(/^DEVICE_/);
  await expect(page.getByTestId('error-next-step')).toContainText(/power-cycle|unplug|replug/i);
  await expect(page.locator('body')).not.toContainText(/\n\s+at .+:\d+:\d+/);
  const stalledAt = Number(await page.getByTestId('flash-progress').getAttribute('aria-valuenow'));
  expect(stalledAt).toBeLessThan(100);
  // The hung module is still on the bus as 05c6:9008 but answers nothing: the next action is shown
  // and Resume stays off until the module is back and answering.
  await expect(page.getByTestId('flash-next')).toBeVisible();
  await expect(page.getByTestId('flash-next-state')).toContainText(/waiting for it to answer/i, { timeout: 15_000 });
  await expect(page.getByTestId('flash-start')).toBeDisabled();
  await shot('flash-stalled-error');

  // The person unplugs and replugs the module: the demo modem's button on the Flash step.
  await page.getByTestId('demo-replug').click();
  await expect
    .poll(async () => (await apiCall(server.url, 'getDevices', {})).devices.find((d) => d.demo)?.mode, {
      timeout: 15_000,
      message: 'the half-flashed module comes back in EDL',
    })
    .toBe('edl');
  await expect(page.getByTestId('flash-start')).toBeEnabled();
  await confirmAndFlash(page);
  await expect(page.getByTestId('flash-progress')).toHaveAttribute('aria-valuenow', '100', {
    timeout: FLASH_TIMEOUT_MS,
  });
  await expect(page.getByTestId('step-flash')).toContainText(/continuing an earlier run/i);
  await expect(page.getByTestId('error-card')).toHaveCount(0);
  await expect(page.getByTestId('log-tail')).not.toBeEmpty();
  await shot('flash-resumed-done');

  await goNext(page, 'finish');
  await expect(page.getByTestId('finish-status')).toContainText(/normal/i, { timeout: FLASH_TIMEOUT_MS });
  await shot('finish');
});
