// The "Save report" JSON: device state history, app and OS versions, the last plan and its
// events, the last backup and finish, with every IMEI masked. Written atomically, then zipped
// with the events as a readable log (events.log): the file a person sends, from either front end
// (the desktop app adds its own run log and system facts to the same zip: app/report.ts).

import { fileStamp } from '../flows/backup-name.js';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupView, DeviceState, FinishView, PackageView } from '../../shared/api.js';
import { maskImeisInText } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { readInputFile } from '../util/input-file.js';
import { buildZip, writeZip } from '../util/zip-writer.js';

export interface ReportInput {
  devices: DeviceState[];
  plan?: { packagePath: string; view: PackageView };
  events: EngineEvent[];
  backup?: BackupView;
  finish?: FinishView;
  appVersion: string;
  now: number;
}

/** Every 14-17 digit run (an IMEI, with or without its check digit, or an IMEISV) masked. */
export function maskImeisIn(text: string): string {
  return maskImeisInText(text);
}

/** A copy of value with maskImeisIn applied to every string in it (numbers are left alone). */
export function maskImeisDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskImeisIn(value);
  if (Array.isArray(value)) return value.map(maskImeisDeep);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskImeisDeep(v)]));
  return value;
}

/** The app's version from package.json beside the sources or the build; "unknown" if unreadable. */
export async function readAppVersion(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    try {
      const text = await readFile(path.join(here, up, 'package.json'), 'utf8');
      const v = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (v.name === 'modem-rescue' && typeof v.version === 'string') return v.version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}

export async function writeReport(dir: string, input: ReportInput): Promise<string> {
  const report = {
    format: 'modem-rescue-report/1',
    createdAt: new Date(input.now).toISOString(),
    app: { name: 'modem-rescue', version: input.appVersion },
    os: { platform: process.platform, release: os.release(), arch: process.arch, node: process.versions.node },
    devices: input.devices,
    plan: input.plan ?? null,
    events: input.events,
    backup: input.backup ?? null,
    finish: input.finish ?? null,
  };
  const file = path.join(dir, `report-${fileStamp(input.now)}.json`);
  await writeFileAtomic(file, `${JSON.stringify(maskImeisDeep(report), null, 2)}\n`);
  return file;
}

/** The events as log lines a person can read ("HH:MM:SS" is not known per event: they are in order). */
export function eventLines(events: readonly EngineEvent[]): string[] {
  const lines: string[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'phase':
        lines.push(`[phase] ${e.phase}: ${e.message}`);
        break;
      case 'step-start':
        lines.push(`[step ${e.index + 1}/${e.total}] ${e.operation} ${e.label} (${e.bytes} bytes)`);
        break;
      case 'step-done':
        lines.push(`[step ${e.index + 1}] ${e.operation} ${e.label} done in ${e.seconds.toFixed(1)} s`);
        break;
      case 'log':
        lines.push(`[${e.level}] ${e.message}`);
        break;
      case 'recovery':
        lines.push(`[recovery] ${e.action}: ${e.message}`);
        break;
      case 'result':
        lines.push(e.ok ? `[result] ok: ${e.summary}` : `[result] failed: ${e.error.code}: ${e.error.message}`);
        break;
      default:
        break;
    }
  }
  return lines;
}

/** Largest report.json taken into the zip. */
const MAX_REPORT_JSON_BYTES = 64 * 1024 * 1024;

/** The report as a zip beside its JSON: report.json and events.log, IMEIs masked; read back to prove it. */
export async function writeReportZip(dir: string, input: ReportInput): Promise<{ path: string; json: string }> {
  const json = await writeReport(dir, input);
  const reportText = await readInputFile(json, { maxBytes: MAX_REPORT_JSON_BYTES, code: 'HOST_IO' });
  const log = `${eventLines(input.events).map(maskImeisIn).join('\n')}\n`;
  const entries = [
    { name: 'report.json', data: reportText },
    { name: 'events.log', data: Buffer.from(log, 'utf8') },
  ];
  const zip = json.replace(/\.json$/i, '') + '.zip';
  await writeZip(zip, entries);
  const back = await readInputFile(zip, { maxBytes: MAX_REPORT_JSON_BYTES * 2, code: 'HOST_IO' });
  if (!back.equals(Buffer.from(buildZip(entries))))
    throw new RescueError('HOST_IO', `The report ${zip} read back differently from what was written.`, {
      nextStep: 'Check the disk, then save the report again.',
    });
  return { path: zip, json };
}
