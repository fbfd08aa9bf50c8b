// Run the built `modem-rescue` command as a user would (npm test builds dist/ first).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'modem-rescue.js');

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'src-main', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`modem-rescue ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Start a long-running command and resolve with its first `lines` stdout lines. */
export function startCli(
  args: string[],
  lines = 1,
  timeoutMs = 20_000,
): Promise<{ child: ChildProcess; lines: string[] }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const got: string[] = [];
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`modem-rescue ${args.join(' ')} printed ${got.length} lines in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    rl.on('line', (l) => {
      got.push(l);
      if (got.length === lines) {
        clearTimeout(timer);
        resolvePromise({ child, lines: got });
      }
    });
    child.on('exit', (code) => {
      if (got.length < lines) {
        clearTimeout(timer);
        reject(new Error(`modem-rescue ${args.join(' ')} exited ${code} early\n${stderr}`));
      }
    });
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.on('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/**
 * `sim --pty --count N --state STATE --quiet` with faults per modem (`K:SPEC`): N virtual modems in
 * EDL, each in STATE/modem-K; resolves with the process and its N ttys, one per modem in order.
 */
export function startSimFleet(
  count: number,
  state: string,
  faults: string[] = [],
): Promise<{ child: ChildProcess; lines: string[] }> {
  const args = ['sim', '--pty', '--count', String(count), '--state', state, '--quiet'];
  for (const f of faults) args.push('--fault', f);
  return startCli(args, count);
}
