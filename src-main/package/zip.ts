// Unpacking a package .zip safely into a fresh folder: no entry may land outside it (zip slip,
// absolute names, backslash traversal), no symlinks, bounded entry count and total size, no
// compression bombs, entry sizes validated while streaming. Nothing is held in memory whole.

import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { RescueError } from '../../shared/errors.js';
import { throwIfAborted } from '../util/deadline.js';
import { isInside } from './paths.js';

export interface ZipLimits {
  maxEntries: number;
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio accepted for an entry above 1 MiB. */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 10_000, maxTotalBytes: 8 * 1024 ** 3, maxRatio: 1000 };

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Reject a name that could land outside `dest`; returns the relative parts. */
export function safeEntryParts(name: string): string[] {
  if (name.includes('\0')) throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" has an invalid name.`);
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" has an absolute path.`);
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" points outside the package ("..").`);
  return parts;
}

function decodeName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return (entry.generalPurposeBitFlag & 0x800) !== 0 ? raw.toString('utf8') : raw.toString('latin1');
}

function badZip(file: string, e: unknown): RescueError {
  if (e instanceof RescueError) return e;
  return new RescueError('PACKAGE_BAD_ZIP', `${path.basename(file)}: ${e instanceof Error ? e.message : String(e)}.`, { cause: e });
}

/** Unpack `zipPath` into the existing empty folder `dest`. */
export async function unpackZip(zipPath: string, dest: string, opts: { signal?: AbortSignal; limits?: Partial<ZipLimits> } = {}): Promise<void> {
  const lim = { ...DEFAULT_ZIP_LIMITS, ...opts.limits };
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (e) {
    throw badZip(zipPath, e);
  }
  try {
    if (zip.entryCount > lim.maxEntries) throw new RescueError('PACKAGE_BAD_ZIP', `${path.basename(zipPath)} has ${zip.entryCount} entries, more than the ${lim.maxEntries} a package may have.`);
    let total = 0;
    const seen = new Set<string>();
    for await (const entry of zip.eachEntry()) {
      throwIfAborted(opts.signal);
      const name = decodeName(entry);
      const parts = safeEntryParts(name);
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (mode === S_IFLNK) throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" is a symbolic link; packages never need one.`);
      if (parts.length === 0) continue;
      const target = path.join(dest, ...parts);
      if (!isInside(dest, target)) throw new RescueError('PACKAGE_UNSAFE_PATH', `The archive entry "${name}" points outside the package.`);
      const key = target.toLowerCase();
      if (seen.has(key)) throw new RescueError('PACKAGE_BAD_ZIP', `The archive holds "${name}" twice.`);
      seen.add(key);
      if (name.endsWith('/') || name.endsWith('\\')) {
        await mkdir(target, { recursive: true });
        continue;
      }
      if (entry.isEncrypted()) throw new RescueError('PACKAGE_BAD_ZIP', `The archive entry "${name}" is encrypted.`);
      total += entry.uncompressedSize;
      if (total > lim.maxTotalBytes) throw new RescueError('PACKAGE_BAD_ZIP', `${path.basename(zipPath)} unpacks to more than ${lim.maxTotalBytes} bytes; no firmware package is that large.`);
      if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize > lim.maxRatio * Math.max(1, entry.compressedSize)) {
        throw new RescueError('PACKAGE_BAD_ZIP', `The archive entry "${name}" expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times: a compression bomb, not firmware.`);
      }
      await mkdir(path.dirname(target), { recursive: true });
      let stream;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (e) {
        throw badZip(zipPath, e);
      }
      try {
        const out = createWriteStream(target, { flags: 'wx' });
        if (opts.signal) await pipeline(stream, out, { signal: opts.signal });
        else await pipeline(stream, out);
      } catch (e) {
        throwIfAborted(opts.signal);
        throw badZip(zipPath, e);
      }
    }
  } catch (e) {
    throwIfAborted(opts.signal);
    throw badZip(zipPath, e);
  } finally {
    zip.close();
  }
}
