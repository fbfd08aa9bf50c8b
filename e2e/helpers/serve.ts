// Starts `modem-rescue serve --demo --port 0 --state DIR` as a child process and reads the page URL
// from its first stdout line. Every test gets its own server, state folder and virtual modem.
// demo: false starts it without the demo module (e.g. with --edl-port for the ptys of `sim --pty`).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'modem-rescue.js');

export interface ServeHandle {
  /** The page URL with its token, as printed by the server. */
  url: string;
  stateDir: string;
  /** The server's home folder (inside stateDir): the browser mode writes backups only under it. */
  home: string;
  /** Everything the server printed so far (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_KEPT_OUTPUT = 64 * 1024;

export async function startServe(opts: { extraArgs?: string[]; demo?: boolean } = {}): Promise<ServeHandle> {
  const stateDir = await mkdtemp(join(tmpdir(), 'modem-rescue-e2e-state-'));
  const home = join(stateDir, 'home');
  await mkdir(home);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      ...(opts.demo === false ? [] : ['--demo']),
      '--no-open',
      '--port',
      '0',
      '--state',
      stateDir,
      ...(opts.extraArgs ?? []),
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', HOME: home, USERPROFILE: home },
    },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > MAX_KEPT_OUTPUT) output = output.slice(-MAX_KEPT_OUTPUT);
  };
  child.stderr.on('data', keep);

  let url: string;
  try {
    url = await firstUrl(child, keep, () => output);
  } catch (err) {
    await stopChild(child);
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    stateDir,
    home,
    output: () => output,
    async stop() {
      await stopChild(child);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

function firstUrl(child: ChildProcess, keep: (chunk: Buffer) => void, output: () => string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let line = '';
    const timer = setTimeout(
      () => finish(new Error(`modem-rescue serve printed no URL within ${START_TIMEOUT_MS} ms. Output:\n${output()}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      keep(chunk);
      line += chunk.toString('utf8');
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      const first = line.slice(0, nl).trim();
      const match = /https?:\/\/\S+/.exec(first);
      if (match) finish(undefined, match[0]);
      else
        finish(
          new Error(`modem-rescue serve's first line is not a URL: ${JSON.stringify(first)}. Output:\n${output()}`),
        );
    };
    const onExit = (code: number | null, signal: string | null): void => {
      finish(
        new Error(
          `modem-rescue serve exited (code ${code}, signal ${signal}) before printing its URL. Output:\n${output()}`,
        ),
      );
    };
    const finish = (err?: Error, url?: string): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.on('data', keep);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolvePromise(url as string);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
