// Every file the tool reads because a user or a package named it comes through here: a package
// zip, XML, md5.txt, an image, the programmer, a QCN/XQCN backup, the resume journal. Only a
// regular file is read, after links are followed: a FIFO, a device (/dev/zero), a socket or a
// folder is refused before a byte is read, and opening never blocks (O_NONBLOCK, then fstat on
// the handle itself, so a file swapped after the first look is caught too). The size is bounded
// before reading and again while reading (a file that grows is refused), and reads go in pieces
// that honour an AbortSignal.

import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { ERRORS, RescueError, type ErrorCode } from '../../shared/errors.js';
import { throwIfAborted } from './deadline.js';

/** Read size of one piece: small enough that a cancel is seen within milliseconds. */
export const INPUT_CHUNK_BYTES = 1024 * 1024;

export interface InputFileOptions {
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** What the file is, for the size message: "a QCN backup" (... more than the N bytes a QCN backup may have). */
  what?: string;
  /** Error code when the file is too large (and the default for the others). */
  code: ErrorCode;
  /** Error code when it is not a regular file (default `code`). */
  notFileCode?: ErrorCode;
  /** Error code when it does not exist or cannot be opened (default `code`). */
  missingCode?: ErrorCode;
  signal?: AbortSignal | undefined;
}

/** What kind of thing `st` is, in words, for "... is X, not a regular file". */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(file: string, st: Stats, opts: InputFileOptions): RescueError {
  const kind = kindOf(st);
  const detail =
    kind === 'not a regular file' ? `${file} is not a regular file.` : `${file} is ${kind}, not a regular file.`;
  // Whatever the code, the next step is to name the file itself.
  return new RescueError(opts.notFileCode ?? opts.code, detail, { nextStep: ERRORS.NOT_A_FILE.nextStep });
}

export function tooLarge(
  file: string,
  size: number,
  opts: Pick<InputFileOptions, 'maxBytes' | 'what' | 'code'>,
): RescueError {
  return new RescueError(
    opts.code,
    `${file} is ${size} bytes, more than the ${opts.maxBytes} bytes ${opts.what ?? 'this file'} may have.`,
  );
}

/** Refuse what is not a regular file of at most maxBytes. */
function check(file: string, st: Stats, opts: InputFileOptions): void {
  if (!st.isFile()) throw notRegular(file, st, opts);
  if (st.size > opts.maxBytes) throw tooLarge(file, st.size, opts);
}

/** Follows links; refuses what is not a regular file of at most maxBytes, without opening it. */
export async function checkInputFile(file: string, opts: InputFileOptions): Promise<Stats> {
  throwIfAborted(opts.signal);
  let st: Stats;
  try {
    st = await stat(file);
  } catch (e) {
    throw new RescueError(opts.missingCode ?? opts.code, `${file} cannot be opened: ${reason(e)}.`, { cause: e });
  }
  check(file, st, opts);
  return st;
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'there is no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of links';
  return e instanceof Error ? e.message : String(e);
}

// Opening never waits for a FIFO's writer (O_NONBLOCK) nor adopts a terminal (O_NOCTTY).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/** A regular file opened for reading, its size known and bounded. */
export class InputFile {
  private closed = false;

  private constructor(
    readonly path: string,
    readonly size: number,
    readonly handle: FileHandle,
    private readonly opts: InputFileOptions,
  ) {}

  static async open(file: string, opts: InputFileOptions): Promise<InputFile> {
    await checkInputFile(file, opts);
    let fh: FileHandle;
    try {
      fh = await open(file, OPEN_FLAGS);
    } catch (e) {
      throw new RescueError(opts.missingCode ?? opts.code, `${file} cannot be opened: ${reason(e)}.`, { cause: e });
    }
    try {
      // The handle is what will be read: check it, not the name (it may have been swapped).
      const st = await fh.stat();
      check(file, st, opts);
      return new InputFile(file, st.size, fh, opts);
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  }

  /** Fill `buf` from `position` as far as the file goes; returns the bytes read. */
  async readAt(buf: Uint8Array, position: number): Promise<number> {
    if (this.closed) throw new RescueError('INTERNAL', `${this.path} was read after it was closed.`);
    let got = 0;
    while (got < buf.length) {
      throwIfAborted(this.opts.signal);
      const want = Math.min(INPUT_CHUNK_BYTES, buf.length - got);
      const r = await this.handle.read(buf, got, want, position + got);
      if (r.bytesRead === 0) break;
      got += r.bytesRead;
    }
    return got;
  }

  /** The file's bytes from `start`, piece by piece; refused if it grows past maxBytes meanwhile. */
  async *chunks(start = 0): AsyncGenerator<Buffer> {
    let position = start;
    while (true) {
      throwIfAborted(this.opts.signal);
      const buf = Buffer.allocUnsafe(INPUT_CHUNK_BYTES);
      const r = await this.handle.read(buf, 0, buf.length, position);
      if (r.bytesRead === 0) return;
      position += r.bytesRead;
      if (position > this.opts.maxBytes) throw tooLarge(this.path, position, this.opts);
      yield buf.subarray(0, r.bytesRead);
    }
  }

  /** The whole file (at most maxBytes; a file that grew while read is refused). */
  async readAll(): Promise<Buffer> {
    const buf = Buffer.alloc(this.size);
    const got = await this.readAt(buf, 0);
    if (got === this.size) {
      const probe = Buffer.alloc(1);
      if ((await this.handle.read(probe, 0, 1, this.size)).bytesRead > 0) {
        if (this.size + 1 > this.opts.maxBytes) throw tooLarge(this.path, this.size + 1, this.opts);
        throw new RescueError(this.opts.code, `${this.path} grew while it was being read.`, {
          nextStep: 'Wait until whatever writes it has finished, then try again.',
        });
      }
    }
    return got === this.size ? buf : buf.subarray(0, got);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

export function openInputFile(file: string, opts: InputFileOptions): Promise<InputFile> {
  return InputFile.open(file, opts);
}

/** Open, read whole (bounded, cancellable) and close. */
export async function readInputFile(file: string, opts: InputFileOptions): Promise<Buffer> {
  const f = await InputFile.open(file, opts);
  try {
    return await f.readAll();
  } finally {
    await f.close();
  }
}

export async function readInputText(file: string, opts: InputFileOptions): Promise<string> {
  return (await readInputFile(file, opts)).toString('utf8');
}
