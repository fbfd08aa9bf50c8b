// Two linked pseudo-terminals from socat: whatever is written to one tty comes out of the other,
// every byte value intact (raw mode, no echo). The links are symlinks at chosen paths, so a
// "serial port" can vanish (socat stopped) and come back at the same path (socat started again).

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { formatMs, sleep, throwIfAborted } from '../util/deadline.js';

/** The socat executable on PATH, or undefined when it is not installed. */
export function findSocat(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'socat');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface SocatPair {
  readonly pid: number | undefined;
  /** True once socat has exited (stopped, killed or crashed). */
  readonly exited: boolean;
  /** Stop socat: both ttys vanish, whoever has them open gets an I/O error. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Remove a symlink left behind by a socat that was killed hard. */
function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // nothing there
  }
}

export interface StartSocatOptions {
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
}

/** Start socat linking two fresh ptys at pathA and pathB; resolves once both links exist. */
export async function startSocatPair(
  pathA: string,
  pathB: string,
  options: StartSocatOptions = {},
): Promise<SocatPair> {
  const socat = findSocat();
  if (!socat) {
    throw new RescueError('HOST_TOOL_MISSING', "socat is needed for the virtual modem's serial port.", {
      nextStep: 'install socat (apt-get install socat), then try again.',
    });
  }
  throwIfAborted(options.signal);
  removeStaleLink(pathA);
  removeStaleLink(pathB);
  const child = spawn(socat, ['-d', '-d', `pty,raw,echo=0,link=${pathA}`, `pty,raw,echo=0,link=${pathB}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  installExitHook();
  let log = '';
  let exited = false;
  let spawnError: Error | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    log = (log + s).slice(-2000);
  });
  child.on('error', (e) => {
    spawnError = e;
  });
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    });
  });
  // Neither socat nor its log pipe may keep this process alive.
  child.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const done = await Promise.race([exitPromise.then(() => true), sleep(2000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await Promise.race([exitPromise, sleep(2000)]);
      }
    }
    removeStaleLink(pathA);
    removeStaleLink(pathB);
  };

  const timeoutMs = options.timeoutMs ?? 5000;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (spawnError || exited) {
        throw new RescueError(
          'HOST_TOOL_MISSING',
          `socat did not start: ${spawnError?.message ?? log.trim().split('\n').pop() ?? 'it exited at once'}.`,
          {
            nextStep: 'install socat (apt-get install socat) and check that the folder for the tty links is writable.',
          },
        );
      }
      if (existsSync(pathA) && existsSync(pathB)) break;
      if (Date.now() >= deadline) {
        throw new RescueError(
          'HOST_IO',
          `socat did not create ${pathA} and ${pathB} within ${formatMs(timeoutMs)}. ${log.trim()}`,
        );
      }
      await sleep(10, options.signal);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    pid: child.pid,
    get exited() {
      return exited;
    },
    stop,
  };
}
