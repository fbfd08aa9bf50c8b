// modem-rescue sim [--pty] [--count N] [--mode edl|normal] [--state DIR] [--model ec25|eg25g] [--programmer NAME] [--pace real] [--link-rate BYTES_PER_S] [--fault [K:]F]...
// Runs the virtual EC25 on pseudo-terminals until killed. In EDL mode (the default) the first line
// on stdout is the host-side tty path; it stays the same across a simulated disconnect. In normal
// mode the first line is the DM (DIAG) tty, the second the AT tty, and the third "edl: PATH", the
// tty where the module appears in EDL after a DIAG EDL switch (the path EDL mode prints first).
// --pace real runs it at a real module's pace (device-pace.ts, PACE.md): NAND program/erase/read,
// per-command and start-up times, re-enumeration, over a USB 2.0 link unless --link-rate says otherwise.
// --count N starts N independent virtual modems, each with its own state folder (STATE/modem-K),
// tty and link, printed in order (EDL: one line per modem); modem K reports the chip serial
// models.ts fleetSerial gives it (the model's serial + K). `--fault K:SPEC` arms SPEC on modem K
// only; a fault without "K:" is armed on every modem.

import { join } from 'node:path';
import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { FaultSpecError, parseFault, type Fault } from '../../sim/faults.js';
import { DevicePace, isPaceName, PACE_NAMES, REAL_PACE, type PaceName } from '../../sim/device-pace.js';
import { faultsPerModem as modemFaults } from '../../sim/fleet-faults.js';
import { fleetSerial, getModel } from '../../sim/models.js';
import { isProgrammerName, PROGRAMMER_NAMES, type ProgrammerName } from '../../sim/programmer-profiles.js';
import { PtyNormalPort } from '../../sim/normal-port.js';
import { PtyPort } from '../../sim/pty-port.js';
import { VirtualModem } from '../../sim/virtual-modem.js';
import { LinkModel } from '../../transport/link-model.js';
import { intOption, parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

/** Virtual modems one `sim` runs at most (a bench of hubs; each costs a socat and a NAND file). */
const MAX_MODEMS = 32;

export function parseFaults(specs: string[] | undefined): Fault[] {
  try {
    return (specs ?? []).map(parseFault);
  } catch (e) {
    if (e instanceof FaultSpecError) throw new RescueError('USAGE', e.message);
    throw e;
  }
}

export function checkModel(id: string | undefined): 'ec25' | 'eg25g' {
  const m = id ?? 'ec25';
  try {
    return getModel(m).id;
  } catch {
    throw new RescueError('USAGE', `--model must be ec25 or eg25g, not "${m}".`);
  }
}

export function checkPace(name: string | undefined): PaceName | undefined {
  if (name === undefined) return undefined;
  if (!isPaceName(name))
    throw new RescueError('USAGE', `--pace must be one of ${PACE_NAMES.join(', ')}, not "${name}".`);
  return name;
}

export function checkProgrammer(name: string | undefined): ProgrammerName {
  const p = name ?? 'default';
  if (!isProgrammerName(p))
    throw new RescueError('USAGE', `--programmer must be one of ${PROGRAMMER_NAMES.join(', ')}, not "${p}".`);
  return p;
}

/** Faults per modem: "K:SPEC" arms SPEC on modem K only, a plain SPEC on every modem. */
export function faultsPerModem(specs: string[] | undefined, count: number): Fault[][] {
  try {
    return modemFaults(specs, count);
  } catch (e) {
    if (e instanceof FaultSpecError) throw new RescueError('USAGE', e.message.replace(/^The fault/, '--fault'));
    throw e;
  }
}

interface SimSettings {
  model: 'ec25' | 'eg25g';
  programmer: ProgrammerName;
  mode: 'edl' | 'normal';
  rate: number;
  /** At a real module's pace (device-pace.ts): over a USB 2.0 link unless --link-rate says otherwise. */
  pace: boolean;
  quiet: boolean;
}

interface RunningModem {
  modem: VirtualModem;
  port: PtyPort;
  normalPort: PtyNormalPort | undefined;
}

/** Start virtual modem k of `count` (its own state dir, tty, link model and serial). */
async function startModem(
  k: number,
  count: number,
  set: SimSettings,
  faults: Fault[],
  paths: { state?: string | undefined; link?: string | undefined },
  io: CliIo,
): Promise<RunningModem> {
  // --link-rate BYTES_PER_SECOND: the tty at a link's pace (a pty alone moves tens of MB/s); each
  // modem its own link, as each module of a hub sits behind its own port.
  const devicePace = set.pace ? new DevicePace(REAL_PACE) : undefined;
  const linkPace =
    set.rate > 0
      ? new LinkModel({ bytesPerSecond: set.rate, perTransferLatencyUs: 200, packetSize: 512 })
      : devicePace
        ? LinkModel.usb2HighSpeed()
        : undefined;
  const port = new PtyPort({
    ...(paths.link ? { hostPath: paths.link } : {}),
    ...(linkPace ? { link: linkPace } : {}),
  });
  const normalPort = set.mode === 'normal' ? new PtyNormalPort() : undefined;
  const prefix = count > 1 ? `[sim ${k}]` : '[sim]';
  const stateDir = paths.state === undefined ? undefined : count > 1 ? join(paths.state, `modem-${k}`) : paths.state;
  const modem = new VirtualModem(
    {
      model: set.model,
      programmer: set.programmer,
      faults,
      mode: set.mode,
      ...(devicePace ? { pace: devicePace } : {}),
      ...(count > 1 ? { serial: fleetSerial(getModel(set.model), k) } : {}),
      ...(normalPort ? { normalPort } : {}),
      ...(stateDir !== undefined ? { stateDir } : {}),
      onLog: (m) => {
        if (!set.quiet) io.err(`${prefix} ${m}\n`);
      },
    },
    port,
  );
  modem.on('state', (s: string) => {
    if (!set.quiet) io.err(`${prefix} state: ${s}\n`);
  });
  await modem.start();
  const name = `${getModel(set.model).displayName}${count > 1 ? ` #${k} (serial ${modem.model.serial})` : ''}`;
  if (normalPort) {
    io.out(`${normalPort.dmPath}\n${normalPort.atPath}\nedl: ${port.hostPath}\n`);
    io.err(
      `${prefix} virtual ${name} in normal mode: DM ${normalPort.dmPath}, AT ${normalPort.atPath}; after an EDL switch it appears on ${port.hostPath}; faults: ${modem.faults.describe()}. Stop with Ctrl-C.\n`,
    );
  } else {
    io.out(`${port.hostPath}\n`);
    io.err(
      `${prefix} virtual ${name} in EDL on ${port.hostPath}; programmer: ${set.programmer}; ${devicePace ? 'pace: real module; ' : ''}faults: ${modem.faults.describe()}. Stop with Ctrl-C.\n`,
    );
  }
  return { modem, port, normalPort };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      pty: { type: 'boolean' },
      count: { type: 'string' },
      state: { type: 'string' },
      model: { type: 'string' },
      programmer: { type: 'string' },
      fault: { type: 'string', multiple: true },
      link: { type: 'string' },
      'link-rate': { type: 'string' },
      pace: { type: 'string' },
      mode: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
    false,
  );
  const count = intOption(values.count, 'count', 1);
  if (count < 1 || count > MAX_MODEMS)
    throw new RescueError('USAGE', `--count must be between 1 and ${MAX_MODEMS}, not ${count}.`);
  if (count > 1 && values.link !== undefined)
    throw new RescueError('USAGE', '--link names one tty; it cannot be used with --count above 1.', {
      nextStep: 'Leave --link out: each modem then gets its own tty, printed one per line.',
    });
  const mode = values.mode ?? 'edl';
  if (mode !== 'edl' && mode !== 'normal')
    throw new RescueError('USAGE', `--mode must be edl or normal, not "${mode}".`);
  const set: SimSettings = {
    model: checkModel(values.model),
    programmer: checkProgrammer(values.programmer),
    mode,
    rate: values['link-rate'] !== undefined ? intOption(values['link-rate'], 'link-rate', 0) : 0,
    pace: checkPace(values.pace) === 'real',
    quiet: Boolean(values.quiet),
  };
  const faults = faultsPerModem(values.fault, count);
  const running: RunningModem[] = [];
  try {
    for (let k = 1; k <= count; k++)
      running.push(await startModem(k, count, set, faults[k - 1]!, { state: values.state, link: values.link }, io));
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    for (const r of running) {
      await r.modem.stop();
      await r.normalPort?.dispose();
    }
  }
  return EXIT_CODES.ok;
}

export const simCommand: CommandSpec = {
  name: 'sim',
  summary:
    'Run the virtual EC25 on pseudo-terminals: in EDL (prints the tty path) or normal mode (prints the DM tty, the AT tty, then "edl: PATH"); --count N runs N of them, each with its own serial',
  usage: `sim [--pty] [--count N] [--mode edl|normal] [--state DIR] [--model ec25|eg25g] [--programmer ${PROGRAMMER_NAMES.join('|')}] [--link PATH] [--pace ${PACE_NAMES.join('|')}] [--link-rate BYTES_PER_S] [--fault [K:]F]...`,
  run,
};
