// Loading a firmware package: find its parts, read and check everything, and build the flash
// plan. Every problem found is collected (so a user sees them all at once); assertFlashable()
// turns them into one error. Nothing on the device is touched here.

import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ERRORS, RescueError, type ErrorCode } from '../../shared/errors.js';
import { throwIfAborted } from '../util/deadline.js';
import { readInputText } from '../util/input-file.js';
import { choosePatchXml, chooseRawprogram } from './choose.js';
import { patchRangeProblem, type FilePatch } from './file-patch.js';
import { verifyMd5Txt } from './md5.js';
import { loadPatches, type PatchEntry } from './patch.js';
import { isInside, resolveExistingPackagePath } from './paths.js';
import { buildPlan, displayName, type PlanInput, type PlanStep } from './plan.js';
import { checkProgrammer, findProgrammer } from './programmer.js';
import { loadRawprogram, type Rawprogram } from './rawprogram.js';
import { openPackageSource } from './source.js';
import type { ZipLimits } from './zip.js';

export interface PackageProblem {
  code: ErrorCode;
  message: string;
  file?: string;
}

export interface FirmwarePackage {
  root: string;
  /** '' when the package has none (a PACKAGE_NO_PROGRAMMER problem says so). */
  programmerPath: string;
  rawprogramPath: string;
  rawprogramReason: string;
  patchPath?: string;
  plan: PlanStep[];
  problems: PackageProblem[];
  warnings: string[];
  geometry: { sectorSize: number; pagesPerBlock: number };
  version?: string;
  totalProgramBytes: number;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  signal?: AbortSignal;
  /** Check md5.txt (default true). */
  verifyMd5?: boolean;
  zipLimits?: Partial<ZipLimits>;
}

const VERSION = /[A-Z]{2}\d{2}[A-Z0-9]*R\d{2}A\d{2}[A-Z0-9]*(?:_\d{2}\.\d{3}\.\d{2}\.\d{3})?/i;

export async function loadPackage(input: string, opts: LoadOptions = {}): Promise<FirmwarePackage> {
  const { signal } = opts;
  throwIfAborted(signal);
  const src = await openPackageSource(input, { ...(signal ? { signal } : {}), ...(opts.zipLimits ? { zipLimits: opts.zipLimits } : {}) });
  try {
    return await inspect(src.root, src.updateDir, src.firehoseDir, src.displayName, opts, () => src.dispose());
  } catch (e) {
    await src.dispose();
    throw e;
  }
}

async function inspect(root: string, updateDir: string, firehoseDir: string, name: string, opts: LoadOptions, dispose: () => Promise<void>): Promise<FirmwarePackage> {
  const { signal } = opts;
  const problems: PackageProblem[] = [];
  const warnings: string[] = [];
  const problem = (e: unknown, file?: string): void => {
    if (!(e instanceof RescueError) || e.code === 'CANCELLED') throw e;
    problems.push({ code: e.code, message: e.message, ...(file ? { file } : {}) });
  };

  const choice = await chooseRawprogram(firehoseDir);
  warnings.push(...choice.warnings);
  const rawprogramPath = choice.path;
  let raw: Rawprogram | undefined;
  try {
    await resolveExistingPackagePath(root, firehoseDir, path.basename(rawprogramPath), 'The rawprogram XML');
    raw = await loadRawprogram(rawprogramPath);
    warnings.push(...raw.warnings);
  } catch (e) {
    problem(e, rawprogramPath);
  }

  const patchChoice = await choosePatchXml(firehoseDir, rawprogramPath);
  let patches: PatchEntry[] = [];
  if (patchChoice.problem) problems.push({ code: 'PACKAGE_BAD_PATCH', message: new RescueError('PACKAGE_BAD_PATCH', patchChoice.problem).message });
  if (patchChoice.path) {
    try {
      await resolveExistingPackagePath(root, firehoseDir, path.basename(patchChoice.path), 'The patch XML');
      patches = await loadPatches(patchChoice.path);
    } catch (e) {
      problem(e, patchChoice.path);
    }
  }

  const sectorSize = raw?.sectorSize ?? 0;
  let pagesPerBlock = raw?.pagesPerBlock ?? 64;
  if (raw && raw.pagesPerBlock === undefined) warnings.push(`${path.basename(rawprogramPath)} gives no PAGES_PER_BLOCK; assuming 64.`);
  if (!raw) pagesPerBlock = 0;

  // Image files: where they are, that they exist, are not empty and fit their partition.
  const inputs: PlanInput[] = [];
  const sizes = new Map<string, number>();
  const reported = new Set<string>();
  const once = (key: string, code: ErrorCode, detail: string, file: string): void => {
    if (reported.has(key)) return;
    reported.add(key);
    problems.push({ code, message: new RescueError(code, detail).message, file });
  };
  for (const e of raw?.entries ?? []) {
    throwIfAborted(signal);
    const input: PlanInput = { ...e };
    inputs.push(input);
    if (e.operation !== 'program' || e.filename === undefined) continue;
    const where = `${path.basename(rawprogramPath)} line ${e.origin.line}`;
    let resolved: { path: string; exists: boolean };
    try {
      resolved = await resolveExistingPackagePath(root, path.dirname(rawprogramPath), e.filename, where);
    } catch (err) {
      problem(err, e.filename);
      continue;
    }
    input.path = resolved.path;
    const shown = displayName(e.filename);
    const st = resolved.exists ? await stat(resolved.path).catch(() => undefined) : undefined;
    if (!st?.isFile()) {
      once(`missing:${resolved.path}`, 'PACKAGE_MISSING_FILE', `${shown} (${where}) is not in the package.`, resolved.path);
      continue;
    }
    input.bytes = st.size;
    sizes.set(resolved.path, st.size);
    if (st.size === 0) once(`empty:${resolved.path}`, 'PACKAGE_EMPTY_FILE', `${shown} (${where}) is empty.`, resolved.path);
    else if (Math.ceil(st.size / e.sectorSize) > e.numSectors) {
      once(`large:${resolved.path}:${e.numSectors}`, 'PACKAGE_FILE_TOO_LARGE', `${shown} is ${st.size} bytes (${Math.ceil(st.size / e.sectorSize)} sectors), but its partition (${where}) holds ${e.numSectors} sectors of ${e.sectorSize} bytes.`, resolved.path);
    }
  }

  // File patches go with the program steps of their file; DISK patches become plan steps.
  const diskPatches = patches.filter((p) => p.isDisk);
  for (const p of patches.filter((q) => !q.isDisk)) {
    const where = `${path.basename(p.origin.file)} line ${p.origin.line}`;
    let target: string;
    try {
      target = (await resolveExistingPackagePath(root, path.dirname(p.origin.file), p.filename, where)).path;
    } catch (err) {
      problem(err, p.filename);
      continue;
    }
    const users = inputs.filter((i) => i.operation === 'program' && i.path === target);
    if (users.length === 0) {
      warnings.push(`${where} patches ${p.filename}, which no program line writes; ignored.`);
      continue;
    }
    for (const u of users) {
      const fp: FilePatch = { start_sector: p.startSector, byte_offset: p.byteOffset, sector_size: p.sectorSize, size_in_bytes: p.sizeInBytes, value: p.valueText, what: p.what, source: where };
      if (u.pagesPerBlock !== undefined) fp.pages_per_block = u.pagesPerBlock;
      else if (raw?.pagesPerBlock !== undefined) fp.pages_per_block = raw.pagesPerBlock;
      if (p.sectorSize !== u.sectorSize) problems.push({ code: 'PACKAGE_BAD_PATCH', message: new RescueError('PACKAGE_BAD_PATCH', `${where}: SECTOR_SIZE_IN_BYTES=${p.sectorSize}, but ${p.filename} is written with ${u.sectorSize}.`).message, file: target });
      const size = sizes.get(target);
      const rangeProblem = size !== undefined && size > 0 ? patchRangeProblem(fp, size) : undefined;
      if (rangeProblem) once(`patch:${where}`, 'PACKAGE_BAD_PATCH', rangeProblem, target);
      (u.filePatches ??= []).push(fp);
    }
  }
  for (const p of diskPatches) if (raw && p.sectorSize !== raw.sectorSize) problems.push({ code: 'PACKAGE_BAD_PATCH', message: new RescueError('PACKAGE_BAD_PATCH', `${path.basename(p.origin.file)} line ${p.origin.line}: SECTOR_SIZE_IN_BYTES=${p.sectorSize} differs from the rawprogram XML's ${raw.sectorSize}.`).message });

  warnings.push(...uncoveredPrograms(inputs));

  // The programmer.
  let programmerPath = '';
  try {
    const found = await findProgrammer([firehoseDir, updateDir], /nand/i.test(path.basename(rawprogramPath)));
    programmerPath = (await resolveExistingPackagePath(root, path.dirname(found), path.basename(found), 'The programmer')).path;
    await checkProgrammer(programmerPath);
  } catch (e) {
    problem(e, programmerPath || undefined);
  }

  // md5.txt.
  if (opts.verifyMd5 !== false) {
    const md5Name = (await readdir(root).catch(() => [] as string[])).find((n) => n.toLowerCase() === 'md5.txt');
    if (md5Name) {
      try {
        const md5Path = (await resolveExistingPackagePath(root, root, md5Name, 'md5.txt')).path;
        // Files already refused (too large, empty, not a programmer) are not hashed as well.
        const refused = new Set(problems.flatMap((p) => (p.file ? [p.file] : [])));
        const r = await verifyMd5Txt(root, md5Path, signal, refused);
        problems.push(...r.problems);
        warnings.push(...r.warnings);
      } catch (e) {
        problem(e, md5Name);
      }
    } else warnings.push('The package has no md5.txt, so its files could not be checked for damage.');
  } else warnings.push('md5.txt was not checked (asked not to).');

  const plan = raw ? buildPlan(inputs, diskPatches, { sectorSize, pagesPerBlock }) : [];
  const version = await findVersion(root, name);
  const pkg: FirmwarePackage = {
    root,
    programmerPath,
    rawprogramPath,
    rawprogramReason: choice.reason,
    plan,
    problems,
    warnings,
    geometry: { sectorSize, pagesPerBlock },
    totalProgramBytes: plan.filter((s) => s.operation === 'program').reduce((n, s) => n + s.bytes, 0),
    dispose,
  };
  if (patchChoice.path) pkg.patchPath = patchChoice.path;
  if (version) pkg.version = version;
  return pkg;
}

/** Programs whose sectors no erase line covers: NAND pages must be erased before they are written. */
function uncoveredPrograms(inputs: readonly PlanInput[]): string[] {
  const erases = inputs.filter((e) => e.operation === 'erase');
  return inputs
    .filter((p) => p.operation === 'program')
    .filter((p) => !erases.some((e) => e.physicalPartition === p.physicalPartition && e.startSector <= p.startSector && e.startSector + e.numSectors >= p.startSector + p.numSectors))
    .map((p) => `No erase line covers ${p.filename ?? 'the program'} at sector ${p.startSector} (${path.basename(p.origin.file)} line ${p.origin.line}); the programmer writes it over whatever is there.`);
}

async function findVersion(root: string, name: string): Promise<string | undefined> {
  const fromName = VERSION.exec(name)?.[0];
  if (fromName) return fromName;
  const contents = (await readdir(root).catch(() => [] as string[])).find((n) => n.toLowerCase() === 'contents.xml');
  if (!contents) return undefined;
  const file = path.join(root, contents);
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile() || st.size > 1024 * 1024) return undefined;
  const real = await realpath(file).catch(() => file);
  if (!isInside(await realpath(root), real)) return undefined;
  const text = await readInputText(real, { maxBytes: 1024 * 1024, code: 'PACKAGE_BAD_XML' }).catch(() => '');
  return VERSION.exec(text)?.[0];
}

/** Throw the first problem's code with every problem listed; return quietly when there are none. */
export function assertFlashable(pkg: FirmwarePackage): void {
  const first = pkg.problems[0];
  if (!first) return;
  const list = pkg.problems.map((p) => `- ${p.message}`).join('\n');
  throw new RescueError(first.code, pkg.problems.length === 1 ? stripSentence(first) : `${pkg.problems.length} problems:\n${list}`);
}

/** The message without the catalogue sentence the new error adds again. */
function stripSentence(p: PackageProblem): string {
  const sentence = ERRORS[p.code].sentence;
  return p.message.startsWith(sentence) ? p.message.slice(sentence.length).trim() : p.message;
}
