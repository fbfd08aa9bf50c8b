// Whether this machine can run the desktop app: the `electron` package must resolve and the
// binary it names must exist and be executable. `npm start` falls back to the browser mode
// otherwise (offline machines never got the runtime download).

import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

export type ElectronRuntime = { available: true; binary: string } | { available: false; reason: string };

export interface RuntimeProbe {
  /** require.resolve('electron') from the package root; throws when not installed. */
  resolve(): string;
  /** require('electron'): the binary's path (the package throws when its download is missing). */
  load(): unknown;
  /** Throws unless `path` is an executable regular file. */
  checkExecutable(path: string): void;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n')[0] ?? '').trim();
}

export function defaultProbe(root: string = packageRoot()): RuntimeProbe {
  const requireFromRoot = createRequire(join(root, 'package.json'));
  return {
    resolve: () => requireFromRoot.resolve('electron'),
    load: () => requireFromRoot('electron') as unknown,
    checkExecutable: (path) => {
      if (!statSync(path).isFile()) throw new Error(`${path} is not a file`);
      accessSync(path, constants.X_OK);
    },
  };
}

export function findElectronRuntime(probe: RuntimeProbe = defaultProbe()): ElectronRuntime {
  try {
    probe.resolve();
  } catch {
    return { available: false, reason: 'the electron package is not installed' };
  }
  let binary: unknown;
  try {
    binary = probe.load();
  } catch (e) {
    return { available: false, reason: `the electron package has no runtime: ${firstLine(e)}` };
  }
  if (typeof binary !== 'string' || binary === '') return { available: false, reason: 'the electron package did not name its binary' };
  try {
    probe.checkExecutable(binary);
  } catch {
    return { available: false, reason: `${binary} is missing or not executable` };
  }
  return { available: true, binary };
}

export function fallbackMessage(reason: string): string {
  return `The Electron runtime is not available on this machine (${reason}); serving the wizard in your browser instead.`;
}
