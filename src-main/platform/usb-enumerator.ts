// What is on the USB bus, with the details detection needs: IDs, strings, and per interface its
// class, the kernel driver bound to it and the serial ttys it created. Linux reads sysfs (no
// device access or permissions needed, and it shows drivers and ttys); other systems ask libusb.
// A machine without a USB subsystem says so instead of failing.

import { existsSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { busPathOf } from '../transport/usb.js';
import { libusbApi, type UsbApi } from '../transport/usb-api.js';

export interface EnumeratedInterface {
  number: number;
  class: number;
  subclass: number;
  protocol: number;
  /** Kernel driver bound to the interface (Linux), e.g. "qcserial", "option", "qmi_wwan". */
  driver?: string;
  /** Serial device nodes the interface created, e.g. "/dev/ttyUSB0". */
  ttys: string[];
}

export interface EnumeratedDevice {
  vendorId: number;
  productId: number;
  /** "3-1.2": bus, then the port chain. */
  busPath: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  interfaces: EnumeratedInterface[];
}

export type UsbAvailability = { available: true } | { available: false; reason: string };

export interface UsbEnumerator {
  /** Whether there is a USB subsystem to look at on this machine. */
  availability(): Promise<UsbAvailability>;
  /** The devices on the bus now ([] when unavailable). */
  list(): Promise<EnumeratedDevice[]>;
}

// ---- Linux: sysfs ----------------------------------------------------------------------------

/** sysfs attribute files are tiny; never trust one to be. */
const MAX_ATTR_CHARS = 256;

async function readAttr(dir: string, name: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(dir, name), 'utf8');
    const trimmed = text.slice(0, MAX_ATTR_CHARS).trim();
    return trimmed === '' ? undefined : trimmed;
  } catch {
    return undefined;
  }
}

async function readHex(dir: string, name: string): Promise<number | undefined> {
  const v = await readAttr(dir, name);
  if (v === undefined || !/^[0-9a-fA-F]{1,4}$/.test(v)) return undefined;
  return parseInt(v, 16);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

const DEVICE_NAME = /^\d+-\d+(\.\d+)*$/;
const TTY_NAME = /^tty[A-Za-z]*\d+$/;

export class SysfsUsbEnumerator implements UsbEnumerator {
  private readonly devicesDir: string;
  private readonly usbDir: string;

  /** root is the sysfs mount point ("/sys"); tests pass a fake tree. */
  constructor(readonly root = '/sys') {
    this.usbDir = join(root, 'bus', 'usb');
    this.devicesDir = join(this.usbDir, 'devices');
  }

  async availability(): Promise<UsbAvailability> {
    if (!existsSync(this.usbDir))
      return { available: false, reason: `no USB subsystem on this machine (${this.usbDir} is missing)` };
    return { available: true };
  }

  async list(): Promise<EnumeratedDevice[]> {
    if (!existsSync(this.usbDir)) return [];
    let entries: string[];
    try {
      entries = await readdir(this.devicesDir);
    } catch (e) {
      throw new RescueError(
        'HOST_IO',
        `Cannot list ${this.devicesDir}: ${e instanceof Error ? e.message : String(e)}.`,
        { cause: e },
      );
    }
    const devices: EnumeratedDevice[] = [];
    for (const name of entries.filter((n) => DEVICE_NAME.test(n)).sort(compareBusPaths)) {
      const dev = await this.readDevice(name, entries);
      if (dev) devices.push(dev);
    }
    return devices;
  }

  private async readDevice(name: string, entries: string[]): Promise<EnumeratedDevice | undefined> {
    const dir = join(this.devicesDir, name);
    const vendorId = await readHex(dir, 'idVendor');
    const productId = await readHex(dir, 'idProduct');
    if (vendorId === undefined || productId === undefined) return undefined; // vanished or malformed
    const interfaces: EnumeratedInterface[] = [];
    // Interfaces are "<device>:<config>.<interface>", e.g. "3-1.2:1.0".
    const prefix = `${name}:`;
    for (const ifName of entries.filter((n) => n.startsWith(prefix)).sort()) {
      const iface = await this.readInterface(join(this.devicesDir, ifName));
      if (iface) interfaces.push(iface);
    }
    interfaces.sort((a, b) => a.number - b.number);
    const dev: EnumeratedDevice = { vendorId, productId, busPath: name, interfaces };
    const manufacturer = await readAttr(dir, 'manufacturer');
    const product = await readAttr(dir, 'product');
    const serial = await readAttr(dir, 'serial');
    if (manufacturer !== undefined) dev.manufacturer = manufacturer;
    if (product !== undefined) dev.product = product;
    if (serial !== undefined) dev.serial = serial;
    return dev;
  }

  private async readInterface(dir: string): Promise<EnumeratedInterface | undefined> {
    const number = await readHex(dir, 'bInterfaceNumber');
    const cls = await readHex(dir, 'bInterfaceClass');
    if (number === undefined || cls === undefined) return undefined;
    const iface: EnumeratedInterface = {
      number,
      class: cls,
      subclass: (await readHex(dir, 'bInterfaceSubClass')) ?? 0,
      protocol: (await readHex(dir, 'bInterfaceProtocol')) ?? 0,
      ttys: await this.ttysOf(dir),
    };
    try {
      iface.driver = basename(await readlink(join(dir, 'driver')));
    } catch {
      // no driver bound
    }
    return iface;
  }

  /** usb-serial drivers (option, qcserial) put ttyUSBn beside the interface; cdc-acm puts tty/ttyACMn. */
  private async ttysOf(dir: string): Promise<string[]> {
    const found = new Set<string>();
    for (const child of await listDir(dir)) {
      if (TTY_NAME.test(child)) found.add(child);
      if (child === 'tty') for (const t of await listDir(join(dir, 'tty'))) if (TTY_NAME.test(t)) found.add(t);
    }
    return [...found].sort().map((t) => `/dev/${t}`);
  }
}

function compareBusPaths(a: string, b: string): number {
  const pa = a.split(/[-.]/).map(Number);
  const pb = b.split(/[-.]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

// ---- other systems: libusb ------------------------------------------------------------------

export class LibusbEnumerator implements UsbEnumerator {
  constructor(private readonly api: UsbApi = libusbApi()) {}

  async availability(): Promise<UsbAvailability> {
    try {
      await this.api.listDevices();
      return { available: true };
    } catch (e) {
      return {
        available: false,
        reason: `USB devices cannot be listed: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
  }

  async list(): Promise<EnumeratedDevice[]> {
    let handles;
    try {
      handles = await this.api.listDevices();
    } catch {
      return [];
    }
    return handles.map((d) => {
      let interfaces: EnumeratedInterface[] = [];
      try {
        interfaces = d
          .interfaces()
          .map((i) => ({ number: i.number, class: i.class, subclass: i.subclass, protocol: i.protocol, ttys: [] }));
      } catch {
        // descriptors unreadable (device busy or gone): IDs are still worth showing
      }
      return { vendorId: d.vendorId, productId: d.productId, busPath: busPathOf(d), interfaces };
    });
  }
}

/** The enumerator for this machine: sysfs on Linux, libusb elsewhere. */
export function createUsbEnumerator(platform: NodeJS.Platform = process.platform, sysfsRoot = '/sys'): UsbEnumerator {
  return platform === 'linux' ? new SysfsUsbEnumerator(sysfsRoot) : new LibusbEnumerator();
}
