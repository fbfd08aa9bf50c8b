// The manual EDL steps: both pads numbered with their pins for the module form the person has,
// what to do on a mini-PCIe card (the module is soldered), a warning about the wrong pins, and a
// power-cycle confirmation that comes into view when it opens (it used to open below the fold).

import { expect, requireChromium, test } from './helpers/fixtures.js';
import { demoOn, expectStep, goNext } from './helpers/wizard.js';

requireChromium();

test.use({ viewport: { width: 1024, height: 560 } });

test('pads are numbered per module form, with a warning, and the power-cycle confirmation is in view', async ({
  page,
  server,
  shot,
}) => {
  await page.goto(server.url);
  await expectStep(page, 'connect');
  await demoOn(page);
  await goNext(page, 'prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-skip-understand').check();
  await goNext(page, 'enter-edl');

  await expect(page.getByTestId('pad-VDD_EXT')).toContainText('pin 7');
  await expect(page.getByTestId('pad-USB_BOOT')).toContainText('pin 115');
  await expect(page.getByTestId('pad-illustration')).toContainText('pin 115');
  await expect(page.getByTestId('pad-warning')).toContainText(/Never join USB_BOOT to VBAT/);
  await page.getByTestId('pad-form-mini-pcie').check();
  await expect(page.getByTestId('pad-USB_BOOT')).toContainText(/test point/);
  await expect(page.getByTestId('edl-manual')).toContainText(/soldered/);
  await expect(page.getByTestId('edl-manual')).toContainText(/does not publish where the card brings USB_BOOT out/);
  await shot('enter-edl-mini-pcie');

  // As a person sees it: the action's button at the bottom edge of the window, the rest below the fold.
  const action = page.getByTestId('power-cycle-suspend-wake');
  await action.evaluate((el) => el.scrollIntoView({ block: 'end' }));
  await action.click();
  const confirm = page.getByTestId('power-cycle-confirm');
  await expect(confirm).toBeInViewport({ ratio: 0.9 });
  // ... and not hidden under the step's sticky Back / Next bar.
  const run = await page.getByTestId('power-cycle-run').boundingBox();
  const nav = await page.locator('.step-nav').filter({ visible: true }).first().boundingBox();
  expect(run!.y + run!.height, 'the "Do it" button is above the Back / Next bar').toBeLessThanOrEqual(nav!.y);
  await expect(page.getByTestId('power-cycle-run')).toBeFocused();
  await shot('power-cycle-confirm-in-view');
});
