// Finding DM, NMEA, AT and modem ports of a running module by VID:PID, interface number and
// class, for every usbnet layout, from a fed sysfs tree (Linux) and from COM port lists (Windows).

import { afterEach, describe, expect, it } from 'vitest';
import {
  comPortsFromSerialList,
  mapWindowsComPorts,
  windowsPortSource,
  type WindowsComPort,
} from '../../src-main/platform/port-map-windows.js';
import { enumeratorPortSource, findAtPort, findDmPort, findModulePort } from '../../src-main/platform/port-map.js';
import { SysfsUsbEnumerator, type UsbEnumerator } from '../../src-main/platform/usb-enumerator.js';
import { FakeSysfs, type SysfsDevice } from './fake-sysfs.js';
import { rejection } from '../helpers/rejection.js';

const trees: FakeSysfs[] = [];
afterEach(() => {
  while (trees.length) trees.pop()!.remove();
});

function enumeratorFor(devices: SysfsDevice[]): SysfsUsbEnumerator {
  const t = new FakeSysfs(devices);
  trees.push(t);
  return new SysfsUsbEnumerator(t.root);
}

async function ports(devices: SysfsDevice[]) {
  const modules = await enumeratorPortSource(enumeratorFor(devices)).modules();
  expect(modules).toHaveLength(1);
  const m = modules[0]!;
  return {
    dm: m.dm?.path,
    nmea: m.nmea?.path,
    at: m.at?.path,
    modem: m.modem?.path,
    dmIf: m.dm?.number,
    atIf: m.at?.number,
    module: m,
  };
}

const SERIAL4 = [
  'ff/ff/ff option ttyUSB0',
  'ff/00/00 option ttyUSB1',
  'ff/00/00 option ttyUSB2',
  'ff/00/00 option ttyUSB3',
];

describe('port map on Linux (sysfs)', () => {
  it('EC25 default (usbnet 0, QMI): DM If0, NMEA If1, AT If2, modem If3; QMI If4 is no serial port', async () => {
    const p = await ports([
      { busPath: '1-1', vid: '2c7c', pid: '0125', interfaces: [...SERIAL4, 'ff/ff/ff qmi_wwan'] },
    ]);
    expect(p).toMatchObject({
      dm: '/dev/ttyUSB0',
      nmea: '/dev/ttyUSB1',
      at: '/dev/ttyUSB2',
      modem: '/dev/ttyUSB3',
      dmIf: 0,
      atIf: 2,
    });
    expect(p.module.interfaces.map((i) => i.role)).toEqual(['dm', 'nmea', 'at', 'modem', 'network']);
    expect(p.module.name).toMatch(/EC25/);
  });

  it('the QMI interface counts as network even without a driver bound', async () => {
    const p = await ports([{ busPath: '1-1', vid: '2c7c', pid: '0125', interfaces: [...SERIAL4, 'ff/ff/ff'] }]);
    expect(p.module.interfaces.map((i) => i.role)).toEqual(['dm', 'nmea', 'at', 'modem', 'network']);
  });

  it('ECM (usbnet 1) and MBIM (usbnet 2): the serial ports stay on If0-3', async () => {
    const ecm = await ports([
      {
        busPath: '1-1',
        vid: '2c7c',
        pid: '0125',
        interfaces: [...SERIAL4, '02/06/00 cdc_ether', '0a/00/00 cdc_ether'],
      },
    ]);
    expect(ecm).toMatchObject({ dm: '/dev/ttyUSB0', at: '/dev/ttyUSB2', modem: '/dev/ttyUSB3' });
    const mbim = await ports([
      { busPath: '1-1', vid: '2c7c', pid: '0125', interfaces: [...SERIAL4, '02/0e/00 cdc_mbim', '0a/00/02 cdc_mbim'] },
    ]);
    expect(mbim).toMatchObject({ dm: '/dev/ttyUSB0', nmea: '/dev/ttyUSB1', at: '/dev/ttyUSB2', modem: '/dev/ttyUSB3' });
  });

  it('RNDIS (usbnet 3): DIAG moves to If2, AT to If4', async () => {
    const p = await ports([
      {
        busPath: '2-3',
        vid: '2c7c',
        pid: '0125',
        interfaces: ['e0/01/03 rndis_host', '0a/00/00 rndis_host', ...SERIAL4],
      },
    ]);
    expect(p).toMatchObject({ dm: '/dev/ttyUSB0', dmIf: 2, at: '/dev/ttyUSB2', atIf: 4, modem: '/dev/ttyUSB3' });
  });

  it('with adb enabled: DIAG moves to If1', async () => {
    const p = await ports([
      { busPath: '1-1', vid: '2c7c', pid: '0125', interfaces: ['ff/42/01 -', ...SERIAL4, 'ff/ff/ff qmi_wwan'] },
    ]);
    expect(p).toMatchObject({ dm: '/dev/ttyUSB0', dmIf: 1, at: '/dev/ttyUSB2', atIf: 3 });
    expect(p.module.interfaces[0]!.role).toBe('adb');
  });

  it('5G RM500Q: DM marked ff/ff/30, AT ff/00/40, QMI ff/ff/50', async () => {
    const p = await ports([
      {
        busPath: '4-1',
        vid: '2c7c',
        pid: '0800',
        interfaces: [
          'ff/ff/30 option ttyUSB0',
          'ff/00/00 option ttyUSB1',
          'ff/00/40 option ttyUSB2',
          'ff/00/00 option ttyUSB3',
          'ff/ff/50 qmi_wwan',
        ],
      },
    ]);
    expect(p).toMatchObject({ dm: '/dev/ttyUSB0', nmea: '/dev/ttyUSB1', at: '/dev/ttyUSB2', modem: '/dev/ttyUSB3' });
    expect(p.module.name).toMatch(/RM500Q/);
  });

  it('5G RM520N in MBIM with adb: DM on If3', async () => {
    const p = await ports([
      {
        busPath: '4-1',
        vid: '2c7c',
        pid: '0801',
        interfaces: [
          '02/0e/00 cdc_mbim',
          '0a/00/02 cdc_mbim',
          'ff/42/01 -',
          'ff/ff/30 option ttyUSB0',
          'ff/00/00 option ttyUSB1',
          'ff/00/40 option ttyUSB2',
          'ff/00/00 option ttyUSB3',
        ],
      },
    ]);
    expect(p).toMatchObject({ dm: '/dev/ttyUSB0', dmIf: 3, at: '/dev/ttyUSB2', atIf: 5 });
  });

  it('goes by interface, not by tty number', async () => {
    const p = await ports([
      {
        busPath: '1-1',
        vid: '2c7c',
        pid: '0125',
        interfaces: [
          'ff/ff/ff option ttyUSB7',
          'ff/00/00 option ttyUSB4',
          'ff/00/00 option ttyUSB9',
          'ff/00/00 option ttyUSB5',
          'ff/ff/ff qmi_wwan',
        ],
      },
    ]);
    expect(p).toMatchObject({ dm: '/dev/ttyUSB7', at: '/dev/ttyUSB9' });
  });

  it('findDmPort / findAtPort return the paths and ignore devices in other modes', async () => {
    const e = enumeratorFor([
      { busPath: '1-2', vid: '05c6', pid: '9008', interfaces: ['ff/ff/ff qcserial ttyUSB9'] },
      { busPath: '1-3', vid: '2c7c', pid: '0125', interfaces: [...SERIAL4, 'ff/ff/ff qmi_wwan'] },
    ]);
    expect(await findDmPort(e)).toBe('/dev/ttyUSB0');
    expect(await findAtPort(e)).toBe('/dev/ttyUSB2');
  });
});

describe('port map errors say what to check', () => {
  it('no USB subsystem on this machine', async () => {
    const none: UsbEnumerator = {
      availability: async () => ({
        available: false,
        reason: 'no USB subsystem on this machine (/sys/bus/usb is missing)',
      }),
      list: async () => [],
    };
    const e = await rejection(findAtPort(none));
    expect(e.code).toBe('PORT_NOT_FOUND');
    expect(e.message).toMatch(/no USB subsystem/);
    expect(e.nextStep).toMatch(/--port/);
  });

  it('no running module (only one in EDL)', async () => {
    const e = await rejection(
      findDmPort(
        enumeratorFor([{ busPath: '1-2', vid: '05c6', pid: '9008', interfaces: ['ff/ff/ff qcserial ttyUSB0'] }]),
      ),
    );
    expect(e.code).toBe('PORT_NOT_FOUND');
    expect(e.message).toMatch(/No running Quectel module/);
    expect(e.nextStep).toMatch(/2c7c:0125/);
  });

  it('two modules: refuses to guess', async () => {
    const e = await rejection(
      findAtPort(
        enumeratorFor([
          { busPath: '1-1', vid: '2c7c', pid: '0125', interfaces: SERIAL4 },
          {
            busPath: '1-2',
            vid: '2c7c',
            pid: '0125',
            interfaces: [
              'ff/ff/ff option ttyUSB4',
              'ff/00/00 option ttyUSB5',
              'ff/00/00 option ttyUSB6',
              'ff/00/00 option ttyUSB7',
            ],
          },
        ]),
      ),
    );
    expect(e.message).toMatch(/2 running modules/);
    expect(e.message).toContain('/dev/ttyUSB6');
  });

  it('an interface without a serial driver: tells how to bind the option driver', async () => {
    const e = await rejection(
      findDmPort(
        enumeratorFor([
          {
            busPath: '1-1',
            vid: '2c7c',
            pid: '0125',
            interfaces: ['ff/ff/ff', 'ff/00/00', 'ff/00/00', 'ff/00/00', 'ff/ff/ff'],
          },
        ]),
      ),
    );
    expect(e.message).toMatch(/USB interface 0, but no serial port/);
    expect(e.nextStep).toMatch(/modprobe option/);
    expect(e.nextStep).toContain('2c7c 0125');
  });

  it('a DM-only composition has no AT port', async () => {
    const e = await rejection(
      findAtPort(
        enumeratorFor([{ busPath: '1-1', vid: '2c7c', pid: '0125', interfaces: ['ff/ff/ff option ttyUSB0'] }]),
      ),
    );
    expect(e.message).toMatch(/no AT interface/);
    expect(e.nextStep).toMatch(/power-cycle/);
  });
});

describe('port map on Windows (COM ports with their USB location)', () => {
  const loc = 'PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(3)';
  const com = (
    comPort: string,
    interfaceNumber: number,
    friendlyName?: string,
    locationPath = loc,
  ): WindowsComPort => ({
    comPort,
    vendorId: 0x2c7c,
    productId: 0x0125,
    interfaceNumber,
    locationPath,
    ...(friendlyName ? { friendlyName } : {}),
  });

  it("by the driver's port names, whatever the COM numbers", async () => {
    const list = [
      com('COM12', 3, 'Quectel USB Modem'),
      com('COM9', 2, 'Quectel USB AT Port (COM9)'),
      com('COM4', 0, 'Quectel USB DM Port (COM4)'),
      com('COM7', 1, 'Quectel USB NMEA Port (COM7)'),
    ];
    const src = windowsPortSource(async () => list);
    expect(await findDmPort(src)).toBe('COM4');
    expect(await findAtPort(src)).toBe('COM9');
    expect(await findModulePort(src, 'modem')).toBe('COM12');
  });

  it('without names, by interface order: RNDIS layout (MI_02..05)', () => {
    const [m] = mapWindowsComPorts([com('COM21', 5), com('COM20', 4), com('COM18', 2), com('COM19', 3)]);
    expect(m).toMatchObject({
      id: '2c7c:0125',
      dm: { path: 'COM18', number: 2 },
      nmea: { path: 'COM19' },
      at: { path: 'COM20', number: 4 },
      modem: { path: 'COM21' },
    });
  });

  it('keeps two modules apart by USB location and ignores ports of other devices', async () => {
    const other = { comPort: 'COM1', vendorId: 0x0403, productId: 0x6001, interfaceNumber: 0, locationPath: 'x' };
    const modules = mapWindowsComPorts([
      com('COM3', 0),
      com('COM5', 2),
      other,
      com('COM13', 0, undefined, 'B'),
      com('COM15', 2, undefined, 'B'),
    ]);
    expect(modules.map((m) => m.dm?.path)).toEqual(['COM3', 'COM13']);
    const e = await rejection(
      findAtPort(windowsPortSource(async () => [com('COM3', 0), com('COM13', 0, undefined, 'B')])),
    );
    expect(e.message).toMatch(/2 running modules/);
  });

  it("reads VID, PID and interface from serialport's pnpId", () => {
    const list = comPortsFromSerialList([
      {
        path: 'COM4',
        pnpId: 'USB\\VID_2C7C&PID_0125&MI_00\\6&2A3B4C5D&0&0000',
        friendlyName: 'Quectel USB DM Port (COM4)',
      },
      { path: 'COM6', pnpId: 'USB\\VID_2C7C&PID_0125&MI_02\\6&2A3B4C5D&0&0002' },
      { path: 'COM1', pnpId: 'ACPI\\PNP0501\\1' },
      { path: '/dev/ttyS0', pnpId: 'USB\\VID_2C7C&PID_0125&MI_03\\6&2A3B4C5D&0&0003' },
    ]);
    expect(list).toEqual([
      {
        comPort: 'COM4',
        vendorId: 0x2c7c,
        productId: 0x0125,
        interfaceNumber: 0,
        locationPath: '6&2A3B4C5D&0',
        friendlyName: 'Quectel USB DM Port (COM4)',
      },
      { comPort: 'COM6', vendorId: 0x2c7c, productId: 0x0125, interfaceNumber: 2, locationPath: '6&2A3B4C5D&0' },
    ]);
  });
});
