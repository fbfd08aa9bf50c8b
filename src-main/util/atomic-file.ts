// Writing a file so that the target path holds either the old content or the complete new one,
// never a half-written file: a temporary file in the same folder, fsync, rename, fsync the folder.

import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RescueError } from '../../shared/errors.js';

/** The temporary name used beside `path` while it is written (also what a cleanup looks for). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
}

async function fsyncDir(dir: string): Promise<void> {
  let h;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // Some platforms (Windows) cannot open or sync a folder; the rename is still atomic there.
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/** Write `data` to `path` atomically. Errors are HOST_IO and leave no temporary file behind. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const h = await open(tmp, 'wx', 0o644);
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const msg = e instanceof Error ? e.message : String(e);
    throw new RescueError('HOST_IO', `Could not write ${path}: ${msg}`, { cause: e });
  }
  await fsyncDir(dirname(path));
}
