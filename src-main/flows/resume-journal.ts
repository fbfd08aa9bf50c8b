// The resume journal: a small JSON file per package (in a state folder the caller chooses) that
// records which partitions were written AND verified, so a flash cut by a disconnect, a crash of
// the app or a power loss continues on the next run without rewriting them. Written atomically
// (temporary file + rename), so a kill at any instant leaves either the old or the new journal.
//
// What it never trusts: SBL (the partition at sector 0). Its erase comes first and its program
// last in every run, so an interrupted run always leaves the module falling back to EDL. Erases
// of partitions not verified are always redone (a half-written partition must be erased before
// it can be programmed again); DISK patches and the reset are always redone.

import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import type { FirmwarePackage } from '../package/load.js';
import type { PlanStep } from '../package/plan.js';
import { MAX_IMAGE_BYTES } from '../package/image-source.js';
import { kindOf, openInputFile, readInputText } from '../util/input-file.js';

const FORMAT = 'modem-rescue-journal/1';
/** Bytes hashed at each end of every image for the package identity. */
const EDGE_BYTES = 256 * 1024;
/** A journal larger than this is not one of ours. */
const MAX_JOURNAL_BYTES = 1024 * 1024;

export interface VerifiedPartition {
  label: string;
  startSector: number;
  numSectors: number;
  /** SHA-256 (hex) of what was sent: the image padded to whole sectors. */
  sha256: string;
  method: 'digest' | 'read-back';
  at: string;
}

interface JournalFile {
  format: string;
  packageId: string;
  /** Serial number of the module the partitions were written to, when known. */
  device?: string;
  updated: string;
  verified: VerifiedPartition[];
}

/** Where the CLI keeps journals unless told otherwise. */
export function defaultJournalDir(): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'modem-rescue', 'journal');
}

/** SBL: the partition the boot ROM loads first; never skipped on resume. */
export function isBootStep(step: PlanStep): boolean {
  return step.start_sector === 0 && step.physical_partition === 0;
}

/**
 * Identity of a package: the plan (addresses, files, sizes) and a hash of the first and last
 * EDGE_BYTES of every image, so a changed image or XML gives another journal.
 */
export async function packageIdentity(pkg: FirmwarePackage): Promise<string> {
  const h = createHash('sha256');
  h.update(FORMAT);
  for (const s of pkg.plan) {
    h.update(
      JSON.stringify([
        s.operation,
        s.label,
        s.filename ?? '',
        s.start_sector,
        s.num_sectors,
        s.sector_size,
        s.physical_partition,
        s.bytes,
        s.disk_patch ?? null,
        s.file_patches ?? null,
      ]),
    );
    if (s.operation !== 'program' || !s.path) continue;
    const fh = await openInputFile(s.path, {
      maxBytes: MAX_IMAGE_BYTES,
      what: 'an image',
      code: 'PACKAGE_FILE_TOO_LARGE',
      notFileCode: 'PACKAGE_MISSING_FILE',
      missingCode: 'PACKAGE_MISSING_FILE',
    });
    try {
      const size = fh.size;
      const buf = Buffer.alloc(Math.min(EDGE_BYTES, size));
      await fh.readAt(buf, 0);
      h.update(buf);
      if (size > EDGE_BYTES) {
        await fh.readAt(buf, size - buf.length);
        h.update(buf);
      }
      h.update(String(size));
    } finally {
      await fh.close();
    }
  }
  return h.digest('hex').slice(0, 32);
}

/** Where a journal keyed by its module lives (ResumeJournal.perModule). */
interface ModuleKey {
  baseDir: string;
  packageId: string;
  /** The module's name when its serial is unknown (its port), as a folder-safe string. */
  fallbackKey: string;
  onBound?: ((bound: ResumeJournal, key: string) => void) | undefined;
}

/** A chip serial that names one module: a programmer that prints "0" knows none. */
function usableSerial(serial: string | undefined): serial is string {
  return serial !== undefined && /^\d+$/.test(serial) && !/^0+$/.test(serial);
}

/** A string usable as one folder name (a port such as /dev/ttyUSB0 or 3-1.2). */
export function folderKey(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 80) || 'module'
  );
}

export class ResumeJournal {
  private data: JournalFile;
  private filePath: string | undefined;
  private aside: string | undefined;
  private keyed: ModuleKey | undefined;

  private constructor(
    path: string | undefined,
    packageId: string,
    data: JournalFile | undefined,
    /** Why an existing journal was not used, if one was found but set aside. */
    setAside: string | undefined,
  ) {
    this.filePath = path;
    this.aside = setAside;
    this.data = data ?? { format: FORMAT, packageId, updated: new Date().toISOString(), verified: [] };
  }

  get path(): string | undefined {
    return this.filePath;
  }

  /** Why an existing journal was not used, if one was found but set aside. */
  get setAside(): string | undefined {
    return this.aside;
  }

  /**
   * The journal of one module of several flashed at once: it lives in
   * baseDir/serial-SERIAL/, chosen when the programmer reports the module's chip serial
   * (bindDevice), so a module found on another port later resumes its own run; a module whose
   * serial stays unknown keeps it in baseDir/port-FALLBACK/. Empty until then.
   */
  static perModule(
    baseDir: string,
    packageId: string,
    fallbackKey: string,
    onBound?: (bound: ResumeJournal, key: string) => void,
  ): ResumeJournal {
    const j = new ResumeJournal(undefined, packageId, undefined, undefined);
    j.keyed = { baseDir, packageId, fallbackKey: folderKey(fallbackKey), onBound };
    return j;
  }

  /** A per-module journal takes its folder (and what an earlier run left there) once its key is known. */
  private async settle(serial: string | undefined): Promise<void> {
    const k = this.keyed;
    if (!k) return;
    this.keyed = undefined;
    const key = usableSerial(serial) ? `serial-${serial}` : `port-${k.fallbackKey}`;
    const found = await ResumeJournal.open(join(k.baseDir, key), k.packageId);
    this.filePath = found.filePath;
    this.aside = found.aside;
    this.data = found.data;
    k.onBound?.(this, key);
  }

  /** A journal kept only in memory (no folder given): recovery within one run still uses it. */
  static inMemory(packageId = 'memory'): ResumeJournal {
    return new ResumeJournal(undefined, packageId, undefined, undefined);
  }

  /** Open the journal of this package in `dir` (created on first write); a damaged one is set aside. */
  static async open(dir: string, packageId: string): Promise<ResumeJournal> {
    const path = join(dir, `${packageId}.json`);
    let text: string | undefined;
    try {
      const st = await stat(path);
      // Too large, or not a regular file (a FIFO would block): set aside, never read.
      if (!st.isFile())
        return new ResumeJournal(path, packageId, undefined, `${path} is ${kindOf(st)}, not a regular file`);
      if (st.size > MAX_JOURNAL_BYTES)
        return new ResumeJournal(path, packageId, undefined, `${path} is ${st.size} bytes, too large to be a journal`);
      text = await readInputText(path, { maxBytes: MAX_JOURNAL_BYTES, what: 'a resume journal', code: 'HOST_IO' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        return new ResumeJournal(path, packageId, undefined, undefined);
      if (e instanceof RescueError) return new ResumeJournal(path, packageId, undefined, e.detail);
      throw new RescueError(
        'HOST_IO',
        `Reading the resume journal ${path} failed: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    const parsed = parseJournal(text, packageId);
    return typeof parsed === 'string'
      ? new ResumeJournal(path, packageId, undefined, `${path}: ${parsed}`)
      : new ResumeJournal(path, packageId, parsed, undefined);
  }

  get verified(): readonly VerifiedPartition[] {
    return this.data.verified;
  }

  get device(): string | undefined {
    return this.data.device;
  }

  /** The partition verified for this program step, if the journal holds it (never for SBL). */
  verifiedFor(step: PlanStep): VerifiedPartition | undefined {
    if (step.operation !== 'program' || isBootStep(step)) return undefined;
    return this.data.verified.find(
      (v) => v.startSector === step.start_sector && v.numSectors === step.num_sectors && v.label === step.label,
    );
  }

  /** Whether a plan step can be skipped: programs verified earlier, and the erases of those partitions. */
  canSkip(step: PlanStep, plan: readonly PlanStep[]): boolean {
    if (isBootStep(step)) return false;
    if (step.operation === 'program') return this.verifiedFor(step) !== undefined;
    if (step.operation !== 'erase') return false;
    // An erase is skipped only when every sector it covers belongs to verified programs' partitions.
    const covering = plan.filter(
      (p) =>
        p.operation === 'program' &&
        p.physical_partition === step.physical_partition &&
        this.verifiedFor(p) !== undefined,
    );
    const end = step.start_sector + step.num_sectors;
    let at = step.start_sector;
    for (const p of [...covering].sort((a, b) => a.start_sector - b.start_sector)) {
      if (p.start_sector > at) break;
      at = Math.max(at, p.start_sector + p.num_sectors);
    }
    return covering.length > 0 && at >= end;
  }

  /** Bind the journal to a module; entries made on another module are dropped. Returns whether any were. */
  async bindDevice(serial: string | undefined): Promise<boolean> {
    await this.settle(serial);
    if (serial === undefined) return false;
    if (this.data.device === undefined || this.data.device === serial) {
      this.data.device = serial;
      return false;
    }
    const dropped = this.data.verified.length > 0;
    this.data = { ...this.data, device: serial, verified: [] };
    await this.save();
    return dropped;
  }

  async record(step: PlanStep, sha256: string, method: 'digest' | 'read-back'): Promise<void> {
    if (isBootStep(step)) return;
    this.forget(step);
    this.data.verified.push({
      label: step.label,
      startSector: step.start_sector,
      numSectors: step.num_sectors,
      sha256,
      method,
      at: new Date().toISOString(),
    });
    await this.save();
  }

  /** Drop what the journal says about a partition (it is about to be erased or failed a check). */
  forget(step: PlanStep): void {
    this.data.verified = this.data.verified.filter(
      (v) => !(v.startSector === step.start_sector && v.numSectors === step.num_sectors && v.label === step.label),
    );
  }

  /** The flash completed: nothing to resume. */
  async clear(): Promise<void> {
    this.data.verified = [];
    await this.settle(undefined);
    if (this.path) await rm(this.path, { force: true }).catch(() => undefined);
  }

  async save(): Promise<void> {
    await this.settle(undefined);
    if (!this.path) return;
    this.data.updated = new Date().toISOString();
    const dir = join(this.path, '..');
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dir, { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(`${JSON.stringify(this.data, null, 1)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new RescueError(
        'HOST_IO',
        `Writing the resume journal ${this.path} failed: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  }
}

/** A journal file checked field by field; a string says why it cannot be used. */
function parseJournal(text: string, packageId: string): JournalFile | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof raw !== 'object' || raw === null) return 'not a journal';
  const o = raw as Record<string, unknown>;
  if (o.format !== FORMAT) return `format "${String(o.format).slice(0, 40)}" is not ${FORMAT}`;
  if (o.packageId !== packageId) return 'it belongs to another package';
  if (!Array.isArray(o.verified) || o.verified.length > 10_000) return 'its list of verified partitions is damaged';
  const verified: VerifiedPartition[] = [];
  for (const v of o.verified as unknown[]) {
    const e = v as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) return 'an entry is damaged';
    if (typeof e.label !== 'string' || !Number.isSafeInteger(e.startSector) || !Number.isSafeInteger(e.numSectors))
      return 'an entry is damaged';
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) return 'an entry has no valid SHA-256';
    if (e.method !== 'digest' && e.method !== 'read-back') return 'an entry has an unknown verification method';
    verified.push({
      label: e.label,
      startSector: e.startSector as number,
      numSectors: e.numSectors as number,
      sha256: e.sha256,
      method: e.method,
      at: typeof e.at === 'string' ? e.at : '',
    });
  }
  return {
    format: FORMAT,
    packageId,
    ...(typeof o.device === 'string' ? { device: o.device } : {}),
    updated: typeof o.updated === 'string' ? o.updated : '',
    verified,
  };
}
