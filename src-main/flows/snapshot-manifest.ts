// A firmware snapshot's pure parts: which ranges a plan touches (so a snapshot saves exactly what
// a flash overwrites), the folder layout, the manifest (and its checks when read back), and the
// snapshot's own rawprogram/patch XML and md5.txt, so the folder is a package like Quectel's:
//   DIR/snapshot.json  DIR/md5.txt  DIR/update/<label>.bin
//   DIR/update/firehose/<programmer>  rawprogram_nand_<geometry>_update.xml  patch_<geometry>.xml
// No I/O here; flows/snapshot.ts reads the modem and writes the files.

import { RescueError } from '../../shared/errors.js';
import type { PlanStep } from '../package/plan.js';
import { escapeAttr } from '../util/xml.js';

export const SNAPSHOT_FORMAT = 'modem-rescue-snapshot/1';
export const MANIFEST_NAME = 'snapshot.json';

/** One range of the NAND a plan erases, programs or patches, as the programmer addresses it. */
export interface SnapshotRange {
  label: string;
  physicalPartition: number;
  startSector: number;
  numSectors: number;
  sectorSize: number;
  pagesPerBlock: number;
}

export interface SnapshotPartition extends SnapshotRange {
  /** Image path relative to the snapshot folder ("update/modem.bin"); absent when the range read all erased. */
  image?: string;
  /** Bytes of the image: the range up to its last page that is not erased (0xFF). */
  imageBytes: number;
  /** SHA-256 and MD5 of the image file. */
  sha256: string;
  md5: string;
  /** SHA-256 of the whole range as read. */
  rangeSha256: string;
  /** How the read was checked: the programmer's digest of the same range, or a second read. */
  verifiedBy: 'digest' | 'second read';
}

export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  /** True only once every image is written, verified and the XML is in place. */
  complete: boolean;
  createdAt: string;
  module: { serial?: string; model?: string; firmware?: string };
  /** The package whose flash this snapshot was taken for, when there was one. */
  takenBefore?: string;
  geometry: { sectorSize: number; pagesPerBlock: number };
  programmer: string;
  partitions: SnapshotPartition[];
  /** Bytes read from the modem and bytes the images take on disk. */
  bytesRead: number;
  bytesOnDisk: number;
}

/**
 * Every range the plan erases or programs (and the block of each DISK patch outside them), widened
 * to whole blocks (an erase takes whole blocks), overlaps merged, in NAND order.
 */
export function snapshotRanges(plan: readonly PlanStep[]): SnapshotRange[] {
  const raw: SnapshotRange[] = [];
  for (const s of plan) {
    if (s.operation === 'erase' || s.operation === 'program') {
      raw.push(blockAligned(s.label, s, s.start_sector, s.num_sectors));
    } else if (s.operation === 'patch' && s.disk_patch) {
      const first = s.start_sector + Math.floor(s.disk_patch.byteOffset / s.sector_size);
      const last =
        s.start_sector + Math.floor((s.disk_patch.byteOffset + s.disk_patch.sizeInBytes - 1) / s.sector_size);
      raw.push(blockAligned(`patched ${s.label}`, s, first, last - first + 1));
    }
  }
  raw.sort((a, b) => a.physicalPartition - b.physicalPartition || a.startSector - b.startSector);
  const out: SnapshotRange[] = [];
  for (const r of raw) {
    const prev = out[out.length - 1];
    if (prev && prev.physicalPartition === r.physicalPartition && r.startSector < prev.startSector + prev.numSectors) {
      const end = Math.max(prev.startSector + prev.numSectors, r.startSector + r.numSectors);
      prev.numSectors = end - prev.startSector;
    } else out.push({ ...r });
  }
  return out;
}

function blockAligned(label: string, s: PlanStep, start: number, count: number): SnapshotRange {
  const ppb = Math.max(1, s.pages_per_block);
  const first = Math.floor(start / ppb) * ppb;
  const end = Math.ceil((start + count) / ppb) * ppb;
  return {
    label,
    physicalPartition: s.physical_partition,
    startSector: first,
    numSectors: end - first,
    sectorSize: s.sector_size,
    pagesPerBlock: ppb,
  };
}

/** A file name for each range's image: its label in safe characters, unique in the snapshot. */
export function imageNames(ranges: readonly SnapshotRange[]): string[] {
  const used = new Set<string>();
  return ranges.map((r) => {
    const base =
      r.label
        .replace(/\.(mbn|ubi|img|bin|elf)$/i, '')
        .replace(/[^A-Za-z0-9_-]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .slice(0, 40) || `sectors_${r.startSector}`;
    let name = `${base}.bin`;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base}_${i}.bin`;
    used.add(name.toLowerCase());
    return name;
  });
}

/** The geometry tag of Quectel's file names: p2K_b128K. */
export function geometryTag(g: { sectorSize: number; pagesPerBlock: number }): string {
  const kib = (n: number): string => (n % 1024 === 0 ? `${n / 1024}K` : `${n}B`);
  return `p${kib(g.sectorSize)}_b${kib(g.sectorSize * g.pagesPerBlock)}`;
}

export function rawprogramName(g: { sectorSize: number; pagesPerBlock: number }): string {
  return `rawprogram_nand_${geometryTag(g)}_update.xml`;
}

export function patchName(g: { sectorSize: number; pagesPerBlock: number }): string {
  return `patch_${geometryTag(g)}.xml`;
}

/** The snapshot's rawprogram XML: an erase of every range, then a program of its image (file names relative to update/firehose). */
export function snapshotRawprogramXml(m: SnapshotManifest): string {
  const g = m.geometry;
  const total = m.partitions.reduce((n, p) => Math.max(n, p.startSector + p.numSectors), 0);
  const out = [
    '<?xml version="1.0" ?>',
    '<data>',
    `  <!--Firmware snapshot written by Modem Rescue on ${m.createdAt}: what this module held before a flash.-->`,
    `  <!--BlockSize = ${(g.sectorSize * g.pagesPerBlock) / 1024} KB-->`,
    `  <!--PageSize  = ${g.sectorSize / 1024} KB-->`,
    `  <!--Ranges end at page ${total}; pages after an image's end read erased (0xFF) when it was taken.-->`,
  ];
  for (const p of m.partitions) {
    const attrs = (el: 'erase' | 'program'): string =>
      `PAGES_PER_BLOCK="${p.pagesPerBlock}" SECTOR_SIZE_IN_BYTES="${p.sectorSize}"${el === 'program' ? ` filename="..\\${escapeAttr(baseName(p.image!))}"` : ''} label="${escapeAttr(p.label)}" num_partition_sectors="${p.numSectors}" physical_partition_number="${p.physicalPartition}" start_sector="${p.startSector}"`;
    out.push(`  <erase ${attrs('erase')}/>`);
    if (p.image) out.push(`  <program ${attrs('program')}/>`);
  }
  out.push('</data>', '');
  return out.join('\n');
}

/** No patches: the images hold the bytes as the modem held them, patches included. */
export function snapshotPatchXml(): string {
  return [
    '<?xml version="1.0" ?>',
    '<patches>',
    '  <!--Firmware snapshot: the images are what the module held, DISK patches included; nothing to patch.-->',
    '</patches>',
    '',
  ].join('\n');
}

/** md5.txt in Quectel's form (FILE:\update\x.bin:<md5>, CRLF), over every image. */
export function snapshotMd5Txt(m: SnapshotManifest): string {
  return m.partitions
    .filter((p) => p.image)
    .map((p) => `FILE:\\${p.image!.split('/').join('\\')}:${p.md5}\r\n`)
    .join('');
}

function baseName(p: string): string {
  return p.split('/').pop() ?? p;
}

/** Checks a manifest read back from disk; throws SNAPSHOT_BAD naming what is wrong. */
export function parseManifest(text: string, where: string): SnapshotManifest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RescueError('SNAPSHOT_BAD', `${where} is not JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  const bad = (why: string): never => {
    throw new RescueError('SNAPSHOT_BAD', `${where}: ${why}.`);
  };
  if (typeof v !== 'object' || v === null) return bad('not an object');
  const m = v as Partial<SnapshotManifest>;
  if (m.format !== SNAPSHOT_FORMAT) return bad(`format is ${JSON.stringify(m.format)}, expected ${SNAPSHOT_FORMAT}`);
  if (typeof m.complete !== 'boolean') return bad('no "complete" field');
  if (typeof m.createdAt !== 'string') return bad('no date');
  if (typeof m.module !== 'object' || m.module === null) return bad('no module');
  if (!Array.isArray(m.partitions)) return bad('no partition list');
  for (const p of m.partitions as unknown[]) {
    const q = p as Partial<SnapshotPartition>;
    const ints = [q.startSector, q.numSectors, q.sectorSize, q.pagesPerBlock, q.imageBytes, q.physicalPartition];
    if (typeof q.label !== 'string' || !ints.every((n) => Number.isSafeInteger(n) && n! >= 0))
      return bad('a partition entry is malformed');
    if (
      q.image !== undefined &&
      (typeof q.image !== 'string' || !/^update\/[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(q.image))
    )
      return bad(`the image name ${JSON.stringify(q.image)} is not a file in update/`);
  }
  return m as SnapshotManifest;
}

/** The module serial as a comparable string, or undefined for none ("0" is what some programmers print for "unknown"). */
export function normalSerial(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  return t === '' || /^0+$/.test(t) ? undefined : t;
}
