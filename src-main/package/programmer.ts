// The Firehose programmer of a package: prog_*firehose*.mbn in update/firehose. For a NAND XML
// the NAND programmer is preferred. It is read into memory (Sahara serves it by offset), so its
// size is bounded, and it must be an ELF: anything else would be refused by the modem's PBL.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { ElfError, parseElf } from '../protocol/elf.js';
import { readInputFile } from '../util/input-file.js';

export const MAX_PROGRAMMER_BYTES = 16 * 1024 * 1024;

const PROGRAMMER_NAME = /^prog_.*firehose.*\.(mbn|elf|bin)$/i;

/** Pick the programmer among the files of `dir`; throws PACKAGE_NO_PROGRAMMER when there is none. */
export async function findProgrammer(dirs: string[], preferNand: boolean): Promise<string> {
  const candidates: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (PROGRAMMER_NAME.test(n)) candidates.push(path.join(dir, n));
  }
  if (candidates.length === 0)
    throw new RescueError(
      'PACKAGE_NO_PROGRAMMER',
      `No prog_*firehose*.mbn in ${dirs.map((d) => path.basename(d)).join(' or ')}.`,
    );
  const score = (p: string): number => {
    const n = path.basename(p).toLowerCase();
    if (n === 'prog_nand_firehose_9x07.mbn' && preferNand) return 0;
    if (n.includes('nand') === preferNand) return 1;
    return 2;
  };
  return [...candidates].sort((a, b) => score(a) - score(b))[0]!;
}

/** The programmer's bytes: a regular file of at most MAX_PROGRAMMER_BYTES, or PACKAGE_NO_PROGRAMMER. */
export function readProgrammer(file: string, signal?: AbortSignal): Promise<Buffer> {
  return readInputFile(file, {
    maxBytes: MAX_PROGRAMMER_BYTES,
    what: 'a Firehose programmer',
    code: 'PACKAGE_NO_PROGRAMMER',
    ...(signal ? { signal } : {}),
  });
}

/** Check the programmer file: bounded size, a parseable ELF. Throws PACKAGE_NO_PROGRAMMER. */
export async function checkProgrammer(file: string): Promise<void> {
  const name = path.basename(file);
  const bytes = new Uint8Array(await readProgrammer(file));
  try {
    parseElf(bytes);
  } catch (e) {
    const why = e instanceof ElfError ? e.message : String(e);
    throw new RescueError('PACKAGE_NO_PROGRAMMER', `${name} is not a valid programmer: ${why}.`);
  }
}
