// Issue 16 from the wizard: eight virtual modems flashed at once from the bench view, one of them
// faulted and recovered. The demo bench starts with its eight modules running (normal mode); the
// bench view switches them to download mode itself ("Switch all running modems to download mode",
// one DIAG switch per module), makes the demo package, and flashes all after one confirmation
// that lists them. Module 3 drops off the bus 1 MiB into its transfer (disconnect@1M): the engine
// reopens it and carries on, so every row reaches 100 %, row 3 says it recovered, and no error
// card shows. The view is checked by axe-core as the step screens are.

import AxeBuilder from '@axe-core/playwright';
import { apiCall } from './helpers/api.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import { demoOn, devices, expectNoStackTrace, expectStep, FLASH_TIMEOUT_MS } from './helpers/wizard.js';

requireChromium();

const COUNT = 8;

test('eight demo modems flashed at once from the bench view; module 3 drops off mid-flash and is recovered', async ({
  page,
  server,
  shot,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url);
  await expectStep(page, 'connect');
  await demoOn(page);
  // The wizard has no control for the size of the demo bench or its faults: the test asks over
  // the same API (as the stall specs arm their fault); the page sees the modules through the
  // pushed device state.
  await apiCall(server.url, 'setDemoMode', { on: true, count: COUNT, faults: ['3:disconnect@1M'] });
  await expect(devices(page)).toHaveCount(COUNT);
  await page.getByTestId('open-bench').click();
  const bench = page.getByTestId('bench');
  await expect(bench).toBeVisible();
  const rows = page.getByTestId('bench-row');
  await expect(rows).toHaveCount(COUNT);
  // Each row names its own module, with its own serial.
  const rowText = await rows.allTextContents();
  expect(new Set(rowText.map((t) => /Serial (\d+)/.exec(t)?.[1])).size, 'eight distinct serials').toBe(COUNT);
  await expect(page.getByTestId('bench-flash-all'), 'nothing to flash while every modem runs').toBeDisabled();
  await shot('bench-running');

  await page.getByTestId('bench-all-edl').click();
  for (let k = 1; k <= COUNT; k++)
    await expect(
      page.locator(`[data-testid="bench-row"][data-module="demo-${k}"] [data-testid="bench-mode"]`),
      `module ${k} reaches download mode`,
    ).toHaveAttribute('data-mode', 'edl', { timeout: 60_000 });

  await page.getByTestId('bench-package-demo').click();
  await expect(page.getByTestId('bench-package')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await expect(page.getByTestId('bench-power-consent'), 'power cutting is asked, not assumed').not.toBeChecked();
  await expect(page.getByTestId('bench-flash-all')).toBeEnabled();
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(
    axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    'axe-core on the bench view',
  ).toEqual([]);
  await shot('bench-ready');

  // One confirmation that lists every module and the package; nothing is erased before it.
  await page.getByTestId('bench-flash-all').click();
  const confirm = page.getByTestId('bench-confirm');
  await expect(confirm).toBeVisible();
  await expect(page.getByTestId('bench-confirm-list').locator('li')).toHaveCount(COUNT);
  await expect(page.getByTestId('bench-confirm-package')).toContainText(/demo|package/i);
  await expect(rows.getByTestId('bench-progress').first()).toHaveAttribute('aria-valuenow', '0');
  await shot('bench-confirm');
  await page.getByTestId('bench-confirm-go').click();
  await expect(confirm).toHaveCount(0);

  // Every row has its own bar; they move together, each to 100 %.
  await expect(page.locator('[data-testid="bench-row"][data-state="flashing"]').first()).toBeVisible({
    timeout: FLASH_TIMEOUT_MS,
  });
  await shot('bench-flashing');
  for (let k = 1; k <= COUNT; k++) {
    const row = page.locator(`[data-testid="bench-row"][data-module="demo-${k}"]`);
    await expect(row.getByTestId('bench-progress'), `module ${k} reaches 100 %`).toHaveAttribute(
      'aria-valuenow',
      '100',
      { timeout: FLASH_TIMEOUT_MS },
    );
    await expect(row).toHaveAttribute('data-state', 'done');
  }
  await expect(page.getByTestId('bench-summary')).toContainText(`${COUNT} of ${COUNT} modems flashed`);

  // Row 3 shows its recovery; nobody else needed one, and no error card is anywhere.
  const row3 = page.locator('[data-testid="bench-row"][data-module="demo-3"]');
  await expect(row3.getByTestId('bench-recovery')).toContainText(/recovered/i);
  await expect(page.getByTestId('bench-recovery')).toHaveCount(1);
  await expect(page.getByTestId('error-card')).toHaveCount(0);
  await expectNoStackTrace(page);

  // The row opens to that module's own log.
  await row3.getByTestId('bench-row-toggle').click();
  await expect(row3.getByTestId('log-tail')).toContainText(/reconnect|reopen|dropped|recover/i);
  await expect(row3.getByTestId('error-card')).toHaveCount(0);
  await shot('bench-done');
});
