// Writing a file so that the target path holds either the old content or the complete new one,
// never a half-written file: a temporary file in the same folder, fsync, rename, fsync the folder.

import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
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

/**
 * A file written piece by piece, atomically: chunks go to a temporary file beside `path`; commit()
 * cuts it to `length` when given, fsyncs it, renames it over `path` and fsyncs the folder. Until
 * then `path` holds what it held before; abort() (or a failed commit) leaves no temporary file.
 */
export class AtomicFileWriter {
  /** Bytes in the file plus the ones waiting in `pending`. */
  private written = 0;
  private done = false;
  /** Small chunks are gathered into writes of up to PENDING_BYTES (one file write per 8 KiB transfer is slow). */
  private readonly pending = Buffer.alloc(PENDING_BYTES);
  private fill = 0;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<AtomicFileWriter> {
    const tmp = tempPathFor(path);
    try {
      return new AtomicFileWriter(path, tmp, await open(tmp, 'wx', 0o644));
    } catch (e) {
      throw hostIo(`Could not create ${tmp}`, e);
    }
  }

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(PENDING_BYTES - this.fill, chunk.length - at);
      this.pending.set(chunk.subarray(at, at + n), this.fill);
      this.fill += n;
      this.written += n;
      at += n;
      if (this.fill === PENDING_BYTES) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    try {
      let at = 0;
      const start = this.written - this.fill;
      while (at < this.fill) {
        const { bytesWritten } = await this.handle.write(this.pending, at, this.fill - at, start + at);
        at += bytesWritten;
      }
      this.fill = 0;
    } catch (e) {
      await this.abort();
      throw hostIo(`Could not write ${this.path}`, e);
    }
  }

  /** Keep the first `length` bytes (default: all), make them durable and put them at `path`. */
  async commit(length = this.written): Promise<void> {
    await this.flush();
    try {
      if (length !== this.written) await this.handle.truncate(length);
      await this.handle.sync();
      await this.handle.close();
      this.done = true;
      await rename(this.tmp, this.path);
    } catch (e) {
      await this.abort();
      throw hostIo(`Could not write ${this.path}`, e);
    }
    await fsyncDir(dirname(this.path));
  }

  /** Drop the temporary file; `path` keeps what it held. */
  async abort(): Promise<void> {
    if (!this.done) await this.handle.close().catch(() => undefined);
    this.done = true;
    await rm(this.tmp, { force: true }).catch(() => undefined);
  }
}

const PENDING_BYTES = 1024 * 1024;

function hostIo(what: string, e: unknown): RescueError {
  return new RescueError('HOST_IO', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
