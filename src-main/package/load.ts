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
import { buildPlan, displayName, rangeProblems, type PlanInput, type PlanStep } from './plan.js';
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
  /** totalSectors: the NAND size in pages the rawprogram XML states, when it does. */
  geometry: { sectorSize: number; pagesPerBlock: number; totalSectors?: number };
  /** The patch XML's file patches (filename != "DISK") and whether this flash lays them over the images. */
  filePatches: FilePatchNote[];
  version?: string;
  totalProgramBytes: number;
  dispose(): Promise<void>;
}

/** A file patch of the package, as `package inspect` lists it. */
export interface FilePatchNote {
  file: string;
  value: string;
  what: string;
  source: string;
  applied: boolean;
}

/**
 * Why file patches are not applied by default. QFirehose (firehose_protocol.c, its <patch> parsing
 * drops every patch whose filename is not "DISK") and bkerler/edl (firehose_client.py: `if filename
 * != "DISK": continue`) program every file as shipped and send only DISK patches; modules flashed
 * by them boot. Quectel's MIBIB patches (NUM_DISK_BLOCKS-N., CRC32) therefore never run in the field.
 */
export const FILE_PATCHES_NOT_APPLIED =
  'not applied: files are written as shipped, as QFirehose and edl do (only DISK patches are sent to the modem)';

export interface LoadOptions {
  signal?: AbortSignal | undefined;
  /** Lay the patch XML's file patches over the images (off by default, as QFirehose and edl). */
  applyFilePatches?: boolean;
  /** Check md5.txt (default true). */
  verifyMd5?: boolean;
  zipLimits?: Partial<ZipLimits>;
}

const VERSION = /[A-Z]{2}\d{2}[A-Z0-9]*R\d{2}A\d{2}[A-Z0-9]*(?:_\d{2}\.\d{3}\.\d{2}\.\d{3})?/i;

export async function loadPackage(input: string, opts: LoadOptions = {}): Promise<FirmwarePackage> {
  const { signal } = opts;
  throwIfAborted(signal);
  const src = await openPackageSource(input, {
    ...(signal ? { signal } : {}),
    ...(opts.zipLimits ? { zipLimits: opts.zipLimits } : {}),
  });
  try {
    return await inspect(
      { root: src.root, updateDir: src.updateDir, firehoseDir: src.firehoseDir, name: src.displayName },
      opts,
      () => src.dispose(),
    );
  } catch (e) {
    await src.dispose();
    throw e;
  }
}

/** What the loader found: every problem (so a user sees them all at once) and every warning. */
class Findings {
  readonly problems: PackageProblem[] = [];
  readonly warnings: string[] = [];
  private readonly reported = new Set<string>();

  /** A RescueError becomes a problem; anything else (a bug, a cancel) is thrown on. */
  caught(e: unknown, file?: string): void {
    if (!(e instanceof RescueError) || e.code === 'CANCELLED') throw e;
    this.problems.push({ code: e.code, message: e.message, ...(file ? { file } : {}) });
  }

  add(code: ErrorCode, detail: string, file?: string): void {
    this.problems.push({ code, message: new RescueError(code, detail).message, ...(file ? { file } : {}) });
  }

  /** A problem reported once per key (a file several lines name). */
  once(key: string, code: ErrorCode, detail: string, file: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.add(code, detail, file);
  }
}

interface PackageDirs {
  root: string;
  updateDir: string;
  firehoseDir: string;
  name: string;
}

/** Inspect a package's parts, one step each; nothing on the device is touched. */
async function inspect(dirs: PackageDirs, opts: LoadOptions, dispose: () => Promise<void>): Promise<FirmwarePackage> {
  const f = new Findings();
  const { root, firehoseDir } = dirs;
  const choice = await chooseRawprogram(firehoseDir);
  f.warnings.push(...choice.warnings);
  const rawprogramPath = choice.path;
  const raw = await readRawprogram(root, firehoseDir, rawprogramPath, f);
  const patchXml = await readPatchXml(root, firehoseDir, rawprogramPath, f);

  const sectorSize = raw?.sectorSize ?? 0;
  const pagesPerBlock = raw ? (raw.pagesPerBlock ?? 64) : 0;
  if (raw && raw.pagesPerBlock === undefined)
    f.warnings.push(`${path.basename(rawprogramPath)} gives no PAGES_PER_BLOCK; assuming 64.`);

  const images = await checkImages(root, rawprogramPath, raw, f, opts.signal);
  // DISK patches become plan steps. File patches are listed, and go with the program steps of
  // their file only when asked for (see FILE_PATCHES_NOT_APPLIED).
  const diskPatches = patchXml.patches.filter((p) => p.isDisk);
  const filePatches = await fileSteps(root, patchXml.patches, images, raw, opts.applyFilePatches === true, f);
  for (const p of diskPatches)
    if (raw && p.sectorSize !== raw.sectorSize)
      f.add(
        'PACKAGE_BAD_PATCH',
        `${path.basename(p.origin.file)} line ${p.origin.line}: SECTOR_SIZE_IN_BYTES=${p.sectorSize} differs from the rawprogram XML's ${raw.sectorSize}.`,
      );
  f.warnings.push(...uncoveredPrograms(images.inputs));

  const programmerPath = await locateProgrammer(dirs, rawprogramPath, f);
  if (opts.verifyMd5 !== false) await checkMd5(root, f, opts.signal);
  else f.warnings.push('md5.txt was not checked (asked not to).');

  const plan = raw ? buildPlan(images.inputs, diskPatches, { sectorSize, pagesPerBlock }) : [];
  // Every range against the NAND size the XML states (the device's own answer is checked again
  // before the first erase, flows/preflight.ts).
  if (raw?.statedTotalSectors !== undefined) {
    for (const message of rangeProblems(plan, raw.statedTotalSectors, `as ${path.basename(rawprogramPath)} states`))
      f.add('PACKAGE_BAD_XML', message, rawprogramPath);
  }
  const version = await findVersion(root, dirs.name);
  const pkg: FirmwarePackage = {
    root,
    programmerPath,
    rawprogramPath,
    rawprogramReason: choice.reason,
    plan,
    problems: f.problems,
    warnings: f.warnings,
    geometry: {
      sectorSize,
      pagesPerBlock,
      ...(raw?.statedTotalSectors !== undefined ? { totalSectors: raw.statedTotalSectors } : {}),
    },
    filePatches,
    totalProgramBytes: plan.filter((s) => s.operation === 'program').reduce((n, s) => n + s.bytes, 0),
    dispose,
  };
  if (patchXml.path) pkg.patchPath = patchXml.path;
  if (version) pkg.version = version;
  return pkg;
}

async function readRawprogram(
  root: string,
  firehoseDir: string,
  rawprogramPath: string,
  f: Findings,
): Promise<Rawprogram | undefined> {
  try {
    await resolveExistingPackagePath(root, firehoseDir, path.basename(rawprogramPath), 'The rawprogram XML');
    const raw = await loadRawprogram(rawprogramPath);
    f.warnings.push(...raw.warnings);
    return raw;
  } catch (e) {
    f.caught(e, rawprogramPath);
    return undefined;
  }
}

async function readPatchXml(
  root: string,
  firehoseDir: string,
  rawprogramPath: string,
  f: Findings,
): Promise<{ path?: string; patches: PatchEntry[] }> {
  const choice = await choosePatchXml(firehoseDir, rawprogramPath);
  if (choice.problem) f.add('PACKAGE_BAD_PATCH', choice.problem);
  if (!choice.path) return { patches: [] };
  try {
    await resolveExistingPackagePath(root, firehoseDir, path.basename(choice.path), 'The patch XML');
    return { path: choice.path, patches: await loadPatches(choice.path) };
  } catch (e) {
    f.caught(e, choice.path);
    return { path: choice.path, patches: [] };
  }
}

interface Images {
  inputs: PlanInput[];
  sizes: Map<string, number>;
}

/** Image files: where they are, that they exist, are not empty and fit their partition. */
async function checkImages(
  root: string,
  rawprogramPath: string,
  raw: Rawprogram | undefined,
  f: Findings,
  signal: AbortSignal | undefined,
): Promise<Images> {
  const inputs: PlanInput[] = [];
  const sizes = new Map<string, number>();
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
      f.caught(err, e.filename);
      continue;
    }
    input.path = resolved.path;
    const shown = displayName(e.filename);
    const st = resolved.exists ? await stat(resolved.path).catch(() => undefined) : undefined;
    if (!st?.isFile()) {
      f.once(
        `missing:${resolved.path}`,
        'PACKAGE_MISSING_FILE',
        `${shown} (${where}) is not in the package.`,
        resolved.path,
      );
      continue;
    }
    input.bytes = st.size;
    sizes.set(resolved.path, st.size);
    if (st.size === 0)
      f.once(`empty:${resolved.path}`, 'PACKAGE_EMPTY_FILE', `${shown} (${where}) is empty.`, resolved.path);
    else if (Math.ceil(st.size / e.sectorSize) > e.numSectors) {
      f.once(
        `large:${resolved.path}:${e.numSectors}`,
        'PACKAGE_FILE_TOO_LARGE',
        `${shown} is ${st.size} bytes (${Math.ceil(st.size / e.sectorSize)} sectors), but its partition (${where}) holds ${e.numSectors} sectors of ${e.sectorSize} bytes.`,
        resolved.path,
      );
    }
  }
  return { inputs, sizes };
}

/** The file patches as notes; when applied, each goes with the program steps of its file. */
async function fileSteps(
  root: string,
  patches: readonly PatchEntry[],
  images: Images,
  raw: Rawprogram | undefined,
  apply: boolean,
  f: Findings,
): Promise<FilePatchNote[]> {
  const notes: FilePatchNote[] = [];
  for (const p of patches.filter((q) => !q.isDisk)) {
    const where = `${path.basename(p.origin.file)} line ${p.origin.line}`;
    notes.push({ file: p.filename, value: p.valueText, what: p.what, source: where, applied: apply });
    if (apply) await attachFilePatch(root, p, where, images, raw, f);
  }
  return notes;
}

async function attachFilePatch(
  root: string,
  p: PatchEntry,
  where: string,
  images: Images,
  raw: Rawprogram | undefined,
  f: Findings,
): Promise<void> {
  let target: string;
  try {
    target = (await resolveExistingPackagePath(root, path.dirname(p.origin.file), p.filename, where)).path;
  } catch (err) {
    f.caught(err, p.filename);
    return;
  }
  const users = images.inputs.filter((i) => i.operation === 'program' && i.path === target);
  if (users.length === 0) {
    f.warnings.push(`${where} patches ${p.filename}, which no program line writes; ignored.`);
    return;
  }
  for (const u of users) {
    const fp: FilePatch = {
      start_sector: p.startSector,
      byte_offset: p.byteOffset,
      sector_size: p.sectorSize,
      size_in_bytes: p.sizeInBytes,
      value: p.valueText,
      what: p.what,
      source: where,
    };
    const ppb = u.pagesPerBlock ?? raw?.pagesPerBlock;
    if (ppb !== undefined) fp.pages_per_block = ppb;
    if (p.sectorSize !== u.sectorSize)
      f.add(
        'PACKAGE_BAD_PATCH',
        `${where}: SECTOR_SIZE_IN_BYTES=${p.sectorSize}, but ${p.filename} is written with ${u.sectorSize}.`,
        target,
      );
    const size = images.sizes.get(target);
    const rangeProblem = size !== undefined && size > 0 ? patchRangeProblem(fp, size) : undefined;
    if (rangeProblem) f.once(`patch:${where}`, 'PACKAGE_BAD_PATCH', rangeProblem, target);
    (u.filePatches ??= []).push(fp);
  }
}

async function locateProgrammer(dirs: PackageDirs, rawprogramPath: string, f: Findings): Promise<string> {
  let programmerPath = '';
  try {
    const found = await findProgrammer([dirs.firehoseDir, dirs.updateDir], /nand/i.test(path.basename(rawprogramPath)));
    programmerPath = (
      await resolveExistingPackagePath(dirs.root, path.dirname(found), path.basename(found), 'The programmer')
    ).path;
    await checkProgrammer(programmerPath);
  } catch (e) {
    f.caught(e, programmerPath || undefined);
  }
  return programmerPath;
}

async function checkMd5(root: string, f: Findings, signal: AbortSignal | undefined): Promise<void> {
  const md5Name = (await readdir(root).catch(() => [] as string[])).find((n) => n.toLowerCase() === 'md5.txt');
  if (!md5Name) {
    f.warnings.push('The package has no md5.txt, so its files could not be checked for damage.');
    return;
  }
  try {
    const md5Path = (await resolveExistingPackagePath(root, root, md5Name, 'md5.txt')).path;
    // Files already refused (too large, empty, not a programmer) are not hashed as well.
    const refused = new Set(f.problems.flatMap((p) => (p.file ? [p.file] : [])));
    const r = await verifyMd5Txt(root, md5Path, signal, refused);
    f.problems.push(...r.problems);
    f.warnings.push(...r.warnings);
  } catch (e) {
    f.caught(e, md5Name);
  }
}

/** Programs whose sectors no erase line covers: NAND pages must be erased before they are written. */
function uncoveredPrograms(inputs: readonly PlanInput[]): string[] {
  const erases = inputs.filter((e) => e.operation === 'erase');
  return inputs
    .filter((p) => p.operation === 'program')
    .filter(
      (p) =>
        !erases.some(
          (e) =>
            e.physicalPartition === p.physicalPartition &&
            e.startSector <= p.startSector &&
            e.startSector + e.numSectors >= p.startSector + p.numSectors,
        ),
    )
    .map(
      (p) =>
        `No erase line covers ${p.filename ?? 'the program'} at sector ${p.startSector} (${path.basename(p.origin.file)} line ${p.origin.line}); the programmer writes it over whatever is there.`,
    );
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
  throw new RescueError(
    first.code,
    pkg.problems.length === 1 ? stripSentence(first) : `${pkg.problems.length} problems:\n${list}`,
  );
}

/** The message without the catalogue sentence the new error adds again. */
function stripSentence(p: PackageProblem): string {
  const sentence = ERRORS[p.code].sentence;
  return p.message.startsWith(sentence) ? p.message.slice(sentence.length).trim() : p.message;
}
