// The "Save report" JSON: device state history, app and OS versions, the last plan and its
// events, the last backup and finish, with every IMEI masked. Written atomically.

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupView, DeviceState, FinishView, PackageView } from '../../shared/api.js';
import { maskImei } from '../../shared/api.js';
import type { EngineEvent } from '../../shared/events.js';
import { writeFileAtomic } from '../util/atomic-file.js';

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
  return text.replace(/(?<!\d)\d{14,17}(?!\d)/g, (m) => maskImei(m));
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

export function stamp(now: number): string {
  return new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
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
  const file = path.join(dir, `report-${stamp(input.now)}.json`);
  await writeFileAtomic(file, `${JSON.stringify(maskImeisDeep(report), null, 2)}\n`);
  return file;
}
