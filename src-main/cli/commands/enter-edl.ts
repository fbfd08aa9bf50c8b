// modem-rescue enter-edl [--port DM] [--edl-port P] [--wait S]: switch a running module into
// download mode over its DM port and wait until it shows up as 05c6:9008.

import { EXIT_CODES } from '../../../shared/errors.js';
import { enterEdl } from '../../flows/enter-edl.js';
import { defaultPortSource } from '../../platform/port-map-windows.js';
import { findDmPort, type ModulePortSource } from '../../platform/port-map.js';
import { createUsbEnumerator, type UsbEnumerator } from '../../platform/usb-enumerator.js';
import { SerialOpener } from '../../transport/serial.js';
import type { PipeOpener } from '../../transport/transport.js';
import { UsbEdlOpener } from '../../transport/usb.js';
import { intOption, parse } from '../args.js';
import { EventView, chooseViewMode } from '../event-view.js';
import type { CliIo, CommandSpec } from '../io.js';

export interface EnterEdlCommandDeps {
  portSource?: () => ModulePortSource;
  openerFor?: (path: string) => PipeOpener;
  usbEdlOpener?: () => PipeOpener;
  /** Watches the bus while waiting (default: this machine's, only when waiting on USB). */
  enumerator?: () => UsbEnumerator | undefined;
}

export function makeEnterEdlCommand(deps: EnterEdlCommandDeps = {}): CommandSpec {
  const run = async (args: string[], io: CliIo): Promise<number> => {
    const { values } = parse(
      args,
      { port: { type: 'string' }, 'edl-port': { type: 'string' }, wait: { type: 'string' }, json: { type: 'boolean' } },
      false,
    );
    const waitMs = intOption(values.wait, 'wait', 30) * 1000;
    const openerFor = deps.openerFor ?? ((p: string) => new SerialOpener(p));
    const dmPath = values.port ?? (await findDmPort((deps.portSource ?? defaultPortSource)()));
    const edlPort = values['edl-port'];
    const edl = edlPort ? openerFor(edlPort) : (deps.usbEdlOpener ?? (() => new UsbEdlOpener()))();
    const enumerator = edlPort ? undefined : (deps.enumerator ?? (() => createUsbEnumerator()))();
    const view = new EventView(io, chooseViewMode(io, Boolean(values.json)), false);
    const result = await enterEdl({
      dm: openerFor(dmPath),
      edl,
      signal: io.signal,
      onEvent: view.sink,
      waitMs,
      ...(enumerator ? { enumerator } : {}),
    });
    if (values.json) io.out(`${JSON.stringify({ ok: true, edl: result.edlPipeName, waitedMs: result.waitedMs })}\n`);
    else
      io.out(
        `The module is in download mode (EDL) on ${result.edlPipeName}. Flash it with: modem-rescue flash --package P${edlPort ? ` --port ${edlPort}` : ''}\n`,
      );
    return EXIT_CODES.ok;
  };
  return {
    name: 'enter-edl',
    summary: 'Switch a running module into download mode (EDL) over its DM port and wait for 05c6:9008',
    usage: 'enter-edl [--port DM] [--edl-port P] [--wait S] [--json]',
    run,
  };
}

export const enterEdlCommand: CommandSpec = makeEnterEdlCommand();
