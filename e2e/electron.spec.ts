// The real Electron app, launched by Playwright where an Electron binary exists; elsewhere the
// test is skipped with the reason (no Electron runtime can be had offline, as on our machines).

import { _electron as electron, expect, test } from '@playwright/test';
import { defaultProbe, findElectronRuntime } from '../src-main/web/electron-runtime.js';
import { REPO_ROOT } from './helpers/serve.js';

const NO_ELECTRON = 'no Electron binary on this machine';

// Looks only: require('electron') would start the runtime download with no time limit.
const runtime = await findElectronRuntime({ probe: defaultProbe(REPO_ROOT), fetch: false });
const binary = runtime.available ? runtime.binary : undefined;
if (!binary) console.log(`e2e electron: skipped: ${NO_ELECTRON}`);

// eslint-disable-next-line no-empty-pattern -- Playwright's fixture argument comes first
test('the Electron app opens the wizard in a locked-down window', async ({}, testInfo) => {
  test.skip(!binary, NO_ELECTRON);
  const app = await electron.launch({
    ...(binary ? { executablePath: binary } : {}),
    // The app folder: Electron starts package.json's "main" (dist/src-main/app/main.js).
    args: [REPO_ROOT, '--no-sandbox', '--disable-gpu'],
    cwd: REPO_ROOT,
    timeout: 30_000,
  });
  try {
    const window = await app.firstWindow();
    await expect(window.getByTestId('step-connect')).toBeVisible({ timeout: 20_000 });
    // The renderer has no Node, only the narrow preload API.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(
      await window.evaluate(() => typeof (globalThis as { modemRescue?: { call?: unknown } }).modemRescue?.call),
    ).toBe('function');
    const path = testInfo.outputPath('01-electron-connect.png');
    await window.screenshot({ path });
    await testInfo.attach('electron-connect', { path, contentType: 'image/png' });
  } finally {
    await app.close();
  }
});
