// Browser mode: files the person chose or dropped in the page (a package .zip, a package folder,
// a QCN file) arrive here, one POST /upload per file, and are written into a private temporary
// folder (mode 0700, files 0600) whose path the page then hands to the API like a typed one.
// Each name is checked like a zip entry (no absolute path, no "..", no backslash traversal:
// package/zip.ts safeEntryParts) before anything is written; sizes are bounded per file, per
// upload and by the free space; a file is written once (never over another) and must arrive
// whole. An upload is removed when the next one of the same kind starts, and every upload when
// the server closes (or, at a forced exit, by the temp-dir registry).

import { createWriteStream } from 'node:fs';
import { mkdir, rm, statfs, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { isPickKind } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { DEFAULT_ZIP_LIMITS, safeEntryParts } from '../package/zip.js';
import { MAX_CFB_BYTES } from '../qcn/cfb.js';
import { makeTempDir, type TempDir } from '../util/temp-dir.js';

export const UPLOAD_PATH = '/upload';
/** A header a cross-site form cannot send (it forces a CORS preflight this server never answers). */
export const UPLOAD_HEADER = 'x-modem-rescue-upload';

export interface UploadLimits {
  /** Largest single file, per kind. */
  maxFileBytes: Record<'package' | 'qcn', number>;
  /** Largest total of one upload (a package folder). */
  maxUploadBytes: number;
  /** Most files in one upload. */
  maxFiles: number;
  /** Largest share of the free space one upload may take. */
  maxShareOfFreeSpace: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: { package: DEFAULT_ZIP_LIMITS.maxTotalBytes, qcn: MAX_CFB_BYTES },
  maxUploadBytes: DEFAULT_ZIP_LIMITS.maxTotalBytes,
  maxFiles: DEFAULT_ZIP_LIMITS.maxEntries,
  maxShareOfFreeSpace: DEFAULT_ZIP_LIMITS.maxShareOfFreeSpace,
};

interface Batch {
  id: string;
  what: 'package' | 'qcn';
  dir: string;
  bytes: number;
  files: number;
  /** The first name part every file of a folder upload shares. */
  top: string | undefined;
  /** Names written (case-folded: two names one file system treats as one are one). */
  names: Set<string>;
}

export interface UploadRequest {
  what: string | null;
  batch: string | null;
  name: string | null;
  length: number | undefined;
}

const BATCH_ID = /^[a-z0-9]{8,64}$/;
const MAX_NAME_PARTS = 32;
const MAX_PART_CHARS = 255;

function usage(message: string, nextStep?: string): RescueError {
  return new RescueError('USAGE', message, nextStep ? { nextStep } : undefined);
}

/** The upload's parameters from the URL and headers, or a clear refusal. */
export function uploadRequest(url: URL, headers: IncomingMessage['headers']): UploadRequest {
  const len = headers['content-length'];
  const length = typeof len === 'string' && /^\d{1,16}$/.test(len) ? Number(len) : undefined;
  return {
    what: url.searchParams.get('what'),
    batch: url.searchParams.get('batch'),
    name: url.searchParams.get('name'),
    length,
  };
}

/** The name's parts, checked: nothing that could land outside the upload folder. */
export function uploadNameParts(what: 'package' | 'qcn', name: string): string[] {
  const parts = safeEntryParts(name);
  if (parts.length === 0) throw usage('A file without a name was sent.');
  if (parts.length > MAX_NAME_PARTS || parts.some((p) => p.length > MAX_PART_CHARS))
    throw usage(`The name "${name.slice(0, 80)}" is too deep or too long.`);
  const base = parts[parts.length - 1] ?? '';
  if (what === 'qcn') {
    if (parts.length !== 1 || !/\.x?qcn$/i.test(base))
      throw usage(`${base} is not a QCN backup (.qcn or .xqcn).`, 'Choose the .qcn file saved by the backup.');
  } else if (parts.length === 1 && !/\.zip$/i.test(base)) {
    throw usage(
      `${base} is neither a .zip nor a folder.`,
      'Choose the package .zip, or its whole unpacked folder (the folder button, or drop the folder).',
    );
  }
  return parts;
}

export class UploadStore {
  private root: TempDir | undefined;
  private readonly batches = new Map<string, Batch>();
  private readonly limits: UploadLimits;

  constructor(private readonly opts: { parent?: string; limits?: Partial<UploadLimits> } = {}) {
    this.limits = { ...DEFAULT_UPLOAD_LIMITS, ...opts.limits };
  }

  /** The private folder uploads go into (created on first use). */
  get folder(): string | undefined {
    return this.root?.path;
  }

  /** Write one uploaded file; returns the path the page should use (the .zip, the package folder, the .qcn). */
  async receive(req: NodeJS.ReadableStream, r: UploadRequest): Promise<{ path: string }> {
    if (!isPickKind(r.what) || r.what === 'backup-folder')
      throw usage('Only a firmware package or a QCN backup can be sent to Modem Rescue.');
    const what = r.what;
    if (r.batch === null || !BATCH_ID.test(r.batch)) throw usage('The upload has no valid batch id.');
    if (r.name === null) throw usage('The upload has no file name.');
    if (r.length === undefined) throw usage('The upload must state its size (Content-Length).');
    const parts = uploadNameParts(what, r.name);
    const max = this.limits.maxFileBytes[what];
    if (r.length > max) throw tooBig(`${parts.join('/')} is ${r.length} bytes, more than the ${max} bytes allowed.`);
    const batch = await this.batchFor(r.batch, what);
    const key = this.admit(batch, parts, r.length);
    try {
      await this.checkFreeSpace(batch, r.length);
      const file = path.join(batch.dir, ...parts);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeExactly(req, file, r.length);
    } catch (e) {
      // Not written: it may be sent again.
      batch.names.delete(key);
      batch.files--;
      batch.bytes -= r.length;
      throw e;
    }
    const file = path.join(batch.dir, ...parts);
    return { path: parts.length > 1 ? path.join(batch.dir, parts[0] ?? '') : file };
  }

  /** Remove every upload and the private folder. */
  async closeAll(): Promise<void> {
    this.batches.clear();
    const root = this.root;
    this.root = undefined;
    await root?.remove();
  }

  private async batchFor(id: string, what: 'package' | 'qcn'): Promise<Batch> {
    const known = this.batches.get(id);
    if (known) {
      if (known.what !== what) throw usage('One upload cannot mix a package and a QCN backup.');
      return known;
    }
    // A new upload of this kind replaces the one before: it is removed now.
    for (const old of [...this.batches.values()].filter((b) => b.what === what)) {
      this.batches.delete(old.id);
      await rm(old.dir, { recursive: true, force: true });
    }
    this.root ??= await makeTempDir('modem-rescue-upload-', this.opts.parent);
    const dir = path.join(this.root.path, `${what}-${id}`);
    await mkdir(dir, { mode: 0o700 });
    const batch: Batch = { id, what, dir, bytes: 0, files: 0, top: undefined, names: new Set() };
    this.batches.set(id, batch);
    return batch;
  }

  private admit(batch: Batch, parts: string[], length: number): string {
    const key = parts.join('/').toLowerCase();
    if (batch.names.has(key)) throw usage(`${parts.join('/')} was sent twice.`);
    const top = parts.length > 1 ? parts[0] : undefined;
    if (batch.files > 0 && top !== batch.top)
      throw usage('Choose one folder or one .zip at a time.', 'Choose the package again: only its folder or its .zip.');
    if (batch.files + 1 > this.limits.maxFiles)
      throw tooBig(`The folder holds more than ${this.limits.maxFiles} files; a firmware package has far fewer.`);
    if (batch.bytes + length > this.limits.maxUploadBytes)
      throw tooBig(`The files chosen add up to more than ${this.limits.maxUploadBytes} bytes.`);
    batch.top = top;
    batch.names.add(key);
    batch.files++;
    batch.bytes += length;
    return key;
  }

  private async checkFreeSpace(batch: Batch, length: number): Promise<void> {
    let free: number;
    try {
      const fs = await statfs(batch.dir);
      free = Number(fs.bavail) * Number(fs.bsize);
    } catch {
      return;
    }
    if (length > free * this.limits.maxShareOfFreeSpace)
      throw new RescueError('HOST_IO', `There is not enough free space in ${path.dirname(batch.dir)} for this file.`, {
        nextStep: 'Free some space, or type the path of the package instead of choosing it.',
      });
  }
}

function tooBig(message: string): RescueError {
  return usage(message, 'Choose the package itself: its .zip or its unpacked folder.');
}

/** Stream `from` into a new file (0600, never over an existing one) and insist on exactly `length` bytes. */
async function writeExactly(from: NodeJS.ReadableStream, file: string, length: number): Promise<void> {
  let got = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done): void {
      got += chunk.length;
      if (got > length) done(usage('The upload sent more bytes than it announced.'));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(from, count, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (e) {
    await unlink(file).catch(() => undefined);
    if (e instanceof RescueError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw usage(`${path.basename(file)} was sent twice.`);
    throw new RescueError('HOST_IO', `The upload of ${path.basename(file)} did not arrive whole.`, {
      nextStep: 'Choose the files again.',
      cause: e,
    });
  }
  if (got !== length) {
    await unlink(file).catch(() => undefined);
    throw new RescueError('HOST_IO', `The upload of ${path.basename(file)} ended after ${got} of ${length} bytes.`, {
      nextStep: 'Choose the files again.',
    });
  }
}
