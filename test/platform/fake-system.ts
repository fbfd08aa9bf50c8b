// A SystemProbe fed from a map of files, links and command answers, recording what ran.

import { RescueError } from '../../shared/errors.js';
import type { RunResult, SystemProbe } from '../../src-main/platform/system.js';

export interface FakeState {
  platform?: NodeJS.Platform;
  uid?: number;
  files?: Record<string, string>;
  links?: Record<string, string>;
  dirs?: string[];
  /** Paths this user may write (default none). */
  writable?: string[];
  /** Paths this user may not read (default all readable). */
  unreadable?: string[];
  /** "cmd arg1 arg2" -> result; a command absent from both maps is "not installed". */
  commands?: Record<string, RunResult>;
  /** Commands installed (answer code 0 to anything not in commands). */
  installed?: string[];
}

export interface FakeSystem extends SystemProbe {
  ran: string[];
  written: Record<string, string>;
}

export function fakeSystem(s: FakeState): FakeSystem {
  const files = { ...(s.files ?? {}) };
  const links = s.links ?? {};
  const all = [...Object.keys(files), ...Object.keys(links), ...(s.dirs ?? [])];
  const written: Record<string, string> = {};
  const ran: string[] = [];
  return {
    platform: s.platform ?? 'linux',
    uid: s.uid ?? 1000,
    ran,
    written,
    readFile: (p) => Promise.resolve(files[p]),
    readdir: (p) => {
      const names = new Set<string>();
      for (const f of all) if (f.startsWith(`${p}/`)) names.add(f.slice(p.length + 1).split('/')[0]!);
      return Promise.resolve([...names]);
    },
    exists: (p) => Promise.resolve(all.some((f) => f === p || f.startsWith(`${p}/`))),
    access: (p, mode) =>
      Promise.resolve(
        mode === 'w' ? (s.writable ?? []).includes(p) : !(s.unreadable ?? []).includes(p) && all.some((f) => f === p),
      ),
    readlink: (p) => Promise.resolve(links[p]),
    realpath: (p) => Promise.resolve(`/sys/devices/pci0000:00/0000:00:14.0/usb1/${p.split('/').pop() ?? ''}`),
    writeFile: (p, text) => {
      if (!(s.writable ?? []).includes(p))
        return Promise.reject(new RescueError('HOST_PERMISSION', `Writing to ${p} failed: EACCES.`));
      written[p] = text;
      files[p] = text;
      return Promise.resolve();
    },
    run: (cmd, args) => {
      const line = [cmd, ...args].join(' ');
      ran.push(line);
      const r = s.commands?.[line];
      if (r) return Promise.resolve(r);
      if ((s.installed ?? []).includes(cmd)) return Promise.resolve({ code: 0, stdout: '', stderr: '' });
      return Promise.resolve(undefined);
    },
  };
}

export const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });

/** A modem in sysfs: attributes, interfaces and their drivers. */
export function modemFiles(
  bus: string,
  opts: {
    vid: string;
    pid: string;
    busnum?: number;
    devnum?: number;
    speed?: string;
    control?: string;
    drivers?: Record<string, string>;
  },
): { files: Record<string, string>; links: Record<string, string> } {
  const dir = `/sys/bus/usb/devices/${bus}`;
  const files: Record<string, string> = {
    [`${dir}/idVendor`]: `${opts.vid}\n`,
    [`${dir}/idProduct`]: `${opts.pid}\n`,
    [`${dir}/busnum`]: `${opts.busnum ?? 1}\n`,
    [`${dir}/devnum`]: `${opts.devnum ?? 5}\n`,
    [`${dir}/speed`]: `${opts.speed ?? '480'}\n`,
    [`${dir}/power/control`]: `${opts.control ?? 'on'}\n`,
    [`${dir}/power/autosuspend_delay_ms`]: '2000\n',
    [`${dir}/authorized`]: '1\n',
    [`${dir}:1.0/bInterfaceNumber`]: '00\n',
  };
  const links: Record<string, string> = {};
  for (const [iface, drv] of Object.entries(opts.drivers ?? {})) {
    files[`/sys/bus/usb/devices/${iface}/bInterfaceNumber`] = `0${iface.split('.').pop() ?? '0'}\n`;
    links[`/sys/bus/usb/devices/${iface}/driver`] = `../../../../../../bus/usb/drivers/${drv}`;
  }
  return { files, links };
}
