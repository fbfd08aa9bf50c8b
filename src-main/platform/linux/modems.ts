// The Qualcomm/Quectel devices in sysfs, as far as the doctor needs them: where they sit, their
// mode, link speed, autosuspend state, device node and the driver bound to each interface.

import type { SystemProbe } from '../system.js';

export const SYSFS_USB = '/sys/bus/usb';
export const USB_DEVICES = `${SYSFS_USB}/devices`;

const DEVICE_NAME = /^(\d+)-(\d+(?:\.\d+)*)$/;
const MODEM_VENDORS = new Set([0x05c6, 0x2c7c]);

export interface ModemInterface {
  /** sysfs name, e.g. "1-2:1.0" */
  name: string;
  number: number;
  driver?: string;
}

export interface ModemDevice {
  /** sysfs name, e.g. "1-2" or "3-1.4" */
  busPath: string;
  vendorId: number;
  productId: number;
  edl: boolean;
  busnum?: number;
  devnum?: number;
  /** Link speed in Mbit/s (480 = USB 2 high speed, 5000+ = USB 3). */
  speedMbps?: number;
  powerControl?: string;
  autosuspendDelayMs?: number;
  interfaces: ModemInterface[];
}

export const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
export const deviceId = (d: Pick<ModemDevice, 'vendorId' | 'productId'>): string =>
  `${hex4(d.vendorId)}:${hex4(d.productId)}`;
export const isSafeBusPath = (name: string): boolean => DEVICE_NAME.test(name);
export const isSafeInterfaceName = (name: string): boolean => /^\d+-\d+(?:\.\d+)*:\d+\.\d+$/.test(name);

export function devNode(d: ModemDevice): string | undefined {
  if (d.busnum === undefined || d.devnum === undefined) return undefined;
  return `/dev/bus/usb/${String(d.busnum).padStart(3, '0')}/${String(d.devnum).padStart(3, '0')}`;
}

async function attr(probe: SystemProbe, path: string): Promise<string | undefined> {
  const v = await probe.readFile(path);
  const t = v?.trim();
  return t === undefined || t === '' ? undefined : t;
}

function intOf(v: string | undefined, radix = 10): number | undefined {
  if (v === undefined || !/^[0-9a-fA-F]{1,10}$/.test(v)) return undefined;
  const n = parseInt(v, radix);
  return Number.isFinite(n) ? n : undefined;
}

export async function hasUsbSubsystem(probe: SystemProbe): Promise<boolean> {
  return probe.exists(SYSFS_USB);
}

/** Every Qualcomm (05c6) or Quectel (2c7c) device in sysfs, sorted by bus path. */
export async function findModems(probe: SystemProbe): Promise<ModemDevice[]> {
  const entries = await probe.readdir(USB_DEVICES);
  const out: ModemDevice[] = [];
  for (const name of entries.filter(isSafeBusPath).sort()) {
    const dir = `${USB_DEVICES}/${name}`;
    const vendorId = intOf(await attr(probe, `${dir}/idVendor`), 16);
    const productId = intOf(await attr(probe, `${dir}/idProduct`), 16);
    if (vendorId === undefined || productId === undefined || !MODEM_VENDORS.has(vendorId)) continue;
    const interfaces: ModemInterface[] = [];
    for (const iface of entries.filter((e) => e.startsWith(`${name}:`) && isSafeInterfaceName(e)).sort()) {
      const number =
        intOf(await attr(probe, `${USB_DEVICES}/${iface}/bInterfaceNumber`), 16) ?? Number(iface.split('.').pop());
      const link = await probe.readlink(`${USB_DEVICES}/${iface}/driver`);
      const driver = link?.split('/').pop();
      interfaces.push(driver ? { name: iface, number, driver } : { name: iface, number });
    }
    const speed = Number(await attr(probe, `${dir}/speed`));
    const delay = await attr(probe, `${dir}/power/autosuspend_delay_ms`);
    const dev: ModemDevice = {
      busPath: name,
      vendorId,
      productId,
      edl: vendorId === 0x05c6 && productId === 0x9008,
      interfaces,
    };
    const busnum = intOf(await attr(probe, `${dir}/busnum`));
    const devnum = intOf(await attr(probe, `${dir}/devnum`));
    if (busnum !== undefined) dev.busnum = busnum;
    if (devnum !== undefined) dev.devnum = devnum;
    if (Number.isFinite(speed) && speed > 0) dev.speedMbps = speed;
    const control = await attr(probe, `${dir}/power/control`);
    if (control !== undefined) dev.powerControl = control;
    if (delay !== undefined && /^-?\d+$/.test(delay)) dev.autosuspendDelayMs = Number(delay);
    out.push(dev);
  }
  return out;
}
