// The wizard's QCN backup: flows/backup-into-folder.ts (read the module over its DM port, write the
// QCN atomically, read it back and compare, manifest beside it), with the file named after what was
// read: <model>-<last four IMEI digits>-<date>.qcn in the chosen folder.

import type { BackupView } from '../../shared/api.js';
import { maskImei } from '../../shared/api.js';
import type { EventSink } from '../../shared/events.js';
import { BackupNames } from '../flows/backup-name.js';
import { backupIntoFolder, ensureBackupFolder } from '../flows/backup-into-folder.js';
import type { PipeOpener } from '../transport/transport.js';
import { throwIfAborted } from '../util/deadline.js';

export interface BackupRunOptions {
  dm: PipeOpener;
  folder: string;
  now: number;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  nvRange?: [number, number];
  openTimeoutMs?: number;
}

export async function runBackup(opts: BackupRunOptions): Promise<{ view: BackupView; firmware: string }> {
  throwIfAborted(opts.signal);
  await ensureBackupFolder(opts.folder);
  const r = await backupIntoFolder({ ...opts, names: new BackupNames(opts.folder) });
  const c = r.manifest.counts;
  return {
    firmware: r.manifest.firmware,
    view: {
      path: r.path,
      manifestPath: r.manifestPath,
      model: r.manifest.module.model,
      firmware: r.manifest.firmware,
      imeiMasked: maskImei(r.manifest.imei),
      nvItems: c.nvItems + c.nvItemsSim1 + c.nvItemsSim2,
      // Every file: EFS_Backup (rfnv included since the QPST layout) and the provisioning item files.
      efsFiles: c.efsFiles + c.provisioningFiles + c.itemFiles,
      sha256: r.manifest.sha256,
    },
  };
}
