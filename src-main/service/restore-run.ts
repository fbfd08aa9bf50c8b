// The wizard's calibration restore: flows/restore.ts with the choices the Finish step stands for.
// The file is this module's own backup, taken before the flash, so the firmware may differ (the
// model may not), RF calibration (rfnv) is the point and is written, identity items (IMEI, ESN,
// MEID, SPC) are never written from here. A dry run first; the real run takes a fresh backup,
// writes only what differs and reads every item back.

import type { RestoreView } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { restoreQcn } from '../flows/restore.js';
import type { PipeOpener } from '../transport/transport.js';

export interface RestoreRunOptions {
  dm: PipeOpener;
  file: string;
  dryRun: boolean;
  /** Where the backup of the current state goes before anything is written. */
  backupDir: string;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  nvRange?: [number, number];
}

/** Changes listed in a view at most (the counts stay exact). */
const MAX_LISTED = 200;

export async function runRestore(opts: RestoreRunOptions): Promise<RestoreView> {
  if (typeof opts.file !== 'string' || opts.file.trim() === '')
    throw new RescueError('USAGE', 'Choose the QCN backup to restore from.');
  const r = await restoreQcn({
    dm: opts.dm,
    file: opts.file,
    dryRun: opts.dryRun,
    items: ['rfnv'],
    allowOtherFirmware: true,
    backupDir: opts.backupDir,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.nvRange ? { nvRange: opts.nvRange } : {}),
  });
  const said = (p: { label: string; reason: string }): string => `${p.label}: ${p.reason}`;
  return {
    dryRun: opts.dryRun,
    outcome: r.outcome,
    write: r.diff.write.slice(0, MAX_LISTED).map((c) => c.label),
    skipped: r.diff.skipped.slice(0, MAX_LISTED).map((c) => c.label),
    invalid: r.diff.invalid.slice(0, MAX_LISTED).map(said),
    same: r.diff.same,
    written: r.written,
    verified: r.verified,
    refused: r.refused.slice(0, MAX_LISTED).map(said),
    failed: r.failed.slice(0, MAX_LISTED).map(said),
    ...(r.freshBackup ? { freshBackup: r.freshBackup } : {}),
  };
}
