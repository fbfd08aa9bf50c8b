// modem-rescue info [--port P] [--json]: what the modem's boot ROM says about itself.

import { EXIT_CODES } from '../../../shared/errors.js';
import { saharaReadInfo } from '../../host/sahara-host.js';
import { PipeReader } from '../../transport/pipe-reader.js';
import { intOption, parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';
import { openerFor } from './flash.js';

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    args,
    { port: { type: 'string' }, json: { type: 'boolean' }, wait: { type: 'string' } },
    false,
  );
  const opener = openerFor(values.port);
  const pipe = await opener.open({
    timeoutMs: intOption(values.wait, 'wait', 30) * 1000,
    signal: io.signal,
    what: 'the modem in EDL mode',
  });
  try {
    const info = await saharaReadInfo(new PipeReader(pipe), { signal: io.signal });
    if (values.json) io.out(`${JSON.stringify({ port: pipe.name, ...info })}\n`);
    else {
      io.out(`Modem on ${pipe.name} (Sahara v${info.saharaVersion})\n`);
      io.out(`  serial number: ${info.serialNumber ?? 'not reported'}\n`);
      io.out(`  MSM HW ID:     ${info.msmHwId ?? 'not reported'}\n`);
      info.pkHashes.forEach((h, i) => io.out(`  OEM PK hash${info.pkHashes.length > 1 ? ` ${i + 1}` : ''}:  ${h}\n`));
      if (info.sblVersion) io.out(`  SBL version:   ${info.sblVersion}\n`);
      if (info.chipIdV3) io.out(`  chip id v3:    ${info.chipIdV3}\n`);
      io.out('The modem was reset afterwards and is waiting in EDL again.\n');
    }
  } finally {
    await pipe.close();
  }
  return EXIT_CODES.ok;
}

export const infoCommand: CommandSpec = {
  name: 'info',
  summary: 'Read serial number, hardware id and key hash from a modem in EDL (Sahara command mode)',
  usage: 'info [--port P] [--json]',
  run,
};
