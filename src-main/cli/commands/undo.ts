// modem-rescue undo DIR [--port P] [--force] [--json] [--journal DIR | --no-journal]: flash a
// firmware snapshot back (the same plan, recovery, verification and resume journal as flash),
// refused when it is incomplete or was taken from another module (unless --force).

import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { defaultJournalDir } from '../../flows/resume-journal.js';
import { undoSnapshot } from '../../flows/undo.js';
import { holdForFlash } from '../../platform/flash-guards.js';
import { realSystem } from '../../platform/system.js';
import { intOption, parse } from '../args.js';
import { chooseViewMode, EventView } from '../event-view.js';
import type { CliIo, CommandSpec } from '../io.js';
import { openerFor } from './flash.js';

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      port: { type: 'string' },
      force: { type: 'boolean' },
      'no-reset': { type: 'boolean' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      wait: { type: 'string' },
      journal: { type: 'string' },
      'no-journal': { type: 'boolean' },
    },
    true,
  );
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1)
    throw new RescueError('USAGE', 'Name one snapshot folder: modem-rescue undo DIR');
  const view = new EventView(io, chooseViewMode(io, Boolean(values.json)), Boolean(values.verbose));
  const guards = await holdForFlash(realSystem(), view.sink);
  try {
    await undoSnapshot({
      snapshot: dir,
      force: Boolean(values.force),
      opener: openerFor(values.port),
      signal: io.signal,
      onEvent: view.sink,
      reset: !values['no-reset'],
      openTimeoutMs: intOption(values.wait, 'wait', 60) * 1000,
      ...(values['no-journal'] ? {} : { journalDir: values.journal ?? defaultJournalDir() }),
    });
  } finally {
    await guards.release();
  }
  return EXIT_CODES.ok;
}

export const undoCommand: CommandSpec = {
  name: 'undo',
  summary: 'Flash a firmware snapshot back onto the module it was taken from (modem in EDL)',
  usage: 'undo DIR [--port P] [--force] [--json] [--journal DIR | --no-journal] [--wait S]',
  run,
};
