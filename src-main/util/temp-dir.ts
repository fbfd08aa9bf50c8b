// Temporary folders (an unpacked package zip) that must not outlive the command: each is
// registered while it exists, so a forced exit (a second Ctrl-C, or a command that did not end
// within its grace time after a cancel) still removes it, synchronously, on the way out. Its name
// carries the process id, so the folders of a run killed outright (kill -9, a power cut) are
// removed by a later one, once no process of that id is alive and the folder is STALE_MS old (a
// process of another PID namespace sharing this temp folder may look dead from here).

import { rmSync } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const live = new Set<string>();

/** A folder of a dead process is removed once it is this old. */
export const STALE_MS = 10 * 60_000;

export interface TempDir {
  path: string;
  /** Remove the folder and everything in it (idempotent). */
  remove(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is someone else's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove `prefix<pid>-XXXXXX` folders in `parent` whose process is gone and that are older than `staleMs` (best effort). */
export async function sweepStaleTempDirs(
  prefix: string,
  parent: string = tmpdir(),
  staleMs = STALE_MS,
): Promise<string[]> {
  const escaped = prefix.replace(/[^A-Za-z0-9_-]/g, (c) => `\\${c}`);
  const pattern = new RegExp(`^${escaped}(\\d+)-[A-Za-z0-9]{6}$`);
  const removed: string[] = [];
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const dir = path.join(parent, name);
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory() || Date.now() - st.mtimeMs < staleMs) continue;
    if (
      await rm(dir, { recursive: true, force: true }).then(
        () => true,
        () => false,
      )
    )
      removed.push(dir);
  }
  return removed;
}

/** A fresh folder `prefix<pid>-XXXXXX` under `parent` (the system temp folder by default), removed by remove(). */
export async function makeTempDir(prefix: string, parent: string = tmpdir()): Promise<TempDir> {
  await sweepStaleTempDirs(prefix, parent);
  const dir = await mkdtemp(path.join(parent, `${prefix}${process.pid}-`));
  live.add(dir);
  return {
    path: dir,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      live.delete(dir);
    },
  };
}

/** Remove every temporary folder still registered, now (for the last moments of the process). */
export function removeTempDirsSync(): void {
  for (const dir of [...live]) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: the process is ending.
    }
    live.delete(dir);
  }
}
