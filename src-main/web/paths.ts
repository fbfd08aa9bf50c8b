// Where the browser mode finds its page and keeps its state, whether it runs from dist/ (the
// built CLI) or from the TypeScript sources (tests).

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding modem-rescue's package.json, found by walking up from this file. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if ((JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === 'modem-rescue') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The built wizard: dist-renderer/ next to package.json (`npm run build:renderer`). */
export function defaultRendererDir(): string {
  return join(packageRoot(), 'dist-renderer');
}

/** The wizard's state (demo modem, journals, reports) unless --state says otherwise. */
export function defaultStateDir(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'modem-rescue');
}
