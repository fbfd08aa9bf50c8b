// A sysfs tree shaped like Linux's (devices under /sys/devices, links in /sys/bus/usb/devices,
// interface attributes, driver links, ttyUSBn children) for the port-map tests.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** "ff/ff/ff option ttyUSB0": class/sub/proto, optional driver, optional tty. */
export type IfSpec = string;

export interface SysfsDevice {
  busPath: string;
  vid: string;
  pid: string;
  /** Index = interface number. */
  interfaces: IfSpec[];
}

export class FakeSysfs {
  readonly root = mkdtempSync(join(tmpdir(), 'at-sysfs-'));

  constructor(devices: SysfsDevice[]) {
    const links = join(this.root, 'bus', 'usb', 'devices');
    mkdirSync(links, { recursive: true });
    mkdirSync(join(this.root, 'bus', 'usb', 'drivers'), { recursive: true });
    const hub = join(this.root, 'devices', 'pci0000:00', 'usb1');
    mkdirSync(hub, { recursive: true });
    for (const d of devices) {
      const dir = join(hub, d.busPath);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'idVendor'), `${d.vid}\n`);
      writeFileSync(join(dir, 'idProduct'), `${d.pid}\n`);
      symlinkSync(dir, join(links, d.busPath));
      d.interfaces.forEach((spec, number) => {
        const [cls, driver, tty] = spec.split(' ');
        const [c, s, p] = cls!.split('/');
        const name = `${d.busPath}:1.${number}`;
        const idir = join(dir, name);
        mkdirSync(idir);
        writeFileSync(join(idir, 'bInterfaceNumber'), `${number.toString(16).padStart(2, '0')}\n`);
        writeFileSync(join(idir, 'bInterfaceClass'), `${c}\n`);
        writeFileSync(join(idir, 'bInterfaceSubClass'), `${s}\n`);
        writeFileSync(join(idir, 'bInterfaceProtocol'), `${p}\n`);
        if (driver && driver !== '-') {
          mkdirSync(join(this.root, 'bus', 'usb', 'drivers', driver), { recursive: true });
          symlinkSync(join(this.root, 'bus', 'usb', 'drivers', driver), join(idir, 'driver'));
        }
        if (tty) mkdirSync(join(idir, tty));
        symlinkSync(idir, join(links, name));
      });
    }
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
