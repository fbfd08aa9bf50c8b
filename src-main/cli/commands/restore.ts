// modem-rescue restore FILE.qcn [--port DM] [--dry-run] [--items imei,rfnv,...] [--force]
// [--backup-dir DIR] [--json]: put a QCN backup back, writing only what differs.

import { dirname } from 'node:path';
import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { restoreQcn, type RestoreChange } from '../../flows/restore.js';
import { MAX_CFB_BYTES } from '../../qcn/cfb.js';
import { checkInputFile } from '../../util/input-file.js';
import { intOption, parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';
import { dmOpenerFor, requestView, type DmCommandDeps } from './backup.js';

function describe(c: RestoreChange): string {
  return `${c.label} (${c.reason})`;
}

export function makeRestoreCommand(deps: DmCommandDeps = {}): CommandSpec {
  const run = async (args: string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parse(args, {
      port: { type: 'string' },
      'dry-run': { type: 'boolean' },
      items: { type: 'string' },
      force: { type: 'boolean' },
      'backup-dir': { type: 'string' },
      json: { type: 'boolean' },
      'max-in-flight': { type: 'string' },
    });
    if (positionals.length !== 1) throw new RescueError('USAGE', 'Name one QCN file to restore: restore FILE.qcn');
    const file = positionals[0]!;
    // The file first: a device, a FIFO or a huge file is refused before any port is looked for.
    await checkInputFile(file, {
      maxBytes: 3 * MAX_CFB_BYTES,
      what: 'a QCN or XQCN backup',
      code: 'QCN_CORRUPT',
      notFileCode: 'NOT_A_FILE',
      missingCode: 'HOST_IO',
      signal: io.signal,
    });
    const dm = await dmOpenerFor(values.port, deps);
    const json = Boolean(values.json);
    const r = await restoreQcn({
      dm,
      file,
      dryRun: Boolean(values['dry-run']),
      items: values.items ? values.items.split(',') : [],
      force: Boolean(values.force),
      backupDir: values['backup-dir'] ?? dirname(file),
      signal: io.signal,
      onEvent: requestView(io, json),
      maxInFlight: intOption(values['max-in-flight'], 'max-in-flight', 8),
    });
    const partly = r.outcome === 'partly restored';
    if (json) {
      io.out(`${JSON.stringify({ ok: !partly, dryRun: Boolean(values['dry-run']), ...r })}\n`);
      return partly ? EXIT_CODES.device : EXIT_CODES.ok;
    }
    const d = r.diff;
    if (r.outcome === 'dry run') {
      io.out(
        `Dry run: ${d.write.length} to write, ${d.skipped.length} protected and left alone, ${d.invalid.length} that cannot be written, ${d.same} already equal.\n`,
      );
      for (const c of d.write) io.out(`  write   ${describe(c)}\n`);
      for (const c of d.skipped)
        io.out(`  skip    ${describe(c)}: protected (${c.protectedAs}); add --items ${c.protectedAs} to write it\n`);
      for (const c of d.invalid) io.out(`  cannot  ${c.label}: ${c.reason}\n`);
      return EXIT_CODES.ok;
    }
    if (r.written === 0 && !partly)
      io.out(
        `Nothing to write: the modem already holds what ${file} holds${d.skipped.length ? ` (apart from ${d.skipped.length} protected items left alone)` : ''}.\n`,
      );
    else if (!partly)
      io.out(
        `Restored ${r.written} items from ${file}; all ${r.verified} read back the same. ${r.reset ? 'The modem was reset.' : 'Power-cycle the modem to use them.'}\n`,
      );
    else {
      io.out(
        `Partly restored: ${r.written} items from ${file} written, ${r.verified} read back the same; ${r.refused.length + r.failed.length + d.invalid.length} not restored:\n`,
      );
      for (const p of r.refused) io.out(`  refused  ${p.label}: ${p.reason}\n`);
      for (const p of r.failed) io.out(`  failed   ${p.label}: ${p.reason}\n`);
      for (const c of d.invalid) io.out(`  cannot   ${c.label}: ${c.reason}\n`);
      if (r.written > 0)
        io.out(`  ${r.reset ? 'The modem was reset.' : 'Power-cycle the modem to use the restored items.'}\n`);
    }
    if (r.freshBackup) io.out(`  The state before the restore is saved in ${r.freshBackup}\n`);
    if (d.skipped.length) io.out(`  ${d.skipped.length} protected items were left alone (see the warnings above).\n`);
    return partly ? EXIT_CODES.device : EXIT_CODES.ok;
  };
  return {
    name: 'restore',
    summary: 'Restore a QCN backup: dry-run diff, fresh backup first, write only what differs, read back',
    usage:
      'restore FILE.qcn [--port DM] [--dry-run] [--items imei,esn,meid,spc,rfnv] [--force] [--backup-dir DIR] [--json]',
    run,
  };
}

export const restoreCommand: CommandSpec = makeRestoreCommand();
