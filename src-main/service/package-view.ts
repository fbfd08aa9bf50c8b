// The wizard's view of a firmware package: what it holds, whether it suits the connected module,
// and every problem found (listed, not thrown: a person sees them all at once). Only a path that
// cannot be opened at all is an error.

import path from 'node:path';
import type { PackageView } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { loadPackage, type FirmwarePackage } from '../package/load.js';

/** What is known of the connected module (each part optional). */
export interface ModuleFacts {
  /** Its firmware version (AT+QGMR / the DIAG build id), e.g. EC25EFAR06A11M4G_01.001.01.001. */
  firmware?: string;
  /** NAND page size and pages per block. */
  geometry?: { pageSize: number; pagesPerBlock: number };
}

/** "EC25" of EC25EFAR06A11M4G. */
export function productOf(version: string): string | undefined {
  return /^([A-Z]{2}\d{2})/i.exec(version)?.[1]?.toUpperCase();
}

/** The firmware branch: "R06" of EC25EFAR06A11M4G. */
export function branchOf(version: string): string | undefined {
  return /^[A-Z]{2}\d{2}[A-Z0-9]*?(R\d{2})A\d{2}/i.exec(version)?.[1]?.toUpperCase();
}

export function moduleMatch(
  pkg: Pick<FirmwarePackage, 'version' | 'geometry'>,
  mod: ModuleFacts,
): PackageView['moduleMatch'] {
  let compared = false;
  if (mod.geometry) {
    compared = true;
    if (mod.geometry.pageSize !== pkg.geometry.sectorSize || mod.geometry.pagesPerBlock !== pkg.geometry.pagesPerBlock)
      return 'no';
  }
  const a = pkg.version ? productOf(pkg.version) : undefined;
  const b = mod.firmware ? productOf(mod.firmware) : undefined;
  if (a && b) {
    compared = true;
    if (a !== b) return 'no';
  }
  return compared ? 'yes' : 'unknown';
}

/**
 * Quectel ships an _update rawprogram XML that leaves EFS/NV alone and, in some packages, a
 * _factory one that rewrites it (quectel-modules.md in the project's reference notes).
 */
export function keepsCalibration(rawprogramPath: string): boolean {
  return !/factory/i.test(path.basename(rawprogramPath));
}

/** What a person types to flash a package made for another module: its model, else a fixed phrase. */
export function overrideWordFor(pkg: Pick<FirmwarePackage, 'version'>): string {
  return (pkg.version ? productOf(pkg.version) : undefined) ?? 'FLASH ANYWAY';
}

function notForModule(pkg: Pick<FirmwarePackage, 'version' | 'geometry'>, mod: ModuleFacts): string {
  const mine = mod.firmware ? productOf(mod.firmware) : undefined;
  const theirs = pkg.version ? productOf(pkg.version) : undefined;
  if (mine && theirs && mine !== theirs)
    return `This package is for ${theirs}; the connected module is ${mine} (${mod.firmware}). Flashed anyway, the module may not start again.`;
  if (mod.geometry)
    return `This package writes ${pkg.geometry.sectorSize}-byte pages in blocks of ${pkg.geometry.pagesPerBlock}; the connected module's NAND has ${mod.geometry.pageSize}-byte pages in blocks of ${mod.geometry.pagesPerBlock}. It is for another module.`;
  return `This package does not look made for the connected module${mod.firmware ? ` (${mod.firmware})` : ''}.`;
}

/** Refuse a package made for another module unless the person typed the override word. */
export function checkModuleOverride(view: PackageView, typed: string | undefined): void {
  if (view.moduleMatch !== 'no') return;
  if (
    view.overrideWord !== undefined &&
    typeof typed === 'string' &&
    typed.trim().toUpperCase() === view.overrideWord.toUpperCase()
  )
    return;
  throw new RescueError('PACKAGE_NOT_FOR_MODULE', view.warnings.at(-1) ?? '');
}

/** Warnings the wizard adds to the loader's: a branch change (a downgrade especially), a factory XML. */
export function extraWarnings(
  pkg: Pick<FirmwarePackage, 'version' | 'rawprogramPath' | 'warnings'>,
  mod: ModuleFacts,
): string[] {
  const out: string[] = [];
  const pb = pkg.version ? branchOf(pkg.version) : undefined;
  const mb = mod.firmware ? branchOf(mod.firmware) : undefined;
  if (pb && mb && pb !== mb) {
    const down = Number(pb.slice(1)) < Number(mb.slice(1));
    out.push(
      down
        ? `Cross-branch downgrade: the module runs ${mod.firmware} (branch ${mb}) and the package is ${pkg.version} (branch ${pb}). Older branches may not keep the module's settings; back up the QCN first.`
        : `Branch change: the module runs ${mod.firmware} (branch ${mb}) and the package is ${pkg.version} (branch ${pb}). Back up the QCN first.`,
    );
  }
  const xml = path.basename(pkg.rawprogramPath);
  if (/factory/i.test(xml) && !pkg.warnings.some((w) => /factory/i.test(w))) {
    out.push(
      `${xml} is a factory XML: it also erases EFS/NV (calibration, IMEI). Back up the module's QCN before flashing it.`,
    );
  }
  return out;
}

export function toPackageView(pkg: FirmwarePackage, mod: ModuleFacts): PackageView {
  const partitions = pkg.plan.map((s) => ({ label: s.label, operation: s.operation, bytes: s.bytes }));
  const view: PackageView = {
    root: pkg.root,
    moduleMatch: moduleMatch(pkg, mod),
    rawprogram: pkg.rawprogramPath,
    rawprogramReason: pkg.rawprogramReason,
    partitions,
    totalBytes: pkg.totalProgramBytes,
    warnings: [...pkg.warnings, ...extraWarnings(pkg, mod)],
    problems: pkg.problems.map((p) => ({
      code: p.code,
      message: p.message,
      ...(p.file !== undefined ? { file: p.file } : {}),
    })),
    flashable: pkg.problems.length === 0,
    keepsCalibration: keepsCalibration(pkg.rawprogramPath),
  };
  if (pkg.version !== undefined) view.version = pkg.version;
  if (view.moduleMatch === 'no') {
    view.flashable = false;
    view.overrideWord = overrideWordFor(pkg);
    view.warnings.push(notForModule(pkg, mod));
  }
  return view;
}

/**
 * Load, describe, dispose. A package the loader refuses as a whole (a damaged zip, say) comes back
 * as a view with that one problem; a path that does not exist or cannot be read throws.
 */
export async function inspectPackage(input: string, mod: ModuleFacts, signal?: AbortSignal): Promise<PackageView> {
  let pkg: FirmwarePackage;
  try {
    pkg = await loadPackage(input, { ...(signal ? { signal } : {}) });
  } catch (e) {
    if (e instanceof RescueError && e.category === 'package' && e.code !== 'PACKAGE_NOT_FOUND') {
      return {
        root: input,
        moduleMatch: 'unknown',
        rawprogram: '',
        rawprogramReason: '',
        partitions: [],
        totalBytes: 0,
        warnings: [],
        problems: [{ code: e.code, message: e.message }],
        flashable: false,
        keepsCalibration: keepsCalibration(input),
      };
    }
    throw e;
  }
  try {
    return toPackageView(pkg, mod);
  } finally {
    await pkg.dispose();
  }
}
