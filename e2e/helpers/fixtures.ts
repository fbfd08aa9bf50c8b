// The wizard tests' fixtures: a fresh `modem-rescue serve --demo` per test, the wizard page opened
// on it, and numbered screenshots of each step saved in the test's folder under test-results/.

import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { chromiumAvailability, inCi } from './chromium.js';
import { startServe, type ServeHandle } from './serve.js';

export { expect };

export interface WizardFixtures {
  server: ServeHandle;
  /** Saves a screenshot of the page as NN-<name>.png in the test's output folder and attaches it. */
  shot: (name: string) => Promise<void>;
}

export const test = base.extend<WizardFixtures>({
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use, testInfo) => {
    const server = await startServe();
    try {
      await use(server);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus)
        await testInfo.attach('server-output.txt', { body: server.output(), contentType: 'text/plain' });
      await server.stop();
    }
  },
  shot: async ({ page }, use, testInfo) => {
    let n = 0;
    await use(async (name: string) => {
      n += 1;
      await saveShot(page, testInfo, `${String(n).padStart(2, '0')}-${name}`);
    });
  },
});

async function saveShot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/**
 * Call at the top of every browser spec: skips the file with the reason where Chromium is absent,
 * and fails it in CI, where the browser must be there.
 */
export function requireChromium(): void {
  const browser = chromiumAvailability();
  if (browser.present) return;
  if (inCi()) {
    test('Chromium is installed (CI)', () => {
      throw new Error(`CI=true but ${browser.reason}`);
    });
    return;
  }
  test.skip(true, `no Chromium: ${browser.reason}`);
}
