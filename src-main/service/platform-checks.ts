// The Prepare step's checks, from what this version can actually tell. The platform doctor
// (permissions, drivers, ModemManager, autosuspend, with fixes) comes with the platform
// integration; until then those checks say "unknown" and offer no fix, rather than pretend.

import type { PlatformCheck } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { UsbEnumerator } from '../platform/usb-enumerator.js';
import { bounded } from '../util/deadline.js';

const LATER = 'This check comes with the platform integration (the doctor); it is not checked yet.';

export async function platformChecks(enumerator: UsbEnumerator, platform: NodeJS.Platform = process.platform): Promise<PlatformCheck[]> {
  let usb: PlatformCheck;
  try {
    const a = await bounded(() => enumerator.availability(), { timeoutMs: 3000, what: 'the USB subsystem' });
    usb = a.available
      ? { id: 'usb', title: 'USB devices can be listed', state: 'ok', detail: 'This computer lets Modem Rescue see its USB devices.' }
      : { id: 'usb', title: 'USB devices can be listed', state: 'fail', detail: `Modem Rescue cannot see this computer's USB devices: ${a.reason}` };
  } catch (e) {
    usb = { id: 'usb', title: 'USB devices can be listed', state: 'fail', detail: `Looking at the USB devices failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const checks: PlatformCheck[] = [usb];
  if (platform === 'linux') {
    checks.push(
      { id: 'permissions', title: 'Access to the modem without administrator rights (udev rule)', state: 'unknown', detail: LATER },
      { id: 'modemmanager', title: 'ModemManager leaves the modem alone', state: 'unknown', detail: `ModemManager can grab the modem's ports and eat the EDL greeting. ${LATER}` },
      { id: 'autosuspend', title: 'USB autosuspend off for the modem', state: 'unknown', detail: LATER },
    );
  } else if (platform === 'win32') {
    checks.push({ id: 'driver', title: 'Qualcomm/Quectel USB driver', state: 'unknown', detail: LATER });
  } else {
    checks.push({ id: 'permissions', title: 'Access to the modem', state: 'unknown', detail: LATER });
  }
  return checks;
}

/** No fix exists yet: say so plainly instead of pretending one ran. */
export function runFix(id: string): never {
  throw new RescueError('USAGE', `There is no automatic fix for "${id}" in this version: fixes come with the platform integration.`, {
    nextStep: 'Follow the check\'s description by hand, or run `modem-rescue detect` to see what the computer shows.',
  });
}
