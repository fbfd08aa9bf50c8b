// The Linux fixes. Each says what it will do (the exact command) before it runs, and each builds
// that command from validated sysfs names only, so nothing from outside reaches a shell.

import { RescueError } from '../../../shared/errors.js';
import { sleep } from '../../util/deadline.js';
import type { SystemProbe } from '../system.js';
import { asAdmin, runChecked, showCommand, sysfsWriteCommand, type PlannedCommand } from './admin-command.js';
import { USB_DEVICES, isSafeBusPath, isSafeInterfaceName } from './modems.js';

export const UDEV_RULE_NAME = '60-modem-rescue.rules';
export const UDEV_RULE_TARGET = `/etc/udev/rules.d/${UDEV_RULE_NAME}`;

export interface LinuxFix {
  id: string;
  label: string;
  explanation: string;
  needsAdmin: boolean;
  command: PlannedCommand;
}

const FIX_TIMEOUT_MS = 110_000; // under the wizard's 120 s call limit; includes the time a person takes to type the password

export function udevRuleFix(probe: SystemProbe, rulesSource: string): LinuxFix {
  const command = asAdmin(probe, { cmd: 'install', args: ['-m', '0644', rulesSource, UDEV_RULE_TARGET] });
  return {
    id: 'udev-rule',
    label: 'Install the udev rule',
    explanation: `Copies Modem Rescue's udev rule to ${UDEV_RULE_TARGET} so you can reach Qualcomm/Quectel modems without root and ModemManager leaves them alone. Asks for the administrator password. Runs: ${showCommand(command)}. Unplug and replug the modem afterwards.`,
    needsAdmin: probe.uid !== 0,
    command,
  };
}

async function sysfsWrite(
  probe: SystemProbe,
  path: string,
  value: string,
): Promise<{ command: PlannedCommand; needsAdmin: boolean }> {
  if (await probe.access(path, 'w')) return { command: sysfsWriteCommand(path, value), needsAdmin: false };
  return { command: asAdmin(probe, sysfsWriteCommand(path, value)), needsAdmin: probe.uid !== 0 };
}

export async function autosuspendFix(probe: SystemProbe, busPath: string): Promise<LinuxFix> {
  if (!isSafeBusPath(busPath)) throw new RescueError('USAGE', `"${busPath}" is not a USB device name.`);
  const { command, needsAdmin } = await sysfsWrite(probe, `${USB_DEVICES}/${busPath}/power/control`, 'on');
  return {
    id: `autosuspend-off:${busPath}`,
    label: 'Keep the modem powered (autosuspend off)',
    explanation: `Stops Linux from suspending the modem's USB link to save power, which breaks long transfers. Until the modem is unplugged. Runs: ${showCommand(command)}.`,
    needsAdmin,
    command,
  };
}

export async function unbindFix(probe: SystemProbe, iface: string, driver: string): Promise<LinuxFix> {
  if (!isSafeInterfaceName(iface) || !/^[\w-]+$/.test(driver))
    throw new RescueError('USAGE', `"${iface}" / "${driver}" is not a USB interface and driver.`);
  const { command, needsAdmin } = await sysfsWrite(probe, `/sys/bus/usb/drivers/${driver}/unbind`, iface);
  return {
    id: `unbind:${driver}:${iface}`,
    label: `Detach the ${driver} driver`,
    explanation: `The kernel's ${driver} driver holds the modem's interface ${iface}, so Modem Rescue cannot claim it. Detaches it until the modem is replugged. Runs: ${showCommand(command)}.`,
    needsAdmin,
    command,
  };
}

/** Run a fix; errors say what failed (pkexec missing, prompt dismissed, command failed). */
export async function applyFix(probe: SystemProbe, fix: LinuxFix, signal?: AbortSignal): Promise<void> {
  await runChecked(probe, fix.command, `"${fix.label}"`, { timeoutMs: FIX_TIMEOUT_MS, ...(signal ? { signal } : {}) });
}

/** Resolve a fix id as offered by the doctor (udev-rule, autosuspend-off:BUS, unbind:DRIVER:IFACE). */
export async function fixById(probe: SystemProbe, id: string, rulesSource: string): Promise<LinuxFix | undefined> {
  if (id === 'udev-rule') return udevRuleFix(probe, rulesSource);
  const auto = /^autosuspend-off:(.+)$/.exec(id);
  if (auto?.[1] && isSafeBusPath(auto[1])) return autosuspendFix(probe, auto[1]);
  const unbind = /^unbind:([\w-]+):(.+)$/.exec(id);
  if (unbind?.[1] && unbind[2] && isSafeInterfaceName(unbind[2])) return unbindFix(probe, unbind[2], unbind[1]);
  return undefined;
}

// --- held during a flash, released after --------------------------------------------------

export interface Held {
  description: string;
  release(): Promise<void>;
}

/**
 * power/control=on for the run, the previous value restored by release(). Without write access
 * it changes nothing and says so (the doctor offers the admin fix instead).
 */
export async function holdPowerOn(probe: SystemProbe, busPath: string): Promise<Held> {
  if (!isSafeBusPath(busPath)) throw new RescueError('USAGE', `"${busPath}" is not a USB device name.`);
  const path = `${USB_DEVICES}/${busPath}/power/control`;
  const before = (await probe.readFile(path))?.trim();
  if (before === undefined)
    return { description: `${path} does not exist; nothing to change.`, release: () => Promise.resolve() };
  if (before === 'on') return { description: 'Autosuspend is already off.', release: () => Promise.resolve() };
  if (!(await probe.access(path, 'w'))) {
    return {
      description: `Cannot write ${path} without administrator rights; autosuspend stays "${before}".`,
      release: () => Promise.resolve(),
    };
  }
  await probe.writeFile(path, 'on');
  return {
    description: `Autosuspend off for ${busPath} during the run (was "${before}").`,
    release: async () => {
      if (/^(auto|on)$/.test(before)) await probe.writeFile(path, before).catch(() => undefined);
    },
  };
}

/**
 * `mmcli --inhibit-device=UID` keeps ModemManager off the device for as long as it runs; release()
 * stops it. Fails clearly if mmcli is absent or refuses (it exits at once then).
 */
export async function inhibitModemManager(
  probe: SystemProbe,
  sysfsDevicePath: string,
  opts: { maxMs: number; settleMs?: number },
): Promise<Held> {
  const command: PlannedCommand = { cmd: 'mmcli', args: [`--inhibit-device=${sysfsDevicePath}`] };
  const stop = new AbortController();
  const running = probe.run(command.cmd, command.args, { timeoutMs: opts.maxMs, signal: stop.signal });
  const early = await Promise.race([
    running.then(
      (r) => ({ r }),
      (e: unknown) => ({ e }),
    ),
    sleep(opts.settleMs ?? 1500).then(() => undefined),
  ]);
  if (early !== undefined) {
    if ('e' in early) throw early.e;
    if (early.r === undefined)
      throw new RescueError(
        'HOST_TOOL_MISSING',
        'Inhibiting ModemManager needs `mmcli`, which is not installed (ModemManager is probably not installed either, so nothing needs inhibiting).',
      );
    const msg = (early.r.stderr.trim() || early.r.stdout.trim()).slice(0, 300);
    throw new RescueError(
      'HOST_IO',
      `ModemManager refused to leave the device alone: \`${showCommand(command)}\` exited with ${early.r.code}${msg ? `: ${msg}` : ''}.`,
    );
  }
  return {
    description: `ModemManager inhibited for ${sysfsDevicePath} (${showCommand(command)}) until the run ends.`,
    release: async () => {
      stop.abort();
      await running.catch(() => undefined);
    },
  };
}
