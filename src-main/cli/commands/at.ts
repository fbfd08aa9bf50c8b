// modem-rescue at [--port AT] [--timeout S] "ATI" ["AT+QGMR" ...]: send AT commands to a running
// module and print the answers. Without --port the AT port is found by VID:PID and interface.

import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { AtClient } from '../../host/at-client.js';
import { defaultPortSource } from '../../platform/port-map-windows.js';
import { findAtPort, type ModulePortSource } from '../../platform/port-map.js';
import { SerialOpener } from '../../transport/serial.js';
import type { PipeOpener } from '../../transport/transport.js';
import { intOption, parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

export interface AtCommandDeps {
  /** Where the AT port is looked up without --port (default: this machine). */
  portSource?: () => ModulePortSource;
  /** How a port path is opened (default: a serial port). */
  openerFor?: (path: string) => PipeOpener;
}

export function makeAtCommand(deps: AtCommandDeps = {}): CommandSpec {
  const run = async (args: string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parse(args, {
      port: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length === 0)
      throw new RescueError('USAGE', 'Name at least one AT command, e.g. modem-rescue at "ATI".');
    const timeoutMs = Math.max(1, intOption(values.timeout, 'timeout', 5)) * 1000;
    const path = values.port ?? (await findAtPort((deps.portSource ?? defaultPortSource)()));
    const opener = (deps.openerFor ?? ((p: string) => new SerialOpener(p)))(path);
    const pipe = await opener.open({ timeoutMs: 5000, signal: io.signal, what: `the AT port ${path}` });
    const client = new AtClient(pipe, { signal: io.signal, timeoutMs });
    try {
      for (const cmd of positionals) {
        const r = await client.command(cmd);
        if (values.json) io.out(`${JSON.stringify({ command: cmd, lines: r.lines, final: r.final })}\n`);
        else {
          for (const l of r.lines) io.out(`${l}\n`);
          io.out('OK\n');
        }
      }
      if (!values.json) for (const u of client.urcs) io.err(`(unsolicited) ${u}\n`);
    } finally {
      await client.close();
    }
    return EXIT_CODES.ok;
  };
  return {
    name: 'at',
    summary: 'Send AT commands to a running module and print the answers (finds the AT port itself without --port)',
    usage: 'at [--port AT] [--timeout S] [--json] "ATI" ["AT+QGMR" ...]',
    run,
  };
}

export const atCommand: CommandSpec = makeAtCommand();
