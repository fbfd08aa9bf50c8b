// The wizard's firmware snapshot: where it goes (beside the QCN backup), what it costs, whether it
// is on by default (the module was seen running its firmware, so there is something to go back
// to), and its view for the Flash and Finish steps.

import path from 'node:path';
import type { SnapshotPlanView, SnapshotView } from '../../shared/api.js';
import type { SnapshotManifest } from '../flows/snapshot-manifest.js';
import { snapshotBytes } from '../flows/snapshot.js';
import type { FirmwarePackage } from '../package/load.js';

/**
 * The pace assumed for the estimate: a real EC25 reads its NAND over USB 2.0 at about the pace it
 * is flashed (DEMO_LINK_BYTES_PER_SECOND models the same module), and the programmer's digest of
 * each range costs little more. An estimate, said as "about".
 */
export const SNAPSHOT_ESTIMATE_BYTES_PER_SECOND = 2_000_000;

/** A new folder beside the QCN backup (or in the backup folder): firmware-snapshot-<date>. */
export function snapshotFolder(backupFolder: string, backupPath: string | undefined, now: number): string {
  const base = backupPath ? path.dirname(backupPath) : backupFolder;
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  return path.join(base, `firmware-snapshot-${stamp}`);
}

export function snapshotPlanView(
  pkg: FirmwarePackage,
  seenRunning: boolean,
  folder: string,
  demo = false,
): SnapshotPlanView {
  const bytes = snapshotBytes(pkg.plan);
  const seconds = Math.ceil(bytes / SNAPSHOT_ESTIMATE_BYTES_PER_SECOND);
  // The demo module's link runs at a real module's pace: a snapshot of whole partitions would
  // double a demo flash, so there it is offered, not taken by default.
  const recommended = seenRunning && !demo;
  return {
    recommended,
    reason: demo
      ? `The demo module's link is as slow as a real module's: a snapshot takes about ${seconds} s. Tick it to try "Undo this upgrade" afterwards.`
      : seenRunning
        ? 'The modem was seen running its firmware: a snapshot lets you go back to it if the new one does not suit.'
        : 'The modem was not seen running a firmware (it may have none that works): a snapshot would save little of use.',
    bytes,
    seconds,
    folder,
  };
}

export function snapshotView(dir: string, m: SnapshotManifest): SnapshotView {
  return {
    path: dir,
    ...(m.module.firmware !== undefined ? { firmware: m.module.firmware } : {}),
    createdAt: m.createdAt,
    bytesOnDisk: m.bytesOnDisk,
  };
}
