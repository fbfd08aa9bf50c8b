// What a QCN backup written into a folder is called: <model>-<last four IMEI digits>-<UTC time>.qcn,
// named after what was read from the module (a running Quectel module reports no USB serial number,
// its IMEI is what tells it apart), never with the whole IMEI in the name: file names travel in
// screenshots, shell histories and support mails. A name already on disk, or already taken by
// another module of the same run, gets -2, -3, ...: an earlier backup is never overwritten.

import { access } from 'node:fs/promises';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';

/** A file-name-safe piece of text (model names come from the device). */
export function safePart(text: string, fallback: string): string {
  const s = text
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32);
  return s === '' ? fallback : s;
}

/** 20261206-081500Z */
export function fileStamp(now: number): string {
  return new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
}

export function backupFileName(model: string, imei: string | undefined, now: number): string {
  const last4 = imei && /^\d{4,}$/.test(imei) ? imei.slice(-4) : 'noimei';
  return `${safePart(model, 'module')}-${last4}-${fileStamp(now)}.qcn`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Largest -N tried before giving up (a folder holding that many same-second backups is not normal). */
const MAX_SUFFIX = 999;

/**
 * Hands out backup paths in one folder: each name once, and never one that exists on disk. Shared by
 * the modules of one run; reserve() is synchronous between its awaits on the same name, so two
 * modules cannot be handed the same path.
 */
export class BackupNames {
  private readonly taken = new Set<string>();

  constructor(readonly folder: string) {}

  async reserve(model: string, imei: string | undefined, now: number): Promise<string> {
    const base = backupFileName(model, imei, now).replace(/\.qcn$/, '');
    for (let n = 1; n <= MAX_SUFFIX; n++) {
      const candidate = path.join(this.folder, `${base}${n === 1 ? '' : `-${n}`}.qcn`);
      if (this.taken.has(candidate)) continue;
      this.taken.add(candidate);
      if (!(await exists(candidate))) return candidate;
    }
    throw new RescueError('HOST_IO', `${this.folder} already holds ${MAX_SUFFIX} backups named ${base}*.qcn.`, {
      nextStep: 'Choose another folder for the backups, or move the old ones away.',
    });
  }
}
