// The demo's firmware package: made once for the virtual EC25 (sim/make-package.ts) and kept,
// with a newer firmware version on the module's branch than the one it runs, so the finish step
// can show the new version.

import { access } from 'node:fs/promises';
import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { makePackage } from '../sim/make-package.js';
import { MODELS } from '../sim/models.js';
import { throwIfAborted } from '../util/deadline.js';

/** The version the demo package carries; the demo module's factory firmware is MODELS.ec25.firmware. */
export const DEMO_PACKAGE_FIRMWARE = 'EC25EFAR06A12M4G_01.002.01.002';
/** Used instead when the module already runs DEMO_PACKAGE_FIRMWARE. */
export const DEMO_PACKAGE_FIRMWARE_ALT = 'EC25EFAR06A13M4G_01.003.01.003';

export function demoFirmwareFor(current: string | undefined): string {
  return current === DEMO_PACKAGE_FIRMWARE ? DEMO_PACKAGE_FIRMWARE_ALT : DEMO_PACKAGE_FIRMWARE;
}

/** Make (or reuse) the demo package under dir; returns its folder. */
export async function demoPackage(
  dir: string,
  current: string | undefined,
  sizeMiB: number,
  signal?: AbortSignal,
): Promise<string> {
  throwIfAborted(signal);
  const firmware = demoFirmwareFor(current ?? MODELS.ec25.firmware);
  const sized = path.join(dir, `${sizeMiB}M`);
  const root = path.join(sized, firmware);
  // md5.txt is written last: its presence means a complete earlier make.
  const done = await access(path.join(root, 'md5.txt')).then(
    () => true,
    () => false,
  );
  if (done) return root;
  try {
    const made = await makePackage({ model: 'ec25', outDir: sized, sizeMiB, firmware, seed: 7 });
    return made.root;
  } catch (e) {
    throw new RescueError(
      'HOST_IO',
      `The demo package could not be written under ${dir}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
