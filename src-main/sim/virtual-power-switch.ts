// The virtual modem's power switch, as a computer would drive it: 'port-power' (the hub port's
// power off and on) and 'suspend-wake' (a suspend that cuts the mini-PCIe slot's power) take the
// module's power away, so it boots again: into EDL when its boot chain is broken (SBL is erased
// first by every flash) or USB_BOOT is held, else into normal mode. 'usb-reauthorize' only makes
// it enumerate again: a hung programmer stays hung, silent on the new link, as on real hardware.

import { throwIfAborted } from '../util/deadline.js';
import { cutsPower, type PowerCycleKind, type PowerSwitch } from '../transport/power-switch.js';
import type { VirtualModem } from './virtual-modem.js';

const DESCRIPTIONS: Record<PowerCycleKind, string> = {
  'port-power': "Switching the virtual modem's USB port off and on",
  'suspend-wake': 'Suspending the virtual computer and waking it (the modem slot loses power)',
  'usb-reauthorize': 'Re-connecting the virtual modem on USB (no power cut)',
};

export class VirtualPowerSwitch implements PowerSwitch {
  readonly description: string;
  readonly cutsPower: boolean;
  /** How many times it was used (tests and the demo report it). */
  cycles = 0;

  constructor(
    private readonly modem: VirtualModem,
    readonly kind: PowerCycleKind = 'port-power',
    private readonly opts: { usbBootHeld?: boolean } = {},
  ) {
    this.description = DESCRIPTIONS[kind];
    this.cutsPower = cutsPower(kind);
  }

  async cycle(opts: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<void> {
    throwIfAborted(opts.signal);
    this.cycles++;
    if (this.cutsPower) await this.modem.cutPower({ edl: this.opts.usbBootHeld === true }, opts.timeoutMs);
    else await this.modem.reconnectUsb();
  }
}
