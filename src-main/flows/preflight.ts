// Everything that can refuse a flash for a knowable reason, decided after the programmer answered
// and before the first erase: the programmer's functions, its memory, the NAND geometry it reports
// (or the package's own statement of it) against every range of the plan, and what verification
// and file patches need. After this point only a device fault (stall, disconnect, NAK of a write)
// can stop a flash, and the recovery ladder handles those. Pure: facts in, a verdict out.

import { patchPosition } from '../package/file-patch.js';
import { rangeProblems, type PlanStep } from '../package/plan.js';

export interface DeviceFacts {
  /** Functions the programmer listed at startup, lower-cased; empty when it listed none. */
  functions: ReadonlySet<string>;
  /** MemoryName of the configure ACK. */
  memoryName: string;
  /** What getstorageinfo said (JSON or key=value logs), if anything. */
  storage?: Readonly<Record<string, unknown>>;
}

export interface PackageFacts {
  plan: readonly PlanStep[];
  sectorSize: number;
  pagesPerBlock: number;
  /** The NAND size in pages the rawprogram XML states in its header, if it does. */
  totalSectors?: number;
  rawprogramName: string;
}

export interface PreflightOptions {
  verify: boolean;
  /** Lay the package's file patches (NUM_DISK_BLOCKS, CRC32) over the images (off by default). */
  applyFilePatches: boolean;
}

export type VerifyPlan = 'digest' | 'read-back' | 'none';

export interface Preflight {
  /** Each a sentence; any problem refuses the flash before the first erase. */
  problems: string[];
  /** Facts the user should know (how verification will be done, what was assumed). */
  notes: string[];
  verifyBy: VerifyPlan;
  /** Total NAND blocks when known (NUM_DISK_BLOCKS for file patches). */
  numDiskBlocks?: number;
  /** NAND size in pages used for the range check, and where it came from. */
  totalSectors?: number;
}

function int(storage: Readonly<Record<string, unknown>> | undefined, key: string): number | undefined {
  const v = storage?.[key];
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** The programmer's NAND geometry from its storage answer, as far as it goes. */
export function storageGeometry(storage: Readonly<Record<string, unknown>> | undefined): {
  pageSize?: number;
  pagesPerBlock?: number;
  totalBlocks?: number;
  totalSectors?: number;
} {
  const pageSize = int(storage, 'page_size') ?? int(storage, 'sector_size');
  const blockSize = int(storage, 'block_size');
  const ppbFromSize =
    pageSize && blockSize && blockSize % pageSize === 0 && blockSize > pageSize ? blockSize / pageSize : undefined;
  // Some programmers give block_size in pages rather than bytes.
  const pagesPerBlock =
    int(storage, 'pages_per_block') ?? ppbFromSize ?? (blockSize && blockSize <= 1024 ? blockSize : undefined);
  const totalBlocks = int(storage, 'total_blocks');
  const totalSectors =
    int(storage, 'total_sectors') ??
    int(storage, 'num_partition_sectors') ??
    (totalBlocks && pagesPerBlock ? totalBlocks * pagesPerBlock : undefined);
  const out: { pageSize?: number; pagesPerBlock?: number; totalBlocks?: number; totalSectors?: number } = {};
  if (pageSize !== undefined) out.pageSize = pageSize;
  if (pagesPerBlock !== undefined) out.pagesPerBlock = pagesPerBlock;
  if (totalBlocks !== undefined) out.totalBlocks = totalBlocks;
  else if (totalSectors !== undefined && pagesPerBlock) out.totalBlocks = Math.floor(totalSectors / pagesPerBlock);
  if (totalSectors !== undefined) out.totalSectors = totalSectors;
  return out;
}

const where = (s: PlanStep): string => (s.source ? ` (${s.source})` : '');

export function preflight(pkg: PackageFacts, device: DeviceFacts, opts: PreflightOptions): Preflight {
  const problems: string[] = [];
  const notes: string[] = [];
  const geo = storageGeometry(device.storage);
  const plan = pkg.plan;
  const isNandPackage = /nand/i.test(pkg.rawprogramName) || pkg.pagesPerBlock > 0;

  if (isNandPackage && device.memoryName && !/^nand$/i.test(device.memoryName.trim())) {
    problems.push(
      `The programmer drives ${device.memoryName} memory, but ${pkg.rawprogramName} is for NAND: the programmer or the package is for another module.`,
    );
  }

  const fns = device.functions;
  if (fns.size > 0) {
    const need = new Map<string, string>([
      ['erase', 'erase partitions'],
      ['program', 'write images'],
      ['patch', 'apply the DISK patches'],
    ]);
    for (const [fn, what] of need) {
      const used = plan.some((s) => s.operation === fn);
      if (used && !fns.has(fn))
        problems.push(
          `The programmer does not offer <${fn}> (not in its list of supported functions), which this package needs to ${what}.`,
        );
    }
  }

  let verifyBy: VerifyPlan = 'none';
  if (opts.verify) {
    // An empty list means the programmer listed nothing: try the digest, fall back to read-back.
    const digest = fns.size === 0 || fns.has('getsha256digest');
    const read = fns.size === 0 || fns.has('read');
    if (digest) verifyBy = 'digest';
    else if (read) {
      verifyBy = 'read-back';
      notes.push(
        'The programmer has no getsha256digest: each partition is verified by reading it back, which takes about as long as writing it.',
      );
    } else {
      problems.push(
        'The programmer offers neither getsha256digest nor read, so nothing written could be verified; run again without verification (--no-verify, or untick "verify") if you accept that.',
      );
    }
  }

  // Geometry: what the programmer reports first, else what the package says of its NAND.
  if (geo.pageSize !== undefined) {
    const other = plan.find((s) => s.operation !== 'reset' && s.sector_size !== geo.pageSize);
    if (other)
      problems.push(
        `The modem's NAND has ${geo.pageSize}-byte pages, but ${pkg.rawprogramName} writes ${other.sector_size}-byte sectors${where(other)}: the package is for another module.`,
      );
  }
  if (geo.pagesPerBlock !== undefined) {
    const other = plan.find(
      (s) => s.operation !== 'reset' && s.pages_per_block > 0 && s.pages_per_block !== geo.pagesPerBlock,
    );
    if (other)
      problems.push(
        `The modem's NAND has ${geo.pagesPerBlock} pages per block, but ${pkg.rawprogramName} says ${other.pages_per_block}${where(other)}: the package is for another module.`,
      );
  }
  let totalSectors: number | undefined;
  if (geo.totalSectors !== undefined) {
    totalSectors = geo.totalSectors;
    problems.push(...rangeProblems(plan, totalSectors, 'as the programmer reports'));
  } else if (pkg.totalSectors !== undefined) {
    totalSectors = pkg.totalSectors;
    notes.push(
      `The programmer did not report the NAND size (older NAND programmers do not); the plan is checked against the ${pkg.totalSectors} pages ${pkg.rawprogramName} states.`,
    );
    problems.push(...rangeProblems(plan, totalSectors, `as ${pkg.rawprogramName} states`));
  } else {
    notes.push(
      'Neither the programmer nor the package states the NAND size; the ranges could not be checked against it.',
    );
  }

  const numDiskBlocks =
    geo.totalBlocks ??
    (totalSectors !== undefined && pkg.pagesPerBlock > 0 ? Math.floor(totalSectors / pkg.pagesPerBlock) : undefined);
  if (opts.applyFilePatches) {
    const patched = plan.filter((s) => s.operation === 'program' && (s.file_patches?.length ?? 0) > 0);
    const needsBlocks = patched.flatMap((s) =>
      (s.file_patches ?? [])
        .filter((p) => /NUM_DISK_(BLOCKS|SECTORS)/i.test(p.value))
        .map((p) => `${p.source} (${s.label}, byte ${patchPosition(p)})`),
    );
    if (needsBlocks.length > 0 && numDiskBlocks === undefined) {
      problems.push(
        `File patches were asked for, but ${needsBlocks.join(', ')} need the NAND's block count, which neither the programmer nor the package gives. Flash without --apply-file-patches (as QFirehose and edl do).`,
      );
    }
  }

  const out: Preflight = { problems, notes, verifyBy };
  if (numDiskBlocks !== undefined) out.numDiskBlocks = numDiskBlocks;
  if (totalSectors !== undefined) out.totalSectors = totalSectors;
  return out;
}
