// modem-rescue backup [--port DM] --out FILE.qcn [--json]: a verified QCN backup of a running
// module (NV items, RF calibration, provisioning and EFS files) with a manifest beside it.
// backup --all --out DIR (every running module) or repeated --port: all of them at once, each
// file named by its module's model and IMEI (only its last four digits), one progress line per
// module, a summary table, and a non-zero exit when any module failed.

import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import type { EngineEvent, EventSink } from '../../../shared/events.js';
import { backupQcn } from '../../flows/backup.js';
import { defaultPortSource } from '../../platform/port-map-windows.js';
import { backupMany, type BackupModule } from '../../flows/backup-many.js';
import { findAllModulePorts, findDmPort, type ModulePortSource } from '../../platform/port-map.js';
import { SerialOpener } from '../../transport/serial.js';
import type { PipeOpener } from '../../transport/transport.js';
import { intOption, parse } from '../args.js';
import { EventView, chooseViewMode, formatDuration } from '../event-view.js';
import { FleetView } from '../fleet-view.js';
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

/** Every running module's DM port (--all), or the named ones; a module without one fails alone. */
async function fleetModules(ports: string[] | undefined, deps: DmCommandDeps): Promise<BackupModule[]> {
  const openerFor = deps.openerFor ?? ((p: string) => new SerialOpener(p));
  if (ports && ports.length > 0) return ports.map((p) => ({ id: p, dm: openerFor(p) }));
  const found = await findAllModulePorts((deps.portSource ?? defaultPortSource)(), 'dm');
  return found.map((f) =>
    f.path !== undefined
      ? { id: f.path, dm: openerFor(f.path) }
      : { id: `usb:${f.module.location}`, dm: undefined, ...(f.problem ? { missing: f.problem } : {}) },
  );
}

async function runFleetBackup(
  modules: BackupModule[],
  folder: string,
  values: { json?: boolean | undefined; 'max-in-flight'?: string | undefined },
  io: CliIo,
): Promise<number> {
  const view = new FleetView(
    io,
    chooseViewMode(io, Boolean(values.json)),
    modules.map((m) => m.id),
    false,
    'requests',
  );
  const outcomes = await backupMany({
    modules,
    folder,
    signal: io.signal,
    onEvent: (m, i, e) => view.event(i, m.id, e),
    maxInFlight: intOption(values['max-in-flight'], 'max-in-flight', 8),
  });
  view.backupSummary(outcomes);
  if (!values.json && outcomes.some((o) => o.ok))
    io.out('Keep these files safe: each holds the calibration and identity of its own module.\n');
  const failed = outcomes.find((o) => !o.ok);
  return failed ? EXIT_CODES[failed.error?.category ?? 'internal'] : EXIT_CODES.ok;
}

export function makeBackupCommand(deps: DmCommandDeps = {}): CommandSpec {
  const run = async (args: string[], io: CliIo): Promise<number> => {
    const { values } = parse(
      args,
      {
        port: { type: 'string', multiple: true },
        all: { type: 'boolean' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        'max-in-flight': { type: 'string' },
      },
      false,
    );
    const ports = values.port ?? [];
    const many = values.all === true || ports.length > 1;
    if (!values.out)
      throw new RescueError(
        'USAGE',
        many ? 'Say which folder the backups go to: --out DIR' : 'Say where to write the backup: --out FILE.qcn',
      );
    if (values.all && ports.length > 0)
      throw new RescueError('USAGE', 'Give either --all (every running module) or --port, not both.');
    if (many && /\.x?qcn$/i.test(values.out))
      throw new RescueError(
        'USAGE',
        `With several modules --out names a folder (each module gets its own file), not ${values.out}.`,
      );
    if (many) return runFleetBackup(await fleetModules(ports, deps), values.out, values, io);
    const dm = await dmOpenerFor(ports[0], deps);
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
    usage:
      'backup [--port DM] --out FILE.qcn | backup (--all | --port DM --port DM ...) --out DIR  [--max-in-flight N] [--json]',
    run,
  };
}

export const backupCommand: CommandSpec = makeBackupCommand();
