// Whether this machine can run the desktop app. The `electron` package (a devDependency) holds no
// binary: since Electron 45 it downloads the runtime on first use (its index.js runs install.js
// synchronously, with no time limit). `npm start` must neither hang nor fail offline, so it never
// lets the package download by itself: it reads where the package keeps its binary (path.txt,
// dist/), and when the binary is missing runs the package's own install.js as a child process
// with a time limit. When that fails, the browser mode is served with the exact reason.

import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageRoot } from './paths.js';

export type ElectronRuntime = { available: true; binary: string } | { available: false; reason: string };

export interface FetchOutcome {
  ok: boolean;
  /** Why it failed: the download's own last error line, or the time limit. */
  detail: string;
}

export interface RuntimeProbe {
  /** The electron package's folder; throws when the package is not installed. */
  packageDir(): string;
  /** The binary the package names (path.txt under dist/, or ELECTRON_OVERRIDE_DIST_PATH), if it names one. */
  namedBinary(dir: string): string | undefined;
  /** Throws unless `path` is an executable regular file. */
  checkExecutable(path: string): void;
  /** Runs the package's install.js (the download) within timeoutMs. */
  fetch(dir: string, timeoutMs: number): Promise<FetchOutcome>;
}

/** How long `npm start` waits for the Electron download before serving the browser mode. */
export const DEFAULT_FETCH_TIMEOUT_MS = 120_000;

/** The line of a failed script's stderr that says what went wrong (the error, not its stack). */
export function errorLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at ') && !/^Node\.js v\d/.test(l) && !/^\^+$/.test(l));
  return lines.find((l) => /^(\w*Error|Error)\b/.test(l)) ?? lines.at(-1) ?? '';
}

/** Runs `node script` in cwd, killed after timeoutMs; the outcome carries its last error line. */
export function runBounded(script: string, cwd: string, timeoutMs: number): Promise<FetchOutcome> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [script], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let settled = false;
    const settle = (outcome: FetchOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise(outcome);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ ok: false, detail: `no answer from the download server within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4096);
    });
    child.on('error', (e) => settle({ ok: false, detail: e.message }));
    child.on('close', (code) => {
      if (code === 0) settle({ ok: true, detail: '' });
      else settle({ ok: false, detail: errorLine(stderr) || `the download exited with code ${code ?? 'none'}` });
    });
  });
}

export function defaultProbe(root: string = packageRoot()): RuntimeProbe {
  const requireFromRoot = createRequire(join(root, 'package.json'));
  return {
    packageDir: () => dirname(requireFromRoot.resolve('electron/package.json')),
    namedBinary: (dir) => {
      let named: string;
      try {
        named = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
      } catch {
        return undefined;
      }
      if (named === '') return undefined;
      const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
      return override ? join(override, named) : join(dir, 'dist', named);
    },
    checkExecutable: (path) => {
      if (!statSync(path).isFile()) throw new Error(`${path} is not a file`);
      accessSync(path, constants.X_OK);
    },
    fetch: (dir, timeoutMs) => runBounded(join(dir, 'install.js'), dir, timeoutMs),
  };
}

function usable(probe: RuntimeProbe, dir: string): string | undefined {
  const binary = probe.namedBinary(dir);
  if (binary === undefined) return undefined;
  try {
    probe.checkExecutable(binary);
    return binary;
  } catch {
    return undefined;
  }
}

export interface FindOptions {
  probe?: RuntimeProbe;
  /** Try the download when the binary is missing (npm start); false only looks. */
  fetch?: boolean;
  timeoutMs?: number;
  /** Told once before a download starts (the user sees why start-up pauses). */
  onFetch?: (timeoutMs: number) => void;
}

export async function findElectronRuntime(options: FindOptions = {}): Promise<ElectronRuntime> {
  const probe = options.probe ?? defaultProbe();
  let dir: string;
  try {
    dir = probe.packageDir();
  } catch {
    return { available: false, reason: 'the electron package is not installed (run `npm install`)' };
  }
  const present = usable(probe, dir);
  if (present) return { available: true, binary: present };
  if (options.fetch === false) {
    const named = probe.namedBinary(dir);
    return {
      available: false,
      reason: named ? `${named} is missing or not executable` : 'the Electron runtime has not been downloaded yet',
    };
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  options.onFetch?.(timeoutMs);
  const outcome = await probe.fetch(dir, timeoutMs);
  const fetched = usable(probe, dir);
  if (fetched) return { available: true, binary: fetched };
  const why = outcome.ok ? 'the download ended but left no executable binary' : outcome.detail;
  return { available: false, reason: `the Electron runtime could not be downloaded: ${why}` };
}

export function fallbackMessage(reason: string): string {
  return `The Electron runtime is not available on this machine (${reason}); serving the wizard in your browser instead.`;
}
