// The whole rescue in the browser against the demo modem: a module in normal mode is backed up,
// switched to EDL over DIAG, flashed with the demo package and verified, and comes back in normal
// mode reporting its firmware (AT+QGMR).

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MODELS } from '../src-main/sim/models.js';
import { modelImeis } from '../src-main/sim/normal-state.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import {
  demoOn,
  devices,
  expectIndicator,
  expectNoStackTrace,
  expectStep,
  FLASH_TIMEOUT_MS,
  goNext,
  progressValue,
  confirmAndFlash,
} from './helpers/wizard.js';

requireChromium();

/** A Quectel firmware name, e.g. EC25EFAR06A11M4G_01.001.01.001. */
const FIRMWARE_NAME = /EC25[A-Z0-9]+_\d{2}\.\d{3}\.\d{2}\.\d{3}/;

test('the full path: normal mode -> backup -> EDL -> package -> flash -> verify -> normal mode', async ({
  page,
  server,
  shot,
}) => {
  // The browser mode writes backups only under the user's home (the server's, a temp folder here).
  const backupFolder = await mkdtemp(join(server.home, 'backup-'));
  try {
    await page.goto(server.url);

    // 1. Connect: the demo modem shows up in normal mode.
    await expectStep(page, 'connect');
    await demoOn(page);
    await expect(devices(page).first()).toHaveAttribute('data-mode', 'normal');
    await shot('connect');

    // 2. Prepare: the platform checks are listed, each with a state.
    await goNext(page, 'prepare');
    const checks = page.getByTestId('check');
    await expect(checks.first()).toBeVisible();
    for (const state of await checks.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')))) {
      expect(['ok', 'warn', 'fail', 'unknown']).toContain(state);
    }
    await shot('prepare');

    // 3. Back up the QCN: the manifest shows the IMEI masked, never whole.
    await goNext(page, 'backup');
    await page.getByTestId('backup-folder').fill(backupFolder);
    await page.getByTestId('backup-start').click();
    const manifest = page.getByTestId('backup-manifest');
    await expect(manifest).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
    const [imei] = modelImeis(MODELS.ec25);
    await expect(manifest).toContainText(`${'*'.repeat(imei.length - 4)}${imei.slice(-4)}`);
    await expect(manifest).not.toContainText(imei);
    expect(
      (await readdir(backupFolder, { recursive: true })).length,
      'the backup is on disk in the chosen folder',
    ).toBeGreaterThan(0);
    await shot('backup');

    // 4. Enter EDL automatically: the indicator turns present.
    await goNext(page, 'enter-edl');
    await page.getByTestId('enter-edl-auto').click();
    await expectIndicator(page, 'present');
    await shot('enter-edl');

    // 5. The demo package: a summary, no problems.
    await goNext(page, 'package');
    await page.getByTestId('package-demo').click();
    const summary = page.getByTestId('package-summary');
    await expect(summary).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
    // The demo package carries a newer firmware than the module runs; the finish must show it.
    await expect(summary).toContainText(FIRMWARE_NAME);
    const packageFirmware = FIRMWARE_NAME.exec((await summary.textContent()) ?? '')?.[0] ?? '';
    expect(packageFirmware, 'the demo package is a different firmware from the one the module runs').not.toBe(
      MODELS.ec25.firmware,
    );
    await expect(page.getByTestId('package-problems').getByText(/PACKAGE_/)).toHaveCount(0);
    await shot('package');

    // 6. Flash with verification: the bar reaches 100.
    await goNext(page, 'flash');
    await expect(page.getByTestId('flash-verify')).toBeChecked();
    // Before the first erase: which module, which package, what is erased, calibration kept, the backup.
    await expect(page.getByTestId('flash-progress')).toHaveAttribute('aria-valuenow', '0');
    const confirmed = await confirmAndFlash(page);
    expect(confirmed).toContain(packageFirmware);
    expect(confirmed).toMatch(/Erased first\s*\d+ partitions/);
    expect(confirmed).toMatch(/Calibration and IMEI\s*kept/);
    expect(confirmed).toContain(backupFolder);
    await expect
      .poll(() => progressValue(page), { timeout: 10_000, message: 'the flash starts moving' })
      .toBeGreaterThan(0);
    await shot('flash-running');
    await expect(page.getByTestId('flash-progress')).toHaveAttribute('aria-valuenow', '100', {
      timeout: FLASH_TIMEOUT_MS,
    });
    await expect(page.getByTestId('error-card')).toHaveCount(0);
    await expect(page.getByTestId('step-flash')).toContainText(/Verification: \w+/);
    await shot('flash-done');

    // 7. Finish: back in normal mode, firmware read with AT+QGMR.
    await goNext(page, 'finish');
    await expect(page.getByTestId('finish-status')).toContainText(/normal/i, { timeout: FLASH_TIMEOUT_MS });
    await expect(page.getByTestId('finish-firmware')).toContainText(packageFirmware, { timeout: FLASH_TIMEOUT_MS });
    await expect(page.getByTestId('save-report')).toBeVisible();
    // Where the QCN backup is, and what the verification proved, in plain words.
    await expect(page.getByTestId('finish-backup')).toContainText(backupFolder);
    await expect(page.getByTestId('finish-verification')).toContainText(/matched the package/);
    await expectNoStackTrace(page);
    await shot('finish');
    // Rescue another modem: back to Connect, nothing of this run kept.
    await page.getByTestId('rescue-another').click();
    await expectStep(page, 'connect');
  } finally {
    await rm(backupFolder, { recursive: true, force: true });
  }
});
