// Do not write what is already there. Before the first erase, each partition's whole range on the
// modem is compared (the programmer's getsha256digest) with what a fresh erase and program would
// leave in it: the image, zero-padded to whole pages, then erased pages (0xFF) to the partition's
// end. The range is asked in three consecutive digests (the first sectors, the image's sectors,
// the erased rest) so a changed partition costs the programmer only its first sectors. A match means erasing and writing it again would change nothing, so both are skipped and
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
import type { FirehoseAddress, FirehoseSession } from '../host/firehose-host.js';
import { openImageSource } from '../package/image-source.js';
import type { PlanStep } from '../package/plan.js';
import { throwIfAborted } from '../util/deadline.js';
import { isBootStep, type ResumeJournal } from './resume-journal.js';

/** First bytes of a partition compared before anything else: a changed image differs there at once. */
export const PROBE_BYTES = 256 * 1024;

export interface ExpectedDigests {
  /** Sectors of the probe (the image's first sectors, at most PROBE_BYTES). */
  probeSectors: number;
  /** SHA-256 of those sectors as a fresh program leaves them. */
  probe: string;
  /** Sectors the image takes, padded to whole sectors. */
  imageSectors: number;
  /** SHA-256 of the image padded with zeros to whole sectors (what a program sends; the journal's). */
  padded: string;
  /** SHA-256 of the erased rest of the partition (0xFF), when there is a rest. */
  tail: string | undefined;
}

const READ_BYTES = 1024 * 1024;
const FILL = 64 * 1024;
const ZEROS = new Uint8Array(FILL);
const ERASED = new Uint8Array(FILL).fill(0xff);

function feed(h: Hash, pattern: Uint8Array, bytes: number): void {
  for (let left = bytes; left > 0; left -= pattern.length)
    h.update(pattern.subarray(0, Math.min(left, pattern.length)));
}

interface DigestOptions {
  numDiskBlocks?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** SHA-256 of the image's first `bytes` bytes, zero-padded, as a program would send them. */
async function hashImage(step: PlanStep, bytes: number, opts: DigestOptions): Promise<string> {
  const image = await openImageSource(
    step.path!,
    step.file_patches ?? [],
    opts.numDiskBlocks !== undefined ? { numDiskBlocks: opts.numDiskBlocks } : {},
  );
  try {
    const h = createHash('sha256');
    const fromFile = Math.min(bytes, image.size);
    for (let off = 0; off < fromFile; off += READ_BYTES) {
      throwIfAborted(opts.signal);
      h.update(await image.read(off, Math.min(READ_BYTES, fromFile - off)));
    }
    feed(h, ZEROS, bytes - fromFile);
    return h.digest('hex');
  } finally {
    await image.close();
  }
}

const imageSectorsOf = (step: PlanStep): number => Math.ceil(step.bytes / step.sector_size);
const probeSectorsOf = (step: PlanStep): number =>
  Math.min(imageSectorsOf(step), Math.max(1, Math.floor(PROBE_BYTES / step.sector_size)));

/** Every digest of a program step, streaming the image (never the whole image in memory). */
export async function expectedDigests(step: PlanStep, opts: DigestOptions = {}): Promise<ExpectedDigests> {
  const imageSectors = imageSectorsOf(step);
  const probeSectors = probeSectorsOf(step);
  const tailBytes = (step.num_sectors - imageSectors) * step.sector_size;
  return {
    probeSectors,
    probe: await hashImage(step, probeSectors * step.sector_size, opts),
    imageSectors,
    padded: await hashImage(step, imageSectors * step.sector_size, opts),
    tail: tailBytes > 0 ? erasedDigest(tailBytes) : undefined,
  };
}

/** SHA-256 of `bytes` erased bytes (0xFF). */
export function erasedDigest(bytes: number): string {
  const h = createHash('sha256');
  feed(h, ERASED, bytes);
  return h.digest('hex');
}

/**
 * Whether the partition on the modem is what a fresh erase and program of `step` would leave:
 * its first sectors (a changed image fails here, cheaply), then the image's sectors (hashed on
 * the host while the programmer hashes them), then the erased rest. Undefined when the
 * programmer gives no digest. Returns the padded image's digest on a match.
 */
export async function holdsImage(
  session: FirehoseSession,
  step: PlanStep,
  opts: DigestOptions = {},
): Promise<{ same: boolean; padded?: string } | undefined> {
  const at = (startSector: number, numSectors: number): FirehoseAddress => ({
    sectorSize: step.sector_size,
    pagesPerBlock: step.pages_per_block,
    physicalPartition: step.physical_partition,
    startSector,
    numSectors,
    label: step.label,
  });
  const imageSectors = imageSectorsOf(step);
  const probeSectors = probeSectorsOf(step);
  const [probe, wantProbe] = await Promise.all([
    session.sha256Digest(at(step.start_sector, probeSectors)),
    hashImage(step, probeSectors * step.sector_size, opts),
  ]);
  if (probe === undefined) return undefined;
  if (probe.toLowerCase() !== wantProbe) return { same: false };
  const [image, padded] = await Promise.all([
    session.sha256Digest(at(step.start_sector, imageSectors)),
    hashImage(step, imageSectors * step.sector_size, opts),
  ]);
  if (image === undefined) return undefined;
  if (image.toLowerCase() !== padded) return { same: false };
  const tailSectors = step.num_sectors - imageSectors;
  if (tailSectors > 0) {
    const tail = await session.sha256Digest(at(step.start_sector + imageSectors, tailSectors));
    if (tail === undefined) return undefined;
    if (tail.toLowerCase() !== erasedDigest(tailSectors * step.sector_size)) return { same: false };
  }
  return { same: true, padded };
}

const overlaps = (a: PlanStep, b: PlanStep): boolean =>
  a.physical_partition === b.physical_partition &&
  a.start_sector < b.start_sector + b.num_sectors &&
  b.start_sector < a.start_sector + a.num_sectors;

/** Program steps whose partition may be skipped if it already holds the image. */
export function skipCandidates(
  plan: readonly PlanStep[],
  journal: Pick<ResumeJournal, 'verifiedFor'> = { verifiedFor: () => undefined },
): PlanStep[] {
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

/** What the plan shown to a user says about skipping, before the modem is asked. */
export function skipPolicyText(plan: readonly PlanStep[]): string {
  const candidates = skipCandidates(plan);
  const can = skippable(plan, new Set(candidates.map((c) => c.index)), () => false);
  const labels = [...new Set(plan.filter((st) => can.has(st.index)).map((st) => st.label))];
  const always = [
    ...new Set(plan.filter((st) => st.operation === 'program' && !can.has(st.index)).map((st) => st.label)),
  ];
  if (labels.length === 0) return 'Every partition is erased and written (none can be compared with the modem first).';
  return `Skipped when the modem already holds them (SHA-256 digest of the whole partition, asked before erasing): ${labels.join(', ')}. Always erased and written: ${always.join(', ')}${always.some((l) => plan.some((st) => st.label === l && isBootStep(st))) ? ' (SBL: erased first, written last)' : ''}.`;
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
  const found = new Map<number, string>();
  for (const st of candidates) {
    const held = await holdsImage(session, st, opts);
    if (held === undefined) return new Set(); // the programmer refused: write everything
    if (held.same) found.set(st.index, held.padded!);
  }
  const skip = skippable(plan, new Set(found.keys()), (st) => journal.verifiedFor(st) !== undefined);
  for (const st of candidates) {
    const want = found.get(st.index);
    if (want && skip.has(st.index)) {
      await journal.record(st, want, 'digest');
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
