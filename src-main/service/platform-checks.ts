// The Prepare step's checks: whether USB devices can be listed at all (from the enumerator the
// engine uses), then the platform doctor's checks with the fixes it offers. Where no USB device
// can be seen, the doctor's checks are shown as unknown and no fix is offered: nothing here could
// reach a modem, so changing the system would not help.

import type { PlatformCheck } from '../../shared/api.js';
import { runDoctor, runDoctorFix } from '../platform/doctor.js';
import { realSystem, type SystemProbe } from '../platform/system.js';
import type { UsbEnumerator } from '../platform/usb-enumerator.js';
import { bounded } from '../util/deadline.js';

const DOCTOR_TIMEOUT_MS = 20_000;

const USB_MANUAL =
  'Run Modem Rescue on the computer the modem is plugged into, not inside a container or a virtual machine without USB passthrough. Without a modem at hand, the demo modem on the Connect step shows the whole wizard.';

/** What a check found, in words (never the internal state names). */
const FOUND_WORDS: Record<PlatformCheck['state'], string> = {
  ok: 'it looked fine',
  warn: 'it may need attention',
  fail: 'it found a problem',
  unknown: 'it could not tell',
};

async function usbCheck(enumerator: UsbEnumerator): Promise<PlatformCheck> {
  try {
    const a = await bounded(() => enumerator.availability(), { timeoutMs: 3000, what: 'the USB subsystem' });
    return a.available
      ? {
          id: 'usb',
          title: 'USB devices can be listed',
          state: 'ok',
          detail: 'This computer lets Modem Rescue see its USB devices.',
        }
      : {
          id: 'usb',
          title: 'USB devices can be listed',
          state: 'fail',
          detail: `Modem Rescue cannot see this computer's USB devices: ${a.reason}`,
          manual: USB_MANUAL,
        };
  } catch (e) {
    return {
      id: 'usb',
      title: 'USB devices can be listed',
      state: 'fail',
      detail: `Looking at the USB devices failed: ${e instanceof Error ? e.message : String(e)}`,
      manual: USB_MANUAL,
    };
  }
}

export async function platformChecks(
  enumerator: UsbEnumerator,
  platform: NodeJS.Platform = process.platform,
  probe: SystemProbe = realSystem(),
): Promise<PlatformCheck[]> {
  const usb = await usbCheck(enumerator);
  let doctor: PlatformCheck[];
  try {
    doctor = await bounded(() => runDoctor({ ...probe, platform }), {
      timeoutMs: DOCTOR_TIMEOUT_MS,
      what: 'the system checks',
      code: 'HOST_IO',
    });
  } catch (e) {
    doctor = [
      {
        id: 'doctor',
        title: 'System checks',
        state: 'unknown',
        detail: `The system checks did not complete: ${e instanceof Error ? e.message : String(e)}`,
      },
    ];
  }
  const rest = doctor.filter((c) => c.id !== 'usb');
  if (usb.state === 'ok') return [usb, ...rest];
  return [
    usb,
    ...rest.map(({ fix: _fix, ...c }): PlatformCheck => ({
      ...c,
      state: 'unknown',
      detail: `Not relevant while no USB device can be seen (${FOUND_WORDS[c.state]}). ${c.detail}`,
    })),
  ];
}

/** Run a fix the checks offered (described to the user first by the wizard), then check again. */
export async function runFix(
  id: string,
  enumerator?: UsbEnumerator,
  probe: SystemProbe = realSystem(),
  signal?: AbortSignal,
): Promise<PlatformCheck[]> {
  await runDoctorFix(probe, id, signal ? { signal } : {});
  return enumerator ? platformChecks(enumerator, probe.platform, probe) : runDoctor(probe);
}
