// Every step on screen, as a person sees it: screenshots of each step (and the help page) at
// 1280x800, at 200 % zoom (640x400 CSS pixels at device scale 2) and in the dark theme, each
// checked by axe-core (WCAG 2 A/AA, contrast included) in the state it is shown in.

import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import type { StepId } from '../shared/api.js';
import { expect, requireChromium, test } from './helpers/fixtures.js';
import { confirmAndFlash, demoOn, expectIndicator, expectStep, FLASH_TIMEOUT_MS, goNext } from './helpers/wizard.js';

requireChromium();

async function noAxeViolations(page: Page, where: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = result.violations.map(
    (v) =>
      `${v.id}: ${v.help} (${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 3)
        .join(', ')})`,
  );
  expect(found, `axe-core on ${where}`).toEqual([]);
}

/** The whole rescue with the demo modem, calling `at` on each step once it has something to show. */
async function everyStep(page: Page, url: string, at: (id: StepId | 'help') => Promise<void>): Promise<void> {
  await page.goto(url);
  await expectStep(page, 'connect');
  await demoOn(page);
  await expect(page.getByTestId('device').first()).toHaveAttribute('data-mode', 'normal');
  await at('connect');
  await page.getByTestId('help-link').click();
  await expect(page.getByTestId('help-connect')).toBeInViewport();
  await at('help');
  await page.getByTestId('help-close').click();
  await goNext(page, 'prepare');
  await expect(page.getByTestId('check').first()).toBeVisible();
  await at('prepare');
  await goNext(page, 'backup');
  await page.getByTestId('backup-start').click();
  await expect(page.getByTestId('backup-manifest')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await at('backup');
  await goNext(page, 'enter-edl');
  await at('enter-edl');
  await page.getByTestId('enter-edl-auto').click();
  await expectIndicator(page, 'present');
  await goNext(page, 'package');
  await page.getByTestId('package-demo').click();
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: FLASH_TIMEOUT_MS });
  await at('package');
  await goNext(page, 'flash');
  await confirmAndFlash(page);
  await expect(page.getByTestId('flash-progress')).toHaveAttribute('aria-valuenow', '100', {
    timeout: FLASH_TIMEOUT_MS,
  });
  await at('flash');
  await goNext(page, 'finish');
  await expect(page.getByTestId('finish-status')).toHaveAttribute('data-state', 'ok', { timeout: FLASH_TIMEOUT_MS });
  await at('finish');
}

test('every step at 1280x800: screenshots, axe-core clean, the QCN backup path copied from Finish', async ({
  page,
  context,
  server,
  shot,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await everyStep(page, server.url, async (id) => {
    await shot(`1280x800-${id}`);
    await noAxeViolations(page, `${id} (light)`);
  });
  const backupPath = (await page.getByTestId('finish-backup').locator('.path').textContent()) ?? '';
  await page.getByTestId('finish-backup-copy').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(backupPath);
});

test.describe('dark theme', () => {
  test.use({ colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
  test('every step in the dark theme: it is dark, and axe-core finds no contrast problem', async ({
    page,
    server,
    shot,
  }) => {
    test.setTimeout(120_000);
    await everyStep(page, server.url, async (id) => {
      const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      expect(bg, 'the page follows the dark system setting').toBe('rgb(18, 22, 28)');
      await shot(`dark-${id}`);
      await noAxeViolations(page, `${id} (dark)`);
    });
  });
});

test.describe('200 % zoom', () => {
  test.use({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });
  test('every step at 200 % zoom: screenshots, nothing wider than the window', async ({ page, server, shot }) => {
    test.setTimeout(120_000);
    await everyStep(page, server.url, async (id) => {
      await shot(`zoom200-${id}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${id} fits the width`).toBeLessThanOrEqual(0);
    });
  });
});
