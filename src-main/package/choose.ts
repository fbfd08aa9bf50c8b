// Choosing the package's XML files: the rawprogram XML (the update one over the factory one,
// which also erases EFS/NV: calibration and IMEI) and the patch XML that goes with it.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';

export interface RawprogramChoice {
  path: string;
  reason: string;
  warnings: string[];
}

const GEOMETRY = /p\d+K_b\d+K/i;

export async function chooseRawprogram(dir: string): Promise<RawprogramChoice> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^rawprogram.*\.xml$/i.test(n)).sort();
  if (names.length === 0)
    throw new RescueError('PACKAGE_NO_RAWPROGRAM', `No rawprogram*.xml in ${path.basename(dir)}/.`);
  const update = names.filter((n) => /_update\.xml$/i.test(n));
  const factory = names.filter((n) => /_factory\.xml$/i.test(n));
  const warnings: string[] = [];
  let pick: string;
  let reason: string;
  if (update.length > 0) {
    pick = update[0]!;
    reason =
      factory.length > 0
        ? `the update XML keeps the module's EFS/NV; ${factory.join(', ')} would also erase EFS/NV, i.e. the calibration and the IMEI`
        : "the update XML of the package (it keeps the module's EFS/NV: calibration and IMEI)";
    if (update.length > 1) warnings.push(`Several update XML files (${update.join(', ')}); using ${pick}.`);
  } else if (names.length === 1 && factory.length === 0) {
    pick = names[0]!;
    reason = 'the only rawprogram XML in the package';
  } else if (factory.length === names.length) {
    pick = factory[0]!;
    reason = 'the package has only a factory XML';
    warnings.push(
      `${pick} is a factory XML: it also erases EFS/NV (calibration, IMEI). Back up the module's QCN before flashing it.`,
    );
  } else {
    pick = names.find((n) => !/_factory\.xml$/i.test(n))!;
    reason = `the first rawprogram XML that is not a factory XML (a factory XML also erases EFS/NV, i.e. calibration and IMEI)`;
    warnings.push(`Several rawprogram XML files (${names.join(', ')}); using ${pick}.`);
  }
  return { path: path.join(dir, pick), reason: `${pick}: ${reason}`, warnings };
}

/** The patch XML matching the rawprogram XML's geometry tag; undefined when the package has none. */
export async function choosePatchXml(
  dir: string,
  rawprogramPath: string,
): Promise<{ path?: string; problem?: string }> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^patch.*\.xml$/i.test(n)).sort();
  if (names.length === 0) return {};
  const tag = GEOMETRY.exec(path.basename(rawprogramPath))?.[0]?.toLowerCase();
  const matching = tag ? names.filter((n) => n.toLowerCase().includes(tag)) : [];
  if (matching.length >= 1) return { path: path.join(dir, matching[0]!) };
  if (names.length === 1) return { path: path.join(dir, names[0]!) };
  return {
    problem: `Several patch XML files (${names.join(', ')}) and none matches ${path.basename(rawprogramPath)}.`,
  };
}
