// modem-rescue snapshot --package P --out DIR [--port P] [--json] [--no-reset]: save, from a modem in
// EDL, every range the package would erase or program (a folder `undo` can flash back), without
// erasing or writing anything. The package says which ranges: the modem's own partition table is
// not read here.

import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { snapshotModule } from '../../flows/snapshot-run.js';
import { holdForFlash } from '../../platform/flash-guards.js';
import { realSystem } from '../../platform/system.js';
import { intOption, parse } from '../args.js';
import { chooseViewMode, EventView } from '../event-view.js';
import type { CliIo, CommandSpec } from '../io.js';
import { openerFor } from './flash.js';

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    {
      package: { type: 'string', short: 'p' },
      out: { type: 'string' },
      port: { type: 'string' },
      'no-reset': { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      wait: { type: 'string' },
    },
    false,
  );
  if (!values.out) throw new RescueError('USAGE', 'Say where to write the snapshot: --out DIR');
  if (!values.package)
    throw new RescueError(
      'USAGE',
      'Say which package the snapshot is for: --package P (its partitions are the ones saved)',
    );
  const view = new EventView(io, chooseViewMode(io, Boolean(values.json)), Boolean(values.verbose));
  const guards = await holdForFlash(realSystem(), view.sink);
  try {
    const r = await snapshotModule({
      package: values.package,
      dir: values.out,
      opener: openerFor(values.port),
      signal: io.signal,
      onEvent: view.sink,
      reset: !values['no-reset'],
      openTimeoutMs: intOption(values.wait, 'wait', 60) * 1000,
    });
    if (!values.json) io.out(`Snapshot ${r.status}: ${r.dir}\n  undo it with: modem-rescue undo ${r.dir}\n`);
  } finally {
    await guards.release();
  }
  return EXIT_CODES.ok;
}

export const snapshotCommand: CommandSpec = {
  name: 'snapshot',
  summary: 'Save what flashing a package would overwrite, from a modem in EDL, into a folder undo can flash back',
  usage: 'snapshot --package P --out DIR [--port P] [--json] [--no-reset] [--wait S]',
  run,
};
