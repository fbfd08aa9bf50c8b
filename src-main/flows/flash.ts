// Flash a firmware package onto a modem in EDL: package checks -> connect -> Sahara (programmer
// upload) -> Firehose (configure) -> the plan's erases, programs (SBL last), DISK patches ->
// verification -> reset. Phases are explicit and every step reports progress; every wait is
// bounded by the layers below. A failure climbs the recovery ladder (recovery.ts) and the run
// resumes after the partitions already verified (resume-journal.ts), within a bounded number of
// recoveries.

import { RescueError, toErrorReport } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { assertFlashable, loadPackage, type FirmwarePackage } from '../package/load.js';
import type { PlanStep } from '../package/plan.js';
import { openImageSource } from '../package/image-source.js';
import { readProgrammer } from '../package/programmer.js';
import { PipeReader } from '../transport/pipe-reader.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { throwIfAborted } from '../util/deadline.js';
import { FirehoseSession, type FirehoseAddress, type FirehoseTimeouts } from './firehose-host.js';
import { ProgressTracker } from './progress.js';
import { classify, climbLadder, DEFAULT_RECOVERY, needsPowerCycle, type Link, type RecoveryOptions } from './recovery.js';
import { packageIdentity, ResumeJournal } from './resume-journal.js';
import { saharaUpload } from './sahara-host.js';
import { HashingSource, hashPadded, verifyOnDevice, type VerifyMethod } from './verify.js';

export interface FlashOptions {
  /** Firmware folder or .zip, or an already loaded package (the caller then disposes it). */
  package: string | FirmwarePackage;
  opener: PipeOpener;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** Check every programmed partition after writing (digest, or read-back). Default true. */
  verify?: boolean;
  /** Payload size to ask the programmer for; it renegotiates down (and up to what it supports). */
  maxPayload?: number;
  /** How long to wait for the modem to appear in EDL. */
  openTimeoutMs?: number;
  helloTimeoutMs?: number;
  /** Each later Sahara packet (default 10 s). */
  saharaPacketTimeoutMs?: number;
  timeouts?: Partial<FirehoseTimeouts>;
  /** Send <power value="reset"/> at the end. Default true. */
  reset?: boolean;
  /** Check md5.txt (default true). */
  verifyMd5?: boolean;
  /**
   * Folder of the resume journal: partitions verified by an interrupted run are not written again.
   * Without it, a run still resumes within itself after a recovery, but the next run starts over.
   */
  journalDir?: string;
  /** Recovery ladder limits (tests use short ones); maxAttempts 0 turns recovery off. */
  recovery?: Partial<RecoveryOptions>;
}

/** How a partition was checked: by the device's digest, a read-back, not at all, or in an earlier run (journal). */
export type PartitionCheckMethod = VerifyMethod | 'not verified' | 'earlier run';

export interface FlashResult {
  seconds: number;
  bytesWritten: number;
  stepsDone: number;
  verified: 'digest' | 'read-back' | 'mixed' | 'skipped';
  programmerSkipped: boolean;
  /** Every programmed partition, in plan order, with how it was checked. */
  partitions: { label: string; method: PartitionCheckMethod }[];
  /** Rungs of the recovery ladder climbed (retries included). */
  recoveries: number;
  /** Partitions not written again because an earlier run had written and verified them. */
  resumed: string[];
}

/** Run a flash; emits a final {type:'result'} event in both outcomes and rethrows failures. */
export async function flashPackage(opts: FlashOptions): Promise<FlashResult> {
  const started = performance.now();
  const emit: EventSink = opts.onEvent ?? (() => {});
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const result = await runFlash(opts, emit, seconds);
    const checks = result.partitions.map((p) => `${p.label}: ${p.method}`).join(', ');
    const extra = `${result.recoveries > 0 ? `, ${result.recoveries} recoveries` : ''}${result.resumed.length > 0 ? `, ${result.resumed.length} partitions kept from an earlier run` : ''}`;
    emit({ type: 'result', ok: true, seconds: result.seconds, bytes: result.bytesWritten, summary: `${result.stepsDone} steps, ${(result.bytesWritten / 1048576).toFixed(1)} MiB written, verification: ${result.verified} (${checks})${extra}` });
    return result;
  } catch (e) {
    emit({ type: 'result', ok: false, seconds: seconds(), error: toErrorReport(e) });
    throw e;
  }
}

const CHIP_SERIAL = /chip serial num:\s*(\d+)/i;

async function runFlash(opts: FlashOptions, emit: EventSink, seconds: () => number): Promise<FlashResult> {
  const { signal } = opts;
  const log = (message: string, level: 'info' | 'warn' = 'info'): void => emit({ type: 'log', level, message });
  const recovery = (action: string, message: string): void => emit({ type: 'recovery', action, message });

  emit({ type: 'phase', phase: 'package', message: 'Checking the firmware package' });
  const owned = typeof opts.package === 'string';
  const pkg = typeof opts.package === 'string' ? await loadPackage(opts.package, { signal, verifyMd5: opts.verifyMd5 ?? true }) : opts.package;
  let link: Link | undefined;
  try {
    assertFlashable(pkg);
    for (const w of pkg.warnings) log(w, 'warn');
    log(`Package ${pkg.version ?? pkg.root}: ${pkg.rawprogramPath} (${pkg.rawprogramReason})`);
    const programmer = await readProgrammer(pkg.programmerPath, signal);
    const programmerBytes = new Uint8Array(programmer.buffer, programmer.byteOffset, programmer.byteLength);
    const journal = opts.journalDir !== undefined ? await ResumeJournal.open(opts.journalDir, await packageIdentity(pkg)) : ResumeJournal.inMemory();
    if (journal.setAside) log(`The resume journal was not used: ${journal.setAside}.`, 'warn');
    if (journal.verified.length > 0) log(`Resume journal: ${journal.verified.length} partitions were written and verified by an earlier run (${journal.verified.map((v) => v.label).join(', ')}); they are checked on the modem before being skipped.`);
    const rec: RecoveryOptions = { ...DEFAULT_RECOVERY, ...opts.recovery };
    const verify = opts.verify ?? true;
    const checks = new Map<number, PartitionCheckMethod>();
    const resumed: string[] = [];
    let bytesWritten = 0;
    let stepsDone = 0;
    let programmerSkipped = false;
    let recoveries = 0;
    let session: FirehoseSession | undefined;
    let needSahara = true;
    let journalChecked = false;
    let steps: PlanStep[] | undefined;
    let pos = 0;
    let progress: ProgressTracker | undefined;
    let numDiskBlocks: number | undefined;
    /** Set by a ladder that reopened without seeing the modem leave the bus: it may be hung. */
    let suspectHung: unknown;
    let connecting = false;

    const startProgrammer = async (l: Link): Promise<FirehoseSession> => {
      emit({ type: 'phase', phase: 'sahara', message: 'Uploading the programmer (Sahara)' });
      const sahara = await saharaUpload(l.reader, programmerBytes, { signal, onEvent: emit, ...(opts.helloTimeoutMs !== undefined ? { helloTimeoutMs: opts.helloTimeoutMs } : {}), ...(opts.saharaPacketTimeoutMs !== undefined ? { packetTimeoutMs: opts.saharaPacketTimeoutMs } : {}) });
      const skipped = sahara.kind === 'firehose-running';
      if (skipped) log('A programmer is already running on the modem; skipping the upload.');
      if (stepsDone === 0) programmerSkipped = skipped;
      emit({ type: 'phase', phase: 'firehose', message: 'Talking to the programmer (Firehose)' });
      const s = new FirehoseSession(l.reader, { signal, onEvent: emit, ...(opts.timeouts ? { timeouts: opts.timeouts } : {}) });
      if (!skipped) {
        const lines = await s.drainStartup();
        const serial = lines.map((x) => CHIP_SERIAL.exec(x)?.[1]).find((x) => x !== undefined);
        if (await journal.bindDevice(serial)) log(`The resume journal was written for another modem; this one (serial ${serial}) is flashed from the start.`, 'warn');
      }
      return s;
    };
    const configure = async (s: FirehoseSession, pipe: BulkPipe): Promise<void> => {
      const config = await s.configure({ memoryName: 'nand', maxPayloadToTarget: opts.maxPayload ?? 1024 * 1024, zlpAwareHost: pipe.needsZlp });
      log(`Programmer configured: ${config.maxPayloadToTarget}-byte payloads, target ${config.targetName ?? 'unknown'}`);
      const storage = await s.storageInfo();
      numDiskBlocks = typeof storage?.total_blocks === 'number' ? storage.total_blocks : undefined;
    };

    const runStep = async (s: FirehoseSession, step: PlanStep): Promise<void> => {
      const stepStart = performance.now();
      const bytes = step.operation === 'program' ? paddedBytes(step) : 0;
      emit({ type: 'step-start', index: step.index, total: pkg.plan.length, operation: step.operation, label: step.label, bytes });
      if (step.operation === 'erase') {
        emit({ type: 'phase', phase: 'erase', message: `Erasing ${step.label}` });
        await s.erase(address(step));
      } else if (step.operation === 'program') {
        emit({ type: 'phase', phase: 'program', message: `Writing ${step.label}` });
        const image = await openImageSource(step.path!, step.file_patches ?? [], numDiskBlocks !== undefined ? { numDiskBlocks } : {});
        try {
          // Hash what is sent while sending it, so verification reads the image only once.
          const hashing = verify ? new HashingSource(image) : undefined;
          progress?.startStep(step.index, bytes);
          await s.program(address(step), hashing ?? image, (done) => progress?.update(done));
          bytesWritten += bytes;
          if (hashing) {
            emit({ type: 'phase', phase: 'verify', message: `Verifying ${step.label}` });
            const expected = (await hashing.digest(bytes)) ?? (await hashPadded(image, bytes, signal));
            const method = await verifyOnDevice(s, { ...address(step), numSectors: bytes / step.sector_size }, expected);
            checks.set(step.index, method);
            await journal.record(step, expected, method);
          } else checks.set(step.index, 'not verified');
        } finally {
          await image.close();
        }
      } else if (step.operation === 'patch') {
        emit({ type: 'phase', phase: 'patch', message: `Patching ${step.label}` });
        const p = step.disk_patch!;
        await s.patchDisk({ sectorSize: step.sector_size, byteOffset: p.byteOffset, physicalPartition: step.physical_partition, sizeInBytes: p.sizeInBytes, startSector: String(step.start_sector), value: p.value, what: p.what });
      } else if (step.operation === 'reset') {
        if (opts.reset === false) {
          log('Not resetting the modem (asked not to).');
        } else {
          emit({ type: 'phase', phase: 'reset', message: 'Restarting the modem' });
          await s.power('reset');
        }
      }
      stepsDone++;
      emit({ type: 'step-done', index: step.index, operation: step.operation, label: step.label, seconds: (performance.now() - stepStart) / 1000 });
    };

    /** Partitions the journal holds are checked on this modem once per run; a mismatch is written again. */
    const checkJournal = async (s: FirehoseSession): Promise<void> => {
      for (const step of pkg.plan) {
        const v = journal.verifiedFor(step);
        if (!v) continue;
        try {
          await verifyOnDevice(s, { ...address(step), numSectors: paddedBytes(step) / step.sector_size }, v.sha256);
        } catch (e) {
          if (!(e instanceof RescueError) || e.code !== 'VERIFY_MISMATCH') throw e;
          journal.forget(step);
          log(`${step.label} no longer holds what an earlier run wrote; it is written again.`, 'warn');
        }
      }
      await journal.save();
    };

    for (;;) {
      try {
        throwIfAborted(signal);
        if (!link) {
          emit({ type: 'phase', phase: 'connect', message: `Waiting for ${opts.opener.description}` });
          const pipe = await opts.opener.open({ timeoutMs: opts.openTimeoutMs ?? 30_000, signal, what: 'the modem in EDL mode' });
          log(`Connected to ${pipe.name}`);
          link = { pipe, reader: new PipeReader(pipe) };
          needSahara = true;
        }
        if (!session || needSahara) {
          connecting = true;
          session = await startProgrammer(link);
          needSahara = false;
          await configure(session, link.pipe);
          connecting = false;
          suspectHung = undefined;
        }
        if (!steps) {
          if (!journalChecked && journal.verified.length > 0) await checkJournal(session);
          journalChecked = true;
          steps = pkg.plan.filter((st) => !journal.canSkip(st, pkg.plan));
          for (const st of pkg.plan) {
            if (st.operation === 'program' && journal.verifiedFor(st) && !checks.has(st.index)) {
              checks.set(st.index, 'earlier run');
              resumed.push(st.label);
            }
          }
          pos = 0;
          const todo = steps.filter((st) => st.operation === 'program').reduce((n, st) => n + paddedBytes(st), 0);
          progress = new ProgressTracker(todo, emit);
          const skipped = pkg.plan.length - steps.length;
          if (skipped > 0) log(`Resuming: ${skipped} of ${pkg.plan.length} steps are already done and verified; SBL is written again, last.`);
        }
        for (; pos < steps.length; pos++) {
          throwIfAborted(signal);
          await runStep(session, steps[pos]!);
        }
        break;
      } catch (e) {
        const verdict = classify(e);
        if (verdict === 'fatal' || signal?.aborted) throw e;
        if (connecting && suspectHung !== undefined) throw needsPowerCycle(suspectHung, 'the modem neither answers nor restarted by itself after a reset request');
        if (recoveries >= rec.maxAttempts) throw rec.maxAttempts === 0 ? e : needsPowerCycle(e, `${recoveries} recoveries were tried in this run`);
        recoveries++;
        const step = steps?.[pos];
        const what = e instanceof Error ? e.message : String(e);
        if (verdict === 'retry-step' && step) {
          recovery('retry', `${what} The programmer discarded the data: sending ${step.label} again (recovery ${recoveries} of ${rec.maxAttempts}).`);
          continue;
        }
        steps = undefined;
        if (verdict === 'resume' || (verdict === 'retry-step' && link && session)) {
          recovery('resume', `${what} Erasing and writing again every partition not verified (recovery ${recoveries} of ${rec.maxAttempts}).`);
          continue;
        }
        recovery('ladder', `${what} Trying to recover (recovery ${recoveries} of ${rec.maxAttempts}).`);
        const known = session ? [...session.functions] : [];
        const maxPendingBytes = Math.max(0, ...pkg.plan.filter((st) => st.operation === 'program').map(paddedBytes));
        const out = await climbLadder(link, e, { opener: opts.opener, options: rec, emit, maxPendingBytes, ...(signal ? { signal } : {}), ...(opts.timeouts ? { timeouts: opts.timeouts } : {}) });
        link = out.link;
        connecting = false;
        if (out.kind === 'alive') {
          session = out.session;
          session.adoptFunctions(known);
          needSahara = false;
          connecting = true;
          await configure(session, link.pipe).catch((ce: unknown) => {
            throw classify(ce) === 'fatal' ? ce : needsPowerCycle(e, `the programmer answers but could not be configured again (${ce instanceof Error ? ce.message : String(ce)})`);
          });
          connecting = false;
        } else {
          needSahara = true;
          suspectHung = out.droppedOff ? undefined : e;
        }
        recovery('resume', 'Resuming after the partitions already written and verified; SBL is written again, last.');
      }
    }
    await journal.clear();
    emit({ type: 'phase', phase: 'done', message: 'Flash complete' });
    const methods = new Set([...checks.values()]);
    const verified = !verify ? 'skipped' : methods.has('digest') && methods.has('read-back') ? 'mixed' : methods.has('read-back') ? 'read-back' : 'digest';
    const partitions = pkg.plan.filter((st) => st.operation === 'program').map((st) => ({ label: st.label, method: checks.get(st.index) ?? (verify ? 'earlier run' : 'not verified') }));
    return { seconds: seconds(), bytesWritten, stepsDone, verified, programmerSkipped, partitions, recoveries, resumed };
  } finally {
    await link?.pipe.close().catch(() => {});
    if (owned) await pkg.dispose();
  }
}

/** Bytes actually sent for a program step: the file rounded up to whole sectors. */
export function paddedBytes(step: PlanStep): number {
  return Math.ceil(step.bytes / step.sector_size) * step.sector_size;
}

function address(step: PlanStep): FirehoseAddress {
  return {
    sectorSize: step.sector_size,
    pagesPerBlock: step.pages_per_block,
    physicalPartition: step.physical_partition,
    startSector: step.start_sector,
    numSectors: step.num_sectors,
    label: step.label,
    ...(step.filename ? { filename: step.filename } : {}),
  };
}
