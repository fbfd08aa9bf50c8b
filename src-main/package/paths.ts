// Where a file named inside a package really is. Package XML and md5.txt name files with Windows
// separators relative to some folder ("..\sbl1.mbn" relative to update/firehose). A name that
// leads outside the package root, before or after following symlinks, is refused: a package must
// never make this tool read (and send to a modem) a file elsewhere on the computer.

import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';

/** True when `child` is `root` or lies inside it (both absolute, normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolve `name` (as written in the package, '\' or '/' separators) relative to `baseDir`.
 * Throws PACKAGE_UNSAFE_PATH when the name is absolute or escapes `root`. The file need not exist.
 */
export function resolvePackagePath(root: string, baseDir: string, name: string, where: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.includes('\0'))
    throw new RescueError('PACKAGE_UNSAFE_PATH', `${where} names an empty or invalid file name.`);
  const slashed = trimmed.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
    throw new RescueError('PACKAGE_UNSAFE_PATH', `${where} names "${name}", an absolute path.`);
  }
  const resolved = path.resolve(baseDir, ...slashed.split('/').filter((p) => p !== ''));
  if (!isInside(root, resolved))
    throw new RescueError('PACKAGE_UNSAFE_PATH', `${where} names "${name}", which is outside the package folder.`);
  return resolved;
}

/**
 * Like resolvePackagePath, then follows symlinks when the file exists and checks again against
 * the real root. Returns the real path, or the lexical one when the file does not exist.
 */
export async function resolveExistingPackagePath(
  root: string,
  baseDir: string,
  name: string,
  where: string,
): Promise<{ path: string; exists: boolean }> {
  const lexical = resolvePackagePath(root, baseDir, name, where);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return { path: lexical, exists: false };
  }
  const realRoot = await realpath(root);
  if (!isInside(realRoot, real))
    throw new RescueError(
      'PACKAGE_UNSAFE_PATH',
      `${where} names "${name}", a link to a file outside the package folder.`,
    );
  return { path: real, exists: true };
}
