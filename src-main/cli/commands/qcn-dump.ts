// modem-rescue qcn dump FILE [--json | --xqcn]: what a QCN (or XQCN) backup holds, without a modem.

import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { loadQcnFile } from '../../flows/restore.js';
import { nvToImei, NV_IMEI } from '../../protocol/imei.js';
import { qcnToTree } from '../../qcn/layout.js';
import { treeToXqcn } from '../../qcn/xqcn.js';
import { parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, xqcn: { type: 'boolean' } });
  // Accept both `qcn dump FILE` and `qcn-dump FILE`.
  const rest = positionals[0] === 'dump' ? positionals.slice(1) : positionals;
  if (rest.length !== 1) throw new RescueError('USAGE', 'Name one file: qcn dump FILE [--json|--xqcn]');
  if (values.json && values.xqcn) throw new RescueError('USAGE', 'Choose one of --json and --xqcn.');
  const q = await loadQcnFile(rest[0]!, io.signal);
  if (values.xqcn) {
    io.out(treeToXqcn(qcnToTree(q)));
    return EXIT_CODES.ok;
  }
  const imeis = q.nvItems.filter((i) => i.id === NV_IMEI).map((i) => ({ context: i.context, imei: nvToImei(i.data) }));
  if (values.json) {
    const out = {
      model: q.model,
      property: q.property,
      featureMask: hex(q.featureMask),
      imeis,
      nvItems: q.nvItems.map((i) => ({ id: i.id, index: i.index, context: i.context, data: hex(i.data) })),
      efsBackup: q.efsBackup.map((f) => ({ path: f.path, mtime: f.mtime, size: f.data.length, data: hex(f.data) })),
      provisioning: q.provisioning.map((f) => ({ path: f.path, size: f.data.length, data: hex(f.data) })),
      nvItemFiles: q.nvItemFiles.map((f) => ({ path: f.path, size: f.data.length, data: hex(f.data) })),
    };
    io.out(`${JSON.stringify(out)}\n`);
    return EXIT_CODES.ok;
  }
  io.out(`QCN backup of model number ${q.model} (storage ${String(q.model).padStart(8, '0')})\n`);
  io.out(`  firmware:  ${q.property.swVersion || 'not recorded'}\n  made by:   ${q.property.tool || 'not recorded'}\n  ESN:       0x${q.property.esn.toString(16).padStart(8, '0')}\n`);
  for (const i of imeis) io.out(`  IMEI${i.context ? ' (SIM 1)' : ''}: ${i.imei ?? 'not a valid IMEI record'}\n`);
  io.out(`  NV items:  ${q.nvItems.filter((i) => i.context === 0).length} default, ${q.nvItems.filter((i) => i.context === 1).length} SIM 1\n`);
  io.out(`  files:     ${q.nvItemFiles.length} item files (${q.nvItemFiles.filter((f) => f.path.startsWith('/nv/item_files/rfnv/')).length} rfnv calibration), ${q.provisioning.length} provisioning, ${q.efsBackup.length} EFS backup\n`);
  for (const f of [...q.provisioning, ...q.nvItemFiles, ...q.efsBackup]) io.out(`    ${f.path} (${f.data.length} bytes)\n`);
  return EXIT_CODES.ok;
}

export const qcnDumpCommand: CommandSpec = {
  name: 'qcn',
  summary: 'Show what a QCN or XQCN backup holds (dump), or convert it to XQCN',
  usage: 'qcn dump FILE [--json|--xqcn]',
  run,
};
