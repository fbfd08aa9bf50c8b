// Which port of a running module is which: DM/DIAG, NMEA, AT and modem, found by VID:PID,
// interface number and class, never by tty number. The layout moves with the usbnet mode
// (RNDIS puts two network interfaces first, adb one more; 5G modules mark DM as ff/ff/30), so
// the rule is: the DM port is the lowest-numbered vendor-class ff/ff/(ff|30) interface that is
// not a network or adb interface; the plain vendor-class serial interfaces after it are NMEA,
// AT and modem, in interface order. Later ff/ff/* interfaces are QMI/RmNet (network).

import { QUECTEL_VID, hex4, identify } from '../../shared/devices.js';
import { RescueError } from '../../shared/errors.js';
import type { EnumeratedDevice, EnumeratedInterface, UsbAvailability, UsbEnumerator } from './usb-enumerator.js';

export type PortRole = 'dm' | 'nmea' | 'at' | 'modem' | 'network' | 'adb';

export interface MappedInterface {
  number: number;
  role: PortRole;
  /** "/dev/ttyUSB2" or "COM7"; undefined when no serial driver made a port of it. */
  path?: string;
}

export interface ModulePorts {
  /** "2c7c:0125" */
  id: string;
  vendorId: number;
  productId: number;
  /** USB location: "3-1.2" (Linux) or the Windows location path. */
  location: string;
  name: string;
  dm?: MappedInterface;
  nmea?: MappedInterface;
  at?: MappedInterface;
  modem?: MappedInterface;
  interfaces: MappedInterface[];
}

const NETWORK_DRIVERS = new Set([
  'qmi_wwan',
  'qmi_wwan_q',
  'GobiNet',
  'cdc_mbim',
  'cdc_ether',
  'cdc_ncm',
  'rndis_host',
  'usbnet',
]);
const SERIAL_ROLES: PortRole[] = ['nmea', 'at', 'modem'];

/** Whether a device is a module in normal (running) mode that this mapping knows how to read. */
export function isNormalModeModule(d: Pick<EnumeratedDevice, 'vendorId' | 'productId'>): boolean {
  const known = identify(d.vendorId, d.productId);
  if (known) return known.mode === 'normal';
  return d.vendorId === QUECTEL_VID;
}

function isVendorClass(i: EnumeratedInterface): boolean {
  return i.class === 0xff;
}

function isAdb(i: EnumeratedInterface): boolean {
  return i.class === 0xff && i.subclass === 0x42 && i.protocol === 0x01;
}

function isNetwork(i: EnumeratedInterface): boolean {
  return i.driver !== undefined && NETWORK_DRIVERS.has(i.driver);
}

function isDmClass(i: EnumeratedInterface): boolean {
  return i.class === 0xff && i.subclass === 0xff && (i.protocol === 0xff || i.protocol === 0x30);
}

/** Map a normal-mode module's interfaces to their roles (undefined for a device in another mode). */
export function mapModulePorts(dev: EnumeratedDevice): ModulePorts | undefined {
  if (!isNormalModeModule(dev)) return undefined;
  const known = identify(dev.vendorId, dev.productId);
  const ports: ModulePorts = {
    id: `${hex4(dev.vendorId)}:${hex4(dev.productId)}`,
    vendorId: dev.vendorId,
    productId: dev.productId,
    location: dev.busPath,
    name: known?.name ?? 'Quectel module (unknown model)',
    interfaces: [],
  };
  let dmFound = false;
  let serialIndex = 0;
  for (const i of [...dev.interfaces].sort((a, b) => a.number - b.number)) {
    let role: PortRole | undefined;
    if (!isVendorClass(i))
      role = 'network'; // CDC ECM/MBIM/RNDIS control and data interfaces
    else if (isAdb(i)) role = 'adb';
    else if (isNetwork(i)) role = 'network';
    else if (!dmFound && isDmClass(i)) role = 'dm';
    else if (i.subclass === 0xff)
      role = 'network'; // QMI/RmNet after the DM port (ff/ff/ff, ff/ff/50)
    else role = SERIAL_ROLES[serialIndex++];
    if (role === undefined) continue; // more serial ports than the known three: leave them unnamed
    if (role === 'dm') dmFound = true;
    const mapped: MappedInterface = { number: i.number, role };
    if (i.ttys[0] !== undefined && role !== 'network' && role !== 'adb') mapped.path = i.ttys[0];
    ports.interfaces.push(mapped);
    if (role === 'dm' || role === 'nmea' || role === 'at' || role === 'modem') ports[role] = mapped;
  }
  return ports;
}

/** Where the ports of running modules come from: a USB enumerator (Linux sysfs) or the Windows COM port list. */
export interface ModulePortSource {
  readonly description: string;
  availability(): Promise<UsbAvailability>;
  modules(): Promise<ModulePorts[]>;
}

export function enumeratorPortSource(enumerator: UsbEnumerator): ModulePortSource {
  return {
    description: 'the USB devices on this computer',
    availability: () => enumerator.availability(),
    modules: async () => (await enumerator.list()).map(mapModulePorts).filter((m): m is ModulePorts => m !== undefined),
  };
}

function asSource(s: UsbEnumerator | ModulePortSource): ModulePortSource {
  return 'modules' in s ? s : enumeratorPortSource(s);
}

export type SerialRole = 'dm' | 'at' | 'nmea' | 'modem';

const ROLE_WORDS: Record<SerialRole, string> = { dm: 'DM/DIAG', at: 'AT', nmea: 'NMEA', modem: 'modem' };

/** The running modules on `source`; PORT_NOT_FOUND when nothing can be looked at or none runs. */
async function runningModules(source: UsbEnumerator | ModulePortSource, words: string): Promise<ModulePorts[]> {
  const src = asSource(source);
  const avail = await src.availability();
  if (!avail.available) {
    throw new RescueError('PORT_NOT_FOUND', `The ${words} port cannot be looked up: ${avail.reason}.`, {
      nextStep: `A modem can only be found on the computer it is plugged into; on this one, name the port with --port.`,
    });
  }
  const modules = await src.modules();
  if (modules.length === 0) {
    throw new RescueError('PORT_NOT_FOUND', `No running Quectel module was found on ${src.description}.`, {
      nextStep:
        'Check power and cable; a running EC25-class module shows up as 2c7c:0125 in `modem-rescue detect`. A module in EDL (05c6:9008) has no AT or DM port.',
    });
  }
  return modules;
}

/** The serial port of one role of the one running module; PORT_NOT_FOUND says what to check. */
export async function findModulePort(source: UsbEnumerator | ModulePortSource, role: SerialRole): Promise<string> {
  const words = ROLE_WORDS[role];
  const modules = await runningModules(source, words);
  if (modules.length > 1) {
    const list = modules
      .map((m) => `${m.id} at ${m.location}${m[role]?.path ? ` (${words} ${m[role]!.path})` : ''}`)
      .join('; ');
    throw new RescueError(
      'PORT_NOT_FOUND',
      `${modules.length} running modules were found (${list}); which one is meant is not clear.`,
      {
        nextStep: 'Unplug the other modules, or name the port with --port.',
      },
    );
  }
  return portOf(modules[0]!, role);
}

/** The serial port of one role of one module; PORT_NOT_FOUND says why it has none. */
export function portOf(m: ModulePorts, role: SerialRole): string {
  const words = ROLE_WORDS[role];
  const port = m[role];
  if (!port) {
    throw new RescueError('PORT_NOT_FOUND', `${m.name} (${m.id} at ${m.location}) shows no ${words} interface.`, {
      nextStep:
        'The module may be in a reduced USB composition ("DM only" after a failed update): power-cycle it fully. Or name the port with --port.',
    });
  }
  if (!port.path) {
    throw new RescueError(
      'PORT_NOT_FOUND',
      `${m.name} (${m.id} at ${m.location}) has its ${words} interface on USB interface ${port.number}, but no serial port was made of it.`,
      {
        nextStep: `Load the serial driver for it: on Linux \`sudo modprobe option\` and \`echo ${m.id.replace(':', ' ')} | sudo tee /sys/bus/usb-serial/drivers/option1/new_id\`; on Windows install the Quectel USB driver. Then try again.`,
      },
    );
  }
  return port.path;
}

/**
 * Every running module's port of one role (`backup --all`): each with its path, or the reason it
 * has none (that module fails alone; the others go on). PORT_NOT_FOUND when nothing can be looked
 * at or no module runs.
 */
export async function findAllModulePorts(
  source: UsbEnumerator | ModulePortSource,
  role: SerialRole,
): Promise<{ module: ModulePorts; path?: string; problem?: RescueError }[]> {
  const modules = await runningModules(source, ROLE_WORDS[role]);
  return modules.map((module) => {
    try {
      return { module, path: portOf(module, role) };
    } catch (e) {
      return { module, problem: e as RescueError };
    }
  });
}

export function findDmPort(source: UsbEnumerator | ModulePortSource): Promise<string> {
  return findModulePort(source, 'dm');
}

export function findAtPort(source: UsbEnumerator | ModulePortSource): Promise<string> {
  return findModulePort(source, 'at');
}
