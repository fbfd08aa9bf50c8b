// Computer checks and Connect tell the truth in plain words: every Problem has a fix button or a
// sentence saying what to do by hand, no internal words ("(found: ok)") reach the screen, and
// Connect does not say "go on" while its Next is disabled.

import { expect, requireChromium, test } from './helpers/fixtures.js';
import { demoOff, expectStep, goNext, nextButton } from './helpers/wizard.js';

requireChromium();

test('Connect without a modem and without USB: no "go on" while Next is disabled', async ({ page, server }) => {
  await page.goto(server.url);
  await expectStep(page, 'connect');
  await expect(page.getByTestId('demo-toggle')).toBeChecked();
  await demoOff(page);
  const empty = page.getByTestId('device-empty');
  await expect(empty).toBeVisible();
  const nextEnabled = await nextButton(page).isEnabled();
  // Either way, the sentence matches the button.
  if (nextEnabled) await expect(empty).toContainText('go on');
  else {
    await expect(empty).not.toContainText(/go on/i);
    await expect(empty).toContainText(/demo modem/);
  }
});

test('Prepare: every Problem has a fix or a what-to-do sentence, and no internal words', async ({
  page,
  server,
  shot,
}) => {
  await page.goto(server.url);
  await expectStep(page, 'connect');
  await goNext(page, 'prepare');
  const checks = page.getByTestId('check');
  await expect(checks.first()).toBeVisible();
  const rows = await checks.all();
  for (const row of rows) {
    const state = await row.getAttribute('data-state');
    if (state !== 'fail' && state !== 'warn') continue;
    const helped = (await row.getByTestId('check-fix').count()) + (await row.getByTestId('check-manual').count());
    expect(helped, `the ${state} check "${await row.locator('strong').first().textContent()}" says what to do`).toBe(1);
  }
  await expect(page.getByTestId('step-prepare')).not.toContainText(/\(found: |found: (ok|warn|fail|unknown)/);
  await shot('prepare-checks');
});
