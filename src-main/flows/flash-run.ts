// One flash of one package onto one modem, as an object with explicit state: connect (open the
// pipe, Sahara, Firehose, configure and, once, the pre-erase checks), runStep (one switch over the
// plan's operations, as qdl's firehose_run does), recover (the ladder) and finish (the result).
// run() drives them; flash.ts loads the package and the journal and reports the outcome.

import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import type { FirmwarePackage } from '../package/load.js';
import type { PlanStep } from '../package/plan.js';
import { openImageSource } from '../package/image-source.js';
import { PipeReader } from '../transport/pipe-reader.js';
import type { PowerSwitch } from '../transport/power-switch.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { throwIfAborted } from '../util/deadline.js';
import { FirehoseSession, type FirehoseAddress, type FirehoseTimeouts } from '../host/firehose-host.js';
import { preflight, type Preflight } from './preflight.js';
import { ProgressTracker } from './progress.js';
import {
  classify,
  climbLadder,
  DEFAULT_RECOVERY,
  drain,
  needsPowerCycle,
  PowerCycleNeededError,
  type Link,
  type RecoveryOptions,
} from './recovery.js';
import type { ResumeJournal } from './resume-journal.js';
import { saharaUpload } from '../host/sahara-host.js';
import { HashingSource, hashPadded, verifyOnDevice, type VerifyMethod } from './verify.js';
import { skipUnchanged } from './skip-unchanged.js';

const CHIP_SERIAL = /chip serial num:\s*(\d+)/i;

function describeOperation(op: PlanStep['operation']): string {
  return op === 'program' ? 'writing' : op === 'erase' ? 'erasing' : op === 'patch' ? 'patching' : 'restarting';
}

/** Bytes actually sent for a program step: the file rounded up to whole sectors. */
export function paddedBytes(step: PlanStep): number {
  return Math.ceil(step.bytes / step.sector_size) * step.sector_size;
}

export function address(step: PlanStep): FirehoseAddress {
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

export interface FlashOptions {
  /** Firmware folder or .zip, or an already loaded package (the caller then disposes it). */
  package: string | FirmwarePackage;
  opener: PipeOpener;
  signal?: AbortSignal | undefined;
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
  /**
   * A power switch the person consented to (a USB port's power, suspend and wake): when the ladder
   * cannot bring the programmer back, the run cuts the module's power, waits for it in EDL and
   * resumes. Without one, such a failure ends in an error that asks for the power cycle.
   */
  powerSwitch?: PowerSwitch;
  /** Power cycles allowed in one run (default 2: the user's story needed two suspends). */
  maxPowerCycles?: number;
  /**
   * Lay the patch XML's file patches (NUM_DISK_BLOCKS, CRC32) over the images, when the package is
   * loaded here. Off by default: QFirehose and edl write every file as shipped (see FILE_PATCHES_NOT_APPLIED).
   */
  applyFilePatches?: boolean;
  /**
   * Compare each partition (except SBL) with the package by the programmer's digest first and
   * skip erasing and writing those that already hold it (skip-unchanged.ts). Default true.
   */
  skipUnchanged?: boolean;
  /**
   * Runs once per run, after the pre-erase checks and before the first erase, on the configured
   * session (again after a recovery until it succeeds): the firmware snapshot, the undo's module check.
   */
  beforeErase?: (ctx: BeforeEraseContext) => Promise<void>;
}

export interface BeforeEraseContext {
  session: FirehoseSession;
  pkg: FirmwarePackage;
  /** The chip serial the programmer reported at startup, when it did. */
  serial: string | undefined;
  /** An earlier, interrupted run already wrote partitions of this plan (the resume journal says so). */
  resumed: boolean;
}

/**
 * How a partition was checked: by the device's digest, a read-back, not at all, in an earlier run
 * (journal), or found to hold the image already before erasing, and so not written.
 */
export type PartitionCheckMethod = VerifyMethod | 'not verified' | 'earlier run' | 'unchanged (digest)';

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
  /** Times the module's power was cut and the run resumed. */
  powerCycles: number;
  /** Partitions not written again because an earlier run had written and verified them. */
  resumed: string[];
}

export class FlashRun {
  private readonly rec: RecoveryOptions;
  private readonly verify: boolean;
  private readonly signal: AbortSignal | undefined;
  // The connection.
  private link: Link | undefined;
  private session: FirehoseSession | undefined;
  private needSahara = true;
  /** Set while connecting after a ladder that reopened without seeing the modem leave the bus: it may be hung. */
  private suspectHung: unknown;
  private connecting = false;
  // What the pre-erase checks found (once per run).
  private checked: Preflight | undefined;
  private prepared = false;
  private serial: string | undefined;
  // The plan still to run.
  private steps: PlanStep[] | undefined;
  private pos = 0;
  private progress: ProgressTracker | undefined;
  private journalChecked = false;
  /** Program steps found unchanged on the modem (not erased or written). */
  private unchanged: Set<number> | undefined;
  // The outcome so far.
  private readonly checks = new Map<number, PartitionCheckMethod>();
  private readonly resumed: string[] = [];
  private bytesWritten = 0;
  private stepsDone = 0;
  private programmerSkipped = false;
  private recoveries = 0;
  private powerCycles = 0;
  /** Recoveries over all power cycles (the ladder's budget starts again after each). */
  private recoveriesBefore = 0;
  /** Whether the run has erased or written anything on the modem yet. */
  private touched = false;
  /** What the run was doing when the failure that led to a power cycle began ("writing NON-HLOS.ubi"). */
  private failedDuring: string | undefined;

  constructor(
    private readonly pkg: FirmwarePackage,
    private readonly programmer: Uint8Array,
    private readonly journal: ResumeJournal,
    private readonly opts: FlashOptions,
    private readonly emit: EventSink,
    /** performance.now() when the flash began (package checks included). */
    private readonly started: number = performance.now(),
  ) {
    this.rec = { ...DEFAULT_RECOVERY, ...opts.recovery };
    this.verify = opts.verify ?? true;
    this.signal = opts.signal;
  }

  /** Connect, run every step, recover from what the ladder can recover; the result or the failure. */
  async run(): Promise<FlashResult> {
    try {
      for (;;) {
        try {
          throwIfAborted(this.signal);
          const session = await this.connect();
          await this.planRemaining(session);
          for (; this.pos < this.steps!.length; this.pos++) {
            throwIfAborted(this.signal);
            await this.runStep(session, this.steps![this.pos]!);
          }
          break;
        } catch (e) {
          await this.recoverOrPowerCycle(e);
        }
      }
      return await this.finish();
    } finally {
      await this.link?.pipe.close().catch(() => {});
    }
  }

  /** The pipe, the programmer and its configuration, as far as they are missing; the checks once. */
  async connect(): Promise<FirehoseSession> {
    if (!this.link) {
      this.emit({ type: 'phase', phase: 'connect', message: `Waiting for ${this.opts.opener.description}` });
      const pipe = await this.opts.opener.open({
        timeoutMs: this.opts.openTimeoutMs ?? 30_000,
        signal: this.signal,
        what: 'the modem in EDL mode',
      });
      this.log(`Connected to ${pipe.name}`);
      this.link = { pipe, reader: new PipeReader(pipe) };
      this.needSahara = true;
    }
    if (!this.session || this.needSahara) {
      this.connecting = true;
      this.session = await this.startProgrammer(this.link);
      this.needSahara = false;
      await this.configure(this.session, this.link.pipe);
      this.connecting = false;
      this.suspectHung = undefined;
    }
    if (!this.prepared && this.opts.beforeErase) {
      const resumed = this.journal.verified.length > 0;
      await this.opts.beforeErase({ session: this.session, pkg: this.pkg, serial: this.serial, resumed });
    }
    this.prepared = true;
    return this.session;
  }

  /** Close the pipe (run() does this itself; for callers that drive connect() and recover() alone). */
  async close(): Promise<void> {
    await this.link?.pipe.close().catch(() => {});
    this.link = undefined;
    this.session = undefined;
  }

  private async startProgrammer(l: Link): Promise<FirehoseSession> {
    const { signal, opts } = this;
    this.emit({ type: 'phase', phase: 'sahara', message: 'Uploading the programmer (Sahara)' });
    const sahara = await saharaUpload(l.reader, this.programmer, {
      signal,
      onEvent: this.emit,
      ...(opts.helloTimeoutMs !== undefined ? { helloTimeoutMs: opts.helloTimeoutMs } : {}),
      ...(opts.saharaPacketTimeoutMs !== undefined ? { packetTimeoutMs: opts.saharaPacketTimeoutMs } : {}),
    });
    const skipped = sahara.kind === 'firehose-running';
    if (skipped) {
      this.log('A programmer is already running on the modem; skipping the upload.');
      // What it said before this run asked anything answers an earlier host (a late program ACK
      // of a killed run): read as the answer to <configure>, it would configure nothing.
      const stale = await drain(l.reader, this.rec.drainQuietMs, this.rec.drainMaxMs, signal);
      if (stale.bytes > 0)
        this.log(`Discarded ${stale.bytes} bytes the programmer had sent before this run asked anything.`);
    }
    if (this.stepsDone === 0) this.programmerSkipped = skipped;
    this.emit({ type: 'phase', phase: 'firehose', message: 'Talking to the programmer (Firehose)' });
    const s = new FirehoseSession(l.reader, {
      signal,
      onEvent: this.emit,
      ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    });
    if (!skipped) {
      const lines = await s.drainStartup();
      const serial = lines.map((x) => CHIP_SERIAL.exec(x)?.[1]).find((x) => x !== undefined);
      if (serial !== undefined) this.serial = serial;
      if (await this.journal.bindDevice(serial))
        this.log(
          `The resume journal was written for another modem; this one (serial ${serial}) is flashed from the start.`,
          'warn',
        );
    }
    return s;
  }

  /** Configure; the first time, ask for the storage and run the pre-erase checks. */
  private async configure(s: FirehoseSession, pipe: BulkPipe): Promise<void> {
    const asked = this.opts.maxPayload ?? 1024 * 1024;
    const config = await s.configure({ memoryName: 'nand', maxPayloadToTarget: asked, zlpAwareHost: pipe.needsZlp });
    const size = config.maxPayloadToTarget;
    const sizeText = size % 1024 === 0 ? `${size / 1024} KiB` : `${size} bytes`;
    this.log(
      size < asked
        ? `The programmer takes ${sizeText} payloads; using ${sizeText} (target ${config.targetName ?? 'unknown'}).`
        : `Programmer configured: ${sizeText} payloads, target ${config.targetName ?? 'unknown'}.`,
    );
    if (this.checked) return;
    const storage = await s.storageInfo();
    const checked = preflight(
      {
        plan: this.pkg.plan,
        sectorSize: this.pkg.geometry.sectorSize,
        pagesPerBlock: this.pkg.geometry.pagesPerBlock,
        rawprogramName: this.pkg.rawprogramPath.split(/[\\/]/).pop() ?? '',
        ...(this.pkg.geometry.totalSectors !== undefined ? { totalSectors: this.pkg.geometry.totalSectors } : {}),
      },
      { functions: s.functions, memoryName: config.memoryName, ...(storage ? { storage } : {}) },
      { verify: this.verify, applyFilePatches: this.pkg.filePatches.some((p) => p.applied) },
    );
    for (const note of checked.notes) this.log(note);
    if (checked.problems.length > 0) {
      const list =
        checked.problems.length === 1
          ? checked.problems[0]!
          : `${checked.problems.length} reasons:\n${checked.problems.map((p) => `- ${p}`).join('\n')}`;
      throw new RescueError('FLASH_REFUSED_BEFORE_ERASE', list);
    }
    this.checked = checked;
  }

  /** After a (re)connection: check what the journal holds, then the steps still to run. */
  private async planRemaining(session: FirehoseSession): Promise<void> {
    if (this.steps) return;
    const { pkg, journal } = this;
    if (!this.journalChecked && journal.verified.length > 0) await this.checkJournal(session);
    this.journalChecked = true;
    const resumedSteps = pkg.plan.filter((st) => journal.canSkip(st, pkg.plan)).length;
    if (!this.unchanged && this.opts.skipUnchanged !== false) {
      const numDiskBlocks = this.checked?.numDiskBlocks;
      this.unchanged = await skipUnchanged(session, {
        plan: pkg.plan,
        journal,
        numDiskBlocks,
        signal: this.signal,
        emit: this.emit,
      });
      for (const i of this.unchanged) this.checks.set(i, 'unchanged (digest)');
    }
    this.steps = pkg.plan.filter((st) => !journal.canSkip(st, pkg.plan));
    for (const st of pkg.plan) {
      if (st.operation === 'program' && journal.verifiedFor(st) && !this.checks.has(st.index)) {
        this.checks.set(st.index, 'earlier run');
        this.resumed.push(st.label);
      }
    }
    this.pos = 0;
    const todo = this.steps.filter((st) => st.operation === 'program').reduce((n, st) => n + paddedBytes(st), 0);
    this.progress = new ProgressTracker(todo, this.emit);
    const skipped = resumedSteps;
    if (skipped > 0)
      this.log(
        `Resuming: ${skipped} of ${pkg.plan.length} steps are already done and verified; SBL is written again, last.`,
      );
  }

  /** Partitions the journal holds are checked on this modem once per run; a mismatch is written again. */
  private async checkJournal(s: FirehoseSession): Promise<void> {
    for (const step of this.pkg.plan) {
      const v = this.journal.verifiedFor(step);
      if (!v) continue;
      try {
        await verifyOnDevice(s, { ...address(step), numSectors: paddedBytes(step) / step.sector_size }, v.sha256);
      } catch (e) {
        if (!(e instanceof RescueError) || e.code !== 'VERIFY_MISMATCH') throw e;
        this.journal.forget(step);
        this.log(`${step.label} no longer holds what an earlier run wrote; it is written again.`, 'warn');
      }
    }
    await this.journal.save();
  }

  /** One step of the plan. */
  async runStep(s: FirehoseSession, step: PlanStep): Promise<void> {
    const stepStart = performance.now();
    const bytes = step.operation === 'program' ? paddedBytes(step) : 0;
    this.emit({
      type: 'step-start',
      index: step.index,
      total: this.pkg.plan.length,
      operation: step.operation,
      label: step.label,
      bytes,
    });
    if (step.operation === 'erase' || step.operation === 'program') this.touched = true;
    switch (step.operation) {
      case 'erase':
        this.emit({ type: 'phase', phase: 'erase', message: `Erasing ${step.label}` });
        await s.erase(address(step));
        break;
      case 'program':
        await this.program(s, step, bytes);
        break;
      case 'patch': {
        this.emit({ type: 'phase', phase: 'patch', message: `Patching ${step.label}` });
        const p = step.disk_patch!;
        await s.patchDisk({
          sectorSize: step.sector_size,
          byteOffset: p.byteOffset,
          physicalPartition: step.physical_partition,
          sizeInBytes: p.sizeInBytes,
          startSector: String(step.start_sector),
          value: p.value,
          what: p.what,
        });
        break;
      }
      case 'reset':
        if (this.opts.reset === false) this.log('Not resetting the modem (asked not to).');
        else {
          this.emit({ type: 'phase', phase: 'reset', message: 'Restarting the modem' });
          await s.power('reset');
        }
        break;
    }
    this.stepsDone++;
    this.emit({
      type: 'step-done',
      index: step.index,
      operation: step.operation,
      label: step.label,
      seconds: (performance.now() - stepStart) / 1000,
    });
  }

  private async program(s: FirehoseSession, step: PlanStep, bytes: number): Promise<void> {
    this.emit({ type: 'phase', phase: 'program', message: `Writing ${step.label}` });
    const numDiskBlocks = this.checked?.numDiskBlocks;
    const image = await openImageSource(
      step.path!,
      step.file_patches ?? [],
      numDiskBlocks !== undefined ? { numDiskBlocks } : {},
    );
    try {
      // Hash what is sent while sending it, so verification reads the image only once.
      const hashing = this.verify ? new HashingSource(image) : undefined;
      this.progress?.startStep(step.index, bytes);
      const stallShown = setInterval(() => this.progress?.tick(), 500);
      try {
        // The stream reports file bytes; once all of them went, so did the padding (same write).
        await s.program(address(step), hashing ?? image, (done) =>
          this.progress?.update(done >= image.size ? bytes : done),
        );
      } finally {
        clearInterval(stallShown);
      }
      this.bytesWritten += bytes;
      if (!hashing) {
        this.checks.set(step.index, 'not verified');
        return;
      }
      this.emit({ type: 'phase', phase: 'verify', message: `Verifying ${step.label}` });
      const expected = (await hashing.digest(bytes)) ?? (await hashPadded(image, bytes, this.signal));
      const method = await verifyOnDevice(s, { ...address(step), numSectors: bytes / step.sector_size }, expected);
      this.checks.set(step.index, method);
      await this.journal.record(step, expected, method);
    } finally {
      await image.close();
    }
  }

  /** A step failed: retry, resume or climb the ladder; rethrows what cannot be recovered. */
  async recover(e: unknown): Promise<void> {
    const { rec, signal } = this;
    const verdict = classify(e);
    if (verdict === 'fatal' || signal?.aborted) throw e;
    if (this.connecting && this.suspectHung !== undefined)
      throw needsPowerCycle(
        this.suspectHung,
        'the modem neither answers nor restarted by itself after a reset request',
        this.touched,
      );
    if (this.recoveries >= rec.maxAttempts)
      throw rec.maxAttempts === 0
        ? e
        : needsPowerCycle(e, `${this.recoveries} recoveries were tried in this run`, this.touched);
    this.recoveries++;
    const step = this.steps?.[this.pos];
    const what = e instanceof Error ? e.message : String(e);
    const count = `recovery ${this.recoveries} of ${rec.maxAttempts}`;
    if (verdict === 'retry-step' && step) {
      this.recovery('retry', `${what} The programmer discarded the data: sending ${step.label} again (${count}).`);
      return;
    }
    this.steps = undefined;
    if (verdict === 'resume' || (verdict === 'retry-step' && this.link && this.session)) {
      this.recovery('resume', `${what} Erasing and writing again every partition not verified (${count}).`);
      return;
    }
    this.recovery('ladder', `${what} Trying to recover (${count}).`);
    const known = this.session ? [...this.session.functions] : [];
    const maxPendingBytes = Math.max(0, ...this.pkg.plan.filter((st) => st.operation === 'program').map(paddedBytes));
    const out = await climbLadder(this.link, e, {
      opener: this.opts.opener,
      options: rec,
      emit: this.emit,
      maxPendingBytes,
      ...(signal ? { signal } : {}),
      ...(this.opts.timeouts ? { timeouts: this.opts.timeouts } : {}),
    }).catch((le: unknown) => {
      throw le instanceof PowerCycleNeededError && !this.touched ? needsPowerCycle(le.cause, le.why, false) : le;
    });
    this.link = out.link;
    this.connecting = false;
    if (out.kind === 'alive') {
      this.session = out.session;
      this.session.adoptFunctions(known);
      this.needSahara = false;
      this.connecting = true;
      await this.configure(this.session, this.link.pipe).catch((ce: unknown) => {
        throw classify(ce) === 'fatal'
          ? ce
          : needsPowerCycle(
              e,
              `the programmer answers but could not be configured again (${ce instanceof Error ? ce.message : String(ce)})`,
              this.touched,
            );
      });
      this.connecting = false;
    } else {
      this.needSahara = true;
      this.suspectHung = out.droppedOff ? undefined : e;
    }
    this.recovery('resume', 'Resuming after the partitions already written and verified; SBL is written again, last.');
  }

  /** recover(); when it says only a power cut can help and a consented switch is here, use it. */
  private async recoverOrPowerCycle(e: unknown): Promise<void> {
    const step = this.steps?.[this.pos];
    if (step && !this.connecting) this.failedDuring = `${describeOperation(step.operation)} ${step.label}`;
    try {
      await this.recover(e);
    } catch (failure) {
      const sw = this.opts.powerSwitch;
      const max = this.opts.maxPowerCycles ?? 2;
      if (!(failure instanceof PowerCycleNeededError) || !sw?.cutsPower || this.signal?.aborted) throw failure;
      if (this.powerCycles >= max)
        throw needsPowerCycle(
          failure.cause,
          `${failure.why}; the power was already cut ${this.powerCycles} times in this run`,
          this.touched,
        );
      await this.powerCycle(sw, failure, max);
    }
  }

  /** Cut the module's power, forget the connection, and let run() connect again and resume. */
  async powerCycle(sw: PowerSwitch, failure: PowerCycleNeededError, max: number): Promise<void> {
    this.powerCycles++;
    const resumeText = this.touched
      ? 'then the flash resumes after the partitions already written and verified'
      : 'nothing has been written yet';
    const during = this.failedDuring ? `The modem stopped while ${this.failedDuring}. ` : '';
    this.recovery(
      'power-cycle',
      `${during}Automatic recovery did not help: ${failure.why}. ${sw.description} (power cycle ${this.powerCycles} of ${max}); ${resumeText}.`,
    );
    this.failedDuring = undefined;
    await this.link?.pipe.close().catch(() => {});
    this.link = undefined;
    this.session = undefined;
    this.needSahara = true;
    this.suspectHung = undefined;
    this.connecting = false;
    this.steps = undefined;
    this.recoveriesBefore += this.recoveries;
    this.recoveries = 0;
    try {
      await sw.cycle({ timeoutMs: 180_000, signal: this.signal });
    } catch (ce) {
      // Declined at the prompt, the password dialog dismissed, the hub refused: say so, and what to do by hand.
      if (this.signal?.aborted) throw ce;
      const said = ce instanceof Error ? ce.message : String(ce);
      throw needsPowerCycle(
        failure.cause,
        `${failure.why}; cutting the power from here did not work (${said})`,
        this.touched,
      );
    }
    this.recovery('power-cycle', 'The power is back: waiting for the modem in download mode and its greeting (HELLO).');
  }

  /** Every step ran: clear the journal and say how each partition was checked. */
  async finish(): Promise<FlashResult> {
    await this.journal.clear();
    this.emit({ type: 'phase', phase: 'done', message: 'Flash complete' });
    const methods = new Set([...this.checks.values()]);
    const verified = !this.verify
      ? 'skipped'
      : methods.has('digest') && methods.has('read-back')
        ? 'mixed'
        : methods.has('read-back')
          ? 'read-back'
          : 'digest';
    const partitions = this.pkg.plan
      .filter((st) => st.operation === 'program')
      .map((st) => ({
        label: st.label,
        method: this.checks.get(st.index) ?? (this.verify ? 'earlier run' : 'not verified'),
      }));
    return {
      seconds: (performance.now() - this.started) / 1000,
      bytesWritten: this.bytesWritten,
      stepsDone: this.stepsDone,
      verified,
      programmerSkipped: this.programmerSkipped,
      partitions,
      recoveries: this.recoveriesBefore + this.recoveries,
      powerCycles: this.powerCycles,
      resumed: this.resumed,
    };
  }

  private log(message: string, level: 'info' | 'warn' = 'info'): void {
    this.emit({ type: 'log', level, message });
  }

  private recovery(action: string, message: string): void {
    this.emit({ type: 'recovery', action, message });
  }
}
