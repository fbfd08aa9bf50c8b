// modem-rescue sim [--pty] [--mode edl|normal] [--state DIR] [--model ec25|eg25g] [--programmer NAME] [--pace real] [--link-rate BYTES_PER_S] [--fault F]...
// Runs the virtual EC25 on pseudo-terminals until killed. In EDL mode (the default) the first line
// on stdout is the host-side tty path; it stays the same across a simulated disconnect. In normal
// mode the first line is the DM (DIAG) tty, the second the AT tty, and the third "edl: PATH", the
// tty where the module appears in EDL after a DIAG EDL switch (the path EDL mode prints first).
// --pace real runs it at a real module's pace (device-pace.ts, PACE.md): NAND program/erase/read,
// per-command and start-up times, re-enumeration, over a USB 2.0 link unless --link-rate says otherwise.

import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { FaultSpecError, parseFault, type Fault } from '../../sim/faults.js';
import { DevicePace, isPaceName, PACE_NAMES, REAL_PACE, type PaceName } from '../../sim/device-pace.js';
import { getModel } from '../../sim/models.js';
import { isProgrammerName, PROGRAMMER_NAMES, type ProgrammerName } from '../../sim/programmer-profiles.js';
import { PtyNormalPort } from '../../sim/normal-port.js';
import { PtyPort } from '../../sim/pty-port.js';
import { VirtualModem } from '../../sim/virtual-modem.js';
import { LinkModel } from '../../transport/link-model.js';
import { intOption, parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

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

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      pty: { type: 'boolean' },
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
  const model = checkModel(values.model);
  const programmer = checkProgrammer(values.programmer);
  const faults = parseFaults(values.fault);
  const devicePace = checkPace(values.pace) === 'real' ? new DevicePace(REAL_PACE) : undefined;
  const mode = values.mode ?? 'edl';
  if (mode !== 'edl' && mode !== 'normal')
    throw new RescueError('USAGE', `--mode must be edl or normal, not "${mode}".`);
  // --link-rate BYTES_PER_SECOND: the tty at a link's pace (a pty alone moves tens of MB/s).
  const rate = values['link-rate'] !== undefined ? intOption(values['link-rate'], 'link-rate', 0) : 0;
  const linkPace =
    rate > 0
      ? new LinkModel({ bytesPerSecond: rate, perTransferLatencyUs: 200, packetSize: 512 })
      : devicePace
        ? LinkModel.usb2HighSpeed()
        : undefined;
  const port = new PtyPort({
    ...(values.link ? { hostPath: values.link } : {}),
    ...(linkPace ? { link: linkPace } : {}),
  });
  const normalPort = mode === 'normal' ? new PtyNormalPort() : undefined;
  const modem = new VirtualModem(
    {
      model,
      programmer,
      faults,
      mode,
      ...(devicePace ? { pace: devicePace } : {}),
      ...(normalPort ? { normalPort } : {}),
      ...(values.state ? { stateDir: values.state } : {}),
      onLog: (m) => {
        if (!values.quiet) io.err(`[sim] ${m}\n`);
      },
    },
    port,
  );
  modem.on('state', (s: string) => {
    if (!values.quiet) io.err(`[sim] state: ${s}\n`);
  });
  await modem.start();
  if (normalPort) {
    io.out(`${normalPort.dmPath}\n${normalPort.atPath}\nedl: ${port.hostPath}\n`);
    io.err(
      `[sim] virtual ${getModel(model).displayName} in normal mode: DM ${normalPort.dmPath}, AT ${normalPort.atPath}; after an EDL switch it appears on ${port.hostPath}; faults: ${modem.faults.describe()}. Stop with Ctrl-C.\n`,
    );
  } else {
    io.out(`${port.hostPath}\n`);
    io.err(
      `[sim] virtual ${getModel(model).displayName} in EDL on ${port.hostPath}; programmer: ${programmer}; ${devicePace ? 'pace: real module; ' : ''}faults: ${modem.faults.describe()}. Stop with Ctrl-C.\n`,
    );
  }
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await modem.stop();
  await normalPort?.dispose();
  return EXIT_CODES.ok;
}

export const simCommand: CommandSpec = {
  name: 'sim',
  summary:
    'Run the virtual EC25 on pseudo-terminals: in EDL (prints the tty path) or normal mode (prints the DM tty, the AT tty, then "edl: PATH")',
  usage: `sim [--pty] [--mode edl|normal] [--state DIR] [--model ec25|eg25g] [--programmer ${PROGRAMMER_NAMES.join('|')}] [--link PATH] [--pace ${PACE_NAMES.join('|')}] [--link-rate BYTES_PER_S] [--fault F]...`,
  run,
};
