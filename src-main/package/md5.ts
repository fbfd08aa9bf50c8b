// md5.txt: one line per file, `FILE:\update\sbl1.mbn:<32 hex>` (Windows separators, path from
// the package root). Files are hashed by streaming. Files not listed are fine; a listed file that
// is missing or differs is a problem naming the file.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { RescueError, type ErrorCode } from '../../shared/errors.js';
import { throwIfAborted } from '../util/deadline.js';
import { openInputFile, readInputText } from '../util/input-file.js';
import { MAX_IMAGE_BYTES } from './image-source.js';
import { resolveExistingPackagePath } from './paths.js';

export interface Md5Entry {
  /** As written, e.g. "\update\sbl1.mbn". */
  name: string;
  md5: string;
  line: number;
}

export const MAX_MD5_TXT_BYTES = 1024 * 1024;

export function parseMd5Txt(text: string): { entries: Md5Entry[]; warnings: string[] } {
  const entries: Md5Entry[] = [];
  const warnings: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^FILE:(.+):([0-9a-fA-F]{32})$/.exec(line);
    if (!m) {
      warnings.push(`md5.txt line ${i + 1} is not a "FILE:<name>:<md5>" line; ignored.`);
      return;
    }
    entries.push({ name: m[1]!.trim(), md5: m[2]!.toLowerCase(), line: i + 1 });
  });
  return { entries, warnings };
}

/** The md5 of a regular file of at most maxBytes, read piece by piece (cancellable). */
export async function md5File(file: string, signal?: AbortSignal, maxBytes = MAX_IMAGE_BYTES): Promise<string> {
  const h = createHash('md5');
  const input = await openInputFile(file, {
    maxBytes,
    what: 'an image',
    code: 'HOST_IO',
    ...(signal ? { signal } : {}),
  });
  try {
    for await (const chunk of input.chunks()) h.update(chunk);
  } catch (e) {
    throwIfAborted(signal);
    if (e instanceof RescueError) throw e;
    throw new RescueError('HOST_IO', `${path.basename(file)} could not be read.`, { cause: e });
  } finally {
    await input.close();
  }
  return h.digest('hex');
}

export interface Md5Problem {
  code: ErrorCode;
  message: string;
  file?: string;
}

/**
 * Check every file md5.txt lists. Returns problems and warnings; throws only on cancel. Files in
 * `skip` (already refused for another reason: too large, empty...) are not hashed: a 100 GB
 * image must be refused by its size, not read first.
 */
export async function verifyMd5Txt(
  root: string,
  md5Path: string,
  signal?: AbortSignal,
  skip: ReadonlySet<string> = new Set(),
): Promise<{ problems: Md5Problem[]; warnings: string[]; checked: number }> {
  const problems: Md5Problem[] = [];
  let text: string;
  try {
    // A FIFO or a device would block the read: only a regular file of bounded size is read.
    text = await readInputText(md5Path, {
      maxBytes: MAX_MD5_TXT_BYTES,
      what: 'a checksum list (md5.txt)',
      code: 'PACKAGE_BAD_XML',
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if (!(e instanceof RescueError) || e.code === 'CANCELLED') throw e;
    return { problems: [{ code: e.code, message: e.message, file: md5Path }], warnings: [], checked: 0 };
  }
  const { entries, warnings } = parseMd5Txt(text);
  let checked = 0;
  for (const e of entries) {
    throwIfAborted(signal);
    let resolved: { path: string; exists: boolean };
    try {
      // A leading '\' means "from the package root", not an absolute path.
      resolved = await resolveExistingPackagePath(root, root, e.name.replace(/^[\\/]/, ''), `md5.txt line ${e.line}`);
    } catch (err) {
      if (err instanceof RescueError) problems.push({ code: err.code, message: err.message, file: e.name });
      continue;
    }
    const shown = e.name.replace(/^[\\/]+/, '');
    if (!resolved.exists) {
      problems.push({
        code: 'PACKAGE_MISSING_FILE',
        message: new RescueError('PACKAGE_MISSING_FILE', `${shown} is listed in md5.txt but is not in the package.`)
          .message,
        file: resolved.path,
      });
      continue;
    }
    if (skip.has(resolved.path)) continue;
    if (!(await stat(resolved.path).catch(() => undefined))?.isFile()) {
      problems.push({
        code: 'PACKAGE_MISSING_FILE',
        message: new RescueError('PACKAGE_MISSING_FILE', `${shown} (listed in md5.txt) is not a regular file.`).message,
        file: resolved.path,
      });
      continue;
    }
    let got: string;
    try {
      got = await md5File(resolved.path, signal);
    } catch (err) {
      if (err instanceof RescueError && err.code !== 'CANCELLED') {
        problems.push({
          code: 'PACKAGE_MISSING_FILE',
          message: new RescueError('PACKAGE_MISSING_FILE', `${shown} (listed in md5.txt) cannot be read: ${err.detail}`)
            .message,
          file: resolved.path,
        });
        continue;
      }
      throw err;
    }
    checked++;
    if (got !== e.md5) {
      problems.push({
        code: 'PACKAGE_CHECKSUM_MISMATCH',
        message: new RescueError('PACKAGE_CHECKSUM_MISMATCH', `${shown}: md5 ${got}, md5.txt says ${e.md5}.`).message,
        file: resolved.path,
      });
    }
  }
  return { problems, warnings, checked };
}
