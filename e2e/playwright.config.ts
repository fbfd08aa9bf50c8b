// Playwright: the wizard in Debian's Chromium against `modem-rescue serve --demo` (browser mode,
// virtual modem), and the Electron app where an Electron binary exists. Run with `npm run test:e2e`.

import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH, inCi } from './helpers/chromium.js';

export default defineConfig({
  testDir: '.',
  outputDir: '../test-results',
  globalSetup: './global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  // Two cores: each test runs its own server and virtual modem next to its browser.
  workers: 2,
  retries: 0,
  forbidOnly: inCi(),
  reporter: [['list'], ['html', { outputFolder: '../playwright-report', open: 'never' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1024, height: 700 },
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'web', testMatch: /wizard-.*\.spec\.ts$/ },
    { name: 'electron', testMatch: /electron\.spec\.ts$/ },
  ],
});
