// QCN backups of several running modules at once (`backup --all --out DIR`, or repeated --port):
// one backupIntoFolder() per module, each over its own DM port with its own DIAG session, events
// tagged with the module, and its own result. Nothing is shared that one module could block:
// the runs are awaited with allSettled, and the only shared thing, the folder's name book
// (BackupNames), hands out names without waiting on another module. Every file is named after its
// own module (model and the IMEI's last four digits), so two modules never share a file.

import { RescueError, toErrorReport, type ErrorReport } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import type { PipeOpener } from '../transport/transport.js';
import type { BackupResult } from './backup.js';
import { backupIntoFolder, ensureBackupFolder } from './backup-into-folder.js';
import { BackupNames } from './backup-name.js';

export interface BackupModule {
  /** How the module is named in events and the summary: its DM port. */
  id: string;
  /** Its DM port; undefined when the module shows none (the reason says why: its row fails, the others run). */
  dm: PipeOpener | undefined;
  /** Why there is no DM port to open (shown as that module's error). */
  missing?: RescueError;
}

export interface BackupManyOptions {
  modules: readonly BackupModule[];
  folder: string;
  now?: number;
  signal?: AbortSignal | undefined;
  onEvent?: (module: BackupModule, index: number, event: EngineEvent) => void;
  nvRange?: [number, number];
  maxInFlight?: number;
  timeoutMs?: number;
  openTimeoutMs?: number;
}

export interface BackupOutcome {
  module: string;
  index: number;
  ok: boolean;
  seconds: number;
  result?: BackupResult;
  error?: ErrorReport;
}

/** Back up every module; one outcome per module, in the order given; never rejects for one module. */
export async function backupMany(opts: BackupManyOptions): Promise<BackupOutcome[]> {
  if (opts.modules.length === 0)
    throw new RescueError('PORT_NOT_FOUND', 'There is no running module to back up.', {
      nextStep: 'Connect the modules in normal mode (they show up as 2c7c:xxxx), or name their DM ports with --port.',
    });
  const ids = opts.modules.map((m) => m.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    throw new RescueError('USAGE', `The port ${twice} is named twice; each module is backed up once.`);
  await ensureBackupFolder(opts.folder);
  const names = new BackupNames(opts.folder);
  const now = opts.now ?? Date.now();
  const settled = await Promise.allSettled(
    opts.modules.map(async (m, index): Promise<BackupOutcome> => {
      const started = performance.now();
      const emit = (e: EngineEvent): void => opts.onEvent?.(m, index, e);
      const seconds = (): number => (performance.now() - started) / 1000;
      try {
        if (!m.dm) throw m.missing ?? new RescueError('PORT_NOT_FOUND', `${m.id} shows no DM (DIAG) port.`);
        const result = await backupIntoFolder({
          dm: m.dm,
          names,
          now,
          signal: opts.signal,
          onEvent: emit,
          ...(opts.nvRange ? { nvRange: opts.nvRange } : {}),
          ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
          ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
          ...(opts.openTimeoutMs !== undefined ? { openTimeoutMs: opts.openTimeoutMs } : {}),
        });
        emit({
          type: 'result',
          ok: true,
          seconds: seconds(),
          bytes: result.manifest.bytes,
          summary: `Backup written and verified: ${result.path}`,
        });
        return { module: m.id, index, ok: true, seconds: seconds(), result };
      } catch (e) {
        const error = toErrorReport(e);
        emit({ type: 'result', ok: false, seconds: seconds(), error });
        return { module: m.id, index, ok: false, seconds: seconds(), error };
      }
    }),
  );
  return settled.map((s, index) =>
    s.status === 'fulfilled'
      ? s.value
      : { module: opts.modules[index]!.id, index, ok: false, seconds: 0, error: toErrorReport(s.reason) },
  );
}
