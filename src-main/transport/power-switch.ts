// Cutting a module's power from the computer, as one interface the flash run can drive: a real
// computer's (switch the USB port's power off and on, suspend and wake by timer: platform/) or the
// virtual modem's (sim/virtual-power-switch.ts). Only an action that removes the module's power
// restarts a hung programmer; re-enumerating the device (sysfs authorized 0/1) does not, so the
// flash run takes only a switch that cuts power.

/** The actions a computer may offer, as platform/power-cycle.ts lists them. */
export type PowerCycleKind = 'suspend-wake' | 'usb-reauthorize' | 'port-power';

export interface PowerSwitch {
  readonly kind: PowerCycleKind;
  /** What it does, as a person reads it ("switch the modem's USB port off and on"). */
  readonly description: string;
  /** True when the module loses power (a hung programmer restarts); false for a re-enumeration. */
  readonly cutsPower: boolean;
  /** Run it; resolves once the power is back (the module then boots or enters EDL on its own). */
  cycle(opts: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<void>;
}

/** Only a switch that cuts power restarts a hung module. */
export function cutsPower(kind: PowerCycleKind): boolean {
  return kind !== 'usb-reauthorize';
}
