// `modem-rescue package inspect PATH [--json]`: what a package would do to a modem, without one.
// Prints the flash plan (in the order it runs), the chosen XML and why, warnings and every
// problem; exits with the package exit code when there are problems.

import path from 'node:path';
import { skipPolicyText } from '../../flows/skip-unchanged.js';
import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { FILE_PATCHES_NOT_APPLIED, loadPackage, type FirmwarePackage } from '../../package/load.js';
import type { PlanStep } from '../../package/plan.js';
import { parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

export function inspectJson(pkg: FirmwarePackage): object {
  return {
    root: pkg.root,
    programmer: pkg.programmerPath || null,
    rawprogram: pkg.rawprogramPath,
    rawprogramReason: pkg.rawprogramReason,
    patch: pkg.patchPath ?? null,
    version: pkg.version ?? null,
    geometry: pkg.geometry,
    totalProgramBytes: pkg.totalProgramBytes,
    filePatches: pkg.filePatches.map((f) => ({
      ...f,
      note: f.applied ? 'applied (--apply-file-patches)' : FILE_PATCHES_NOT_APPLIED,
    })),
    steps: pkg.plan.map((s) => ({
      index: s.index,
      operation: s.operation,
      label: s.label,
      filename: s.filename ?? null,
      path: s.path ?? null,
      start_sector: s.start_sector,
      num_sectors: s.num_sectors,
      sector_size: s.sector_size,
      pages_per_block: s.pages_per_block,
      physical_partition: s.physical_partition,
      bytes: s.bytes,
      ...(s.file_patches ? { file_patches: s.file_patches } : {}),
      ...(s.disk_patch ? { disk_patch: s.disk_patch } : {}),
      source: s.source ?? null,
    })),
    problems: pkg.problems.map((p) => ({ code: p.code, message: p.message, file: p.file ?? null })),
    warnings: pkg.warnings,
  };
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
}

function target(s: PlanStep): string {
  if (s.operation === 'program' && s.filename)
    return s.file_patches ? `${s.label} (+${s.file_patches.length} patches)` : s.label;
  if (s.operation === 'patch' && s.disk_patch) return `DISK ${s.disk_patch.value}`;
  return s.label;
}

export function inspectText(pkg: FirmwarePackage): string {
  const out: string[] = [];
  out.push(`Package:     ${pkg.root}${pkg.version ? ` (version ${pkg.version})` : ''}`);
  out.push(`Rawprogram:  ${path.basename(pkg.rawprogramPath)}`);
  out.push(`  why:       ${pkg.rawprogramReason}`);
  out.push(`Patch XML:   ${pkg.patchPath ? path.basename(pkg.patchPath) : '(none)'}`);
  out.push(`Programmer:  ${pkg.programmerPath ? path.basename(pkg.programmerPath) : '(none)'}`);
  const size =
    pkg.geometry.totalSectors !== undefined ? `, ${pkg.geometry.totalSectors} pages in all (as the XML states)` : '';
  out.push(`Geometry:    ${pkg.geometry.sectorSize}-byte pages, ${pkg.geometry.pagesPerBlock} pages per block${size}`);
  out.push(`To write:    ${pkg.totalProgramBytes} bytes`, '');
  const header = ['#', 'operation', 'label / file', 'start', 'sectors', 'bytes'];
  const rows = pkg.plan.map((s) => [
    String(s.index),
    s.operation,
    target(s),
    String(s.start_sector),
    String(s.num_sectors),
    s.operation === 'program' ? String(s.bytes) : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  out.push(
    row(header, widths),
    row(
      widths.map((w) => '-'.repeat(w)),
      widths,
    ),
    ...rows.map((r) => row(r, widths)),
  );
  if (pkg.plan.length === 0) out.push('(no plan: the rawprogram XML could not be used)');
  else out.push('', skipPolicyText(pkg.plan));
  if (pkg.filePatches.length > 0) {
    const applied = pkg.filePatches.every((f) => f.applied);
    out.push(
      '',
      `File patches (${pkg.filePatches.length}): ${applied ? 'applied (--apply-file-patches)' : FILE_PATCHES_NOT_APPLIED}.`,
    );
    out.push(...pkg.filePatches.map((f) => `  - ${f.file}: ${f.value} (${f.source})${f.what ? `: ${f.what}` : ''}`));
  }
  if (pkg.warnings.length > 0) out.push('', 'Warnings:', ...pkg.warnings.map((w) => `  - ${w}`));
  if (pkg.problems.length > 0)
    out.push(
      '',
      `Problems (${pkg.problems.length}); this package cannot be flashed:`,
      ...pkg.problems.map((p) => `  - ${p.code}: ${p.message}`),
    );
  else out.push('', 'No problems found.');
  return out.join('\n') + '\n';
}

export const packageInspectCommand: CommandSpec = {
  name: 'package inspect',
  summary: 'Check a firmware package (folder or .zip) and show what flashing it would do',
  usage: 'package inspect PATH [--json] [--apply-file-patches]',
  async run(args: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parse(args, {
      json: { type: 'boolean' },
      'apply-file-patches': { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new RescueError('USAGE', 'Give exactly one package path (a folder or a .zip).');
    const pkg = await loadPackage(positionals[0]!, {
      signal: io.signal,
      applyFilePatches: Boolean(values['apply-file-patches']),
    });
    try {
      io.out(values.json ? `${JSON.stringify(inspectJson(pkg), null, 2)}\n` : inspectText(pkg));
      return pkg.problems.length > 0 ? EXIT_CODES.package : EXIT_CODES.ok;
    } finally {
      await pkg.dispose();
    }
  },
};
