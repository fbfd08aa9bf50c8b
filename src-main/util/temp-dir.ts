// Temporary folders (an unpacked package zip) that must not outlive the command: each is
// registered while it exists, so a forced exit (a second Ctrl-C, or a command that did not end
// within its grace time after a cancel) still removes it, synchronously, on the way out.

import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const live = new Set<string>();

export interface TempDir {
  path: string;
  /** Remove the folder and everything in it (idempotent). */
  remove(): Promise<void>;
}

/** A fresh folder under `parent` (the system temp folder by default), removed by remove(). */
export async function makeTempDir(prefix: string, parent: string = tmpdir()): Promise<TempDir> {
  const dir = await mkdtemp(path.join(parent, prefix));
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
