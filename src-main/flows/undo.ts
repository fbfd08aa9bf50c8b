// Undo: flash a firmware snapshot back through the same path as any package (flashPackage: the
// plan, the pre-erase checks, recovery, verification and the resume journal). Refused before the
// modem is touched when the snapshot is incomplete, and before the first erase when the module in
// EDL is not the one the snapshot was taken from (its chip serial), unless forced.

import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { flashPackage } from './flash.js';
import type { BeforeEraseContext, FlashOptions, FlashResult } from './flash-run.js';
import { normalSerial, type SnapshotManifest } from './snapshot-manifest.js';
import { readSnapshotManifest } from './snapshot.js';

export interface UndoOptions extends Omit<FlashOptions, 'package' | 'beforeErase'> {
  /** The snapshot folder. */
  snapshot: string;
  /** Flash it even on a module whose serial differs from (or cannot be compared with) the snapshot's. */
  force?: boolean;
}

export interface UndoResult extends FlashResult {
  manifest: SnapshotManifest;
}

/** A complete snapshot's manifest, or SNAPSHOT_INCOMPLETE / SNAPSHOT_BAD. */
export async function completeSnapshot(dir: string): Promise<SnapshotManifest> {
  const m = await readSnapshotManifest(dir);
  if (!m.complete)
    throw new RescueError(
      'SNAPSHOT_INCOMPLETE',
      `${dir} was started on ${m.createdAt} but stopped after ${m.partitions.length} ranges; it was never marked complete.`,
    );
  return m;
}

/** The module check before the first erase. */
export function checkSameModule(m: SnapshotManifest, ctx: BeforeEraseContext, force: boolean, emit: EventSink): void {
  const then = normalSerial(m.module.serial);
  const now = normalSerial(ctx.serial);
  let problem: string | undefined;
  if (then === undefined) problem = 'The snapshot does not record which module it was taken from.';
  else if (now === undefined)
    problem = `The programmer did not report this module's serial (it was already running), so it cannot be compared with the snapshot's (${then}). Power-cycle the modem back into EDL so the programmer starts afresh.`;
  else if (then !== now) problem = `The snapshot is of module ${then}; the modem connected is ${now}.`;
  if (problem === undefined) {
    emit({ type: 'log', level: 'info', message: `Snapshot and module match (serial ${now}).` });
    return;
  }
  if (!force) throw new RescueError('SNAPSHOT_OTHER_MODULE', `${problem} Nothing was erased.`);
  emit({ type: 'log', level: 'warn', message: `${problem} Flashing it anyway (forced).` });
}

export async function undoSnapshot(opts: UndoOptions): Promise<UndoResult> {
  const emit: EventSink = opts.onEvent ?? (() => {});
  const manifest = await completeSnapshot(opts.snapshot);
  emit({
    type: 'log',
    level: 'info',
    message: `Undo: putting back the firmware snapshot of ${manifest.createdAt}${manifest.module.firmware ? ` (${manifest.module.firmware})` : ''}.`,
  });
  const { snapshot, force, ...flash } = opts;
  const result = await flashPackage({
    ...flash,
    package: snapshot,
    beforeErase: (ctx) => Promise.resolve(checkSameModule(manifest, ctx, force === true, emit)),
  });
  return { ...result, manifest };
}
