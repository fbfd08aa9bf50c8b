// Flash a firmware package onto a modem in EDL: package checks -> connect -> Sahara (programmer
// upload) -> Firehose (configure) -> the plan's erases, programs (SBL last), DISK patches ->
// verification -> reset. Phases are explicit and every step reports progress; every wait is
// bounded by the layers below.

import { readFile } from 'node:fs/promises';
import { toErrorReport } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { assertFlashable, loadPackage, type FirmwarePackage } from '../package/load.js';
import type { PlanStep } from '../package/plan.js';
import { openImageSource } from '../package/image-source.js';
import { PipeReader } from '../transport/pipe-reader.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { throwIfAborted } from '../util/deadline.js';
import { FirehoseSession, type FirehoseAddress, type FirehoseTimeouts } from './firehose-host.js';
import { ProgressTracker } from './progress.js';
import { saharaUpload } from './sahara-host.js';
import { HashingSource, hashPadded, verifyOnDevice } from './verify.js';

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
  timeouts?: Partial<FirehoseTimeouts>;
  /** Send <power value="reset"/> at the end. Default true. */
  reset?: boolean;
  /** Check md5.txt (default true). */
  verifyMd5?: boolean;
}

export interface FlashResult {
  seconds: number;
  bytesWritten: number;
  stepsDone: number;
  verified: 'digest' | 'read-back' | 'mixed' | 'skipped';
  programmerSkipped: boolean;
}

/** Run a flash; emits a final {type:'result'} event in both outcomes and rethrows failures. */
export async function flashPackage(opts: FlashOptions): Promise<FlashResult> {
  const started = performance.now();
  const emit: EventSink = opts.onEvent ?? (() => {});
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const result = await runFlash(opts, emit, seconds);
    emit({ type: 'result', ok: true, seconds: result.seconds, bytes: result.bytesWritten, summary: `${result.stepsDone} steps, ${(result.bytesWritten / 1048576).toFixed(1)} MiB written, verification: ${result.verified}` });
    return result;
  } catch (e) {
    emit({ type: 'result', ok: false, seconds: seconds(), error: toErrorReport(e) });
    throw e;
  }
}

async function runFlash(opts: FlashOptions, emit: EventSink, seconds: () => number): Promise<FlashResult> {
  const { signal } = opts;
  const log = (message: string, level: 'info' | 'warn' = 'info'): void => emit({ type: 'log', level, message });

  emit({ type: 'phase', phase: 'package', message: 'Checking the firmware package' });
  const owned = typeof opts.package === 'string';
  const pkg = typeof opts.package === 'string' ? await loadPackage(opts.package, { signal, verifyMd5: opts.verifyMd5 ?? true }) : opts.package;
  let pipe: BulkPipe | undefined;
  try {
    assertFlashable(pkg);
    for (const w of pkg.warnings) log(w, 'warn');
    log(`Package ${pkg.version ?? pkg.root}: ${pkg.rawprogramPath} (${pkg.rawprogramReason})`);
    const programmer = await readFile(pkg.programmerPath);

    emit({ type: 'phase', phase: 'connect', message: `Waiting for ${opts.opener.description}` });
    pipe = await opts.opener.open({ timeoutMs: opts.openTimeoutMs ?? 30_000, signal, what: 'the modem in EDL mode' });
    log(`Connected to ${pipe.name}`);
    const reader = new PipeReader(pipe);

    emit({ type: 'phase', phase: 'sahara', message: 'Uploading the programmer (Sahara)' });
    const sahara = await saharaUpload(reader, new Uint8Array(programmer.buffer, programmer.byteOffset, programmer.byteLength), {
      signal,
      onEvent: emit,
      ...(opts.helloTimeoutMs !== undefined ? { helloTimeoutMs: opts.helloTimeoutMs } : {}),
    });
    const programmerSkipped = sahara.kind === 'firehose-running';
    if (programmerSkipped) log('A programmer is already running on the modem; skipping the upload.');

    emit({ type: 'phase', phase: 'firehose', message: 'Talking to the programmer (Firehose)' });
    const session = new FirehoseSession(reader, { signal, onEvent: emit, ...(opts.timeouts ? { timeouts: opts.timeouts } : {}) });
    if (!programmerSkipped) await session.drainStartup();
    const config = await session.configure({ memoryName: 'nand', maxPayloadToTarget: opts.maxPayload ?? 1024 * 1024, zlpAwareHost: pipe.needsZlp });
    log(`Programmer configured: ${config.maxPayloadToTarget}-byte payloads, target ${config.targetName ?? 'unknown'}`);
    const storage = await session.storageInfo();
    const numDiskBlocks = typeof storage?.total_blocks === 'number' ? storage.total_blocks : undefined;

    const programBytes = pkg.plan.filter((s) => s.operation === 'program').reduce((n, s) => n + paddedBytes(s), 0);
    const progress = new ProgressTracker(programBytes, emit);
    const verify = opts.verify ?? true;
    const verifiedBy = new Set<'digest' | 'read-back'>();
    let bytesWritten = 0;
    let stepsDone = 0;

    for (const step of pkg.plan) {
      throwIfAborted(signal);
      const stepStart = performance.now();
      const bytes = step.operation === 'program' ? paddedBytes(step) : 0;
      emit({ type: 'step-start', index: step.index, total: pkg.plan.length, operation: step.operation, label: step.label, bytes });
      if (step.operation === 'erase') {
        emit({ type: 'phase', phase: 'erase', message: `Erasing ${step.label}` });
        await session.erase(address(step));
      } else if (step.operation === 'program') {
        emit({ type: 'phase', phase: 'program', message: `Writing ${step.label}` });
        const image = await openImageSource(step.path!, step.file_patches ?? [], numDiskBlocks !== undefined ? { numDiskBlocks } : {});
        try {
          // Hash what is sent while sending it, so verification reads the image only once.
          const hashing = verify ? new HashingSource(image) : undefined;
          progress.startStep(step.index, bytes);
          await session.program(address(step), hashing ?? image, (done) => progress.update(done));
          bytesWritten += bytes;
          if (hashing) {
            emit({ type: 'phase', phase: 'verify', message: `Verifying ${step.label}` });
            const expected = (await hashing.digest(bytes)) ?? (await hashPadded(image, bytes, signal));
            verifiedBy.add(await verifyOnDevice(session, { ...address(step), numSectors: bytes / step.sector_size }, expected));
          }
        } finally {
          await image.close();
        }
      } else if (step.operation === 'patch') {
        emit({ type: 'phase', phase: 'patch', message: `Patching ${step.label}` });
        const p = step.disk_patch!;
        await session.patchDisk({ sectorSize: step.sector_size, byteOffset: p.byteOffset, physicalPartition: step.physical_partition, sizeInBytes: p.sizeInBytes, startSector: String(step.start_sector), value: p.value, what: p.what });
      } else if (step.operation === 'reset') {
        if (opts.reset === false) {
          log('Not resetting the modem (asked not to).');
        } else {
          emit({ type: 'phase', phase: 'reset', message: 'Restarting the modem' });
          await session.power('reset');
        }
      }
      stepsDone++;
      emit({ type: 'step-done', index: step.index, operation: step.operation, label: step.label, seconds: (performance.now() - stepStart) / 1000 });
    }
    emit({ type: 'phase', phase: 'done', message: 'Flash complete' });
    const verified = !verify ? 'skipped' : verifiedBy.size === 2 ? 'mixed' : verifiedBy.has('read-back') ? 'read-back' : 'digest';
    return { seconds: seconds(), bytesWritten, stepsDone, verified, programmerSkipped };
  } finally {
    await pipe?.close().catch(() => {});
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
