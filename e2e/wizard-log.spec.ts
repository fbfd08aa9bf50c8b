// The log and the report: Save report on every step (a zip; the browser downloads it) with the
// IMEI masked; Save log and Copy log on the Flash step after a failure; the device's expected
// complaints are not shown as errors and its lines appear once each.

import { readFile } from 'node:fs/promises';
import type { Download, Page } from '@playwright/test';
import { STEP_IDS } from '../shared/api.js';
import { MODELS } from '../src-main/sim/models.js';
import { modelImeis } from '../src-main/sim/normal-content.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import {
  confirmAndFlash,
  demoOn,
  expectIndicator,
  expectStep,
  FLASH_TIMEOUT_MS,
  goNext,
  progressValue,
  walkToPackageStep,
} from './helpers/wizard.js';

requireChromium();

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ d: Download; bytes: Buffer }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await d.path();
  return { d, bytes: await readFile(path) };
}

test('Save report on every step: a zip the browser downloads, with the IMEI masked', async ({ page, server }) => {
  const [imei] = modelImeis(MODELS.ec25);
  await page.goto(server.url);
  await expectStep(page, 'connect');
  await demoOn(page);
  const first = await downloaded(page, () => page.getByTestId('save-report').click());
  expect(first.d.suggestedFilename()).toMatch(/^report-\d{8}-\d{6}Z\.zip$/);
  expect(first.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  await expect(page.getByTestId('report-saved')).toContainText(first.d.suggestedFilename());
  await goNext(page, 'prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-start').click();
  await expect(page.getByTestId('backup-manifest')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  const withBackup = await downloaded(page, () => page.getByTestId('save-report').click());
  // Stored entries: the zip's text is searchable as it is.
  const text = withBackup.bytes.toString('latin1');
  expect(text).toContain('report.json');
  expect(text).toContain('events.log');
  expect(text).toContain(imei.slice(-4));
  expect(text, 'the IMEI never appears whole').not.toContain(imei);
  // Every remaining step offers the report and its help.
  await goNext(page, 'enter-edl');
  await page.getByTestId('enter-edl-auto').click();
  await expectIndicator(page, 'present');
  for (const id of STEP_IDS.slice(STEP_IDS.indexOf('enter-edl'), STEP_IDS.indexOf('package') + 1)) {
    if (id !== 'enter-edl') await goNext(page, id);
    await expect(page.getByTestId(`step-${id}`).getByTestId('save-report')).toBeVisible();
    await expect(page.getByTestId(`step-${id}`).getByTestId('help-link')).toBeVisible();
  }
});

test('after a failed flash: Save log and Copy log work, device lines once each, no device complaint shown as an error', async ({
  page,
  context,
  server,
  shot,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await walkToPackageStep(page, server.url);
  await page.getByTestId('package-demo').click();
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await goNext(page, 'flash');
  await expect(page.getByTestId('log-save')).toBeDisabled();
  await confirmAndFlash(page);
  await expect
    .poll(() => progressValue(page), { timeout: FLASH_TIMEOUT_MS, message: 'the flash is writing' })
    .toBeGreaterThan(0);
  // While flashing, the log can be saved too.
  await expect(page.getByTestId('log-save')).toBeEnabled();
  await page.getByTestId('flash-cancel').click();
  await page.getByTestId('flash-cancel-go').click();
  await expect(page.getByTestId('error-code')).toHaveText('CANCELLED', { timeout: FLASH_TIMEOUT_MS });

  const saved = await downloaded(page, () => page.getByTestId('log-save').click());
  expect(saved.d.suggestedFilename()).toMatch(/^modem-rescue-log-\d{8}-\d{6}\.txt$/);
  const log = saved.bytes.toString('utf8');
  expect(log).toContain('[error] CANCELLED');
  const deviceLines = log.split('\n').filter((l) => l.startsWith('[device] '));
  expect(deviceLines.length, 'the programmer said something').toBeGreaterThan(0);
  // Once each: no device line repeated back to back (an echo of the same line). Digest lines
  // answer one <getsha256digest> each: the check for partitions that already hold the image asks
  // for the erased tail of several partitions, whose digests are equal, so those may repeat.
  const repeats = deviceLines.filter((l, i) => i > 0 && l === deviceLines[i - 1] && !/^\[device\] Digest /.test(l));
  expect(repeats).toEqual([]);

  await page.getByTestId('log-copy').click();
  await expect(page.getByTestId('log-copy-status')).toHaveText('Log copied.');
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  expect(clip).toContain('[error] CANCELLED');

  // On screen, the only error line is the flash's own result; the device's lines are not errors.
  const errors = await page.locator('[data-testid="log-tail"] li.log-error').allTextContents();
  expect(errors.every((t) => !/^ERROR:/.test(t))).toBe(true);
  expect(errors.length).toBeLessThanOrEqual(1);
  await shot('flash-failed-log-actions');
});
