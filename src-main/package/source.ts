// Where a package lives: a folder (the one holding update/, update/ itself, or the firehose
// folder) or a .zip, checked whole before anything is written, then unpacked safely into a fresh
// temporary folder that dispose() removes (and a forced exit too: util/temp-dir.ts).

import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { kindOf } from '../util/input-file.js';
import { makeTempDir } from '../util/temp-dir.js';
import { openCheckedZip, type ZipLimits } from './zip.js';

export interface PackageSource {
  /** The package root: every file the package names must lie inside it. */
  root: string;
  /** The folder holding the images (update/), or the root for flat packages. */
  updateDir: string;
  /** The folder holding the rawprogram XML and the programmer. */
  firehoseDir: string;
  /** The name the user knows the package by (folder or zip name), for the version. */
  displayName: string;
  dispose(): Promise<void>;
}

const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;

async function childNamed(dir: string, name: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const hit = names.find((n) => n.toLowerCase() === name);
  return hit !== undefined && (await isDir(path.join(dir, hit))) ? path.join(dir, hit) : undefined;
}

async function hasRawprogram(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => /^rawprogram.*\.xml$/i.test(n));
}

async function hasPackageFiles(dir: string): Promise<boolean> {
  const names = (await readdir(dir).catch(() => [] as string[])).map((n) => n.toLowerCase());
  return names.includes('md5.txt') || names.includes('contents.xml');
}

/** Resolve the layout from a folder, or undefined when it is not a package. */
export async function resolveFolder(dir: string): Promise<Omit<PackageSource, 'dispose' | 'displayName'> | undefined> {
  const update = await childNamed(dir, 'update');
  if (update) {
    const fh = (await childNamed(update, 'firehose')) ?? update;
    return { root: dir, updateDir: update, firehoseDir: fh };
  }
  const base = path.basename(dir).toLowerCase();
  if (base === 'update') {
    const fh = (await childNamed(dir, 'firehose')) ?? dir;
    const parent = path.dirname(dir);
    return { root: (await hasPackageFiles(parent)) ? parent : dir, updateDir: dir, firehoseDir: fh };
  }
  if (base === 'firehose' && path.basename(path.dirname(dir)).toLowerCase() === 'update') {
    const updateDir = path.dirname(dir);
    const parent = path.dirname(updateDir);
    return { root: (await hasPackageFiles(parent)) ? parent : updateDir, updateDir, firehoseDir: dir };
  }
  if (await hasRawprogram(dir)) return { root: dir, updateDir: dir, firehoseDir: dir };
  return undefined;
}

/** Search `dir` and its single-folder wrappers (zip/EC25.../update) for a package. */
async function findInside(
  dir: string,
  depth: number,
): Promise<Omit<PackageSource, 'dispose' | 'displayName'> | undefined> {
  const found = await resolveFolder(dir);
  if (found || depth === 0) return found;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.') && n !== '__MACOSX');
  const dirs: string[] = [];
  for (const n of names) if (await isDir(path.join(dir, n))) dirs.push(n);
  for (const n of dirs.sort()) {
    const inner = await findInside(path.join(dir, n), depth - 1);
    if (inner) return inner;
  }
  return undefined;
}

export async function openPackageSource(
  input: string,
  opts: { signal?: AbortSignal | undefined; zipLimits?: Partial<ZipLimits> } = {},
): Promise<PackageSource> {
  const abs = path.resolve(input);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new RescueError('PACKAGE_NOT_FOUND', `Nothing at ${abs}.`);
  if (st.isDirectory()) {
    const found = await findInside(abs, 2);
    if (!found)
      throw new RescueError('PACKAGE_NO_RAWPROGRAM', `${abs} holds no update/ folder and no rawprogram*.xml.`);
    return { ...found, displayName: path.basename(found.root), dispose: async () => {} };
  }
  if (!st.isFile())
    throw new RescueError('PACKAGE_NOT_FOUND', `${abs} is ${kindOf(st)}, not a package folder or a .zip file.`);
  if (!/\.zip$/i.test(abs))
    throw new RescueError('PACKAGE_NOT_FOUND', `${path.basename(abs)} is neither a folder nor a .zip file.`);
  // Every check of the archive passes before the temporary folder exists.
  const zip = await openCheckedZip(abs, tmpdir(), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.zipLimits ? { limits: opts.zipLimits } : {}),
  });
  let tempDir;
  try {
    tempDir = await makeTempDir('modem-rescue-pkg-');
  } catch (e) {
    await zip.close();
    throw new RescueError(
      'HOST_IO',
      `A temporary folder for unpacking ${path.basename(abs)} cannot be made: ${e instanceof Error ? e.message : String(e)}.`,
      { cause: e },
    );
  }
  const temp = tempDir.path;
  const dispose = tempDir.remove;
  try {
    try {
      await zip.extractTo(temp, opts.signal);
    } finally {
      await zip.close();
    }
    const found = await findInside(temp, 3);
    if (!found)
      throw new RescueError(
        'PACKAGE_NO_RAWPROGRAM',
        `${path.basename(abs)} holds no update/ folder and no rawprogram*.xml.`,
      );
    const displayName = found.root === temp ? path.basename(abs).replace(/\.zip$/i, '') : path.basename(found.root);
    return { ...found, displayName, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
