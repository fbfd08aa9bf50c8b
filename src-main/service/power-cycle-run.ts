// The Enter EDL step's power-cycle actions. In demo mode the one action is the demo module's
// suspend/resume (what the user's laptop did to its mini-PCIe slot); on Linux they are the
// platform's (suspend and wake, USB re-connect, port power), each run only after the person saw
// what it does, then a bounded wait for a modem to come back.

import type { PowerCycleActionView } from '../../shared/api.js';
import type { DeviceMode } from '../../shared/devices.js';
import { RescueError } from '../../shared/errors.js';
import {
  listPowerCycleActions,
  runPowerCycleAction,
  waitForModem,
  type PowerCycleAction,
} from '../platform/power-cycle.js';
import type { SystemProbe } from '../platform/system.js';

export const DEMO_SUSPEND_ACTION: PowerCycleActionView = {
  id: 'suspend-wake',
  label: 'Suspend the computer and wake it (demo)',
  explanation:
    'The demo computer sleeps for a moment and wakes up; its mini-PCIe slot loses power meanwhile, as on a laptop.',
  available: true,
  needsAdmin: false,
};

export function toView(a: PowerCycleAction): PowerCycleActionView {
  return {
    id: a.id,
    label: a.label,
    explanation: a.explanation,
    available: a.available,
    needsAdmin: a.needsAdmin,
    ...(a.reason ? { reason: a.reason } : {}),
  };
}

export async function platformPowerCycleActions(
  probe: SystemProbe,
  busPath: string | undefined,
): Promise<PowerCycleActionView[]> {
  if (probe.platform !== 'linux') return [];
  return (await listPowerCycleActions(probe, busPath ? { busPath } : {})).map(toView);
}

export async function runPlatformPowerCycle(
  probe: SystemProbe,
  id: string,
  busPath: string | undefined,
  signal: AbortSignal,
): Promise<{ message: string; mode?: DeviceMode }> {
  if (probe.platform !== 'linux')
    throw new RescueError(
      'USAGE',
      'Power-cycling from the app is offered on Linux only: unplug the modem or power the computer off and on by hand.',
    );
  const action = (await listPowerCycleActions(probe, busPath ? { busPath } : {})).find((a) => a.id === id);
  if (!action) throw new RescueError('USAGE', `Unknown power-cycle action "${id}".`);
  await runPowerCycleAction(probe, action, signal);
  const back = await waitForModem(probe, { timeoutMs: 60_000, signal });
  return { message: `${action.label}: done; the modem is back in ${back.mode} mode.`, mode: back.mode as DeviceMode };
}
