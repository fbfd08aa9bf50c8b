// Which paths an API call may name, for the browser mode (where any local process holding the
// token could call): only absolute paths (a relative one would resolve against the server's
// working folder, which the user never sees); files are read only when they are regular files
// (a package may also be a folder), never devices, pipes or sockets; backups are written only
// into folders under the user's home, or into folders the user chose in this session. Links are
// followed before any of this is decided, so a link in the home folder pointing at /etc counts
// as /etc.

import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { kindOf } from '../util/input-file.js';

export interface PathPolicyOptions {
  /** The user's home folder (default os.homedir()). */
  home?: string;
  /** Folders the user chose in this session (a folder picker), writable besides the home. */
  chosenFolders?: string[];
}

export type ReadKind = 'package' | 'file';

function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The path, absolute and normalised; a relative or empty one is refused. */
export function absolutePath(p: unknown, what: string): string {
  if (typeof p !== 'string' || p.trim() === '') throw new RescueError('USAGE', `Give the ${what}.`);
  if (p.includes('\0')) throw new RescueError('USAGE', `The ${what} holds an invalid character.`);
  if (!path.isAbsolute(p)) {
    throw new RescueError('USAGE', `"${p}" is a relative path; the ${what} must be given as a full path.`, {
      nextStep:
        process.platform === 'win32'
          ? 'Give the full path, starting with the drive letter (C:\\...).'
          : 'Give the full path, starting with / (for example /home/you/...).',
    });
  }
  return path.resolve(p);
}

/** The real path of the longest existing part of `p`, with the rest appended. */
async function realPathOfNearest(p: string): Promise<{ real: string; existing: Stats | undefined }> {
  const rest: string[] = [];
  let cur = p;
  for (let i = 0; i < 256; i++) {
    try {
      const real = await realpath(cur);
      return { real: path.join(real, ...rest.reverse()), existing: rest.length === 0 ? await stat(real) : undefined };
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) break;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
  return { real: p, existing: undefined };
}

export class PathPolicy {
  private readonly home: string;
  private readonly chosen: string[];

  constructor(opts: PathPolicyOptions = {}) {
    this.home = path.resolve(opts.home ?? homedir());
    this.chosen = (opts.chosenFolders ?? []).map((f) => path.resolve(f));
  }

  /** Remember a folder the user chose (a picker) as writable for the rest of the session. */
  choose(folder: string): void {
    this.chosen.push(absolutePath(folder, 'chosen folder'));
  }

  /** A file (or, for a package, a folder) to read: absolute, existing, and not a device, pipe or socket. */
  async readable(p: unknown, kind: ReadKind, what: string): Promise<string> {
    const abs = absolutePath(p, what);
    let st: Stats;
    try {
      st = await stat(abs);
    } catch {
      throw new RescueError(kind === 'package' ? 'PACKAGE_NOT_FOUND' : 'HOST_IO', `Nothing at ${abs}.`, {
        nextStep: `Check the path of the ${what}.`,
      });
    }
    if (st.isFile() || (kind === 'package' && st.isDirectory())) return abs;
    throw new RescueError(
      'NOT_A_FILE',
      `${abs} is ${kindOf(st)}${kind === 'package' ? ', not a package folder or a .zip file' : ', not a regular file'}.`,
    );
  }

  /** A folder to write into: absolute, under the home or a chosen folder (links followed), not a device. */
  async writableFolder(p: unknown, what: string): Promise<string> {
    const abs = absolutePath(p, what);
    const { real, existing } = await realPathOfNearest(abs);
    if (existing && !existing.isDirectory())
      throw new RescueError('NOT_A_FILE', `${abs} is ${kindOf(existing)}, not a folder.`, {
        nextStep: `Choose a folder for the ${what}.`,
      });
    const roots = await Promise.all([this.home, ...this.chosen].map(async (r) => await realpath(r).catch(() => r)));
    // A home of "/" (a service account) would allow everything: then only chosen folders count.
    const allowed = roots.filter((r, i) => i > 0 || path.dirname(r) !== r);
    if (!allowed.some((r) => isInside(r, real))) {
      const shown = real === abs ? abs : `${abs} (${real})`;
      throw new RescueError(
        'USAGE',
        `The ${what} ${shown} is outside your home folder ${this.home}; Modem Rescue writes only there${this.chosen.length ? ' or into folders you chose' : ''}.`,
        {
          nextStep: `Choose a folder inside ${this.home}, or pick one with Choose… in the desktop app.`,
        },
      );
    }
    return abs;
  }
}
