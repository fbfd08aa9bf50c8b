// The wizard's QCN backup: the flow of flows/backup.ts (read the module over its DM port, write
// the QCN atomically, read it back and compare, manifest beside it), with the file named after
// what was read: <model>-<last four IMEI digits>-<date>.qcn in the chosen folder.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BackupView } from '../../shared/api.js';
import { maskImei } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { readModuleState, saveBackup } from '../flows/backup.js';
import { DiagClient } from '../host/diag-client.js';
import { nvToImei, NV_IMEI } from '../protocol/imei.js';
import type { PipeOpener } from '../transport/transport.js';
import { throwIfAborted } from '../util/deadline.js';
import { stamp } from './report.js';

export interface BackupRunOptions {
  dm: PipeOpener;
  folder: string;
  now: number;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  nvRange?: [number, number];
  openTimeoutMs?: number;
}

/** A file-name-safe piece of text (model names come from the device). */
export function safePart(text: string, fallback: string): string {
  const s = text
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32);
  return s === '' ? fallback : s;
}

export function backupFileName(model: string, imei: string | undefined, now: number): string {
  const last4 = imei && /^\d{4,}$/.test(imei) ? imei.slice(-4) : 'noimei';
  return `${safePart(model, 'module')}-${last4}-${stamp(now)}.qcn`;
}

export async function runBackup(opts: BackupRunOptions): Promise<{ view: BackupView; firmware: string }> {
  throwIfAborted(opts.signal);
  try {
    await mkdir(opts.folder, { recursive: true });
  } catch (e) {
    throw new RescueError(
      'HOST_IO',
      `The backup folder ${opts.folder} cannot be created: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const pipe = await opts.dm.open({
    timeoutMs: opts.openTimeoutMs ?? 10_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
    what: 'the DM (DIAG) port',
  });
  const client = new DiagClient(pipe, { ...(opts.signal ? { signal: opts.signal } : {}), maxInFlight: 8 });
  try {
    const { backup, id } = await readModuleState(client, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      ...(opts.nvRange ? { nvRange: opts.nvRange } : {}),
    });
    const imeiItem = backup.nvItems.find((i) => i.id === NV_IMEI && i.context === 0);
    const imei = imeiItem ? nvToImei(imeiItem.data) : undefined;
    const out = path.join(opts.folder, backupFileName(id.model, imei, opts.now));
    const r = await saveBackup(backup, id, out);
    const c = r.manifest.counts;
    opts.onEvent?.({
      type: 'log',
      level: 'info',
      message: `Backup written and verified: ${out} (${r.manifest.bytes} bytes).`,
    });
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
  } finally {
    await client.close().catch(() => undefined);
  }
}
