// Which of the three cases holds on Windows for a modem in EDL (05c6:9008), and whether the
// running module's DM port has its driver: decided from Plug and Play records (pnp-devices.ts),
// so tests feed them. Pure: no I/O.

import { QUALCOMM_VID, QUECTEL_VID, hex4, identify } from '../../../shared/devices.js';
import { comPortInName, usbIdsOf, type PnpDevice } from './pnp-devices.js';

export type LibusbDriver = 'WinUSB' | 'libusbK' | 'libusb0';

export type EdlDriverState =
  /** No modem in EDL is connected now. */
  | { kind: 'absent' }
  /** WinUSB (or a libusb driver Zadig installs) is bound: the engine opens it through libusb. */
  | { kind: 'libusb'; driver: LibusbDriver; instanceId: string }
  /** Qualcomm's or Quectel's QDLoader serial driver: the engine uses the COM port (when known). */
  | { kind: 'serial'; comPort?: string; instanceId: string; name?: string }
  /** Windows found no driver: Device Manager shows "QUSB__BULK" with a yellow mark. */
  | { kind: 'no-driver'; instanceId: string; name?: string }
  /** A driver is installed but Windows reports a problem with the device (code as in Device Manager). */
  | { kind: 'driver-problem'; instanceId: string; problemCode: number; name?: string; service?: string }
  /** Some other driver owns it (neither libusb-usable nor a serial port). */
  | { kind: 'other-driver'; instanceId: string; service?: string; className?: string; name?: string };

export interface WindowsPnpProbe {
  /** Present USB devices (at least every 05C6/2C7C one). */
  devices: readonly PnpDevice[];
}

function libusbDriverOf(d: PnpDevice): LibusbDriver | undefined {
  const service = (d.service ?? '').toLowerCase();
  const cls = (d.className ?? '').toLowerCase();
  if (service === 'winusb' || (d.driverInf ?? '').toLowerCase() === 'winusb.inf') return 'WinUSB';
  if (service === 'libusbk' || /libusbk/.test(cls)) return 'libusbK';
  if (service === 'libusb0' || /libusb-?(win32|0)/.test(cls)) return 'libusb0';
  // Class USBDevice ("Universal Serial Bus devices") with no service reported is how WinUSB
  // bindings appear in pnputil's listing (Zadig and our INF both use that class).
  if (!d.service && (cls === 'usbdevice' || cls === 'universal serial bus devices')) return 'WinUSB';
  return undefined;
}

function isSerialDriver(d: PnpDevice): boolean {
  const service = (d.service ?? '').toLowerCase();
  return (
    (d.className ?? '').toLowerCase() === 'ports' ||
    /^qc(usbser|ser)/.test(service) ||
    comPortInName(d.name) !== undefined
  );
}

function withName<T extends object>(state: T, name: string | undefined): T & { name?: string } {
  return name ? { ...state, name } : state;
}

/** The driver state of one device record. */
export function classifyDriver(d: PnpDevice): Exclude<EdlDriverState, { kind: 'absent' }> {
  const problem = d.problemCode ?? 0;
  const hasDriver = Boolean(d.service || d.className || d.driverInf);
  if (problem === 28 || problem === 1 || (!hasDriver && problem === 0))
    return withName({ kind: 'no-driver', instanceId: d.instanceId }, d.name);
  if (problem !== 0) {
    const s: Extract<EdlDriverState, { kind: 'driver-problem' }> = {
      kind: 'driver-problem',
      instanceId: d.instanceId,
      problemCode: problem,
    };
    if (d.service) s.service = d.service;
    return withName(s, d.name);
  }
  const lib = libusbDriverOf(d);
  if (lib) return { kind: 'libusb', driver: lib, instanceId: d.instanceId };
  if (isSerialDriver(d)) {
    const s: Extract<EdlDriverState, { kind: 'serial' }> = { kind: 'serial', instanceId: d.instanceId };
    const com = comPortInName(d.name);
    if (com) s.comPort = com;
    return withName(s, d.name);
  }
  const other: Extract<EdlDriverState, { kind: 'other-driver' }> = { kind: 'other-driver', instanceId: d.instanceId };
  if (d.service) other.service = d.service;
  if (d.className) other.className = d.className;
  return withName(other, d.name);
}

const RANK: Record<EdlDriverState['kind'], number> = {
  libusb: 0,
  serial: 1,
  'other-driver': 2,
  'driver-problem': 3,
  'no-driver': 4,
  absent: 5,
};

/**
 * The driver state of the modem in EDL (05c6:9008). With several such devices (two modems, or
 * Windows listing one twice), the one the engine can use wins: libusb, then serial.
 */
export function windowsEdlDriverState(probe: WindowsPnpProbe): EdlDriverState {
  const states = probe.devices
    .filter((d) => {
      const ids = usbIdsOf(d.instanceId);
      return ids?.vendorId === QUALCOMM_VID && ids.productId === 0x9008 && ids.interfaceNumber === undefined;
    })
    .map(classifyDriver)
    .sort((a, b) => RANK[a.kind] - RANK[b.kind]);
  return states[0] ?? { kind: 'absent' };
}

export interface DmPortState {
  /** "Quectel EC25 / EG25-G / ..." or "2c7c:0125". */
  module: string;
  instanceId: string;
  state: Exclude<EdlDriverState, { kind: 'absent' }>;
}

/** Running Quectel modules' DM/DIAG interface (MI_00) and its driver state. */
export function windowsDmPortStates(probe: WindowsPnpProbe): DmPortState[] {
  const out: DmPortState[] = [];
  for (const d of probe.devices) {
    const ids = usbIdsOf(d.instanceId);
    if (!ids || ids.vendorId !== QUECTEL_VID || ids.interfaceNumber !== 0) continue;
    const known = identify(ids.vendorId, ids.productId);
    if (known && known.mode !== 'normal') continue;
    out.push({
      module: known?.name ?? `${hex4(ids.vendorId)}:${hex4(ids.productId)}`,
      instanceId: d.instanceId,
      state: classifyDriver(d),
    });
  }
  return out;
}
