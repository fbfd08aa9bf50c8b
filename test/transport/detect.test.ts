// Device detection: the sysfs enumerator on a fed tree, the libusb fallback on a fake, the
// "no USB subsystem" state, detectDevices and the `detect` command.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDetectCommand, formatDetectResult } from '../../src-main/cli/commands/detect.js';
import type { CliIo } from '../../src-main/cli/io.js';
import { detectDevices, edlPlaces } from '../../src-main/flows/detect.js';
import {
  LibusbEnumerator,
  SysfsUsbEnumerator,
  createUsbEnumerator,
  type UsbEnumerator,
} from '../../src-main/platform/usb-enumerator.js';
import { usbError, LIBUSB, type UsbApi } from '../../src-main/transport/usb-api.js';
import { FakeUsbApi, FakeUsbDevice } from './fake-usb.js';

const roots: string[] = [];
afterEach(() => {
  while (roots.length) rmSync(roots.pop()!, { recursive: true, force: true });
});

interface FakeInterface {
  number: number;
  cls: string;
  sub: string;
  proto: string;
  driver?: string;
  ttys?: string[];
  /** cdc-acm style: tty/<name> */
  acmTty?: string;
}

interface FakeDevice {
  name: string;
  vid: string;
  pid: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  interfaces: FakeInterface[];
}

/** A sysfs tree laid out like the real one: devices live under /sys/devices, /sys/bus/usb/devices links to them. */
function fakeSysfs(devices: FakeDevice[]): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-sysfs-'));
  roots.push(root);
  const busDevices = join(root, 'bus', 'usb', 'devices');
  mkdirSync(busDevices, { recursive: true });
  mkdirSync(join(root, 'bus', 'usb', 'drivers'), { recursive: true });
  const real = join(root, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1');
  mkdirSync(real, { recursive: true });
  // The root hub, which detection must not mistake for a device of interest.
  writeFileSync(join(real, 'idVendor'), '1d6b\n');
  writeFileSync(join(real, 'idProduct'), '0002\n');
  symlinkSync(real, join(busDevices, 'usb1'));
  for (const d of devices) {
    const dir = join(real, d.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'idVendor'), `${d.vid}\n`);
    writeFileSync(join(dir, 'idProduct'), `${d.pid}\n`);
    if (d.manufacturer) writeFileSync(join(dir, 'manufacturer'), `${d.manufacturer}\n`);
    if (d.product) writeFileSync(join(dir, 'product'), `${d.product}\n`);
    if (d.serial) writeFileSync(join(dir, 'serial'), `${d.serial}\n`);
    symlinkSync(dir, join(busDevices, d.name));
    for (const i of d.interfaces) {
      const ifName = `${d.name}:1.${i.number}`;
      const idir = join(dir, ifName);
      mkdirSync(idir, { recursive: true });
      writeFileSync(join(idir, 'bInterfaceNumber'), `${i.number.toString(16).padStart(2, '0')}\n`);
      writeFileSync(join(idir, 'bInterfaceClass'), `${i.cls}\n`);
      writeFileSync(join(idir, 'bInterfaceSubClass'), `${i.sub}\n`);
      writeFileSync(join(idir, 'bInterfaceProtocol'), `${i.proto}\n`);
      if (i.driver) symlinkSync(`../../../../../../bus/usb/drivers/${i.driver}`, join(idir, 'driver'));
      for (const t of i.ttys ?? []) mkdirSync(join(idir, t));
      if (i.acmTty) mkdirSync(join(idir, 'tty', i.acmTty), { recursive: true });
      mkdirSync(join(idir, 'power'));
      symlinkSync(idir, join(busDevices, ifName));
    }
  }
  return root;
}

const ec25Normal: FakeDevice = {
  name: '1-1.3',
  vid: '2c7c',
  pid: '0125',
  manufacturer: 'Quectel',
  product: 'EC25-AF',
  serial: 'b8d3c1f0',
  interfaces: [
    { number: 0, cls: 'ff', sub: 'ff', proto: 'ff', driver: 'option', ttys: ['ttyUSB1'] },
    { number: 1, cls: 'ff', sub: '00', proto: '00', driver: 'option', ttys: ['ttyUSB2'] },
    { number: 2, cls: 'ff', sub: '00', proto: '00', driver: 'option', ttys: ['ttyUSB3'] },
    { number: 3, cls: 'ff', sub: '00', proto: '00', driver: 'option', ttys: ['ttyUSB4'] },
    { number: 4, cls: 'ff', sub: 'ff', proto: 'ff', driver: 'qmi_wwan' },
  ],
};

const edlWithQcserial: FakeDevice = {
  name: '1-2',
  vid: '05c6',
  pid: '9008',
  manufacturer: 'Qualcomm CDMA Technologies MSM',
  product: 'QHSUSB__BULK',
  interfaces: [{ number: 0, cls: 'ff', sub: 'ff', proto: 'ff', driver: 'qcserial', ttys: ['ttyUSB0'] }],
};

const crashDump: FakeDevice = {
  name: '1-4',
  vid: '05c6',
  pid: '900e',
  interfaces: [{ number: 0, cls: 'ff', sub: 'ff', proto: 'ff' }],
};

const mouse: FakeDevice = {
  name: '1-5',
  vid: '046d',
  pid: 'c077',
  product: 'USB Optical Mouse',
  interfaces: [{ number: 0, cls: '03', sub: '01', proto: '02', driver: 'usbhid' }],
};

describe('SysfsUsbEnumerator', () => {
  it('reads IDs, strings, interfaces, drivers and ttys from sysfs', async () => {
    const root = fakeSysfs([ec25Normal, edlWithQcserial, crashDump, mouse]);
    const e = new SysfsUsbEnumerator(root);
    expect(await e.availability()).toEqual({ available: true });
    const list = await e.list();
    expect(list.map((d) => d.busPath)).toEqual(['1-1.3', '1-2', '1-4', '1-5']); // root hub "usb1" is not a device entry
    const ec25 = list[0]!;
    expect(ec25).toMatchObject({
      vendorId: 0x2c7c,
      productId: 0x0125,
      manufacturer: 'Quectel',
      product: 'EC25-AF',
      serial: 'b8d3c1f0',
    });
    expect(ec25.interfaces.map((i) => [i.number, i.class, i.subclass, i.protocol, i.driver, i.ttys])).toEqual([
      [0, 0xff, 0xff, 0xff, 'option', ['/dev/ttyUSB1']],
      [1, 0xff, 0, 0, 'option', ['/dev/ttyUSB2']],
      [2, 0xff, 0, 0, 'option', ['/dev/ttyUSB3']],
      [3, 0xff, 0, 0, 'option', ['/dev/ttyUSB4']],
      [4, 0xff, 0xff, 0xff, 'qmi_wwan', []],
    ]);
    expect(list[1]!.interfaces[0]).toMatchObject({ driver: 'qcserial', ttys: ['/dev/ttyUSB0'] });
    expect(list[2]!.interfaces[0]!.driver).toBeUndefined();
    expect(list[2]!.manufacturer).toBeUndefined();
  });

  it('finds cdc-acm ttys under tty/', async () => {
    const root = fakeSysfs([
      {
        name: '2-1',
        vid: '2c7c',
        pid: '0800',
        interfaces: [{ number: 2, cls: '02', sub: '02', proto: '01', driver: 'cdc_acm', acmTty: 'ttyACM0' }],
      },
    ]);
    const [dev] = await new SysfsUsbEnumerator(root).list();
    expect(dev!.interfaces[0]!.ttys).toEqual(['/dev/ttyACM0']);
  });

  it('skips entries with malformed or missing IDs instead of failing', async () => {
    const root = fakeSysfs([edlWithQcserial, { ...mouse, name: '1-6' }]);
    writeFileSync(
      join(root, 'bus', 'usb', 'devices', '1-6', 'idVendor'),
      'not hex at all, and much too long\n'.repeat(100),
    );
    const list = await new SysfsUsbEnumerator(root).list();
    expect(list.map((d) => d.busPath)).toEqual(['1-2']);
  });

  it('says honestly when there is no USB subsystem', async () => {
    const root = mkdtempSync(join(tmpdir(), 'no-usb-sysfs-'));
    roots.push(root);
    const e = new SysfsUsbEnumerator(root);
    expect(await e.availability()).toEqual({
      available: false,
      reason: `no USB subsystem on this machine (${join(root, 'bus', 'usb')} is missing)`,
    });
    expect(await e.list()).toEqual([]);
  });

  it('this machine: the real enumerator reports its state without crashing', async () => {
    const e = createUsbEnumerator('linux');
    const a = await e.availability();
    if (!a.available) expect(a.reason).toBe('no USB subsystem on this machine (/sys/bus/usb is missing)');
    expect(Array.isArray(await e.list())).toBe(true);
  });
});

describe('LibusbEnumerator', () => {
  it('lists IDs, bus paths and interface classes from libusb', async () => {
    const api = new FakeUsbApi([new FakeUsbDevice(0x05c6, 0x9008, 2, [3], 4)], 'win32');
    const [dev] = await new LibusbEnumerator(api).list();
    expect(dev).toEqual({
      vendorId: 0x05c6,
      productId: 0x9008,
      busPath: '2-3',
      interfaces: [{ number: 0, class: 0xff, subclass: 0xff, protocol: 0x10, ttys: [] }],
    });
  });

  it('reports unavailability when libusb cannot list devices', async () => {
    const broken: UsbApi = {
      platform: 'darwin',
      listDevices: () => Promise.reject(usbError(LIBUSB.ERROR_OTHER, 'libusb_init failed')),
    };
    const a = await new LibusbEnumerator(broken).availability();
    expect(a).toMatchObject({ available: false, reason: expect.stringContaining('libusb_init failed') });
  });
});

describe('detectDevices', () => {
  it("tells each modem's mode and what it means, ignoring other devices", async () => {
    const result = await detectDevices(
      new SysfsUsbEnumerator(fakeSysfs([ec25Normal, edlWithQcserial, crashDump, mouse])),
    );
    expect(result.usbAvailable).toBe(true);
    expect(result.devices.map((d) => [d.busPath, d.id, d.mode])).toEqual([
      ['1-1.3', '2c7c:0125', 'normal'],
      ['1-2', '05c6:9008', 'edl'],
      ['1-4', '05c6:900e', 'memory-dump'],
    ]);
    const [normal, edl, dump] = result.devices;
    expect(normal!.name).toContain('EC25');
    expect(normal!.chip).toBe('MDM9607');
    expect(normal!.diagTty).toBe('/dev/ttyUSB1'); // If0 ff/ff/ff, not the AT ports
    expect(normal!.edlTty).toBeUndefined();
    expect(edl!.edlTty).toBe('/dev/ttyUSB0');
    expect(edl!.explanation).toMatch(/can be flashed/);
    expect(dump!.explanation).toMatch(/cannot be flashed/i);
    expect(dump!.edlTty).toBeUndefined();
  });

  it('calls unknown Qualcomm and Quectel devices unknown, not something they are not', async () => {
    const odd: FakeDevice = { name: '3-1', vid: '2c7c', pid: '6001', interfaces: [] };
    const { devices } = await detectDevices(new SysfsUsbEnumerator(fakeSysfs([odd])));
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ mode: 'unknown', name: expect.stringContaining('Quectel') });
  });

  it('edlPlaces: every module in EDL by its USB port, with the tty a driver made of it (a fleet run opens it there)', async () => {
    const bare: FakeDevice = {
      ...edlWithQcserial,
      name: '1-3',
      interfaces: [{ number: 0, cls: 'ff', sub: 'ff', proto: 'ff' }],
    };
    const places = await edlPlaces(new SysfsUsbEnumerator(fakeSysfs([ec25Normal, edlWithQcserial, bare, crashDump])));
    expect(places).toEqual([{ location: '1-2', tty: '/dev/ttyUSB0' }, { location: '1-3' }]);
  });

  it('an EDL device without qcserial has no tty (libusb takes it)', async () => {
    const bare: FakeDevice = { ...edlWithQcserial, interfaces: [{ number: 0, cls: 'ff', sub: 'ff', proto: 'ff' }] };
    const { devices } = await detectDevices(new SysfsUsbEnumerator(fakeSysfs([bare])));
    expect(devices[0]!.mode).toBe('edl');
    expect(devices[0]!.edlTty).toBeUndefined();
  });

  it('reports a machine without USB with the reason', async () => {
    const none: UsbEnumerator = {
      availability: async () => ({
        available: false,
        reason: 'no USB subsystem on this machine (/sys/bus/usb is missing)',
      }),
      list: async () => [],
    };
    expect(await detectDevices(none)).toEqual({
      usbAvailable: false,
      reason: 'no USB subsystem on this machine (/sys/bus/usb is missing)',
      devices: [],
    });
  });
});

function captureIo(): CliIo & { stdout: string } {
  const io = {
    stdout: '',
    out: (t: string) => {
      io.stdout += t;
    },
    err: () => undefined,
    isTTY: false,
    columns: 80,
    signal: new AbortController().signal,
  };
  return io;
}

describe('detect command', () => {
  it('prints a human table of the modems found', async () => {
    const root = fakeSysfs([ec25Normal, edlWithQcserial, mouse]);
    const io = captureIo();
    const cmd = makeDetectCommand(() => new SysfsUsbEnumerator(root));
    expect(cmd.name).toBe('detect');
    expect(cmd.usage).toBe('detect [--json]');
    expect(await cmd.run([], io)).toBe(0);
    expect(io.stdout).toContain('Found 2 modems');
    expect(io.stdout).toMatch(/USB 1-2 +05c6:9008 +EDL/);
    expect(io.stdout).toContain('/dev/ttyUSB0');
    expect(io.stdout).toContain('DM/DIAG port: /dev/ttyUSB1');
    expect(io.stdout).toContain('If4=qmi_wwan');
    expect(io.stdout).not.toContain('Mouse');
  });

  it('prints JSON with --json', async () => {
    const root = fakeSysfs([edlWithQcserial]);
    const io = captureIo();
    expect(await makeDetectCommand(() => new SysfsUsbEnumerator(root)).run(['--json'], io)).toBe(0);
    const parsed = JSON.parse(io.stdout) as {
      usbAvailable: boolean;
      devices: { id: string; mode: string; edlTty: string }[];
    };
    expect(parsed.usbAvailable).toBe(true);
    expect(parsed.devices).toEqual([expect.objectContaining({ id: '05c6:9008', mode: 'edl', edlTty: '/dev/ttyUSB0' })]);
  });

  it('exits 0 and says what to check when nothing is found', async () => {
    const root = fakeSysfs([mouse]);
    const io = captureIo();
    expect(await makeDetectCommand(() => new SysfsUsbEnumerator(root)).run([], io)).toBe(0);
    expect(io.stdout).toContain('No modem found');
    expect(io.stdout).toContain('05c6:9008');
  });

  it('exits 0 and gives the reason on a machine without USB, in JSON too', async () => {
    const root = mkdtempSync(join(tmpdir(), 'no-usb-sysfs-'));
    roots.push(root);
    const io = captureIo();
    expect(await makeDetectCommand(() => new SysfsUsbEnumerator(root)).run(['--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout)).toMatchObject({
      usbAvailable: false,
      reason: expect.stringContaining('no USB subsystem'),
      devices: [],
    });
    expect(
      formatDetectResult({
        usbAvailable: false,
        reason: 'no USB subsystem on this machine (/sys/bus/usb is missing)',
        devices: [],
      }),
    ).toContain('/sys/bus/usb is missing');
  });

  it('rejects unknown options as a usage error', async () => {
    await expect(
      makeDetectCommand(() => new SysfsUsbEnumerator('/nonexistent')).run(['--bogus'], captureIo()),
    ).rejects.toMatchObject({ code: 'USAGE' });
  });
});
