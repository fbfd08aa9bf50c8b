// Which Qualcomm/Quectel modems are connected, in which mode, and what that mode means.
// For a modem in EDL with qcserial bound, the serial port it can be flashed through; for a
// running modem, its DM/DIAG port (for a QCN backup or the switch to EDL).

import { MODE_EXPLANATIONS, QUALCOMM_VID, QUECTEL_VID, hex4, identify, type DeviceMode } from '../../shared/devices.js';
import type { EnumeratedDevice, EnumeratedInterface, UsbEnumerator } from '../platform/usb-enumerator.js';
import type { EdlSighting } from '../transport/auto-edl.js';

export interface DetectedDevice {
  /** "05c6:9008" */
  id: string;
  vendorId: number;
  productId: number;
  busPath: string;
  mode: DeviceMode;
  /** Module family or composition name from the catalogue. */
  name: string;
  chip?: string;
  /** What the mode means to a person. */
  explanation: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  /** EDL: the serial port qcserial made of the download interface (flash through it instead of libusb). */
  edlTty?: string;
  /** Normal mode: the DM/DIAG serial port. */
  diagTty?: string;
  interfaces: EnumeratedInterface[];
}

export interface DetectResult {
  usbAvailable: boolean;
  /** Why USB could not be looked at (when usbAvailable is false). */
  reason?: string;
  devices: DetectedDevice[];
}

/** Whether a device on the bus is one of ours (Qualcomm or Quectel, or a mode we know). */
function isCandidate(d: EnumeratedDevice): boolean {
  return d.vendorId === QUALCOMM_VID || d.vendorId === QUECTEL_VID || identify(d.vendorId, d.productId) !== undefined;
}

function unknownName(vendorId: number): string {
  if (vendorId === QUECTEL_VID) return 'Quectel device (unknown model)';
  if (vendorId === QUALCOMM_VID) return 'Qualcomm device (unknown composition)';
  return 'Unknown device';
}

/** The vendor-specific interface carrying the download protocol, when a serial driver made a tty of it. */
function edlTtyOf(interfaces: EnumeratedInterface[]): string | undefined {
  const i = interfaces.find((x) => x.class === 0xff && x.ttys.length > 0);
  return i?.ttys[0];
}

/** DM/DIAG: vendor class ff/ff/ff (ff/ff/30 on 5G modules), lowest interface number first. */
function diagTtyOf(interfaces: EnumeratedInterface[]): string | undefined {
  const i = [...interfaces]
    .sort((a, b) => a.number - b.number)
    .find(
      (x) =>
        x.class === 0xff && x.subclass === 0xff && (x.protocol === 0xff || x.protocol === 0x30) && x.ttys.length > 0,
    );
  return i?.ttys[0];
}

export function describeDevice(d: EnumeratedDevice): DetectedDevice {
  const known = identify(d.vendorId, d.productId);
  const mode: DeviceMode = known?.mode ?? 'unknown';
  const out: DetectedDevice = {
    id: `${hex4(d.vendorId)}:${hex4(d.productId)}`,
    vendorId: d.vendorId,
    productId: d.productId,
    busPath: d.busPath,
    mode,
    name: known?.name ?? unknownName(d.vendorId),
    explanation: MODE_EXPLANATIONS[mode],
    interfaces: d.interfaces,
  };
  if (known?.chip) out.chip = known.chip;
  if (d.manufacturer !== undefined) out.manufacturer = d.manufacturer;
  if (d.product !== undefined) out.product = d.product;
  if (d.serial !== undefined) out.serial = d.serial;
  if (mode === 'edl') {
    const tty = edlTtyOf(d.interfaces);
    if (tty) out.edlTty = tty;
  } else if (mode === 'normal') {
    const tty = diagTtyOf(d.interfaces);
    if (tty) out.diagTty = tty;
  }
  return out;
}

export async function detectDevices(enumerator: UsbEnumerator): Promise<DetectResult> {
  const availability = await enumerator.availability();
  if (!availability.available) return { usbAvailable: false, reason: availability.reason, devices: [] };
  const devices = (await enumerator.list()).filter(isCandidate).map(describeDevice);
  return { usbAvailable: true, devices };
}

/** One look for a module in EDL, as transport/auto-edl.ts asks it. */
export async function sightEdl(enumerator: UsbEnumerator): Promise<EdlSighting> {
  const found = await detectDevices(enumerator);
  if (!found.usbAvailable) return { usbAvailable: false };
  const edl = found.devices.find((d) => d.mode === 'edl');
  return edl ? { usbAvailable: true, edl: edl.edlTty ? { tty: edl.edlTty } : {} } : { usbAvailable: true };
}

/** Every module in EDL on the bus now, by its USB port (flows/follow-module.ts FleetBus.list). */
export async function edlPlaces(enumerator: UsbEnumerator): Promise<{ location: string; tty?: string }[]> {
  const found = await detectDevices(enumerator);
  return found.devices
    .filter((d) => d.mode === 'edl')
    .map((d) => (d.edlTty ? { location: d.busPath, tty: d.edlTty } : { location: d.busPath }));
}
