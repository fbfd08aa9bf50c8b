// The computer as the doctor and the power-cycle actions see it: files, directories and commands,
// behind an interface so tests can feed sysfs trees and command outputs. Every call is bounded:
// file reads are capped in size, commands have a timeout and an AbortSignal.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, readdir, readlink, realpath, stat, writeFile } from 'node:fs/promises';
import { RescueError } from '../../shared/errors.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs: number;
  input?: string;
  signal?: AbortSignal | undefined;
}

export interface SystemProbe {
  platform: NodeJS.Platform;
  /** Effective user id (0 = root); undefined where the platform has none. */
  uid: number | undefined;
  /** A small text file (sysfs attribute, /proc entry); undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** Directory entries; [] when the directory cannot be read. */
  readdir(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /** Whether this user may read ('r') or write ('w') the path. */
  access(path: string, mode: 'r' | 'w'): Promise<boolean>;
  /** Target of a symbolic link (sysfs "driver" links); undefined when it is not one. */
  readlink(path: string): Promise<string | undefined>;
  /** The canonical path (ModemManager names devices by their sysfs path). */
  realpath(path: string): Promise<string | undefined>;
  /** Write a sysfs attribute; throws a RescueError that says what failed. */
  writeFile(path: string, text: string): Promise<void>;
  /** Run a command; undefined when the command is not installed. Throws on timeout/cancel. */
  run(cmd: string, args: string[], options: RunOptions): Promise<RunResult | undefined>;
}

const MAX_READ = 64 * 1024;
const MAX_OUTPUT = 256 * 1024;

export function realSystem(): SystemProbe {
  return {
    platform: process.platform,
    uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    async readFile(path) {
      try {
        const s = await stat(path);
        if (s.isFile() && s.size > MAX_READ) return undefined;
        const text = await readFile(path, 'utf8');
        return text.length > MAX_READ ? text.slice(0, MAX_READ) : text;
      } catch {
        return undefined;
      }
    },
    async readdir(path) {
      try {
        return await readdir(path);
      } catch {
        return [];
      }
    },
    async exists(path) {
      try {
        await access(path, constants.F_OK);
        return true;
      } catch {
        return false;
      }
    },
    async access(path, mode) {
      try {
        await access(path, mode === 'r' ? constants.R_OK : constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
    async readlink(path) {
      try {
        return await readlink(path);
      } catch {
        return undefined;
      }
    },
    async realpath(path) {
      try {
        return await realpath(path);
      } catch {
        return undefined;
      }
    },
    async writeFile(path, text) {
      try {
        await writeFile(path, text);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new RescueError(
          code === 'EACCES' || code === 'EPERM' ? 'HOST_PERMISSION' : 'HOST_IO',
          `Writing "${text.trim()}" to ${path} failed: ${e instanceof Error ? e.message : String(e)}.`,
          { cause: e },
        );
      }
    },
    run: runCommand,
  };
}

/** Spawn without a shell; output capped; killed on timeout or abort. */
export function runCommand(cmd: string, args: string[], options: RunOptions): Promise<RunResult | undefined> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new RescueError('CANCELLED'));
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() =>
        reject(
          new RescueError(
            'HOST_IO',
            `\`${cmd}\` did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped.`,
          ),
        ),
      );
    }, options.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGTERM');
      finish(() => reject(new RescueError('CANCELLED')));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') finish(() => resolve(undefined));
      else finish(() => reject(new RescueError('HOST_IO', `Running \`${cmd}\` failed: ${e.message}.`, { cause: e })));
    });
    child.on('close', (code, sig) => finish(() => resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr })));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
