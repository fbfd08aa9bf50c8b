// Windows: the COM ports of running modules with their USB location. The input is a plain list
// (tests feed it; on a real Windows machine it comes from serialport's SerialPort.list(), whose
// pnpId "USB\VID_2C7C&PID_0125&MI_02\6&2A3B4C5D&0&0002" carries VID, PID and interface number).
// Only serial interfaces get COM ports, so in interface order the first is DM/DIAG and the next
// are NMEA, AT and modem, whatever the usbnet mode; the driver's port names win when present.

import { hex4, identify } from '../../shared/devices.js';
import { createUsbEnumerator, type UsbAvailability } from './usb-enumerator.js';
import {
  enumeratorPortSource,
  isNormalModeModule,
  type MappedInterface,
  type ModulePortSource,
  type ModulePorts,
  type PortRole,
} from './port-map.js';

export interface WindowsComPort {
  /** "COM7" */
  comPort: string;
  vendorId: number;
  productId: number;
  /** USB interface number (the MI_xx of the device instance id). */
  interfaceNumber: number;
  /** Where the composite device sits (location path or parent instance id): groups one module's ports. */
  locationPath: string;
  /** "Quectel USB AT Port (COM7)" when the driver names it. */
  friendlyName?: string;
}

/** What serialport's SerialPort.list() reports on Windows (the fields used here). */
/** One entry of serialport's list (its fields may be present and undefined). */
export interface SerialListEntry {
  path: string;
  pnpId?: string | undefined;
  locationId?: string | undefined;
  friendlyName?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

const PNP_ID = /^USB\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})&MI_([0-9A-F]{2})\\(.+)$/i;

/** Turn SerialPort.list() entries into COM port records; ports that are not USB composite interfaces are left out. */
export function comPortsFromSerialList(entries: readonly SerialListEntry[]): WindowsComPort[] {
  const out: WindowsComPort[] = [];
  for (const e of entries) {
    const m = PNP_ID.exec(e.pnpId ?? '');
    if (!m || !/^COM\d{1,3}$/i.test(e.path)) continue;
    // The instance id's last "&" field is the interface's own index; what precedes names the parent device.
    const instance = m[4]!;
    const parent = instance.includes('&') ? instance.slice(0, instance.lastIndexOf('&')) : instance;
    const port: WindowsComPort = {
      comPort: e.path.toUpperCase(),
      vendorId: parseInt(m[1]!, 16),
      productId: parseInt(m[2]!, 16),
      interfaceNumber: parseInt(m[3]!, 16),
      locationPath: e.locationId && e.locationId !== '' ? e.locationId : parent,
    };
    if (e.friendlyName) port.friendlyName = e.friendlyName;
    out.push(port);
  }
  return out;
}

function roleFromName(name: string | undefined): PortRole | undefined {
  if (!name) return undefined;
  if (/\b(DM|DIAG|Diagnostics?)\b/i.test(name)) return 'dm';
  if (/\bNMEA\b/i.test(name)) return 'nmea';
  if (/\bAT\b/i.test(name)) return 'at';
  if (/\bModem\b/i.test(name)) return 'modem';
  return undefined;
}

const ORDER: PortRole[] = ['dm', 'nmea', 'at', 'modem'];

/** Group COM ports by module and give each its role. */
export function mapWindowsComPorts(ports: readonly WindowsComPort[]): ModulePorts[] {
  const groups = new Map<string, WindowsComPort[]>();
  for (const p of ports) {
    if (!isNormalModeModule(p)) continue;
    const key = `${p.vendorId}:${p.productId}@${p.locationPath}`;
    const list = groups.get(key) ?? [];
    list.push(p);
    groups.set(key, list);
  }
  const modules: ModulePorts[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const m: ModulePorts = {
      id: `${hex4(first.vendorId)}:${hex4(first.productId)}`,
      vendorId: first.vendorId,
      productId: first.productId,
      location: first.locationPath,
      name: identify(first.vendorId, first.productId)?.name ?? 'Quectel module (unknown model)',
      interfaces: [],
    };
    const sorted = [...list].sort((a, b) => a.interfaceNumber - b.interfaceNumber);
    const named = sorted.every((p) => roleFromName(p.friendlyName) !== undefined);
    sorted.forEach((p, index) => {
      const role = named ? roleFromName(p.friendlyName)! : ORDER[index];
      if (role === undefined) return;
      const mapped: MappedInterface = { number: p.interfaceNumber, role, path: p.comPort };
      m.interfaces.push(mapped);
      if ((role === 'dm' || role === 'nmea' || role === 'at' || role === 'modem') && m[role] === undefined)
        m[role] = mapped;
    });
    modules.push(m);
  }
  return modules;
}

/** A port source over a COM port list (tests pass a fixed list; Windows passes SerialPort.list()). */
export function windowsPortSource(list: () => Promise<readonly WindowsComPort[]>): ModulePortSource {
  return {
    description: 'the COM ports of this computer',
    availability: async (): Promise<UsbAvailability> => ({ available: true }),
    modules: async () => mapWindowsComPorts(await list()),
  };
}

/** The real Windows source: serialport's list of COM ports. */
export function serialportWindowsSource(): ModulePortSource {
  return windowsPortSource(async () => {
    const { SerialPort } = await import('serialport');
    return comPortsFromSerialList(await SerialPort.list());
  });
}

/** This machine's source of module ports: the COM port list on Windows, the USB enumerator elsewhere. */
export function defaultPortSource(platform: NodeJS.Platform = process.platform): ModulePortSource {
  return platform === 'win32' ? serialportWindowsSource() : enumeratorPortSource(createUsbEnumerator(platform));
}
