// Where the browser mode finds its page and keeps its state, whether it runs from dist/ (the
// built CLI) or from the TypeScript sources (tests).

import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

export { packageRoot };

/** The built wizard: dist-renderer/ next to package.json (`npm run build:renderer`). */
export function defaultRendererDir(): string {
  return join(packageRoot(), 'dist-renderer');
}

/** The wizard's state (demo modem, journals, reports) unless --state says otherwise. */
export function defaultStateDir(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'modem-rescue');
}
