// The restore's exchanges with the module: read what it holds now for every entry of the plan,
// write the plan with an item the module refuses recorded (with its reason) instead of ending the
// run, and read every accepted write back. Errors that end the session (the module gone, the user
// cancelling, a timeout) still end it: a second run converges, as it writes only what differs.

import type { EventSink } from '../../shared/events.js';
import { nvStatusName, nvStatusSentence } from '../protocol/diag.js';
import { nvLabel } from '../qcn/compare.js';
import type { QcnNvItem } from '../qcn/layout.js';
import { throwIfAborted } from '../util/deadline.js';
import { NV_DONE, readEfsFile } from './backup.js';
import type { DiagClient } from '../host/diag-client.js';
import { DiagError } from '../host/diag-error.js';
import { runPool } from '../util/pool.js';
import type { FileJob, RestoreProblem } from './restore-plan.js';

/** NV writes between syncs. */
const SYNC_EVERY = 16;
/** EFS journal writes (PUTs, 1024-byte WRITE chunks) between syncs. */
const JOURNAL_BUDGET = 32;
const EFS_CHUNK_BYTES = 1024;
const ENOSPC = 28;

export interface DeviceOptions {
  maxInFlight: number;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
}

function warn(sink: EventSink | undefined, message: string): void {
  sink?.({ type: 'log', level: 'warn', message });
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A refusal by the module (DIAG error answer or EFS errno), as opposed to the session ending. */
function isRefusal(e: unknown): e is DiagError {
  return e instanceof DiagError && (e.diagCode !== undefined || e.efsErrno !== undefined);
}

/** The module's value of an NV entry; undefined when it is not DONE or the module refuses the read. */
export async function readNvOf(
  client: DiagClient,
  it: { id: number; index: number; context: number },
): Promise<Uint8Array | undefined> {
  try {
    const r = await client.nvRead(
      it.id,
      it.index > 0 ? { context: it.context, index: it.index } : { context: it.context },
    );
    return r.status === NV_DONE ? r.data.slice(0, 128) : undefined;
  } catch (e) {
    if (e instanceof DiagError && e.diagCode !== undefined) return undefined;
    throw e;
  }
}

/** The module's copy of a file; undefined when absent or refused. */
export async function readFileOf(client: DiagClient, f: FileJob): Promise<Uint8Array | undefined> {
  try {
    return await readEfsFile(client.efs, f.path, f.asItem);
  } catch (e) {
    if (isRefusal(e)) return undefined;
    throw e;
  }
}

/** What the module holds now for every entry (same order). */
export async function readCurrent(
  client: DiagClient,
  nv: QcnNvItem[],
  files: FileJob[],
  o: DeviceOptions,
): Promise<{ nv: (Uint8Array | undefined)[]; files: (Uint8Array | undefined)[] }> {
  const nowNv: (Uint8Array | undefined)[] = new Array(nv.length);
  await runPool(nv.length, o.maxInFlight, o.signal, async (i) => {
    nowNv[i] = await readNvOf(client, nv[i]!);
  });
  const nowFiles: (Uint8Array | undefined)[] = new Array(files.length);
  await runPool(files.length, o.maxInFlight, o.signal, async (i) => {
    nowFiles[i] = await readFileOf(client, files[i]!);
  });
  return { nv: nowNv, files: nowFiles };
}

export interface WriteReport<T> {
  accepted: T[];
  refused: RestoreProblem[];
}

/** NV writes in groups (pipelined within a group), a sync between groups; refusals recorded. */
export async function writeNv(
  client: DiagClient,
  items: QcnNvItem[],
  o: DeviceOptions,
  onWritten: () => void,
): Promise<WriteReport<QcnNvItem>> {
  const out: WriteReport<QcnNvItem> = { accepted: [], refused: [] };
  for (let from = 0; from < items.length; from += SYNC_EVERY) {
    const group = items.slice(from, from + SYNC_EVERY);
    if (from > 0) await client.efs.sync();
    await runPool(group.length, o.maxInFlight, o.signal, async (i) => {
      const it = group[i]!;
      let reason: string | undefined;
      try {
        const status = await client.nvWrite(it.id, it.data, { context: it.context });
        if (status !== NV_DONE) reason = `${nvStatusSentence(status)} (${nvStatusName(status)})`;
      } catch (e) {
        if (!isRefusal(e)) throw e;
        reason = e.detail || e.message;
      }
      if (reason === undefined) {
        out.accepted.push(it);
        onWritten();
        return;
      }
      out.refused.push({ label: nvLabel(it), reason });
      warn(o.onEvent, `The modem refused to write ${nvLabel(it)}: ${reason}; continuing with the rest.`);
    });
  }
  return out;
}

/**
 * EFS writes one at a time, a sync whenever the journal budget would be exceeded (the module's
 * journal fills after about a hundred unsynced writes); a full journal gets a sync and one retry.
 */
export async function writeFiles(
  client: DiagClient,
  files: FileJob[],
  o: DeviceOptions,
  onWritten: () => void,
): Promise<WriteReport<FileJob>> {
  const out: WriteReport<FileJob> = { accepted: [], refused: [] };
  let unsynced = 0;
  for (const f of files) {
    throwIfAborted(o.signal);
    const cost = f.asItem ? 1 : Math.max(1, Math.ceil(f.data.length / EFS_CHUNK_BYTES));
    if (unsynced > 0 && unsynced + cost > JOURNAL_BUDGET) {
      await client.efs.sync();
      unsynced = 0;
    }
    const put = (): Promise<void> =>
      f.asItem ? client.efs.putItem(f.path, f.data) : client.efs.writeFile(f.path, f.data);
    try {
      try {
        await put();
      } catch (e) {
        if (!(e instanceof DiagError && e.efsErrno === ENOSPC)) throw e;
        warn(o.onEvent, `The modem's file system journal was full writing ${f.label}; syncing and trying again.`);
        await client.efs.sync();
        unsynced = 0;
        await put();
      }
    } catch (e) {
      if (!isRefusal(e)) throw e;
      out.refused.push({ label: f.label, reason: e.detail || e.message });
      warn(o.onEvent, `The modem refused to write ${f.label}: ${e.detail || e.message}; continuing with the rest.`);
      continue;
    }
    unsynced += cost;
    out.accepted.push(f);
    onWritten();
  }
  if (out.accepted.length > 0) await client.efs.sync();
  return out;
}

/** Read every accepted write back: how many are equal, and which are not (with what was found). */
export async function verifyWrites(
  client: DiagClient,
  nv: QcnNvItem[],
  files: FileJob[],
  o: DeviceOptions,
): Promise<{ verified: number; failed: RestoreProblem[] }> {
  const failed: RestoreProblem[] = [];
  let verified = 0;
  await runPool(nv.length, o.maxInFlight, o.signal, async (i) => {
    const it = nv[i]!;
    const now = await readNvOf(client, it);
    if (now && sameBytes(now, it.data)) verified++;
    else
      failed.push({
        label: nvLabel(it),
        reason: now
          ? 'the modem accepted the write but reads back other bytes'
          : 'the modem accepted the write but the item does not read back',
      });
  });
  await runPool(files.length, o.maxInFlight, o.signal, async (i) => {
    const f = files[i]!;
    const now = await readFileOf(client, f);
    if (now && sameBytes(now, f.data)) verified++;
    else
      failed.push({
        label: f.label,
        reason: now
          ? `the modem accepted the write but reads back ${now.length} other bytes`
          : 'the modem accepted the write but the file does not read back',
      });
  });
  return { verified, failed };
}
