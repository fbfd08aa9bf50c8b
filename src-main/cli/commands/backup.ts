// modem-rescue backup [--port DM] --out FILE.qcn [--json]: a verified QCN backup of a running
// module (NV items, RF calibration, provisioning and EFS files) with a manifest beside it.

import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import type { EngineEvent, EventSink } from '../../../shared/events.js';
import { backupQcn } from '../../flows/backup.js';
import { defaultPortSource } from '../../platform/port-map-windows.js';
import { findDmPort, type ModulePortSource } from '../../platform/port-map.js';
import { SerialOpener } from '../../transport/serial.js';
import type { PipeOpener } from '../../transport/transport.js';
import { intOption, parse } from '../args.js';
import { EventView, chooseViewMode, formatDuration } from '../event-view.js';
import type { CliIo, CommandSpec } from '../io.js';

export interface DmCommandDeps {
  portSource?: () => ModulePortSource;
  openerFor?: (path: string) => PipeOpener;
}

/** The DM port: --port, or the one the port map finds (its PORT_NOT_FOUND says how to find or name it). */
export async function dmOpenerFor(port: string | undefined, deps: DmCommandDeps): Promise<PipeOpener> {
  const openerFor = deps.openerFor ?? ((p: string) => new SerialOpener(p));
  return openerFor(port ?? (await findDmPort((deps.portSource ?? defaultPortSource)())));
}

/** Log lines as usual; progress as request counts (not bytes) on one live line in a terminal. */
export function requestView(io: CliIo, json: boolean): EventSink {
  const view = new EventView(io, chooseViewMode(io, json), false);
  let lastLive = 0;
  return (e: EngineEvent) => {
    if (e.type !== 'progress' || json) return view.sink(e);
    if (!io.isTTY) return;
    const now = Date.now();
    if (now - lastLive < 200 && e.stepBytesDone < e.stepBytes) return;
    lastLive = now;
    io.out(
      `\r  ${e.stepBytesDone}/${e.stepBytes} requests, ${Math.round(e.bytesPerSecond)}/s, ETA ${formatDuration(e.etaSeconds)}\x1b[K${e.stepBytesDone >= e.stepBytes ? '\n' : ''}`,
    );
  };
}

export function makeBackupCommand(deps: DmCommandDeps = {}): CommandSpec {
  const run = async (args: string[], io: CliIo): Promise<number> => {
    const { values } = parse(
      args,
      {
        port: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        'max-in-flight': { type: 'string' },
      },
      false,
    );
    if (!values.out) throw new RescueError('USAGE', 'Say where to write the backup: --out FILE.qcn');
    const dm = await dmOpenerFor(values.port, deps);
    const r = await backupQcn({
      dm,
      out: values.out,
      signal: io.signal,
      onEvent: requestView(io, Boolean(values.json)),
      maxInFlight: intOption(values['max-in-flight'], 'max-in-flight', 8),
    });
    const m = r.manifest;
    if (values.json) io.out(`${JSON.stringify({ ok: true, path: r.path, manifest: r.manifestPath, ...m })}\n`);
    else {
      io.out(`Backup written and verified: ${r.path}\n`);
      io.out(
        `  module ${m.module.model}, firmware ${m.firmware}${m.imei ? `, IMEI ${m.imei}` : ''}${m.imei2 ? ` / ${m.imei2}` : ''}\n`,
      );
      io.out(
        `  ${m.counts.nvItems} NV records (+${m.counts.nvItemsSim1} for SIM 1${m.counts.nvItemsSim2 ? `, +${m.counts.nvItemsSim2} for SIM 2` : ''}), ${m.counts.efsFiles} EFS backup files (${m.counts.rfnvFiles} rfnv calibration), ${m.counts.provisioningFiles} provisioning files\n`,
      );
      io.out(`  SHA-256 ${m.sha256}; manifest ${r.manifestPath}\n`);
      io.out('Keep this file safe: it holds the calibration and identity of this one module.\n');
    }
    return EXIT_CODES.ok;
  };
  return {
    name: 'backup',
    summary: 'Save the QCN backup (NV items, RF calibration, IMEI, EFS files) of a running module, verified',
    usage: 'backup [--port DM] --out FILE.qcn [--max-in-flight N] [--json]',
    run,
  };
}

export const backupCommand: CommandSpec = makeBackupCommand();
