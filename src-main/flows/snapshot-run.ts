// Taking a firmware snapshot: as the hook of a flash (`flash --snapshot DIR`, the wizard), in the
// same EDL session after the pre-erase checks and before the first erase; or on its own
// (`modem-rescue snapshot`), through the same connection and recovery ladder as a flash
// (FlashRun.connect/recover) but with no erase or write at all.

import { toErrorReport } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { assertFlashable, loadPackage } from '../package/load.js';
import { readProgrammer } from '../package/programmer.js';
import { throwIfAborted } from '../util/deadline.js';
import { FlashRun, type BeforeEraseContext, type FlashOptions } from './flash-run.js';
import { ResumeJournal } from './resume-journal.js';
import { takeSnapshot, type SnapshotOptions, type SnapshotOutcome } from './snapshot.js';

/** A beforeErase hook that takes the snapshot, and what it did once it ran. */
export function snapshotBeforeErase(opts: SnapshotOptions): {
  hook: (ctx: BeforeEraseContext) => Promise<void>;
  outcome: () => SnapshotOutcome | undefined;
} {
  let outcome: SnapshotOutcome | undefined;
  return {
    hook: async (ctx) => {
      outcome = await takeSnapshot(ctx, opts);
    },
    outcome: () => outcome,
  };
}

export interface SnapshotModuleOptions extends Omit<
  FlashOptions,
  'beforeErase' | 'verify' | 'journalDir' | 'applyFilePatches'
> {
  /** Where to write the snapshot. */
  dir: string;
  model?: string;
  firmware?: string;
}

/**
 * Snapshot, on its own, every range `package` would erase or program; restart the modem after it
 * unless reset is false. Emits a final {type:'result'} event in both outcomes.
 */
export async function snapshotModule(opts: SnapshotModuleOptions): Promise<SnapshotOutcome> {
  const started = performance.now();
  const emit: EventSink = opts.onEvent ?? (() => {});
  const seconds = (): number => (performance.now() - started) / 1000;
  const owned = typeof opts.package === 'string';
  try {
    emit({ type: 'phase', phase: 'package', message: 'Checking the firmware package' });
    const pkg =
      typeof opts.package === 'string'
        ? await loadPackage(opts.package, { signal: opts.signal, verifyMd5: opts.verifyMd5 ?? true })
        : opts.package;
    try {
      assertFlashable(pkg);
      const programmer = await readProgrammer(pkg.programmerPath, opts.signal);
      const snap = snapshotBeforeErase({
        dir: opts.dir,
        signal: opts.signal,
        onEvent: emit,
        ...(opts.model !== undefined ? { model: opts.model } : {}),
        ...(opts.firmware !== undefined ? { firmware: opts.firmware } : {}),
      });
      const bytes = new Uint8Array(programmer.buffer, programmer.byteOffset, programmer.byteLength);
      const run = new FlashRun(pkg, bytes, ResumeJournal.inMemory(), { ...opts, beforeErase: snap.hook }, emit);
      try {
        const session = await connectWithRecovery(run, opts.signal);
        if (opts.reset !== false) {
          emit({ type: 'phase', phase: 'reset', message: 'Restarting the modem' });
          await session.power('reset');
        }
      } finally {
        await run.close();
      }
      const out = snap.outcome()!;
      emit({
        type: 'result',
        ok: true,
        seconds: seconds(),
        bytes: out.manifest.bytesOnDisk,
        summary: `Snapshot ${out.status}: ${out.manifest.partitions.length} ranges, ${(out.manifest.bytesRead / 1048576).toFixed(1)} MiB read, ${(out.manifest.bytesOnDisk / 1048576).toFixed(1)} MiB on disk, in ${out.dir}`,
      });
      return out;
    } finally {
      if (owned) await pkg.dispose();
    }
  } catch (e) {
    emit({ type: 'result', ok: false, seconds: seconds(), error: toErrorReport(e) });
    throw e;
  }
}

/** Connect (the hook runs there) and climb the recovery ladder on what it can recover. */
async function connectWithRecovery(run: FlashRun, signal: AbortSignal | undefined) {
  for (;;) {
    try {
      throwIfAborted(signal);
      return await run.connect();
    } catch (e) {
      await run.recover(e);
    }
  }
}
