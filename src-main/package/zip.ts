// Unpacking a package .zip safely into a fresh folder. The archive is opened as a bounded regular
// file (a FIFO or a device named .zip is refused without blocking) and its whole central
// directory is checked BEFORE anything is written: no entry may land outside the folder (zip
// slip, absolute names, backslash traversal), no symlinks, no duplicates, no encryption; the
// entry count, the total declared size, each large entry's ratio and the archive's overall ratio
// are bounded, and the total must fit well inside the free space of the file system it goes to.
// While unpacking, entry sizes are validated as they stream. Nothing is held in memory whole.

import { createWriteStream } from 'node:fs';
import { mkdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { RescueError } from '../../shared/errors.js';
import { throwIfAborted } from '../util/deadline.js';
import { openInputFile, type InputFile } from '../util/input-file.js';
import { isInside } from './paths.js';

export interface ZipLimits {
  maxEntries: number;
  /** Largest total of the entries' declared sizes (and largest archive). */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio accepted for an entry above 1 MiB. */
  maxRatio: number;
  /** Largest ratio of the whole archive: declared unpacked bytes / archive bytes. */
  maxOverallRatio: number;
  /** Largest share of the free space of the unpack folder's file system the package may take. */
  maxShareOfFreeSpace: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxTotalBytes: 8 * 1024 ** 3,
  maxRatio: 1000,
  maxOverallRatio: 100,
  maxShareOfFreeSpace: 0.5,
};

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const MiB = 1024 * 1024;

/** Reject a name that could land outside `dest`; returns the relative parts. */
export function safeEntryParts(name: string): string[] {
  if (name.includes('\0'))
    throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" has an invalid name.`);
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed))
    throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" has an absolute path.`);
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" points outside the package ("..").`);
  return parts;
}

function decodeName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return (entry.generalPurposeBitFlag & 0x800) !== 0 ? raw.toString('utf8') : raw.toString('latin1');
}

function badZip(file: string, e: unknown): RescueError {
  if (e instanceof RescueError) return e;
  return new RescueError('PACKAGE_BAD_ZIP', `${path.basename(file)}: ${e instanceof Error ? e.message : String(e)}.`, {
    cause: e,
  });
}

/** yauzl reads the archive through the InputFile (which keeps and closes its handle). */
class InputReader extends yauzl.RandomAccessReader {
  constructor(private readonly input: InputFile) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const input = this.input;
    let pos = start;
    return new Readable({
      read(size: number): void {
        const n = Math.min(Math.max(size, 64 * 1024), MiB, end - pos);
        if (n <= 0) {
          this.push(null);
          return;
        }
        const buf = Buffer.allocUnsafe(n);
        input.handle.read(buf, 0, n, pos).then(
          ({ bytesRead }) => {
            if (bytesRead === 0) return void this.destroy(new Error('the archive ends early'));
            pos += bytesRead;
            this.push(buf.subarray(0, bytesRead));
          },
          (e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))),
        );
      },
    });
  }
}

const mib = (n: number): string => `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;

/** One entry that passed the checks: where it goes, and whether it is a folder. */
interface PlannedEntry {
  entry: yauzl.Entry;
  parts: string[];
  dir: boolean;
}

/** An archive whose central directory passed every check; nothing written yet. */
export interface CheckedZip {
  /** Declared bytes of all entries: what unpacking writes at most. */
  totalBytes: number;
  entryCount: number;
  /** Unpack into the existing empty folder `dest`. */
  extractTo(dest: string, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

interface Tally {
  seen: Set<string>;
  total: number;
}

/** Check one entry of the central directory; undefined for entries that unpack to nothing ("./"). */
function planEntry(zipPath: string, entry: yauzl.Entry, lim: ZipLimits, tally: Tally): PlannedEntry | undefined {
  const name = decodeName(entry);
  const parts = safeEntryParts(name);
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK)
    throw new RescueError(
      'PACKAGE_UNSAFE_PATH',
      `The archive entry "${name}" is a symbolic link; packages never need one.`,
    );
  if (parts.length === 0) return undefined;
  const key = parts.join('/').toLowerCase();
  if (tally.seen.has(key)) throw new RescueError('PACKAGE_BAD_ZIP', `The archive holds "${name}" twice.`);
  tally.seen.add(key);
  if (name.endsWith('/') || name.endsWith('\\')) return { entry, parts, dir: true };
  if (entry.isEncrypted()) throw new RescueError('PACKAGE_BAD_ZIP', `The archive entry "${name}" is encrypted.`);
  tally.total += entry.uncompressedSize;
  if (tally.total > lim.maxTotalBytes)
    throw new RescueError(
      'PACKAGE_BAD_ZIP',
      `${path.basename(zipPath)} unpacks to more than ${lim.maxTotalBytes} bytes; no firmware package is that large.`,
    );
  if (entry.uncompressedSize > MiB && entry.uncompressedSize > lim.maxRatio * Math.max(1, entry.compressedSize)) {
    throw new RescueError(
      'PACKAGE_BAD_ZIP',
      `The archive entry "${name}" expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times: a compression bomb, not firmware.`,
    );
  }
  return { entry, parts, dir: false };
}

/** The whole archive: overall ratio, and room on the file system it unpacks to. */
async function checkTotals(
  zipPath: string,
  archiveBytes: number,
  total: number,
  lim: ZipLimits,
  unpackParent: string,
): Promise<void> {
  const name = path.basename(zipPath);
  if (total > MiB && total > lim.maxOverallRatio * Math.max(1, archiveBytes)) {
    throw new RescueError(
      'PACKAGE_BAD_ZIP',
      `${name} (${mib(archiveBytes)}) would unpack to ${mib(total)}, ${Math.round(total / Math.max(1, archiveBytes))} times its size: a compression bomb, not firmware.`,
    );
  }
  let free: number;
  try {
    const fs = await statfs(unpackParent);
    free = Number(fs.bavail) * Number(fs.bsize);
  } catch (e) {
    throw new RescueError(
      'HOST_IO',
      `The free space of ${unpackParent} cannot be read: ${e instanceof Error ? e.message : String(e)}.`,
      { cause: e },
    );
  }
  const room = Math.floor(free * lim.maxShareOfFreeSpace);
  if (total > room) {
    throw new RescueError(
      'HOST_IO',
      `${name} unpacks to ${mib(total)}, but ${unpackParent} has only ${mib(free)} free (at most ${mib(room)} of it is used for a package).`,
      {
        nextStep: `Free space in ${unpackParent} (or point TMPDIR to a roomier folder), or unpack the archive yourself and choose the folder.`,
      },
    );
  }
}

/**
 * Open `zipPath` and check its whole central directory against `limits` and the free space of
 * `unpackParent`, writing nothing. The caller unpacks with extractTo() and must close().
 */
export async function openCheckedZip(
  zipPath: string,
  unpackParent: string,
  opts: { signal?: AbortSignal | undefined; limits?: Partial<ZipLimits> } = {},
): Promise<CheckedZip> {
  const lim = { ...DEFAULT_ZIP_LIMITS, ...opts.limits };
  // The archive itself: its entries' bytes plus headers, never more than the unpacked total and a margin.
  const input: InputFile = await openInputFile(zipPath, {
    maxBytes: lim.maxTotalBytes + 64 * MiB,
    what: 'a package archive',
    code: 'PACKAGE_BAD_ZIP',
    missingCode: 'PACKAGE_NOT_FOUND',
    notFileCode: 'PACKAGE_NOT_FOUND',
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  let zip: yauzl.ZipFile | undefined;
  try {
    try {
      zip = await yauzl.fromRandomAccessReaderPromise(new InputReader(input), input.size, {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: false,
        validateEntrySizes: true,
      });
    } catch (e) {
      throw badZip(zipPath, e);
    }
    if (zip.entryCount > lim.maxEntries)
      throw new RescueError(
        'PACKAGE_BAD_ZIP',
        `${path.basename(zipPath)} has ${zip.entryCount} entries, more than the ${lim.maxEntries} a package may have.`,
      );
    const planned: PlannedEntry[] = [];
    const tally: Tally = { seen: new Set(), total: 0 };
    try {
      for await (const entry of zip.eachEntry()) {
        throwIfAborted(opts.signal);
        const p = planEntry(zipPath, entry, lim, tally);
        if (p) planned.push(p);
      }
    } catch (e) {
      throwIfAborted(opts.signal);
      throw badZip(zipPath, e);
    }
    await checkTotals(zipPath, input.size, tally.total, lim, unpackParent);
    const opened = zip;
    const close = async (): Promise<void> => {
      opened.close();
      await input.close();
    };
    return {
      totalBytes: tally.total,
      entryCount: planned.length,
      extractTo: (dest, signal) => extractAll(zipPath, opened, planned, dest, signal),
      close,
    };
  } catch (e) {
    zip?.close();
    await input.close();
    throw e;
  }
}

async function extractAll(
  zipPath: string,
  zip: yauzl.ZipFile,
  planned: readonly PlannedEntry[],
  dest: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const p of planned) {
    throwIfAborted(signal);
    const target = path.join(dest, ...p.parts);
    if (!isInside(dest, target))
      throw new RescueError(
        'PACKAGE_UNSAFE_PATH',
        `The archive entry "${p.parts.join('/')}" points outside the package.`,
      );
    if (p.dir) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    try {
      const stream = await zip.openReadStreamPromise(p.entry);
      const out = createWriteStream(target, { flags: 'wx' });
      if (signal) await pipeline(stream, out, { signal });
      else await pipeline(stream, out);
    } catch (e) {
      throwIfAborted(signal);
      throw badZip(zipPath, e);
    }
  }
}
