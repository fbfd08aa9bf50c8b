// Walking the wizard by its data-testid contract (src-renderer/README.md): step roots
// "step-<id>", the "next"/"back" buttons, and each step's own controls.

import { apiCall } from './api.js';
import { expect, type Locator, type Page } from '@playwright/test';
import type { StepId } from '../../shared/api.js';

/** Long enough for a flash of the demo package on a busy two-core machine. */
export const FLASH_TIMEOUT_MS = 60_000;
/** Device changes arrive through the service's ~500 ms polling. */
export const DEVICE_TIMEOUT_MS = 15_000;

export function step(page: Page, id: StepId): Locator {
  return page.getByTestId(`step-${id}`);
}

export async function expectStep(page: Page, id: StepId): Promise<void> {
  await expect(step(page, id), `the wizard shows the ${id} step`).toBeVisible();
}

/** The Next button of the step on screen (the one that is visible). */
export function nextButton(page: Page): Locator {
  return page.getByTestId('next').filter({ visible: true }).first();
}

export async function goNext(page: Page, to: StepId): Promise<void> {
  const next = nextButton(page);
  await expect(next, `Next is enabled before going to ${to}`).toBeEnabled({ timeout: DEVICE_TIMEOUT_MS });
  await next.click();
  await expectStep(page, to);
}

/**
 * Sets a checkbox the way a person would: right after load the Connect step is still settling (the
 * device list fills in, start-up calls disable its controls for a moment), so a click can land
 * while the box moves or is disabled and be lost. Click again until the box holds the state.
 */
export async function setChecked(box: Locator, checked: boolean): Promise<void> {
  await expect(box).toBeVisible();
  await expect(async () => {
    if ((await box.isChecked()) !== checked) await box.click({ timeout: 2_000 });
    if (checked) await expect(box).toBeChecked({ timeout: 2_000 });
    else await expect(box).not.toBeChecked({ timeout: 2_000 });
  }).toPass({ timeout: DEVICE_TIMEOUT_MS });
}

/** Until the first device state arrives, the demo box shows "off" whatever the service holds. */
async function deviceStateShown(page: Page): Promise<void> {
  await expect(devices(page).or(page.getByTestId('device-empty')).first()).toBeVisible({ timeout: DEVICE_TIMEOUT_MS });
}

/** Turns the demo modem on from the Connect step (idempotent). */
export async function demoOn(page: Page): Promise<void> {
  await deviceStateShown(page);
  await setChecked(page.getByTestId('demo-toggle'), true);
}

/** Turns the demo modem off from the Connect step (idempotent). */
export async function demoOff(page: Page): Promise<void> {
  await deviceStateShown(page);
  await setChecked(page.getByTestId('demo-toggle'), false);
}

export function devices(page: Page): Locator {
  return page.getByTestId('device');
}

export async function expectIndicator(
  page: Page,
  state: 'waiting' | 'on-bus' | 'present',
  timeout = DEVICE_TIMEOUT_MS,
): Promise<void> {
  await expect(page.getByTestId('edl-indicator')).toHaveAttribute('data-state', state, { timeout });
}

/** The overall progress bar's value (0-100), or undefined while it has none. */
export async function progressValue(page: Page): Promise<number | undefined> {
  const v = await page.getByTestId('flash-progress').getAttribute('aria-valuenow');
  return v === null ? undefined : Number(v);
}

/** The wizard must never show a stack trace to the person in front of it. */
export async function expectNoStackTrace(page: Page): Promise<void> {
  await expect(page.locator('body')).not.toContainText(/\n\s+at .+\(.+:\d+:\d+\)/);
}

/** Start flashing: the confirmation with its summary comes first; returns its text after confirming. */
export async function confirmAndFlash(page: Page): Promise<string> {
  await page.getByTestId('flash-start').click();
  const confirm = page.getByTestId('flash-confirm');
  await expect(confirm, 'nothing is erased before the confirmation').toBeVisible();
  const text = (await page.getByTestId('flash-confirm-summary').textContent()) ?? '';
  await page.getByTestId('flash-confirm-go').click();
  await expect(confirm).toHaveCount(0);
  return text;
}

/** Connect (demo) -> skip the backup -> EDL over DIAG, ending on the Package step. */
/**
 * From the start to the Choose package step with the demo modem, backup skipped, switched to EDL.
 * `faults` arm the demo module over the API (the wizard has no control for that): a fresh module
 * with them, seen by the page through the pushed device state.
 */
export async function walkToPackageStep(page: Page, url: string, opts: { faults?: string[] } = {}): Promise<void> {
  await page.goto(url);
  await expectStep(page, 'connect');
  await demoOn(page);
  if (opts.faults) await apiCall(url, 'setDemoMode', { on: true, faults: opts.faults });
  await expect(devices(page).first()).toHaveAttribute('data-mode', 'normal');
  await goNext(page, 'prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-skip-understand').check();
  await goNext(page, 'enter-edl');
  await page.getByTestId('enter-edl-auto').click();
  await expectIndicator(page, 'present');
  await goNext(page, 'package');
}
