// Flash a firmware package onto a modem in EDL: package checks -> connect -> Sahara (programmer
// upload) -> Firehose (configure) -> the pre-erase checks (preflight.ts) -> the plan's erases,
// programs (SBL last), DISK patches -> verification -> reset. This file loads the package and the
// resume journal and reports the outcome; FlashRun (flash-run.ts) runs the steps. Every wait is
// bounded by the layers below. A failure climbs the recovery ladder (recovery.ts) and the run
// resumes after the partitions already verified (resume-journal.ts), within a bounded number of
// recoveries.

import { toErrorReport } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { assertFlashable, FILE_PATCHES_NOT_APPLIED, loadPackage } from '../package/load.js';
import { readProgrammer } from '../package/programmer.js';
import { FlashRun, type FlashOptions, type FlashResult } from './flash-run.js';
import { packageIdentity, ResumeJournal } from './resume-journal.js';

export { paddedBytes, type FlashOptions, type FlashResult, type PartitionCheckMethod } from './flash-run.js';

export interface FlashPackageOptions extends FlashOptions {
  /**
   * Open the resume journal otherwise than from journalDir (flash-many.ts: each module its own,
   * chosen by its chip serial); given the package identity.
   */
  openJournal?: (packageId: string) => Promise<ResumeJournal>;
}

/** Run a flash; emits a final {type:'result'} event in both outcomes and rethrows failures. */
export async function flashPackage(opts: FlashPackageOptions): Promise<FlashResult> {
  const started = performance.now();
  const emit: EventSink = opts.onEvent ?? (() => {});
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const result = await runFlash(opts, emit, started);
    const unchanged = result.partitions.filter((p) => p.method === 'unchanged (digest)').length;
    const checks = result.partitions.map((p) => `${p.label}: ${p.method}`).join(', ');
    const extra = [
      result.recoveries > 0 ? `, ${result.recoveries} recoveries` : '',
      result.powerCycles > 0 ? `, ${result.powerCycles} power cycles` : '',
      result.resumed.length > 0 ? `, ${result.resumed.length} partitions kept from an earlier run` : '',
      unchanged > 0 ? `, ${unchanged} partitions already held the image (not erased or written)` : '',
    ].join('');
    emit({
      type: 'result',
      ok: true,
      seconds: result.seconds,
      bytes: result.bytesWritten,
      summary: `${result.stepsDone} steps, ${(result.bytesWritten / 1048576).toFixed(1)} MiB written, verification: ${result.verified} (${checks})${extra}`,
    });
    return result;
  } catch (e) {
    emit({ type: 'result', ok: false, seconds: seconds(), error: toErrorReport(e) });
    throw e;
  }
}

async function runFlash(opts: FlashPackageOptions, emit: EventSink, started: number): Promise<FlashResult> {
  const { signal } = opts;
  const log = (message: string, level: 'info' | 'warn' = 'info'): void => emit({ type: 'log', level, message });
  emit({ type: 'phase', phase: 'package', message: 'Checking the firmware package' });
  const owned = typeof opts.package === 'string';
  const pkg =
    typeof opts.package === 'string'
      ? await loadPackage(opts.package, {
          signal,
          verifyMd5: opts.verifyMd5 ?? true,
          applyFilePatches: opts.applyFilePatches === true,
        })
      : opts.package;
  try {
    assertFlashable(pkg);
    for (const w of pkg.warnings) log(w, 'warn');
    log(`Package ${pkg.version ?? pkg.root}: ${pkg.rawprogramPath} (${pkg.rawprogramReason})`);
    const skippedPatches = pkg.filePatches.filter((p) => !p.applied);
    if (skippedPatches.length > 0)
      log(
        `${skippedPatches.length} file patches of the patch XML (${skippedPatches
          .map((p) => p.file)
          .filter((f, i, all) => all.indexOf(f) === i)
          .join(', ')}) are ${FILE_PATCHES_NOT_APPLIED}.`,
      );
    const programmer = await readProgrammer(pkg.programmerPath, signal);
    const programmerBytes = new Uint8Array(programmer.buffer, programmer.byteOffset, programmer.byteLength);
    const journal = opts.openJournal
      ? await opts.openJournal(await packageIdentity(pkg))
      : opts.journalDir !== undefined
        ? await ResumeJournal.open(opts.journalDir, await packageIdentity(pkg))
        : ResumeJournal.inMemory();
    if (journal.setAside) log(`The resume journal was not used: ${journal.setAside}.`, 'warn');
    if (journal.verified.length > 0)
      log(
        `Resume journal: ${journal.verified.length} partitions were written and verified by an earlier run (${journal.verified.map((v) => v.label).join(', ')}); they are checked on the modem before being skipped.`,
      );
    return await new FlashRun(pkg, programmerBytes, journal, opts, emit, started).run();
  } finally {
    if (owned) await pkg.dispose();
  }
}
