// The firmware snapshot: before the first erase, every range the plan will erase, program or
// patch is read from the modem into a folder that is itself a package (snapshot-manifest.ts gives
// the layout), so `undo` (flows/undo.ts) can flash it back through the same plan, recovery and
// verification as any package. The manifest is written first without its complete marker and
// rewritten after every image; the XML, md5.txt and the marker come last, so a snapshot that
// stopped half-way is never taken for a complete one. A complete snapshot is never overwritten.

import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { loadPackage } from '../package/load.js';
import { readProgrammer } from '../package/programmer.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { throwIfAborted } from '../util/deadline.js';
import type { BeforeEraseContext } from './flash-run.js';
import { readImage } from './snapshot-image.js';
import {
  imageNames,
  MANIFEST_NAME,
  normalSerial,
  parseManifest,
  patchName,
  rawprogramName,
  snapshotMd5Txt,
  snapshotPatchXml,
  snapshotRanges,
  snapshotRawprogramXml,
  SNAPSHOT_FORMAT,
  type SnapshotManifest,
  type SnapshotRange,
} from './snapshot-manifest.js';

export interface SnapshotOptions {
  /** The snapshot folder: new, empty, or holding an incomplete snapshot (started over). */
  dir: string;
  /** The module's model and firmware version when known (read in normal mode before EDL). */
  model?: string;
  firmware?: string;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  now?: () => Date;
}

export interface SnapshotOutcome {
  dir: string;
  manifest: SnapshotManifest;
  /** 'taken' now, 'kept' (the folder already held a complete snapshot of this module for this plan), or 'skipped'. */
  status: 'taken' | 'kept' | 'skipped';
  /** Why it was skipped. */
  reason?: string;
  seconds: number;
}

/** Read a snapshot's manifest; SNAPSHOT_BAD when the folder holds none. */
export async function readSnapshotManifest(dir: string): Promise<SnapshotManifest> {
  const file = path.join(path.resolve(dir), MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RescueError('SNAPSHOT_BAD', `${file} cannot be read (${e instanceof Error ? e.message : String(e)}).`);
  }
  return parseManifest(text, file);
}

/** The ranges a snapshot of this plan holds, as comparable text. */
function rangeKey(ranges: readonly Pick<SnapshotRange, 'physicalPartition' | 'startSector' | 'numSectors'>[]): string {
  return ranges.map((r) => `${r.physicalPartition}:${r.startSector}+${r.numSectors}`).join(',');
}

/** Make the folder ready: a complete snapshot of this module and these ranges is kept; an incomplete one is cleared. */
async function prepareFolder(
  dir: string,
  ranges: readonly SnapshotRange[],
  serial: string | undefined,
): Promise<SnapshotManifest | undefined> {
  const names = await readdir(dir).catch(() => undefined);
  if (names === undefined) {
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw new RescueError('HOST_IO', `Could not make ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    });
    return undefined;
  }
  if (names.length === 0) return undefined;
  if (!names.includes(MANIFEST_NAME))
    throw new RescueError('SNAPSHOT_FOLDER_IN_USE', `${dir} holds ${names.length} files and no snapshot.`);
  const old = await readSnapshotManifest(dir);
  if (!old.complete) {
    // A snapshot that stopped half-way: nothing in it is an undo point; start over.
    for (const n of names) await rm(path.join(dir, n), { recursive: true, force: true });
    return undefined;
  }
  const sameModule = normalSerial(old.module.serial) === normalSerial(serial);
  if (sameModule && rangeKey(old.partitions) === rangeKey(ranges)) return old;
  throw new RescueError(
    'SNAPSHOT_FOLDER_IN_USE',
    `${dir} already holds a complete snapshot (${old.createdAt}${sameModule ? ', of other partitions' : ', of another module'}).`,
  );
}

/** Take the snapshot on a configured session: the hook `flash --snapshot` and `snapshot` run before the first erase. */
export async function takeSnapshot(ctx: BeforeEraseContext, opts: SnapshotOptions): Promise<SnapshotOutcome> {
  const started = performance.now();
  const emit: EventSink = opts.onEvent ?? (() => {});
  const log = (message: string, level: 'info' | 'warn' = 'info'): void => emit({ type: 'log', level, message });
  const dir = path.resolve(opts.dir);
  const { pkg, session } = ctx;
  const ranges = snapshotRanges(pkg.plan);
  const geometry = { sectorSize: pkg.geometry.sectorSize, pagesPerBlock: pkg.geometry.pagesPerBlock };
  const serial = normalSerial(ctx.serial);
  const kept = await prepareFolder(dir, ranges, serial);
  const seconds = (): number => (performance.now() - started) / 1000;
  if (kept) {
    log(`${dir} already holds a complete snapshot of this module (${kept.createdAt}); it is kept.`);
    return { dir, manifest: kept, status: 'kept', seconds: seconds() };
  }
  const manifest: SnapshotManifest = {
    format: SNAPSHOT_FORMAT,
    complete: false,
    createdAt: (opts.now ?? (() => new Date()))().toISOString(),
    module: {
      ...(serial !== undefined ? { serial } : {}),
      ...(opts.model !== undefined ? { model: opts.model } : {}),
      ...(opts.firmware !== undefined ? { firmware: opts.firmware } : {}),
    },
    ...(pkg.version !== undefined ? { takenBefore: pkg.version } : {}),
    geometry,
    programmer: `update/firehose/${path.basename(pkg.programmerPath)}`,
    partitions: [],
    bytesRead: 0,
    bytesOnDisk: 0,
  };
  if (ctx.resumed) {
    const reason =
      'this flash continues an interrupted one, so the modem no longer holds its earlier firmware; no snapshot was taken';
    log(`Firmware snapshot: ${reason}.`, 'warn');
    return { dir, manifest, status: 'skipped', reason, seconds: seconds() };
  }
  if (serial === undefined)
    log('The programmer did not report the module serial: the snapshot cannot tell which module it is from.', 'warn');
  const firehose = path.join(dir, 'update', 'firehose');
  await mkdir(firehose, { recursive: true });
  const saveManifest = (): Promise<void> =>
    writeFileAtomic(path.join(dir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  await saveManifest();
  await writeFileAtomic(path.join(dir, manifest.programmer), await readProgrammer(pkg.programmerPath, opts.signal));
  const names = imageNames(ranges);
  const total = ranges.reduce((n, r) => n + r.numSectors * r.sectorSize, 0);
  emit({ type: 'phase', phase: 'snapshot', message: `Saving what the flash overwrites (${mib(total)}) into ${dir}` });
  for (const [i, r] of ranges.entries()) {
    throwIfAborted(opts.signal);
    emit({ type: 'phase', phase: 'snapshot', message: `Saving ${r.label} (${i + 1} of ${ranges.length})` });
    const image = `update/${names[i]!}`;
    const got = await readImage(session, r, path.join(dir, image), opts.signal);
    manifest.partitions.push({ ...r, ...(got.imageBytes > 0 ? { image } : {}), ...got });
    manifest.bytesRead += r.numSectors * r.sectorSize;
    manifest.bytesOnDisk += got.imageBytes;
    await saveManifest();
    log(
      `Saved ${r.label}: ${mib(r.numSectors * r.sectorSize)} read, ${got.imageBytes > 0 ? `${mib(got.imageBytes)} kept` : 'all erased'}, checked by ${got.verifiedBy}.`,
    );
  }
  await writeFileAtomic(path.join(firehose, rawprogramName(geometry)), snapshotRawprogramXml(manifest));
  await writeFileAtomic(path.join(firehose, patchName(geometry)), snapshotPatchXml());
  await writeFileAtomic(path.join(dir, 'md5.txt'), snapshotMd5Txt(manifest));
  await checkLoadable(dir);
  manifest.complete = true;
  await saveManifest();
  log(`Firmware snapshot complete: ${dir} (${ranges.length} ranges, ${mib(manifest.bytesOnDisk)} on disk).`);
  return { dir, manifest, status: 'taken', seconds: seconds() };
}

/** The folder must load as a flashable package before it is marked complete. */
async function checkLoadable(dir: string): Promise<void> {
  const pkg = await loadPackage(dir, { verifyMd5: false });
  try {
    if (pkg.problems.length > 0)
      throw new RescueError(
        'INTERNAL',
        `The snapshot in ${dir} does not load as a package: ${pkg.problems.map((p) => p.message).join('; ')}`,
      );
  } finally {
    await pkg.dispose();
  }
}

/** Bytes the ranges take on the modem (what a snapshot reads; its disk size is at most this). */
export function snapshotBytes(plan: Parameters<typeof snapshotRanges>[0]): number {
  return snapshotRanges(plan).reduce((n, r) => n + r.numSectors * r.sectorSize, 0);
}

/** Whether a folder holds a complete snapshot (for the wizard's Finish step). */
export async function completeSnapshotAt(dir: string): Promise<SnapshotManifest | undefined> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return undefined;
  const m = await readSnapshotManifest(dir).catch(() => undefined);
  return m?.complete ? m : undefined;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
