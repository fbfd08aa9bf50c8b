// The Windows checks the doctor and the wizard's Prepare step show: the EDL driver case
// (WinUSB / QDLoader COM port / no driver) and the running module's DM port driver, each with
// its fix described before it runs. Reads the system through an injected runner (tests feed
// realistic PowerShell and pnputil output); Get-PnpDevice first, pnputil when PowerShell fails.

import { existsSync } from 'node:fs';
import { win32 } from 'node:path';
import type { PlatformCheck } from '../../../shared/api.js';
import { RescueError } from '../../../shared/errors.js';
import { bounded } from '../../util/deadline.js';
import {
  windowsDmPortStates,
  windowsEdlDriverState,
  type DmPortState,
  type EdlDriverState,
  type WindowsPnpProbe,
} from './edl-driver.js';
import {
  GET_PNP_DEVICE_SCRIPT,
  parsePnputilDevices,
  parsePowerShellPnpJson,
  parseRegPortName,
  type PnpDevice,
} from './pnp-devices.js';
import {
  ADMIN_PROMPT_EXPLANATION,
  ZADIG_STEPS,
  installWinUsbDriver,
  type InstallOutcome,
  type WindowsRun,
} from './winusb-install.js';

export const WINDOWS_EDL_CHECK = 'windows-edl-driver';
export const WINDOWS_DM_CHECK = 'windows-dm-driver';
export const WINDOWS_WINUSB_FIX = 'windows-install-winusb';

const READ_TIMEOUT_MS = 20_000;

export const WINUSB_INF_NAME = 'modem-rescue-winusb.inf';

/**
 * Where the WinUSB driver package is: resources\\windows\\ in an installed app (electron-builder's
 * win.extraResources), assets\\windows\\ in a source checkout; undefined when neither has it.
 */
export function bundledWinUsbInf(
  where: { resourcesPath?: string; appRoot?: string },
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const candidates = [
    where.resourcesPath ? win32.join(where.resourcesPath, 'windows', WINUSB_INF_NAME) : undefined,
    where.appRoot ? win32.join(where.appRoot, 'assets', 'windows', WINUSB_INF_NAME) : undefined,
  ];
  return candidates.find((p): p is string => p !== undefined && exists(p));
}

export interface WindowsFixOptions {
  /** Where the bundled modem-rescue-winusb.inf is; undefined when it is not shipped (then Zadig only). */
  infPath?: string;
}

export interface WindowsReadResult extends WindowsPnpProbe {
  /** Which tool answered, or why none did. */
  source: 'Get-PnpDevice' | 'pnputil' | 'none';
  problem?: string;
}

async function runBounded(
  run: WindowsRun,
  cmd: string,
  args: string[],
  what: string,
  signal?: AbortSignal,
): Promise<Awaited<ReturnType<WindowsRun>>> {
  return bounded((s) => run(cmd, args, { timeoutMs: READ_TIMEOUT_MS, signal: s }), {
    timeoutMs: READ_TIMEOUT_MS,
    what,
    code: 'HOST_IO',
    ...(signal ? { signal } : {}),
  });
}

/** The present USB devices, from Get-PnpDevice (language-independent) or else pnputil. */
export async function readWindowsPnp(run: WindowsRun, signal?: AbortSignal): Promise<WindowsReadResult> {
  const problems: string[] = [];
  try {
    const ps = await runBounded(
      run,
      'powershell.exe',
      ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', GET_PNP_DEVICE_SCRIPT],
      'Get-PnpDevice',
      signal,
    );
    if (ps === undefined) problems.push('powershell.exe was not found');
    else if (ps.code !== 0)
      problems.push(
        `Get-PnpDevice failed (exit ${ps.code}): ${ps.stderr.trim().split(/\r?\n/)[0]?.slice(0, 160) ?? ''}`,
      );
    else return { source: 'Get-PnpDevice', devices: parsePowerShellPnpJson(ps.stdout) };
  } catch (e) {
    if (e instanceof RescueError && e.code === 'CANCELLED') throw e;
    problems.push(e instanceof Error ? e.message : String(e));
  }
  try {
    const pn = await runBounded(run, 'pnputil.exe', ['/enum-devices', '/connected'], 'pnputil /enum-devices', signal);
    if (pn === undefined) problems.push('pnputil.exe was not found');
    else if (pn.code !== 0)
      problems.push(`pnputil /enum-devices failed (exit ${pn.code}; it needs Windows 10 version 2004 or later)`);
    else return { source: 'pnputil', devices: parsePnputilDevices(pn.stdout) };
  } catch (e) {
    if (e instanceof RescueError && e.code === 'CANCELLED') throw e;
    problems.push(e instanceof Error ? e.message : String(e));
  }
  return { source: 'none', devices: [], problem: problems.join('; ') };
}

/** The COM port of a serial-driver device from the registry, when its name did not say it. */
export async function comPortFromRegistry(
  run: WindowsRun,
  instanceId: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (!/^USB\\[\w&\\.#-]+$/i.test(instanceId)) return undefined;
  const key = `HKLM\\SYSTEM\\CurrentControlSet\\Enum\\${instanceId}\\Device Parameters`;
  try {
    const r = await runBounded(run, 'reg.exe', ['query', key, '/v', 'PortName'], 'reg query PortName', signal);
    return r && r.code === 0 ? parseRegPortName(r.stdout) : undefined;
  } catch (e) {
    if (e instanceof RescueError && e.code === 'CANCELLED') throw e;
    return undefined;
  }
}

function edlCheck(state: EdlDriverState, opts: WindowsFixOptions): PlatformCheck {
  const base = { id: WINDOWS_EDL_CHECK, title: 'Driver for the modem in download mode (EDL)' };
  const installFix = opts.infPath
    ? {
        fix: {
          id: WINDOWS_WINUSB_FIX,
          label: 'Install the WinUSB driver for 05C6:9008',
          explanation: ADMIN_PROMPT_EXPLANATION,
          needsAdmin: true,
        },
      }
    : {};
  switch (state.kind) {
    case 'absent':
      return {
        ...base,
        state: 'unknown',
        detail: 'No modem in download mode (05C6:9008) is connected now; this is checked again when one appears.',
      };
    case 'libusb':
      return {
        ...base,
        state: 'ok',
        detail: `${state.driver} driver: ready. Modem Rescue talks to the modem directly over USB.`,
      };
    case 'serial':
      return {
        ...base,
        state: 'ok',
        detail: `Qualcomm/Quectel QDLoader serial driver: Modem Rescue uses its COM port${state.comPort ? ` (${state.comPort})` : ''}.`,
      };
    case 'no-driver':
      return {
        ...base,
        state: 'fail',
        detail:
          `Windows has no driver for the modem (${state.name ?? 'QUSB__BULK'}), so nothing can reach it. ` +
          (opts.infPath ? `Install the WinUSB driver below, or: ${ZADIG_STEPS}` : ZADIG_STEPS),
        ...installFix,
      };
    case 'driver-problem':
      return {
        ...base,
        state: 'fail',
        detail:
          `Windows reports a problem with the modem's driver${state.service ? ` (${state.service})` : ''}: Device Manager code ${state.problemCode < 0 ? '(unknown)' : state.problemCode}. ` +
          `Unplug and replug the modem; if it stays, replace the driver with WinUSB. ${opts.infPath ? '' : ZADIG_STEPS}`.trim(),
        ...installFix,
      };
    case 'other-driver':
      return {
        ...base,
        state: 'warn',
        detail:
          `Another driver owns the modem (${state.service ?? state.className ?? 'unknown'}); Modem Rescue cannot use it. Replace it with WinUSB. ${opts.infPath ? '' : ZADIG_STEPS}`.trim(),
        ...installFix,
      };
  }
}

function dmCheck(dm: DmPortState): PlatformCheck {
  const base = { id: `${WINDOWS_DM_CHECK}:${dm.instanceId}`, title: `DM port driver of ${dm.module}` };
  const s = dm.state;
  if (s.kind === 'serial')
    return {
      ...base,
      state: 'ok',
      detail: `Quectel's serial driver gives the DM port${s.comPort ? ` as ${s.comPort}` : ''}: backup and the switch into EDL can use it.`,
    };
  const fixText =
    "Install Quectel's Windows USB driver (Quectel_Windows_USB_Driver, from Quectel's download page or your module vendor), then unplug and replug the modem.";
  if (s.kind === 'no-driver')
    return {
      ...base,
      state: 'warn',
      detail: `The module's DM port has no driver, so backup and the switch into EDL over DIAG cannot reach it. ${fixText} Flashing in EDL does not need it.`,
    };
  if (s.kind === 'driver-problem')
    return {
      ...base,
      state: 'warn',
      detail: `Windows reports a problem with the DM port's driver (code ${s.problemCode < 0 ? 'unknown' : s.problemCode}). ${fixText}`,
    };
  return {
    ...base,
    state: 'warn',
    detail: `The DM port is not a COM port (driver: ${s.kind === 'libusb' ? s.driver : (s.service ?? s.className ?? 'unknown')}); Modem Rescue uses it as a COM port. ${fixText}`,
  };
}

/** The checks (with fixes) for a given system state; pure. */
export function windowsFixes(probe: WindowsPnpProbe, opts: WindowsFixOptions = {}): PlatformCheck[] {
  return [edlCheck(windowsEdlDriverState(probe), opts), ...windowsDmPortStates(probe).map(dmCheck)];
}

/** Read this Windows machine through `run` and return its checks, for the doctor and the Prepare step. */
export async function windowsChecks(
  run: WindowsRun,
  opts: WindowsFixOptions & { signal?: AbortSignal | undefined } = {},
): Promise<PlatformCheck[]> {
  const read = await readWindowsPnp(run, opts.signal);
  if (read.source === 'none') {
    return [
      {
        id: WINDOWS_EDL_CHECK,
        title: 'Driver for the modem in download mode (EDL)',
        state: 'unknown',
        detail: `The device list could not be read: ${read.problem ?? 'no tool answered'}.`,
      },
    ];
  }
  const devices: PnpDevice[] = [...read.devices];
  // A serial EDL device whose name carries no COM port: ask the registry, so the check names it.
  const edl = windowsEdlDriverState({ devices });
  if (edl.kind === 'serial' && !edl.comPort) {
    const com = await comPortFromRegistry(run, edl.instanceId, opts.signal);
    if (com) {
      const i = devices.findIndex((d) => d.instanceId === edl.instanceId);
      const d = devices[i];
      if (d) devices[i] = { ...d, name: `${d.name ?? 'Qualcomm HS-USB QDLoader 9008'} (${com})` };
    }
  }
  return windowsFixes({ devices }, opts);
}

/** Apply a Windows fix by id (after the user agreed to its explanation). */
export async function applyWindowsFix(
  id: string,
  run: WindowsRun,
  opts: { infPath?: string; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<InstallOutcome> {
  if (id !== WINDOWS_WINUSB_FIX) throw new RescueError('INTERNAL', `There is no Windows fix called "${id}".`);
  if (!opts.infPath)
    throw new RescueError(
      'HOST_TOOL_MISSING',
      'The WinUSB driver package (modem-rescue-winusb.inf) is not part of this installation.',
      { nextStep: ZADIG_STEPS },
    );
  return installWinUsbDriver(run, opts.infPath, {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
