// modem-rescue flash --package P [--port P]... [--all] [--verify|--no-verify] [--json] [--journal DIR | --no-journal]
//   [--apply-file-patches]: lay the patch XML's file patches over the images (off by default: files
//   are written as shipped, as QFirehose and edl do; decided before the first erase).
//   [--power-cycle never|auto|ask]: when the modem hangs beyond what software can fix, cut its
//   power from here (its hub port's power, else suspend-and-wake) and resume; 'ask' asks on the
//   terminal each time. Default never: the error then says to power-cycle it by hand.
//   [--snapshot DIR]: before the first erase, save what the flash overwrites into DIR (undo DIR puts it back).
//   Repeated --port, or --all (every module in EDL): all of them at once (flash-fleet.ts).

import { EXIT_CODES } from '../../../shared/errors.js';
import { sightEdl } from '../../flows/detect.js';
import { flashPackage } from '../../flows/flash.js';
import { createUsbEnumerator } from '../../platform/usb-enumerator.js';
import { AutoEdlOpener } from '../../transport/auto-edl.js';
import { defaultJournalDir } from '../../flows/resume-journal.js';
import { snapshotBeforeErase } from '../../flows/snapshot-run.js';
import { holdForFlash } from '../../platform/flash-guards.js';
import { realSystem } from '../../platform/system.js';
import { SerialOpener } from '../../transport/serial.js';
import { UsbEdlOpener } from '../../transport/usb.js';
import type { PipeOpener } from '../../transport/transport.js';
import { RescueError } from '../../../shared/errors.js';
import type { EventSink } from '../../../shared/events.js';
import { findModems } from '../../platform/linux/modems.js';
import { choosePowerSwitch } from '../../platform/power-switch.js';
import type { PowerSwitch } from '../../transport/power-switch.js';
import { intOption, parse } from '../args.js';
import { runFleetFlash } from './flash-fleet.js';
import { askYesNo, stdinIsTerminal } from '../prompt.js';
import { chooseViewMode, EventView } from '../event-view.js';
import type { CliIo, CommandSpec } from '../io.js';

/**
 * --port PATH selects the serial transport (COM port, /dev/ttyUSBn, a pty). Without it, the module
 * in EDL is found as the wizard finds it: through the serial port a driver made of it, else USB.
 */
export function openerFor(port: string | undefined): PipeOpener {
  if (port) return new SerialOpener(port);
  const enumerator = createUsbEnumerator();
  return new AutoEdlOpener(() => sightEdl(enumerator), {
    serial: (p) => new SerialOpener(p),
    usbEdl: () => new UsbEdlOpener(),
  });
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      package: { type: 'string', short: 'p' },
      port: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      verify: { type: 'boolean' },
      'no-verify': { type: 'boolean' },
      'no-reset': { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      wait: { type: 'string' },
      payload: { type: 'string' },
      journal: { type: 'string' },
      'no-journal': { type: 'boolean' },
      'apply-file-patches': { type: 'boolean' },
      'power-cycle': { type: 'string' },
      snapshot: { type: 'string' },
    },
    false,
  );
  const powerMode = values['power-cycle'] ?? 'never';
  if (powerMode !== 'never' && powerMode !== 'auto' && powerMode !== 'ask')
    throw new RescueError('USAGE', `--power-cycle takes never, auto or ask, not "${powerMode}".`);
  if (powerMode === 'ask' && !stdinIsTerminal())
    throw new RescueError('USAGE', '--power-cycle ask needs a terminal to ask on.', {
      nextStep: 'Use --power-cycle auto to allow it without asking, or never.',
    });
  if (!values.package) {
    io.err('usage: modem-rescue flash --package PATH [--port PATH... | --all] [--no-verify] [--json]\n');
    return EXIT_CODES.usage;
  }
  const ports = values.port ?? [];
  if (values.all && ports.length > 0)
    throw new RescueError('USAGE', '--all flashes every module in EDL; it cannot be combined with --port.');
  if (values.all || ports.length > 1) {
    if (values.snapshot !== undefined)
      throw new RescueError(
        'USAGE',
        '--snapshot is taken of one module; flash the modules one by one to take one each.',
      );
    return runFleetFlash(
      {
        package: values.package,
        ports,
        all: Boolean(values.all),
        json: Boolean(values.json),
        verbose: Boolean(values.verbose),
        verify: !values['no-verify'],
        reset: !values['no-reset'],
        applyFilePatches: Boolean(values['apply-file-patches']),
        wait: values.wait,
        payload: values.payload,
        journal: values.journal,
        noJournal: Boolean(values['no-journal']),
        powerMode,
      },
      io,
    );
  }
  const view = new EventView(io, chooseViewMode(io, Boolean(values.json)), Boolean(values.verbose));
  // Linux: autosuspend off and ModemManager away for every modem in EDL while flashing, given back after.
  const guards = await holdForFlash(realSystem(), view.sink);
  const snap =
    values.snapshot !== undefined ? snapshotBeforeErase({ dir: values.snapshot, onEvent: view.sink }) : undefined;
  try {
    const powerSwitch = powerMode === 'never' ? undefined : await powerSwitchFor(powerMode, view.sink, io.signal);
    await flashPackage({
      package: values.package,
      opener: openerFor(ports[0]),
      signal: io.signal,
      onEvent: view.sink,
      verify: !values['no-verify'],
      reset: !values['no-reset'],
      applyFilePatches: Boolean(values['apply-file-patches']),
      openTimeoutMs: intOption(values.wait, 'wait', 60) * 1000,
      ...(values.payload ? { maxPayload: intOption(values.payload, 'payload', 0) } : {}),
      // Partitions verified by an interrupted run are not written again (SBL always is, last).
      ...(values['no-journal'] ? {} : { journalDir: values.journal ?? defaultJournalDir() }),
      ...(powerSwitch ? { powerSwitch } : {}),
      ...(snap ? { beforeErase: snap.hook } : {}),
    });
    const taken = snap?.outcome();
    if (taken && !values.json)
      io.out(
        taken.status === 'skipped'
          ? `No snapshot was taken: ${taken.reason}.\n`
          : `Snapshot of the earlier firmware: ${taken.dir} (undo with: modem-rescue undo ${taken.dir})\n`,
      );
  } finally {
    await guards.release();
  }
  return EXIT_CODES.ok;
}

/** The switch that cuts the power of the modem on this computer's USB; none for a modem elsewhere. */
async function powerSwitchFor(
  mode: 'auto' | 'ask',
  sink: EventSink,
  signal: AbortSignal,
): Promise<PowerSwitch | undefined> {
  const probe = realSystem();
  const modems = probe.platform === 'linux' ? await findModems(probe).catch(() => []) : [];
  const modem = modems.find((m) => m.edl) ?? modems[0];
  if (probe.platform === 'linux' && !modem) {
    sink({
      type: 'log',
      level: 'warn',
      message:
        "No modem on this computer's USB: its power cannot be cut from here. If it hangs, power-cycle it by hand.",
    });
    return undefined;
  }
  const ask =
    mode === 'ask'
      ? (action: { explanation: string }) =>
          askYesNo(`The modem hangs and only a power cut can restart it. ${action.explanation}\nGo ahead?`, {
            timeoutMs: 120_000,
            signal,
          })
      : undefined;
  const choice = await choosePowerSwitch(probe, modem?.busPath, ask);
  sink({ type: 'log', level: choice.powerSwitch ? 'info' : 'warn', message: choice.text });
  return choice.powerSwitch;
}

export const flashCommand: CommandSpec = {
  name: 'flash',
  summary:
    'Write a firmware package to a modem in EDL mode (USB, or --port for a serial/COM port); several at once with repeated --port or --all',
  usage:
    'flash --package P [--port P]... [--all] [--no-verify] [--json] [--wait S] [--journal DIR | --no-journal] [--apply-file-patches] [--power-cycle never|auto|ask] [--snapshot DIR]',
  run,
};
