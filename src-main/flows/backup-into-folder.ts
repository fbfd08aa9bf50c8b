// One module's QCN backup into a folder, named after what was read (flows/backup-name.ts): open
// the DM port, read the module (flows/backup.ts readModuleState), reserve the name, write it
// atomically, read it back and compare, manifest beside it. The wizard's backup and each module of
// `backup --all` go through here; `backup --out FILE.qcn` names its file itself (backupQcn).

import { mkdir } from 'node:fs/promises';
import { RescueError } from '../../shared/errors.js';
import { openDiagSession } from '../host/diag-client.js';
import { nvToImei, NV_IMEI } from '../protocol/imei.js';
import { throwIfAborted } from '../util/deadline.js';
import { readModuleState, saveBackup, type BackupOptions, type BackupResult } from './backup.js';
import { BackupNames } from './backup-name.js';

export type FolderBackupOptions = Omit<BackupOptions, 'out'> & {
  /** Where the file goes; one BackupNames may serve several modules of one run. */
  names: BackupNames;
  /** The time in the file name (ms since 1970). */
  now: number;
};

/** Create the backup folder (HOST_IO with the reason when it cannot be). */
export async function ensureBackupFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (e) {
    throw new RescueError(
      'HOST_IO',
      `The backup folder ${folder} cannot be created: ${e instanceof Error ? e.message : String(e)}`,
      { nextStep: 'Choose a folder you can write to (and with room for a few MB per module).' },
    );
  }
}

export async function backupIntoFolder(opts: FolderBackupOptions): Promise<BackupResult> {
  throwIfAborted(opts.signal);
  const client = await openDiagSession(opts.dm, opts);
  try {
    const { backup, id } = await readModuleState(client, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      ...(opts.nvRange ? { nvRange: opts.nvRange } : {}),
      ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
    });
    const imeiItem = backup.nvItems.find((i) => i.id === NV_IMEI && i.context === 0);
    const out = await opts.names.reserve(id.model, imeiItem ? nvToImei(imeiItem.data) : undefined, opts.now);
    const r = await saveBackup(backup, id, out);
    opts.onEvent?.({
      type: 'log',
      level: 'info',
      message: `Backup written and verified: ${out} (${r.manifest.bytes} bytes).`,
    });
    return r;
  } finally {
    await client.close().catch(() => undefined);
  }
}
