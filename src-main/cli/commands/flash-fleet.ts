// `flash --package P --port A --port B ...` and `flash --package P --all`: every named module (or
// every module in EDL on this computer) flashed at once, each by its own run (flows/flash-many.ts),
// one progress line per module, a summary table at the end, and a non-zero exit when any module
// failed. A module's power is cut only through its own hub port (never by a suspend, which would
// cut every module's).

import { EXIT_CODES, RescueError, type ErrorCategory } from '../../../shared/errors.js';
import type { EngineEvent } from '../../../shared/events.js';
import { detectDevices } from '../../flows/detect.js';
import { flashMany, type FleetModule } from '../../flows/flash-many.js';
import { usbFleetBus } from '../../flows/follow-module.js';
import { defaultJournalDir } from '../../flows/resume-journal.js';
import { holdForFlash } from '../../platform/flash-guards.js';
import { choosePowerSwitch } from '../../platform/power-switch.js';
import { realSystem } from '../../platform/system.js';
import { createUsbEnumerator } from '../../platform/usb-enumerator.js';
import { SerialOpener } from '../../transport/serial.js';
import { UsbEdlOpener } from '../../transport/usb.js';
import { intOption } from '../args.js';
import { chooseViewMode } from '../event-view.js';
import { FleetView } from '../fleet-view.js';
import type { CliIo } from '../io.js';
import { askYesNo } from '../prompt.js';

export interface FleetFlashArgs {
  package: string;
  ports: string[];
  all: boolean;
  json: boolean;
  verbose: boolean;
  verify: boolean;
  reset: boolean;
  applyFilePatches: boolean;
  wait: string | undefined;
  payload: string | undefined;
  journal: string | undefined;
  noJournal: boolean;
  powerMode: 'never' | 'auto' | 'ask';
}

interface Target {
  id: string;
  busPath?: string;
  module: Omit<FleetModule, 'powerSwitch'>;
}

/** Every module in EDL on this computer: through the serial port a driver made of it, else its USB port. */
async function modulesInEdl(): Promise<Target[]> {
  const found = await detectDevices(createUsbEnumerator());
  if (!found.usbAvailable)
    throw new RescueError(
      'DEVICE_NOT_FOUND',
      `--all cannot look at USB here: ${found.reason ?? 'USB is unavailable'}.`,
      {
        nextStep: 'Name each module with --port instead (its serial port).',
      },
    );
  const edl = found.devices.filter((d) => d.mode === 'edl');
  if (edl.length === 0)
    throw new RescueError('DEVICE_NOT_FOUND', 'No module in download (EDL) mode is connected.', {
      nextStep: 'Put the modules in EDL (modem-rescue enter-edl, or the USB_BOOT pad), then run this again.',
    });
  return edl.map((d) => {
    const id = d.edlTty ?? `usb:${d.busPath}`;
    const opener = d.edlTty ? new SerialOpener(d.edlTty) : new UsbEdlOpener({ busPath: d.busPath });
    return { id, busPath: d.busPath, module: { id, opener, place: d.busPath } };
  });
}

/** Each module's own switch: its hub port's power, when the hub switches ports one by one. */
async function withPowerSwitches(targets: Target[], mode: 'auto' | 'ask', io: CliIo): Promise<FleetModule[]> {
  const probe = realSystem();
  const out: FleetModule[] = [];
  for (const [i, t] of targets.entries()) {
    const ask =
      mode === 'ask'
        ? (action: { explanation: string }) =>
            askYesNo(
              `Module ${i + 1} (${t.id}) hangs and only a power cut can restart it. ${action.explanation}\nGo ahead?`,
              {
                timeoutMs: 120_000,
                signal: io.signal,
              },
            )
        : undefined;
    const choice = t.busPath
      ? await choosePowerSwitch(probe, t.busPath, ask, { portOnly: true })
      : { text: 'its USB port is not known (named by --port); power-cycle it by hand if it hangs.' };
    io.err(`[${i + 1} ${t.id}] ${choice.text}\n`);
    // Followed to another port (flows/follow-module.ts): that port's own switch, if it has one.
    const powerSwitchAt = async (place: string) =>
      (await choosePowerSwitch(probe, place, ask, { portOnly: true })).powerSwitch;
    out.push(choice.powerSwitch ? { ...t.module, powerSwitch: choice.powerSwitch, powerSwitchAt } : t.module);
  }
  return out;
}

/** The exit code of the first failure's kind; 0 when every module was flashed. */
function exitCode(categories: (ErrorCategory | undefined)[]): number {
  const failed = categories.find((c) => c !== undefined);
  return failed === undefined ? EXIT_CODES.ok : EXIT_CODES[failed];
}

export async function runFleetFlash(a: FleetFlashArgs, io: CliIo): Promise<number> {
  const targets: Target[] = a.all
    ? await modulesInEdl()
    : a.ports.map((p) => ({ id: p, module: { id: p, opener: new SerialOpener(p) } }));
  const modules =
    a.powerMode === 'never' ? targets.map((t) => t.module) : await withPowerSwitches(targets, a.powerMode, io);
  const view = new FleetView(
    io,
    chooseViewMode(io, a.json),
    modules.map((m) => m.id),
    a.verbose,
  );
  // What concerns the computer, not one module (autosuspend, ModemManager): once, untagged.
  const guards = await holdForFlash(realSystem(), (e: EngineEvent) => view.general(e));
  try {
    const outcomes = await flashMany({
      package: a.package,
      modules,
      ...(a.all
        ? {
            bus: usbFleetBus(createUsbEnumerator(), {
              serial: (p) => new SerialOpener(p),
              usbAt: (busPath) => new UsbEdlOpener({ busPath }),
            }),
          }
        : {}),
      signal: io.signal,
      onEvent: (m, i, e) => view.event(i, m.id, e),
      verify: a.verify,
      reset: a.reset,
      applyFilePatches: a.applyFilePatches,
      openTimeoutMs: intOption(a.wait, 'wait', 60) * 1000,
      ...(a.payload ? { maxPayload: intOption(a.payload, 'payload', 0) } : {}),
      ...(a.noJournal ? {} : { journalDir: a.journal ?? defaultJournalDir() }),
    });
    view.summary(outcomes);
    return exitCode(outcomes.map((o) => (o.ok ? undefined : (o.error?.category ?? 'internal'))));
  } finally {
    await guards.release();
  }
}
