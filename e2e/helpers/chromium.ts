// Debian's Chromium, the only browser these tests use (Playwright's own browser downloads do not
// work offline). Where it is missing the browser tests skip with a reason, except in CI (CI=true),
// where a missing browser is a broken setup and fails the run.

import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.MODEM_RESCUE_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Containers often have a tiny /dev/shm; Chromium then crashes mid-test without this.
  '--disable-dev-shm-usage',
];

export const inCi = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

export interface BrowserAvailability {
  present: boolean;
  /** Why the browser tests cannot run (only when absent). */
  reason?: string;
}

export function chromiumAvailability(): BrowserAvailability {
  if (existsSync(CHROMIUM_PATH)) return { present: true };
  return {
    present: false,
    reason: `${CHROMIUM_PATH} is not installed (Debian: apt-get install -y chromium; .ci/run installs it)`,
  };
}
