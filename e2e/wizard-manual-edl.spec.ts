// The manual EDL path: a module that answers nothing (no normal mode, no EDL) until the person
// shorts USB_BOOT to VDD_EXT and suspends/resumes the port, and once more before the HELLO comes.

import { expect, requireChromium, test } from './helpers/fixtures.js';
import {
  demoOff,
  demoOn,
  DEVICE_TIMEOUT_MS,
  expectIndicator,
  expectStep,
  FLASH_TIMEOUT_MS,
  goNext,
  confirmAndFlash,
  nextButton,
  setChecked,
} from './helpers/wizard.js';

requireChromium();

test('a silent modem: the manual path with the pad illustration; after the first suspend 9008 is on the bus but silent, with the hint; after the second it answers, turns green, and it flashes', async ({
  page,
  server,
  shot,
}) => {
  await page.goto(server.url);
  await expectStep(page, 'connect');
  // The server starts with the demo on; switch it off, choose the silent module, switch it on.
  await expect(page.getByTestId('demo-toggle')).toBeChecked();
  await demoOff(page);
  await setChecked(page.getByTestId('demo-silent'), true);
  await demoOn(page);

  // Connect: nothing in normal mode (the module is silent).
  await expect(page.locator('[data-testid="device"][data-mode="normal"]')).toHaveCount(0, {
    timeout: DEVICE_TIMEOUT_MS,
  });
  await expect(page.locator('[data-testid="device"][data-mode="edl"]')).toHaveCount(0);
  await shot('connect-silent');

  // Prepare, then skip the backup (there is nothing to back up from) with an explicit "I understand".
  await goNext(page, 'prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-skip-understand').check();
  await shot('backup-skipped');
  await goNext(page, 'enter-edl');

  // Enter EDL: the manual section with the pads drawn, the indicator waiting.
  const manual = page.getByTestId('edl-manual');
  await expect(manual).toBeVisible({ timeout: DEVICE_TIMEOUT_MS });
  const pads = manual.getByTestId('pad-illustration');
  await expect(pads).toBeVisible();
  expect(await pads.evaluate((el) => el.tagName.toLowerCase()), 'the pads are drawn as an inline SVG').toBe('svg');
  await expect(pads).toContainText(/USB_BOOT/);
  await expect(pads).toContainText(/VDD_EXT/);
  await expectIndicator(page, 'waiting');
  await shot('enter-edl-manual');

  // "The user": short the pads, suspend/resume; the HELLO needs a second suspend.
  await page.getByTestId('demo-short-usb-boot').click();
  await page.getByTestId('demo-suspend-resume').click();
  // 05c6:9008 enumerated but silent: not green, Next stays off, and the fix is offered right here.
  await expectIndicator(page, 'on-bus');
  const silent = page.getByTestId('edl-silent');
  await expect(silent).toBeVisible({ timeout: DEVICE_TIMEOUT_MS });
  await expect(page.getByTestId('edl-greeting')).toContainText(/has not greeted.*Nothing has been written/);
  await expect(silent).toContainText(/suspend and resume/i);
  await expect(nextButton(page)).toBeDisabled();
  await shot('after-first-suspend-silent');
  // The second suspend through the silent panel's power-cycle action: it says what it will do, then runs.
  await silent.getByTestId('power-cycle-suspend-wake').click();
  await expect(page.getByTestId('power-cycle-confirm')).toContainText(/This will/);
  await page.getByTestId('power-cycle-run').click();
  // It answers now: the silent panel (and its action) gives way to the green indicator.
  await expectIndicator(page, 'present');
  await shot('edl-present');
  await expect(page.getByTestId('error-card')).toHaveCount(0);

  // The module sent its HELLO: the "bricked" module takes the demo package.
  await goNext(page, 'package');
  await page.getByTestId('package-demo').click();
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await goNext(page, 'flash');
  await confirmAndFlash(page);
  await expect(page.getByTestId('flash-progress')).toHaveAttribute('aria-valuenow', '100', {
    timeout: FLASH_TIMEOUT_MS,
  });
  await expect(page.getByTestId('error-card')).toHaveCount(0);
  await shot('flash-done');
});
