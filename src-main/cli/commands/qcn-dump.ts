// modem-rescue qcn dump FILE [--json | --xqcn]: what a QCN (or XQCN) backup holds, without a modem.
// modem-rescue qcn convert IN OUT: QCN to XQCN or back (by OUT's extension), stream for stream,
// written atomically and read back to check that nothing was lost.

import { basename } from 'node:path';
import { readFile } from 'node:fs/promises';
import { EXIT_CODES, RescueError } from '../../../shared/errors.js';
import { loadQcnFile } from '../../flows/restore.js';
import { nvToImei, NV_IMEI } from '../../protocol/imei.js';
import { compareQcn, summarizeDifferences } from '../../qcn/compare.js';
import { isRfnvPath } from '../../qcn/efs-paths.js';
import type { QcnBackup } from '../../qcn/layout.js';
import { writeCfb } from '../../qcn/cfb-writer.js';
import { parseBackupFile, parseBackupTree, treeDifferences, xqcnBytes } from '../../qcn/qcn-file.js';
import { treeToXqcn } from '../../qcn/xqcn.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The name QPST gives the root storage of an XQCN: the file's name. */
const xqcnName = (file: string): string => `${basename(file).replace(/\.x?qcn$/i, '')}.xqcn`;

function dumpJson(q: QcnBackup, io: CliIo): void {
  const out = {
    model: q.model,
    property: q.property,
    featureMask: hex(q.featureMask),
    imeis: q.nvItems.filter((i) => i.id === NV_IMEI).map((i) => ({ context: i.context, imei: nvToImei(i.data) })),
    nvItems: q.nvItems.map((i) => ({ id: i.id, index: i.index, context: i.context, data: hex(i.data) })),
    efsBackup: q.efsBackup.map((f) => ({ path: f.path, mtime: f.mtime, size: f.data.length, data: hex(f.data) })),
    provisioning: q.provisioning.map((f) => ({ path: f.path, size: f.data.length, data: hex(f.data) })),
    nvItemFiles: q.nvItemFiles.map((f) => ({ path: f.path, size: f.data.length, data: hex(f.data) })),
    rfnvFiles: [...q.efsBackup, ...q.provisioning, ...q.nvItemFiles].filter((f) => isRfnvPath(f.path)).length,
  };
  io.out(`${JSON.stringify(out)}\n`);
}

function dumpText(q: QcnBackup, io: CliIo): void {
  io.out(`QCN backup of model number ${q.model} (storage ${String(q.model).padStart(8, '0')})\n`);
  io.out(
    `  firmware:  ${q.property.swVersion || 'not recorded'}\n  made by:   ${q.property.tool || 'not recorded'}\n  ESN:       0x${q.property.esn.toString(16).padStart(8, '0')}\n`,
  );
  for (const i of q.nvItems.filter((n) => n.id === NV_IMEI))
    io.out(`  IMEI${i.context ? ` (SIM ${i.context})` : ''}: ${nvToImei(i.data) ?? 'not a valid IMEI record'}\n`);
  const inCtx = (c: number): number => q.nvItems.filter((i) => i.context === c).length;
  const indexed = q.nvItems.filter((i) => i.index > 0).length;
  io.out(
    `  NV items:  ${inCtx(0)} default, ${inCtx(1)} SIM 1, ${inCtx(2)} SIM 2 (${indexed} records of entries 1.. of multi-entry items)\n`,
  );
  const all = [...q.efsBackup, ...q.provisioning, ...q.nvItemFiles];
  io.out(
    `  files:     ${all.filter((f) => isRfnvPath(f.path)).length} rfnv calibration in all; ${q.efsBackup.length} EFS backup, ${q.provisioning.length} provisioning, ${q.nvItemFiles.length} NV item files\n`,
  );
  for (const f of all) io.out(`    ${f.path} (${f.data.length} bytes)\n`);
}

/**
 * Convert stream for stream (storages and streams this tool does not know are carried over too),
 * then check the written file both as a tree and as a backup.
 */
async function convert(from: string, to: string, io: CliIo): Promise<number> {
  const toXml = /\.xqcn$/i.test(to);
  if (!toXml && !/\.qcn$/i.test(to))
    throw new RescueError('USAGE', `Name the output FILE.qcn or FILE.xqcn (not ${to}).`);
  const q = await loadQcnFile(from, io.signal); // bounded in size, and a QCN at all
  const tree = parseBackupTree(new Uint8Array(await readFile(from)), from);
  const bytes = toXml ? xqcnBytes(treeToXqcn(tree, { name: xqcnName(to) })) : writeCfb(tree);
  await writeFileAtomic(to, bytes);
  const again = new Uint8Array(await readFile(to));
  const lost = [
    ...treeDifferences(tree, parseBackupTree(again, to)),
    ...compareQcn(q, parseBackupFile(again, to), { mtimes: true }),
  ];
  if (lost.length > 0)
    throw new RescueError(
      'BACKUP_VERIFY_FAILED',
      `${to} does not read back as ${from}: ${summarizeDifferences(lost)}.`,
    );
  io.out(
    `Converted ${from} to ${to} (${bytes.length} bytes); read back: ${q.nvItems.length} NV records and ${q.efsBackup.length + q.provisioning.length + q.nvItemFiles.length} files, every stream the same.\n`,
  );
  return EXIT_CODES.ok;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, xqcn: { type: 'boolean' } });
  if (positionals[0] === 'convert') {
    if (positionals.length !== 3)
      throw new RescueError(
        'USAGE',
        'Name the file and where to write it: qcn convert IN.qcn OUT.xqcn (or IN.xqcn OUT.qcn)',
      );
    return convert(positionals[1]!, positionals[2]!, io);
  }
  // Accept both `qcn dump FILE` and `qcn-dump FILE`.
  const rest = positionals[0] === 'dump' ? positionals.slice(1) : positionals;
  if (rest.length !== 1)
    throw new RescueError('USAGE', 'Name one file: qcn dump FILE [--json|--xqcn], or qcn convert IN OUT');
  if (values.json && values.xqcn) throw new RescueError('USAGE', 'Choose one of --json and --xqcn.');
  const q = await loadQcnFile(rest[0]!, io.signal);
  // Stream for stream, in the file's own order: QPST's export of the same backup, byte for byte.
  if (values.xqcn)
    io.out(
      `${treeToXqcn(parseBackupTree(new Uint8Array(await readFile(rest[0]!)), rest[0]!), { name: xqcnName(rest[0]!) })}\n`,
    );
  else if (values.json) dumpJson(q, io);
  else dumpText(q, io);
  return EXIT_CODES.ok;
}

export const qcnDumpCommand: CommandSpec = {
  name: 'qcn',
  summary: 'Show what a QCN or XQCN backup holds (dump), or convert one into the other, as QPST writes them',
  usage: 'qcn dump FILE [--json|--xqcn] | qcn convert IN OUT',
  run,
};
