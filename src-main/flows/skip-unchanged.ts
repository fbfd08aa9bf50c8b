// Do not write what is already there. Before the first erase, each partition's whole range on the
// modem is compared (the programmer's getsha256digest) with what a fresh erase and program would
// leave in it: the image, zero-padded to whole pages, then erased pages (0xFF) to the partition's
// end. A match means erasing and writing it again would change nothing, so both are skipped and
// the partition is recorded in the resume journal as verified by digest. Because the digest
// covers the erased tail too, stale data past a shorter image (an older, longer UBI image, which
// UBI would scan) never matches and is erased as usual.
//
// Never skipped: the SBL (start sector 0: erased first and written last, so an interrupted run
// still comes back in download mode), a partition a DISK patch writes into (it never holds the
// plain image), a partition whose image does not fit, and a partition whose erase also covers a
// partition that is written (skipping the program would leave it erased).

import { createHash, type Hash } from 'node:crypto';
import type { EventSink } from '../../shared/events.js';
import type { FirehoseSession } from '../host/firehose-host.js';
import { openImageSource } from '../package/image-source.js';
import type { PlanStep } from '../package/plan.js';
import { throwIfAborted } from '../util/deadline.js';
import { isBootStep, type ResumeJournal } from './resume-journal.js';

export interface ExpectedDigests {
  /** SHA-256 of the image padded with zeros to whole sectors (what a program sends; the journal's). */
  padded: string;
  /** SHA-256 of the whole partition after a fresh erase and program. */
  partition: string;
}

const READ_BYTES = 1024 * 1024;
const FILL = 64 * 1024;
const ZEROS = new Uint8Array(FILL);
const ERASED = new Uint8Array(FILL).fill(0xff);

function feed(h: Hash, pattern: Uint8Array, bytes: number): void {
  for (let left = bytes; left > 0; left -= pattern.length)
    h.update(pattern.subarray(0, Math.min(left, pattern.length)));
}

/** Both digests of a program step, streaming the image once (never the whole image in memory). */
export async function expectedDigests(
  step: PlanStep,
  opts: { numDiskBlocks?: number | undefined; signal?: AbortSignal | undefined } = {},
): Promise<ExpectedDigests> {
  const image = await openImageSource(
    step.path!,
    step.file_patches ?? [],
    opts.numDiskBlocks !== undefined ? { numDiskBlocks: opts.numDiskBlocks } : {},
  );
  try {
    const h = createHash('sha256');
    for (let off = 0; off < image.size; off += READ_BYTES) {
      throwIfAborted(opts.signal);
      h.update(await image.read(off, Math.min(READ_BYTES, image.size - off)));
    }
    const paddedBytes = Math.ceil(image.size / step.sector_size) * step.sector_size;
    feed(h, ZEROS, paddedBytes - image.size);
    const padded = h.copy().digest('hex');
    feed(h, ERASED, step.num_sectors * step.sector_size - paddedBytes);
    return { padded, partition: h.digest('hex') };
  } finally {
    await image.close();
  }
}

const overlaps = (a: PlanStep, b: PlanStep): boolean =>
  a.physical_partition === b.physical_partition &&
  a.start_sector < b.start_sector + b.num_sectors &&
  b.start_sector < a.start_sector + a.num_sectors;

/** Program steps whose partition may be skipped if it already holds the image. */
export function skipCandidates(plan: readonly PlanStep[], journal: ResumeJournal): PlanStep[] {
  return plan.filter(
    (st) =>
      st.operation === 'program' &&
      !isBootStep(st) &&
      st.path !== undefined &&
      st.num_sectors > 0 &&
      Math.ceil(st.bytes / st.sector_size) <= st.num_sectors &&
      journal.verifiedFor(st) === undefined &&
      !plan.some((p) => p.operation === 'patch' && p.physical_partition === st.physical_partition && inside(p, st)),
  );
}

function inside(patch: PlanStep, st: PlanStep): boolean {
  return patch.start_sector >= st.start_sector && patch.start_sector < st.start_sector + st.num_sectors;
}

/**
 * Of the partitions found unchanged, those that can really be skipped: every erase overlapping one
 * must be wholly covered by partitions that are skipped (found unchanged now or verified earlier),
 * or that erase runs and the partition has to be written again. Repeated until nothing changes.
 */
export function skippable(
  plan: readonly PlanStep[],
  unchanged: ReadonlySet<number>,
  verifiedEarlier: (st: PlanStep) => boolean,
): Set<number> {
  const keep = new Set(unchanged);
  const skipped = (p: PlanStep): boolean => keep.has(p.index) || verifiedEarlier(p);
  for (let changed = true; changed;) {
    changed = false;
    for (const e of plan.filter((st) => st.operation === 'erase')) {
      const covering = plan
        .filter((p) => p.operation === 'program' && skipped(p) && overlaps(p, e))
        .sort((a, b) => a.start_sector - b.start_sector);
      let at = e.start_sector;
      for (const p of covering) if (p.start_sector <= at) at = Math.max(at, p.start_sector + p.num_sectors);
      if (isBootStep(e) || at < e.start_sector + e.num_sectors) {
        for (const p of covering) if (keep.delete(p.index)) changed = true;
      }
    }
  }
  return keep;
}

export interface SkipUnchangedOptions {
  plan: readonly PlanStep[];
  journal: ResumeJournal;
  numDiskBlocks?: number | undefined;
  signal?: AbortSignal | undefined;
  emit: EventSink;
}

/**
 * Ask the programmer for each candidate partition's digest; record the unchanged ones in the
 * journal (so the plan drops their erase and program, and a resumed run keeps them). Returns the
 * indexes of the program steps skipped. Nothing is skipped when the programmer has no digest.
 */
export async function skipUnchanged(session: FirehoseSession, opts: SkipUnchangedOptions): Promise<Set<number>> {
  const { plan, journal, emit } = opts;
  const log = (message: string): void => emit({ type: 'log', level: 'info', message });
  const candidates = skipCandidates(plan, journal);
  if (candidates.length === 0 || !session.functions.has('getsha256digest')) return new Set();
  emit({ type: 'phase', phase: 'verify', message: 'Comparing the partitions on the modem with the package' });
  const found = new Map<number, ExpectedDigests>();
  for (const st of candidates) {
    const want = await expectedDigests(st, opts);
    const have = await session.sha256Digest({
      sectorSize: st.sector_size,
      pagesPerBlock: st.pages_per_block,
      physicalPartition: st.physical_partition,
      startSector: st.start_sector,
      numSectors: st.num_sectors,
      label: st.label,
    });
    if (have === undefined) return new Set(); // the programmer refused: write everything
    if (have.toLowerCase() === want.partition) found.set(st.index, want);
  }
  const skip = skippable(plan, new Set(found.keys()), (st) => journal.verifiedFor(st) !== undefined);
  for (const st of candidates) {
    const want = found.get(st.index);
    if (want && skip.has(st.index)) {
      await journal.record(st, want.padded, 'digest');
      log(
        `${st.label} already holds this image (SHA-256 digest of the whole partition matches): not erased or written.`,
      );
    } else if (want)
      log(
        `${st.label} already holds this image, but its erase also covers a partition that is written: written again.`,
      );
    else log(`${st.label} differs from the package: erased and written.`);
  }
  return skip;
}
