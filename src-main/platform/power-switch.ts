// This computer's power switch for one modem, for a flash run that may cut the modem's power by
// itself (`flash --power-cycle auto|ask`, the wizard's consent box): the hub port's power when
// the hub switches it per port, else suspend-and-wake by the real-time clock (a mini-PCIe slot
// loses power). A USB re-enumeration is never chosen: it does not restart a hung programmer.
// The doctor says which of these this computer can do for each modem.

import type { PlatformCheck } from '../../shared/api.js';
import type { PowerSwitch } from '../transport/power-switch.js';
import { listPowerCycleActions, runPowerCycleAction, type PowerCycleAction } from './power-cycle.js';
import type { SystemProbe } from './system.js';

/** Asked before each use in 'ask' mode; resolves true to go ahead. */
export type PowerConfirm = (action: PowerCycleAction) => Promise<boolean>;

class PlatformPowerSwitch implements PowerSwitch {
  readonly kind;
  readonly description;
  readonly cutsPower = true;

  constructor(
    private readonly probe: SystemProbe,
    private readonly action: PowerCycleAction,
    private readonly confirm: PowerConfirm | undefined,
  ) {
    this.kind = action.id;
    this.description = action.label;
  }

  async cycle(opts: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<void> {
    if (this.confirm && !(await this.confirm(this.action)))
      throw new Error(`"${this.action.label}" was declined at the prompt`);
    await runPowerCycleAction(this.probe, this.action, opts.signal);
  }
}

export interface PowerSwitchChoice {
  powerSwitch?: PowerSwitch;
  /** The action chosen, or why none could be. */
  text: string;
}

/** The action that cuts this modem's power here, port power first; none with the reasons why. */
export async function choosePowerSwitch(
  probe: SystemProbe,
  busPath: string | undefined,
  confirm?: PowerConfirm,
  /** Only the hub port's power: with several modules on the computer, a suspend would cut them all. */
  opts: { portOnly?: boolean } = {},
): Promise<PowerSwitchChoice> {
  if (probe.platform !== 'linux')
    return { text: 'Cutting the modem power from the app is offered on Linux only; power-cycle it by hand.' };
  const actions = await listPowerCycleActions(probe, busPath ? { busPath } : {});
  const pick = (opts.portOnly ? ['port-power'] : ['port-power', 'suspend-wake'])
    .map((id) => actions.find((a) => a.id === id && a.available))
    .find((a) => a !== undefined);
  if (!pick)
    return {
      text: `No way to cut the modem's power from here: ${actions
        .filter((a) => a.id !== 'usb-reauthorize')
        .map((a) => a.reason ?? a.label)
        .join(' ')}`,
    };
  return {
    powerSwitch: new PlatformPowerSwitch(probe, pick, confirm),
    text: `If the modem hangs: ${pick.label.toLowerCase()}${pick.needsAdmin ? ' (asks for the administrator password)' : ''}.`,
  };
}

/** The doctor's line: what this computer can do to power-cycle the modem at busPath. */
export async function powerCycleCheck(probe: SystemProbe, busPath: string): Promise<PlatformCheck> {
  const actions = await listPowerCycleActions(probe, { busPath });
  const cut = actions.filter((a) => a.id !== 'usb-reauthorize' && a.available);
  const title = `Power cycle for the modem at USB ${busPath}`;
  const lines = actions.map(
    (a) =>
      `${a.label}: ${a.available ? `available${a.needsAdmin ? ' (administrator password)' : ''}` : `not available. ${a.reason ?? ''}`}${a.id === 'usb-reauthorize' ? ' (re-enumerates only: it does not restart a hung modem)' : ''}`,
  );
  return {
    id: `power-cycle-${busPath}`,
    title,
    state: cut.length > 0 ? 'ok' : 'warn',
    detail: `${cut.length > 0 ? 'A hung modem can be restarted from here.' : 'A hung modem must be power-cycled by hand (unplug it, or power the computer off and on).'} ${lines.join(' ')}`,
  };
}
