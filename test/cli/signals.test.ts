// The command line's last line of defence: a command that does not end after Ctrl-C or SIGTERM
// (it ignores the cancel and keeps the process busy) is ended anyway within the grace time, its
// temporary folders removed; a second Ctrl-C ends it at once. Runs the built CLI's main() in a
// child process with one extra command that misbehaves on purpose.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCEL_GRACE_MS } from '../../src-main/cli/main.js';
import { assertBuilt, ROOT } from './helpers.js';

const work = mkdtempSync(path.join(tmpdir(), 'mr-signals-'));
const script = path.join(work, 'stuck.mjs');
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  assertBuilt();
  const dist = (p: string): string => pathToFileURL(path.join(ROOT, 'dist', 'src-main', p)).href;
  writeFileSync(
    script,
    [
      `import { main } from '${dist('cli/main.js')}';`,
      `import { COMMANDS } from '${dist('cli/commands/index.js')}';`,
      `import { makeTempDir } from '${dist('util/temp-dir.js')}';`,
      // Makes a temp folder, says where, then ignores the cancel and keeps the event loop busy.
      `COMMANDS.push({ name: 'stuck', summary: 'test', usage: 'stuck', run: async (_args, io) => {`,
      `  const t = await makeTempDir('modem-rescue-stuck-');`,
      `  io.out(t.path + '\\n');`,
      `  io.signal.addEventListener('abort', () => io.err('cancel asked\\n'));`,
      `  setInterval(() => undefined, 1000);`,
      `  return new Promise(() => undefined);`,
      `} });`,
      `process.exitCode = await main(['stuck']);`,
    ].join('\n'),
  );
});

/** Start the stuck command; resolves with the temp folder it made (bounded wait for its output). */
interface Stuck {
  child: ReturnType<typeof spawn>;
  temp: string;
  exited: Promise<{ code: number | null; at: number }>;
  /** Resolves once the command saw the cancel. */
  cancelSeen: Promise<void>;
}

function startStuck(): Promise<Stuck> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; at: number }>((r) =>
      child.once('exit', (code) => r({ code, at: performance.now() })),
    );
    let err = '';
    let seen: () => void = () => undefined;
    const cancelSeen = new Promise<void>((r) => (seen = r));
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('cancel asked')) seen();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the stuck command printed nothing within 20 s: ${err}`));
    }, 20_000);
    child.stdout!.once('data', (d: Buffer) => {
      clearTimeout(timer);
      resolve({ child, temp: d.toString().trim(), exited, cancelSeen });
    });
  });
}

async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe.runIf(process.platform !== 'win32')('a command that ignores the cancel', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: ended after the grace time with 130, its temp folder removed`, async () => {
      const s = await startStuck();
      expect(existsSync(s.temp)).toBe(true);
      const t0 = performance.now();
      s.child.kill(signal);
      const end = await bounded(s.exited, 10_000, 'exit');
      expect(end.code).toBe(130);
      expect(end.at - t0).toBeGreaterThanOrEqual(CANCEL_GRACE_MS - 50);
      expect(end.at - t0).toBeLessThan(CANCEL_GRACE_MS + 1500);
      expect(existsSync(s.temp), 'the temp folder is gone').toBe(false);
    });
  }

  it('a second Ctrl-C ends it at once', async () => {
    const s = await startStuck();
    s.child.kill('SIGINT');
    // Wait until the first one was taken (the command saw the cancel), then press again.
    await bounded(s.cancelSeen, 10_000, 'the first Ctrl-C to be seen');
    const t0 = performance.now();
    s.child.kill('SIGINT');
    const end = await bounded(s.exited, 10_000, 'exit');
    expect(end.code).toBe(130);
    expect(end.at - t0).toBeLessThan(CANCEL_GRACE_MS);
    expect(existsSync(s.temp)).toBe(false);
  });
});
