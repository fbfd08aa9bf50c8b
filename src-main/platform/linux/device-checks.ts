// The checks about the connected modem: is there one, which drivers hold its interfaces, can this
// user open its device node, is autosuspend on, and which USB link it got.

import type { PlatformCheck } from '../../../shared/api.js';
import type { SystemProbe } from '../system.js';
import { autosuspendFix, unbindFix, udevRuleFix } from './fixes.js';
import { deviceId, devNode, type ModemDevice } from './modems.js';

type Fix = NonNullable<PlatformCheck['fix']>;
const offer = (f: Fix & { command?: unknown }): Fix => ({
  id: f.id,
  label: f.label,
  explanation: f.explanation,
  needsAdmin: f.needsAdmin,
});
const where = (d: ModemDevice): string => `${deviceId(d)} at USB ${d.busPath}`;

/** Drivers that take a modem's interface away from Modem Rescue when the modem is in EDL. */
const EDL_GRABBERS = new Set(['qcserial', 'option', 'qmi_wwan', 'usbserial_generic']);

export async function checkDrivers(probe: SystemProbe, d: ModemDevice): Promise<PlatformCheck> {
  const id = `drivers:${d.busPath}`;
  const title = `Kernel drivers on ${where(d)}`;
  const bound = d.interfaces.filter((i) => i.driver).map((i) => `${i.name}=${i.driver ?? ''}`);
  if (d.edl) {
    const grabbed = d.interfaces.find((i) => i.driver !== undefined && EDL_GRABBERS.has(i.driver));
    if (grabbed?.driver) {
      return {
        id,
        title,
        state: 'warn',
        detail: `The ${grabbed.driver} driver holds the download-mode interface ${grabbed.name}: Modem Rescue can flash through its serial port, or detach the driver and use USB directly.`,
        fix: offer(await unbindFix(probe, grabbed.name, grabbed.driver)),
      };
    }
    return {
      id,
      title,
      state: 'ok',
      detail: bound.length
        ? `Bound: ${bound.join(', ')}.`
        : 'No kernel driver holds the download-mode interface; Modem Rescue can claim it.',
    };
  }
  return {
    id,
    title,
    state: 'ok',
    detail: bound.length
      ? `Running module; drivers: ${bound.join(', ')} (option/qcserial give the DM and AT ports, qmi_wwan the network).`
      : 'Running module with no driver bound: its DM and AT ports will not appear as serial ports (load the option driver).',
  };
}

export async function checkPermissions(
  probe: SystemProbe,
  d: ModemDevice,
  rulesSource: string,
): Promise<PlatformCheck> {
  const id = `permissions:${d.busPath}`;
  const title = `This user can open ${where(d)}`;
  const node = devNode(d);
  if (!node || !(await probe.exists(node))) {
    return {
      id,
      title,
      state: 'warn',
      detail: `The device node${node ? ` ${node}` : ''} does not exist: is /dev/bus/usb mounted (containers often lack it)?`,
    };
  }
  if ((await probe.access(node, 'r')) && (await probe.access(node, 'w'))) {
    return { id, title, state: 'ok', detail: `${node} is readable and writable by this user.` };
  }
  return {
    id,
    title,
    state: 'fail',
    detail: `${node} is not readable and writable by this user, so Modem Rescue cannot talk to the modem without root. The udev rule fixes this for the logged-in user.`,
    fix: offer(udevRuleFix(probe, rulesSource)),
  };
}

export async function checkAutosuspend(probe: SystemProbe, d: ModemDevice): Promise<PlatformCheck> {
  const id = `autosuspend:${d.busPath}`;
  const title = `USB autosuspend off for ${where(d)}`;
  if (d.powerControl === undefined)
    return { id, title, state: 'unknown', detail: 'The kernel does not show power/control for this device.' };
  if (d.powerControl === 'on')
    return { id, title, state: 'ok', detail: 'power/control is "on": the link stays awake.' };
  const delay = d.autosuspendDelayMs !== undefined ? ` after ${d.autosuspendDelayMs} ms idle` : '';
  return {
    id,
    title,
    state: 'warn',
    detail: `power/control is "${d.powerControl}": Linux may suspend the modem's link${delay}, which can break a flash. Modem Rescue keeps it on during a run where it may write it.`,
    fix: offer(await autosuspendFix(probe, d.busPath)),
  };
}

export function checkLinkSpeed(d: ModemDevice): PlatformCheck {
  const id = `link:${d.busPath}`;
  const title = `USB link of ${where(d)}`;
  const s = d.speedMbps;
  if (s === undefined) return { id, title, state: 'unknown', detail: 'The kernel does not show the link speed.' };
  if (s >= 5000)
    return {
      id,
      title,
      state: 'warn',
      detail: `USB 3 link (${s} Mbit/s). Some USB 3 controllers lose the zero-length packets download mode needs; if a flash stalls, use a USB 2 port or a USB 2 hub.`,
    };
  if (s >= 480)
    return { id, title, state: 'ok', detail: `USB 2 high speed (${s} Mbit/s), the link these modems are made for.` };
  return {
    id,
    title,
    state: 'warn',
    detail: `Slow link (${s} Mbit/s): the flash will take much longer. Use another cable or port.`,
  };
}
