// Power-cycling the modem without a screwdriver: suspend the computer for a few seconds and wake
// it automatically (which cuts power to a mini-PCIe slot), re-enumerate a USB modem through sysfs,
// or switch its hub port off and on. Each action says what it will do, whether it is available
// here (and why not), and whether it needs the administrator password; running one is bounded
// and cancellable.

import { RescueError } from '../../shared/errors.js';
import { sleep, throwIfAborted } from '../util/deadline.js';
import { asAdmin, runChecked, showCommand, sysfsWriteCommand, type PlannedCommand } from './linux/admin-command.js';
import { USB_DEVICES, deviceId, findModems, isSafeBusPath, type ModemDevice } from './linux/modems.js';
import type { SystemProbe } from './system.js';

export type PowerCycleId = 'suspend-wake' | 'usb-reauthorize' | 'port-power';

export interface PowerCycleAction {
  id: PowerCycleId;
  label: string;
  explanation: string;
  available: boolean;
  /** Why it is not available, and how to do the same by hand. */
  reason?: string;
  needsAdmin: boolean;
  /** What will run, in order. */
  commands: PlannedCommand[];
  /** Upper bound for running all commands (suspend includes the sleep). */
  timeoutMs: number;
}

export interface PowerCycleOptions {
  /** The modem's sysfs name ("1-2"); without it the USB actions are not offered. */
  busPath?: string;
  /** How long the computer sleeps (default 5 s). */
  suspendSeconds?: number;
}

const PROBE_MS = 5000;
const ADMIN_PROMPT_MS = 120_000; // time for a person to type the password
const BY_HAND_SUSPEND =
  'By hand: suspend the computer (close the lid or choose Suspend), wait five seconds, and wake it; for a USB modem, unplug it for five seconds instead.';
const BY_HAND_USB = 'By hand: unplug the modem, wait five seconds, and plug it back in.';

async function installed(probe: SystemProbe, cmd: string, args: string[]): Promise<boolean> {
  return (await probe.run(cmd, args, { timeoutMs: PROBE_MS }).catch(() => undefined)) !== undefined;
}

function unavailable(id: PowerCycleId, label: string, explanation: string, reason: string): PowerCycleAction {
  return { id, label, explanation, available: false, reason, needsAdmin: false, commands: [], timeoutMs: 0 };
}

/** The same commands, run directly when allowed, else through pkexec; unavailable without it. */
async function adminPlan(
  probe: SystemProbe,
  commands: PlannedCommand[],
  direct: boolean,
): Promise<{ commands: PlannedCommand[]; needsAdmin: boolean } | undefined> {
  if (direct || probe.uid === 0) return { commands, needsAdmin: false };
  if (!(await installed(probe, 'pkexec', ['--version']))) return undefined;
  return { commands: commands.map((c) => asAdmin(probe, c)), needsAdmin: true };
}

async function suspendAction(probe: SystemProbe, seconds: number): Promise<PowerCycleAction> {
  const label = `Suspend this computer for ${seconds} s and wake it`;
  const explanation = `Suspends the computer to RAM, which cuts power to the modem's mini-PCIe/M.2 slot, and wakes it after ${seconds} seconds by the real-time clock. Save your work first: everything on this computer pauses.`;
  if (probe.platform !== 'linux')
    return unavailable(
      'suspend-wake',
      label,
      explanation,
      `Automatic suspend is offered on Linux only. ${BY_HAND_SUSPEND}`,
    );
  const states = (await probe.readFile('/sys/power/state'))?.trim();
  if (!states?.split(/\s+/).includes('mem')) {
    return unavailable(
      'suspend-wake',
      label,
      explanation,
      `This computer cannot suspend to RAM (/sys/power/state: "${states ?? 'missing'}"). ${BY_HAND_SUSPEND}`,
    );
  }
  let plan: { commands: PlannedCommand[]; needsAdmin: boolean } | undefined;
  let tool: string;
  if (await installed(probe, 'rtcwake', ['--version'])) {
    tool = 'rtcwake';
    plan = await adminPlan(probe, [{ cmd: 'rtcwake', args: ['-m', 'mem', '-s', String(seconds)] }], false);
  } else if (
    (await probe.exists('/sys/class/rtc/rtc0/wakealarm')) &&
    (await installed(probe, 'systemctl', ['--version']))
  ) {
    tool = 'systemd';
    const alarm = sysfsWriteCommand('/sys/class/rtc/rtc0/wakealarm', `+${seconds}`);
    const clear = sysfsWriteCommand('/sys/class/rtc/rtc0/wakealarm', '0');
    const set: PlannedCommand = { cmd: 'sh', args: ['-c', `${clear.args[1] ?? ''} && ${alarm.args[1] ?? ''}`] };
    const armed = await adminPlan(probe, [set], false);
    plan = armed && {
      commands: [...armed.commands, { cmd: 'systemctl', args: ['suspend'] }],
      needsAdmin: armed.needsAdmin,
    };
  } else {
    return unavailable(
      'suspend-wake',
      label,
      explanation,
      `Neither rtcwake (util-linux) nor systemd with a wake alarm (/sys/class/rtc/rtc0/wakealarm) is here to wake the computer again. ${BY_HAND_SUSPEND}`,
    );
  }
  if (!plan)
    return unavailable(
      'suspend-wake',
      label,
      explanation,
      `Suspending needs administrator rights and pkexec is not installed: run \`sudo rtcwake -m mem -s ${seconds}\` in a terminal. ${BY_HAND_SUSPEND}`,
    );
  return {
    id: 'suspend-wake',
    label,
    explanation: `${explanation} Uses ${tool}; runs: ${plan.commands.map(showCommand).join(', then ')}.`,
    available: true,
    needsAdmin: plan.needsAdmin,
    commands: plan.commands,
    timeoutMs: seconds * 1000 + ADMIN_PROMPT_MS,
  };
}

async function reauthorizeAction(probe: SystemProbe, busPath: string | undefined): Promise<PowerCycleAction> {
  const label = 'Re-connect the modem on USB';
  const explanation =
    'Makes the kernel disconnect the modem and connect it again (sysfs authorized 0, then 1), as if it were unplugged and plugged back in. It does not cut its power.';
  if (!busPath || !isSafeBusPath(busPath))
    return unavailable('usb-reauthorize', label, explanation, `No modem on USB to re-connect. ${BY_HAND_USB}`);
  const path = `${USB_DEVICES}/${busPath}/authorized`;
  if (!(await probe.exists(path)))
    return unavailable('usb-reauthorize', label, explanation, `${path} does not exist here. ${BY_HAND_USB}`);
  return sysfsToggleAction(probe, { id: 'usb-reauthorize', label, explanation }, path, ['0', 1, '1']);
}

/**
 * An action that writes `first` to a sysfs file, waits, then writes `second` (one shell command,
 * through pkexec when the file is not writable): USB re-connect and hub port power share it.
 */
async function sysfsToggleAction(
  probe: SystemProbe,
  what: { id: PowerCycleId; label: string; explanation: string },
  path: string,
  [first, pauseSeconds, second]: [string, number, string],
): Promise<PowerCycleAction> {
  const script: PlannedCommand = {
    cmd: 'sh',
    args: [
      '-c',
      `${sysfsWriteCommand(path, first).args[1] ?? ''} && sleep ${pauseSeconds} && ${sysfsWriteCommand(path, second).args[1] ?? ''}`,
    ],
  };
  const plan = await adminPlan(probe, [script], await probe.access(path, 'w'));
  if (!plan)
    return unavailable(
      what.id,
      what.label,
      what.explanation,
      `Writing ${path} needs administrator rights and pkexec is not installed. ${BY_HAND_USB}`,
    );
  return {
    id: what.id,
    label: what.label,
    explanation: `${what.explanation} Runs: ${plan.commands.map(showCommand).join(', then ')}.`,
    available: true,
    needsAdmin: plan.needsAdmin,
    commands: plan.commands,
    timeoutMs: ADMIN_PROMPT_MS,
  };
}

/** The hub port a device hangs on: 1-2.3 -> 1-2:1.0/1-2-port3; 1-2 -> 1-0:1.0/usb1-port2. */
export function hubPortDir(busPath: string): string | undefined {
  const m = /^(\d+)-(\d+(?:\.\d+)*)$/.exec(busPath);
  if (!m?.[1] || !m[2]) return undefined;
  const chain = m[2].split('.');
  const port = chain.pop();
  const hub = chain.length ? `${m[1]}-${chain.join('.')}` : `usb${m[1]}`;
  const hubIface = chain.length ? `${hub}:1.0` : `${m[1]}-0:1.0`;
  return `${USB_DEVICES}/${hubIface}/${hub}-port${port ?? ''}`;
}

async function portPowerAction(probe: SystemProbe, busPath: string | undefined): Promise<PowerCycleAction> {
  const label = "Switch the modem's USB port off and on";
  const explanation =
    'Switches off power to the hub port the modem is plugged into for two seconds, then on again: a real power cycle, where the hub supports it.';
  const dir = busPath ? hubPortDir(busPath) : undefined;
  if (!dir)
    return unavailable(
      'port-power',
      label,
      explanation,
      `No modem on USB whose port could be switched. ${BY_HAND_USB}`,
    );
  const path = `${dir}/disable`;
  if (!(await probe.exists(path)))
    return unavailable(
      'port-power',
      label,
      explanation,
      `This hub does not let its port power be switched (${path} is missing). ${BY_HAND_USB}`,
    );
  return sysfsToggleAction(probe, { id: 'port-power', label, explanation }, path, ['1', 2, '0']);
}

export async function listPowerCycleActions(
  probe: SystemProbe,
  options: PowerCycleOptions = {},
): Promise<PowerCycleAction[]> {
  const seconds = options.suspendSeconds ?? 5;
  if (!Number.isInteger(seconds) || seconds < 2 || seconds > 300)
    throw new RescueError('USAGE', `The suspend time must be 2 to 300 seconds, not ${seconds}.`);
  return [
    await suspendAction(probe, seconds),
    await reauthorizeAction(probe, options.busPath),
    await portPowerAction(probe, options.busPath),
  ];
}

/** Run an available action; bounded by its timeout, cancellable between and during commands. */
export async function runPowerCycleAction(
  probe: SystemProbe,
  action: PowerCycleAction,
  signal?: AbortSignal,
): Promise<void> {
  if (!action.available)
    throw new RescueError('USAGE', `"${action.label}" is not available here: ${action.reason ?? 'no reason given'}`);
  const deadline = Date.now() + action.timeoutMs;
  for (const c of action.commands) {
    throwIfAborted(signal);
    const timeoutMs = Math.max(1000, deadline - Date.now());
    await runChecked(probe, c, `"${action.label}"`, signal ? { timeoutMs, signal } : { timeoutMs });
  }
}

const MODE = (d: ModemDevice): string =>
  d.edl ? 'download mode (EDL)' : d.vendorId === 0x05c6 && d.productId === 0x900e ? 'crash-dump mode' : 'normal mode';

/** After an action: wait for a modem to be on USB again and say which mode it came back in. */
export async function waitForModem(
  probe: SystemProbe,
  opts: { timeoutMs: number; pollMs?: number; signal?: AbortSignal | undefined },
): Promise<{ device: ModemDevice; mode: string }> {
  const end = Date.now() + opts.timeoutMs;
  for (;;) {
    throwIfAborted(opts.signal);
    const d = (await findModems(probe))[0];
    if (d) return { device: d, mode: `${deviceId(d)} at USB ${d.busPath}, ${MODE(d)}` };
    if (Date.now() >= end)
      throw new RescueError(
        'DEVICE_NOT_FOUND',
        `No modem came back on USB within ${Math.round(opts.timeoutMs / 1000)} s.`,
      );
    await sleep(Math.min(opts.pollMs ?? 500, Math.max(1, end - Date.now())), opts.signal);
  }
}
