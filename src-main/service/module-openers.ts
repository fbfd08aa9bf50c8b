// How the service reaches a module's ports: the DM and AT ports of a running module and the EDL
// device. Two implementations of one interface: the real computer's (serial ports, USB, the EDL
// opener that tries the driver's serial port then libusb) and the demo module's (its memory
// buses). The service picks one per device and never branches per port.

import type { DeviceSummary } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { sightEdl } from '../flows/detect.js';
import { usbFleetBus, type FleetBus } from '../flows/follow-module.js';
import type { UsbEnumerator } from '../platform/usb-enumerator.js';
import { AutoEdlOpener, type NativeOpeners } from '../transport/auto-edl.js';
import type { PowerSwitch } from '../transport/power-switch.js';
import type { PipeOpener } from '../transport/transport.js';
import { namedPortPath } from './edl-ports.js';

export interface ModuleOpeners {
  dm(d: DeviceSummary): PipeOpener;
  at(d: DeviceSummary): PipeOpener;
  /** The module in EDL, wherever it appears. */
  edl(): PipeOpener;
  /** The module in EDL at `d`, and no other (several modules at once). */
  edlAt(d: DeviceSummary): PipeOpener;
  /** The bus modules in EDL are found on by their USB port, for a fleet run to follow them (none: demo). */
  fleetBus?(): FleetBus;
  /**
   * What can cut the module's power from here (the module at `d`), or why nothing can. portOnly:
   * its own port's power only, never a suspend (with several modules it would cut them all).
   */
  powerSwitch(d: DeviceSummary | undefined, opts?: PowerSwitchOptions): Promise<PowerSwitchChoice>;
}

export interface PowerSwitchOptions {
  portOnly?: boolean;
}

export interface PowerSwitchChoice {
  powerSwitch?: PowerSwitch;
  text: string;
}

/**
 * The real computer: the serial ports a driver made of the module, and its EDL device: the serial
 * port a driver made of it (or the port named by hand, edl-ports.ts), else libusb at its bus path.
 */
export function realOpeners(
  enumerator: UsbEnumerator,
  native: NativeOpeners,
  powerSwitch: ModuleOpeners['powerSwitch'],
): ModuleOpeners {
  const port = (d: DeviceSummary, which: 'dm' | 'at', what: string): PipeOpener => {
    const path = d.ports[which];
    if (!path) throw new RescueError('PORT_NOT_FOUND', `${d.name} at USB ${d.id} shows no ${what} serial port.`);
    return native.serial(path);
  };
  return {
    dm: (d) => port(d, 'dm', 'DM/DIAG'),
    at: (d) => port(d, 'at', 'AT'),
    edl: () => new AutoEdlOpener(() => sightEdl(enumerator), native),
    edlAt: (d) => (d.ports.edl ? native.serial(d.ports.edl) : native.usbEdl({ busPath: d.id })),
    fleetBus: () => usbFleetBus(enumerator, { serial: native.serial, usbAt: (busPath) => native.usbEdl({ busPath }) }),
    powerSwitch: (d, opts) => {
      const named = d && namedPortPath(d);
      if (named)
        return Promise.resolve({
          text: `${named} was named by hand: its USB port is not known, so its power cannot be cut from here; if it hangs, power-cycle it by hand (unplug it and plug it in again).`,
        });
      return powerSwitch(d, opts);
    },
  };
}

/** What the demo module offers (DemoModem has these three openers and its USB port's power). */
export interface DemoPorts {
  readonly dmOpener: PipeOpener;
  readonly atOpener: PipeOpener;
  readonly edlOpener: PipeOpener;
  readonly portPower: PowerSwitch;
}

export function demoOpeners(demo: DemoPorts): ModuleOpeners {
  return {
    dm: () => demo.dmOpener,
    at: () => demo.atOpener,
    edl: () => demo.edlOpener,
    edlAt: () => demo.edlOpener,
    powerSwitch: () =>
      Promise.resolve({
        powerSwitch: demo.portPower,
        text: `If the modem hangs: ${demo.portPower.description.toLowerCase()}.`,
      }),
  };
}
