// Serial ports named by hand (`serve --edl-port PATH`) where a module in download (EDL) mode is
// expected: for a computer whose USB listing does not show it (a COM port behind a driver the bus
// cannot be read through, a USB-serial bridge) and for the virtual modems of `sim --pty`. Each port
// that is there shows as a device in EDL beside what the USB bus shows; nothing opens it until a
// step uses it or the greeting watch listens for its boot ROM's HELLO, as for a USB EDL device.
// A port is "there" while its path exists (a tty vanishes when its module leaves download mode,
// as qcserial's /dev/ttyUSBn and a pty of `sim --pty` do); Windows COM names cannot be looked at
// this way and count as always there.

import { stat } from 'node:fs/promises';
import type { DeviceSummary } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { MODE_EXPLANATIONS } from '../../shared/devices.js';

/** Device ids of named ports start with this (a USB device's id is its bus path, e.g. "1-1.2"). */
export const NAMED_PORT_ID_PREFIX = 'port:';

/** Ports one service takes at most (a bench of hubs). */
export const MAX_EDL_PORTS = 32;

/** The port a device summary stands for, when it is a named port. */
export function namedPortPath(d: Pick<DeviceSummary, 'id'>): string | undefined {
  return d.id.startsWith(NAMED_PORT_ID_PREFIX) ? d.id.slice(NAMED_PORT_ID_PREFIX.length) : undefined;
}

export function namedPortId(path: string): string {
  return `${NAMED_PORT_ID_PREFIX}${path}`;
}

/** A Windows COM port name (COM3, \\.\COM12): no file to look at. */
function isComName(path: string): boolean {
  return /^(\\\\\.\\)?COM\d+$/i.test(path);
}

/** The ports as given: each named once, none empty; a usage error says which is wrong. */
export function checkEdlPorts(paths: readonly string[]): string[] {
  if (paths.length > MAX_EDL_PORTS)
    throw new RescueError('USAGE', `--edl-port names at most ${MAX_EDL_PORTS} ports, not ${paths.length}.`);
  const seen = new Set<string>();
  for (const p of paths) {
    if (p.trim() === '' || p.length > 4096 || p.includes('\0'))
      throw new RescueError('USAGE', `--edl-port needs a serial port's path or name, not ${JSON.stringify(p)}.`);
    if (seen.has(p)) throw new RescueError('USAGE', `--edl-port names ${p} twice.`);
    seen.add(p);
  }
  return [...seen];
}

export class NamedEdlPorts {
  /** One value per appearance of each port that is there now (path -> key). */
  private readonly present = new Map<string, string>();

  constructor(readonly paths: readonly string[]) {}

  /** Whether `id` is one of these ports. */
  has(id: string): boolean {
    const p = namedPortPath({ id });
    return p !== undefined && this.paths.includes(p);
  }

  /** Look at each port now: the ones that are there, as devices in download mode. */
  async look(): Promise<DeviceSummary[]> {
    const rows: DeviceSummary[] = [];
    for (const path of this.paths) {
      const key = await appearance(path);
      if (key === undefined) {
        this.present.delete(path);
        continue;
      }
      this.present.set(path, key);
      rows.push(summarizeNamedPort(path));
    }
    return rows;
  }

  /** One value per appearance of the port: a tty made anew (module back after a restart) gets another. */
  enumeration(id: string): string {
    const path = namedPortPath({ id }) ?? id;
    return `${id}|${this.present.get(path) ?? 'gone'}`;
  }
}

export function summarizeNamedPort(path: string): DeviceSummary {
  return {
    id: namedPortId(path),
    mode: 'edl',
    name: `Module in download mode on ${path}`,
    // What a module in download mode on a serial port is (the QDLoader 9008 port); not read from a bus.
    vidPid: '05c6:9008',
    explanation: `${MODE_EXPLANATIONS.edl} This serial port was named when the wizard started (--edl-port); the USB bus was not asked.`,
    ports: { edl: path },
    demo: false,
  };
}

/**
 * Whether the port is there, and which appearance of it: the device node a path leads to (through a
 * symlink such as a pty's) and when it was made. Undefined when it is not there.
 */
async function appearance(path: string): Promise<string | undefined> {
  if (isComName(path)) return 'com';
  try {
    const st = await stat(path);
    return `${st.dev}:${st.ino}:${st.rdev}:${st.ctimeMs}`;
  } catch {
    return undefined;
  }
}
