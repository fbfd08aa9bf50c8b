// Microsoft Compound File Binary (the container of a QCN backup): the format's facts shared by
// the hardened reader (cfb-reader.ts) and the deterministic writer (cfb-writer.ts). Written from
// the published format description ([MS-CFB]).
//
// Reader: every sector index and chain is checked against the file, loops and cross-linked
// chains are refused, declared sizes must fit their chains, and nothing is allocated beyond what
// the file itself holds. Writer: version 3, 512-byte sectors, mini stream for streams under
// 4096 bytes, all directory nodes black in a balanced tree, only the given streams and storages.
//
// Sibling order: the reader gives a storage's children in directory-entry order, which is the
// order the writing program created them in (QPST: File_Version, then the model storage; under
// "default" NV_NUMBERED_ITEMS, Mobile_Property_Info, Feature_Mask, EFS_Backup...), and the writer
// lays entries out in the order it is given; the sibling search tree is built apart from that.
// Storages (and the root) carry creation and modification times (FILETIME, 100 ns since 1601);
// QPST sets both on storages, only the modification time on the root, none on streams.

import { RescueError } from '../../shared/errors.js';

export interface CfbStream {
  kind: 'stream';
  name: string;
  data: Uint8Array;
}
export interface CfbStorage {
  kind: 'storage';
  name: string;
  children: CfbNode[];
  /** Creation time (FILETIME); 0 or absent = not recorded. */
  created?: bigint;
  /** Modification time (FILETIME); 0 or absent = not recorded. */
  modified?: bigint;
}
export type CfbNode = CfbStream | CfbStorage;

/** A QCN is a few MB; anything past this is refused before it is read. */
export const MAX_CFB_BYTES = 64 * 1024 * 1024;

export const MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
export const MAXREGSECT = 0xfffffffa;
export const DIFSECT = 0xfffffffc;
export const FATSECT = 0xfffffffd;
export const ENDOFCHAIN = 0xfffffffe;
export const FREESECT = 0xffffffff;
export const NOSTREAM = 0xffffffff;
export const HEADER = 512;
export const MINI_CUTOFF = 4096;
export const MINI_SECTOR = 64;
export const DIR_ENTRY = 128;
export const MAX_DEPTH = 64;

export function corrupt(what: string): RescueError {
  return new RescueError('QCN_CORRUPT', `The QCN file is damaged: ${what}.`);
}

/** Compare two names the way the directory's sibling tree orders them: length first, then upper case. */
export function compareCfbNames(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** A name the format allows: 1..31 UTF-16 units, none of / \ : ! and no NUL. */
export function validCfbName(name: string): boolean {
  return name.length >= 1 && name.length <= 31 && !/[/\\:!]/.test(name) && !name.includes('\0');
}

// ------------------------------------------------------------------------------------------
// Reader

export interface DirEntry {
  name: string;
  type: number;
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
  created: bigint;
  modified: bigint;
}

/** FILETIME (100 ns ticks since 1601-01-01) of a JavaScript time. */
export function toFiletime(d: Date): bigint {
  return (BigInt(d.getTime()) + 11_644_473_600_000n) * 10_000n;
}

/** The JavaScript time of a FILETIME (undefined for 0 = not recorded). */
export function fromFiletime(t: bigint | undefined): Date | undefined {
  if (!t) return undefined;
  return new Date(Number(t / 10_000n - 11_644_473_600_000n));
}
