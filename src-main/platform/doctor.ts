// The doctor: what on this computer stands between Modem Rescue and the modem, each as a
// PlatformCheck with a clear state and, where the app can fix it, the fix described first.

import { join } from 'node:path';
import type { PlatformCheck } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { packageRoot } from '../util/package-root.js';
import { checkAutosuspend, checkDrivers, checkLinkSpeed, checkPermissions } from './linux/device-checks.js';
import { applyFix, fixById, UDEV_RULE_NAME } from './linux/fixes.js';
import { checkModemManager } from './linux/modemmanager.js';
import { powerCycleCheck } from './power-switch.js';
import { SYSFS_USB, deviceId, findModems, hasUsbSubsystem } from './linux/modems.js';
import { checkUdevRule } from './linux/udev-rule.js';
import type { SystemProbe } from './system.js';
import { applyWindowsFix, bundledWinUsbInf, windowsChecks, WINDOWS_WINUSB_FIX } from './windows/checks.js';
import type { WindowsRun } from './windows/winusb-install.js';

export interface DoctorOptions {
  /** The udev rule the fix installs (default: assets/60-modem-rescue.rules of this install). */
  rulesSource?: string;
}

/** The probe's command runner in the shape the Windows checks take (every call bounded). */
function windowsRun(probe: SystemProbe): WindowsRun {
  return (cmd, args, opts) =>
    probe.run(cmd, args, { timeoutMs: opts?.timeoutMs ?? 20_000, ...(opts?.signal ? { signal: opts.signal } : {}) });
}

/** The WinUSB INF shipped with this install (packaged app's resources, or the source tree's assets). */
function winusbInf(): { infPath?: string } {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  const inf = bundledWinUsbInf({ appRoot: packageRoot(), ...(resourcesPath ? { resourcesPath } : {}) });
  return inf ? { infPath: inf } : {};
}

export function defaultRulesSource(): string {
  return join(packageRoot(), 'assets', UDEV_RULE_NAME);
}

export async function runDoctor(probe: SystemProbe, options: DoctorOptions = {}): Promise<PlatformCheck[]> {
  if (probe.platform === 'win32') return windowsChecks(windowsRun(probe), { ...winusbInf() });
  if (probe.platform !== 'linux') {
    return [
      {
        id: 'platform',
        title: 'Linux checks',
        state: 'unknown',
        detail: `This is ${probe.platform}; the Linux checks (ModemManager, udev, sysfs) do not apply here.`,
      },
    ];
  }
  const rules = options.rulesSource ?? defaultRulesSource();
  const checks: PlatformCheck[] = [];
  const usb = await hasUsbSubsystem(probe);
  const modems = usb ? await findModems(probe) : [];
  if (!usb) {
    checks.push({
      id: 'usb',
      title: 'USB subsystem',
      state: 'fail',
      detail: `No USB subsystem here (${SYSFS_USB} is missing): this machine (a container or VM without USB passthrough?) cannot reach any modem.`,
    });
  } else if (modems.length === 0) {
    checks.push({
      id: 'usb',
      title: 'USB subsystem',
      state: 'warn',
      detail:
        'USB works, but no Qualcomm (05c6) or Quectel (2c7c) device is connected. The checks about the modem run when one is.',
    });
  } else {
    checks.push({
      id: 'usb',
      title: 'USB subsystem',
      state: 'ok',
      detail: `Found ${modems.map((m) => `${deviceId(m)}${m.edl ? ' (download mode)' : ''} at USB ${m.busPath}`).join(', ')}.`,
    });
  }
  checks.push(await checkModemManager(probe));
  checks.push(await checkUdevRule(probe, rules));
  for (const d of modems) {
    checks.push(await checkPermissions(probe, d, rules));
    checks.push(await checkDrivers(probe, d));
    checks.push(await checkAutosuspend(probe, d));
    checks.push(checkLinkSpeed(d));
    checks.push(await powerCycleCheck(probe, d.busPath));
  }
  return checks;
}

/** Run a fix the doctor offered, by its id; then the caller re-runs the doctor. */
export async function runDoctorFix(
  probe: SystemProbe,
  id: string,
  options: DoctorOptions & { signal?: AbortSignal | undefined } = {},
): Promise<void> {
  if (probe.platform === 'win32' && id === WINDOWS_WINUSB_FIX) {
    // The admin prompt is explained in the fix's text, shown before it runs.
    await applyWindowsFix(id, windowsRun(probe), {
      ...winusbInf(),
      timeoutMs: 5 * 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return;
  }
  const fix =
    probe.platform === 'linux' ? await fixById(probe, id, options.rulesSource ?? defaultRulesSource()) : undefined;
  if (!fix) {
    throw new RescueError('USAGE', `There is no automatic fix for "${id}" on this computer.`, {
      nextStep: 'Run `modem-rescue doctor` to see the checks and the fixes it offers.',
    });
  }
  await applyFix(probe, fix, options.signal);
}
