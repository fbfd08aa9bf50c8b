// Runs once before the e2e suite: the built CLI and renderer must exist, and the browser tests'
// fate (run, skip with a reason, or fail in CI) is printed up front.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumAvailability, inCi } from './helpers/chromium.js';
import { REPO_ROOT } from './helpers/serve.js';

export default function globalSetup(): void {
  const needed = [
    join(REPO_ROOT, 'dist', 'src-main', 'cli', 'main.js'),
    join(REPO_ROOT, 'dist-renderer', 'index.html'),
  ];
  const missing = needed.filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Error(`The e2e suite runs the built app; missing: ${missing.join(', ')}. Run \`npm run build\` first.`);
  const browser = chromiumAvailability();
  if (browser.present) return;
  if (inCi()) throw new Error(`e2e: CI=true but ${browser.reason}.`);
  console.log(`e2e: skipping the browser tests: ${browser.reason}.`);
}
