// "Save report" in the app: the engine's report (device state history, the plan and its events,
// backup and finish, versions) plus this run's log and the app's own versions, zipped into one
// file beside the engine's report. Every IMEI-looking number is masked in every file.

import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import type { Engine } from './engine.js';
import { maskImeisInLine } from './run-log.js';
import { writeZip } from '../util/zip-writer.js';

/** Files larger than this contribute only their last part to the report. */
export const MAX_REPORT_FILE_BYTES = 8 * 1024 * 1024;

export interface AppInfo {
  name: string;
  version: string;
  versions: Record<string, string | undefined>;
  packaged: boolean;
}

export interface SaveReportOptions {
  engine: Engine;
  logFile: string | undefined;
  app: AppInfo;
  now?: () => number;
}

/** The text of `file`, at most its last `max` bytes (with a note when cut); '' when unreadable. */
export async function readTail(file: string, max = MAX_REPORT_FILE_BYTES): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
    const { size } = await fh.stat();
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    if (start === 0) return buf.toString('utf8');
    // Start at a line boundary: a cut through a number must not leave part of an IMEI unmasked.
    const nl = buf.indexOf(0x0a);
    return `[... the first ${start + nl + 1} bytes are left out ...]\n${buf.subarray(nl + 1).toString('utf8')}`;
  } catch {
    return '';
  } finally {
    await fh?.close();
  }
}

function systemInfo(appInfo: AppInfo, now: number): string {
  return JSON.stringify(
    {
      createdAt: new Date(now).toISOString(),
      app: appInfo,
      os: {
        platform: process.platform,
        release: os.release(),
        version: typeof os.version === 'function' ? os.version() : undefined,
        arch: process.arch,
      },
      memoryMiB: Math.round(os.totalmem() / 1048576),
    },
    null,
    2,
  );
}

/** Ask the engine for its report, then zip it with the log and the app's versions. Returns the zip's path. */
export async function saveAppReport(opts: SaveReportOptions): Promise<{ path: string }> {
  const now = (opts.now ?? Date.now)();
  // The engine's zip is replaced by this richer one (same name): its report.json, plus the app's files.
  const saved = await opts.engine.call('saveReport', {});
  const engineReport = saved.json ?? saved.path;
  const reportText = await readTail(engineReport);
  if (reportText === '') throw new RescueError('HOST_IO', `The report ${engineReport} could not be read back.`);
  const logText = opts.logFile ? await readTail(opts.logFile) : '';
  const enc = (s: string): Uint8Array => Buffer.from(maskImeisInLine(s), 'utf8');
  const zipPath = engineReport.replace(/\.json$/i, '') + '.zip';
  try {
    await writeZip(zipPath, [
      { name: 'report.json', data: enc(reportText) },
      { name: 'run.log', data: enc(logText || '(no log for this run)\n') },
      { name: 'system.json', data: enc(systemInfo(opts.app, now)) },
    ]);
  } catch (e) {
    throw new RescueError(
      'HOST_IO',
      `Writing ${path.basename(zipPath)} failed (${e instanceof Error ? e.message : String(e)}).`,
      { cause: e },
    );
  }
  return { path: zipPath };
}
