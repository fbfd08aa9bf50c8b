// The rawprogram XML: what to erase and what to write where. Every line is validated strictly
// (decimal numbers, required attributes, one sector size for the whole file); the file order is
// kept for messages but never used as the execution order (see plan.ts).

import type { XmlElement } from '../util/xml.js';
import { badXml, checkSectorSize, intAttr, optionalIntAttr, readPackageXml, type XmlOrigin } from './xml-file.js';

export interface RawEntry {
  operation: 'program' | 'erase';
  /** As written in the XML ("..\sbl1.mbn"); undefined for erase lines. */
  filename?: string;
  label?: string;
  sectorSize: number;
  pagesPerBlock?: number;
  /** The partition size in sectors (NAND pages). */
  numSectors: number;
  physicalPartition: number;
  startSector: number;
  origin: XmlOrigin;
}

export interface Rawprogram {
  entries: RawEntry[];
  sectorSize: number;
  pagesPerBlock?: number;
  /**
   * The NAND size in pages the file states in its header comments, as Quectel's generated files
   * do ("<!--NUM_PARTITION_SECTORS  = 131072-->" beside "BlockSize = 128 KB" and "PageSize  = 2 KB"
   * in the EG25-G update XML, test/fixtures/real/eg25g).
   */
  statedTotalSectors?: number;
  warnings: string[];
}

/** The header comments' NAND size in pages, when they state one consistent with the lines' page size. */
export function statedGeometry(
  comments: readonly string[],
  sectorSize: number | undefined,
): { totalSectors?: number; problem?: string } {
  const find = (re: RegExp): number | undefined => {
    for (const c of comments) {
      const m = re.exec(c);
      if (m) return Number(m[1]);
    }
    return undefined;
  };
  const total = find(/^NUM_PARTITION_SECTORS\s*=\s*(\d{1,12})\s*$/i);
  const pageKb = find(/^PageSize\s*=\s*(\d{1,3})\s*KB\s*$/i);
  if (total === undefined || total <= 0) return {};
  if (pageKb !== undefined && sectorSize !== undefined && pageKb * 1024 !== sectorSize) {
    return { problem: `its header says PageSize = ${pageKb} KB, but its lines write ${sectorSize}-byte sectors.` };
  }
  return { totalSectors: total };
}

/** Largest sector number accepted (a 2^40-page device is far beyond any modem). */
const MAX_SECTOR = 2 ** 40;

export async function loadRawprogram(file: string): Promise<Rawprogram> {
  return parseRawprogram(await readPackageXml(file), file);
}

export function parseRawprogram(root: XmlElement, file: string): Rawprogram {
  const top: XmlOrigin = { file, line: root.line };
  if (root.name !== 'data') throw badXml(top, `the root element is <${root.name}>, expected <data>.`);
  const entries: RawEntry[] = [];
  const warnings: string[] = [];
  let sectorSize: number | undefined;
  let pagesPerBlock: number | undefined;
  for (const el of root.children) {
    const o: XmlOrigin = { file, line: el.line };
    if (el.name !== 'program' && el.name !== 'erase') {
      warnings.push(`${fileLine(o)}: <${el.name}> is not a program or erase line; ignored.`);
      continue;
    }
    const ss = intAttr(el, 'SECTOR_SIZE_IN_BYTES', o);
    checkSectorSize(ss, o);
    if (sectorSize === undefined) sectorSize = ss;
    else if (ss !== sectorSize)
      throw badXml(o, `SECTOR_SIZE_IN_BYTES=${ss} differs from ${sectorSize} of the lines before.`);
    const ppb = optionalIntAttr(el, 'PAGES_PER_BLOCK', o);
    if (ppb !== undefined) {
      if (ppb < 1 || ppb > 4096) throw badXml(o, `PAGES_PER_BLOCK=${ppb} is out of range.`);
      if (pagesPerBlock === undefined) pagesPerBlock = ppb;
      else if (ppb !== pagesPerBlock)
        throw badXml(o, `PAGES_PER_BLOCK=${ppb} differs from ${pagesPerBlock} of the lines before.`);
    }
    const numSectors = intAttr(el, 'num_partition_sectors', o);
    const startSector = intAttr(el, 'start_sector', o);
    const physicalPartition = intAttr(el, 'physical_partition_number', o);
    if (numSectors === 0) throw badXml(o, `num_partition_sectors is 0.`);
    if (startSector + numSectors > MAX_SECTOR)
      throw badXml(o, `start_sector + num_partition_sectors is beyond any device.`);
    if (physicalPartition > 255) throw badXml(o, `physical_partition_number=${physicalPartition} is out of range.`);
    const entry: RawEntry = {
      operation: el.name,
      sectorSize: ss,
      numSectors,
      physicalPartition,
      startSector,
      origin: o,
    };
    if (ppb !== undefined) entry.pagesPerBlock = ppb;
    const label = el.attrs.label?.trim();
    if (label) entry.label = label;
    if (el.name === 'program') {
      const filename = el.attrs.filename?.trim() ?? '';
      if (filename === '') {
        warnings.push(`${fileLine(o)}: a program line without a file name; nothing to write there, skipped.`);
        continue;
      }
      entry.filename = filename;
    }
    entries.push(entry);
  }
  if (sectorSize === undefined) throw badXml(top, 'the file has no program or erase lines.');
  checkProgramOverlaps(entries);
  const out: Rawprogram = { entries, sectorSize, warnings };
  if (pagesPerBlock !== undefined) out.pagesPerBlock = pagesPerBlock;
  const stated = statedGeometry(root.comments ?? [], sectorSize);
  if (stated.problem) throw badXml(top, stated.problem);
  if (stated.totalSectors !== undefined) out.statedTotalSectors = stated.totalSectors;
  return out;
}

/** Two program lines writing the same sectors: the package is broken. */
function checkProgramOverlaps(entries: RawEntry[]): void {
  const programs = entries
    .filter((e) => e.operation === 'program')
    .sort((a, b) => a.physicalPartition - b.physicalPartition || a.startSector - b.startSector);
  for (let i = 1; i < programs.length; i++) {
    const a = programs[i - 1]!;
    const b = programs[i]!;
    if (a.physicalPartition === b.physicalPartition && b.startSector < a.startSector + a.numSectors) {
      throw badXml(
        b.origin,
        `the program of ${b.filename} (sectors ${b.startSector}+${b.numSectors}) overlaps the one of ${a.filename} at line ${a.origin.line}.`,
      );
    }
  }
}

function fileLine(o: XmlOrigin): string {
  return `${o.file.split(/[\\/]/).pop()} line ${o.line}`;
}
