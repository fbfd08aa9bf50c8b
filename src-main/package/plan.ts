// The flash plan: the order that survives an interruption, whatever order the XML lists lines in.
// Every erase first (SBL's, start_sector 0, first of all), then every program (SBL's last), then
// the DISK patches, then the reset. If power is lost before SBL is written back, the PBL finds no
// boot loader and falls back to EDL, so the flash can simply be run again.

import path from 'node:path';
import type { FilePatch } from './file-patch.js';
import type { PatchEntry } from './patch.js';
import type { RawEntry } from './rawprogram.js';

export type PlanOperation = 'erase' | 'program' | 'patch' | 'reset';

export interface DiskPatch {
  byteOffset: number;
  sizeInBytes: number;
  value: string;
  what: string;
}

export interface PlanStep {
  index: number;
  operation: PlanOperation;
  label: string;
  /** As written in the XML (program steps). */
  filename?: string;
  /** Absolute path of the image (program steps). */
  path?: string;
  start_sector: number;
  /** Partition size in sectors, from the XML. */
  num_sectors: number;
  sector_size: number;
  pages_per_block: number;
  physical_partition: number;
  /** Image file size in bytes (program steps; 0 otherwise or when the file is missing). */
  bytes: number;
  file_patches?: FilePatch[];
  disk_patch?: DiskPatch;
  /** Where the step comes from ("rawprogram_nand_p2K_b128K_update.xml line 6"). */
  source?: string;
}

/** A rawprogram line with what the loader found out about its file. */
export interface PlanInput extends RawEntry {
  path?: string;
  bytes?: number;
  filePatches?: FilePatch[];
}

export function displayName(filename: string): string {
  return (
    filename
      .split(/[\\/]/)
      .filter((p) => p !== '')
      .pop() ?? filename
  );
}

function where(o: { file: string; line: number }): string {
  return `${path.basename(o.file)} line ${o.line}`;
}

export function buildPlan(
  entries: readonly PlanInput[],
  diskPatches: readonly PatchEntry[],
  geometry: { sectorSize: number; pagesPerBlock: number },
): PlanStep[] {
  const isBoot = (e: PlanInput): boolean => e.startSector === 0;
  const labelOf = (e: PlanInput): string => {
    if (e.label) return e.label;
    if (e.filename) return displayName(e.filename);
    const prog = entries.find(
      (p) =>
        p.operation === 'program' && p.startSector === e.startSector && p.physicalPartition === e.physicalPartition,
    );
    if (prog?.label) return prog.label;
    if (prog?.filename) return displayName(prog.filename);
    return `sectors ${e.startSector}-${e.startSector + e.numSectors - 1}`;
  };
  const erases = entries.filter((e) => e.operation === 'erase');
  const programs = entries.filter((e) => e.operation === 'program');
  const seen = new Set<string>();
  const uniqueErases = [...erases.filter(isBoot), ...erases.filter((e) => !isBoot(e))].filter((e) => {
    const key = `${e.physicalPartition}:${e.startSector}:${e.numSectors}:${e.sectorSize}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const orderedPrograms = [...programs.filter((e) => !isBoot(e)), ...programs.filter(isBoot)];

  const steps: PlanStep[] = [];
  const base = (e: PlanInput): Omit<PlanStep, 'index' | 'operation'> => ({
    label: labelOf(e),
    start_sector: e.startSector,
    num_sectors: e.numSectors,
    sector_size: e.sectorSize,
    pages_per_block: e.pagesPerBlock ?? geometry.pagesPerBlock,
    physical_partition: e.physicalPartition,
    bytes: 0,
    source: where(e.origin),
  });
  for (const e of uniqueErases) steps.push({ index: steps.length, operation: 'erase', ...base(e) });
  for (const e of orderedPrograms) {
    const step: PlanStep = { index: steps.length, operation: 'program', ...base(e), bytes: e.bytes ?? 0 };
    if (e.filename !== undefined) step.filename = e.filename;
    if (e.path !== undefined) step.path = e.path;
    if (e.filePatches && e.filePatches.length > 0) step.file_patches = e.filePatches;
    steps.push(step);
  }
  for (const p of diskPatches) {
    steps.push({
      index: steps.length,
      operation: 'patch',
      label: p.what || `DISK patch at sector ${p.startSector}`,
      start_sector: p.startSector,
      num_sectors: 0,
      sector_size: p.sectorSize,
      pages_per_block: geometry.pagesPerBlock,
      physical_partition: p.physicalPartition,
      bytes: 0,
      disk_patch: { byteOffset: p.byteOffset, sizeInBytes: p.sizeInBytes, value: p.valueText, what: p.what },
      source: where(p.origin),
    });
  }
  steps.push({
    index: steps.length,
    operation: 'reset',
    label: 'restart the modem',
    start_sector: 0,
    num_sectors: 0,
    sector_size: geometry.sectorSize,
    pages_per_block: geometry.pagesPerBlock,
    physical_partition: 0,
    bytes: 0,
  });
  return steps;
}

/** Steps of the plan that reach past the end of a NAND of `total` pages; each a sentence. */
export function rangeProblems(plan: readonly PlanStep[], total: number, said: string): string[] {
  const out: string[] = [];
  for (const s of plan) {
    if (s.operation === 'reset') continue;
    const patchBytes = (s.disk_patch?.byteOffset ?? 0) + (s.disk_patch?.sizeInBytes ?? 0);
    const end =
      s.operation === 'patch' ? s.start_sector + Math.ceil(patchBytes / s.sector_size) : s.start_sector + s.num_sectors;
    if (end > total)
      out.push(
        `The ${s.operation} of ${s.label}${s.source ? ` (${s.source})` : ''} reaches page ${end - 1}, past the end of the NAND (${total} pages, ${said}).`,
      );
  }
  return out;
}
