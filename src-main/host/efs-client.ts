// The modem's file system (EFS2) over DIAG: stat, directory listing, files read and written in
// 1024-byte chunks (pipelined through the DIAG client), item files, sync. Every answer is checked;
// a refusal becomes DiagError with the errno in words.

import { sleep } from '../util/deadline.js';
import {
  EFS_CHUNK,
  EFS_DEFAULT_HELLO,
  EFS_ERRNO,
  EFS_O,
  decodeEfsResponse,
  efsErrnoSentence,
  encodeEfsRequest,
  type EfsCmdName,
  type EfsRequest,
  type EfsResponse,
} from '../protocol/efs.js';
import { DiagError } from './diag-error.js';

export interface EfsStat {
  mode: number;
  size: number;
  nlink: number;
  atime: number;
  mtime: number;
  ctime: number;
}

export interface EfsDirEntry {
  name: string;
  /** 0 file, 1 dir, 2 link, 3 item. */
  type: number;
  mode: number;
  size: number;
  mtime: number;
}

/** A directory listing stops here (a device that never ends its listing must not hang us). */
export const EFS_MAX_DIR_ENTRIES = 4096;
/** readFile's default bound. */
export const EFS_DEFAULT_MAX_FILE = 4 * 1024 * 1024;
const SYNC_POLLS = 40;
const SYNC_POLL_MS = 25;

type ResponseOf<K extends EfsCmdName> = Extract<EfsResponse, { cmd: K }>;

/**
 * What EFS needs of a DIAG session: one request at a time (a subsystem packet in, its answer
 * out) and the session's cancel. DiagClient has this shape; EfsClient needs nothing else of it.
 */
export interface DiagRequester {
  request(payload: Uint8Array, opts?: { timeoutMs?: number }): Promise<Uint8Array>;
  readonly signal: AbortSignal | undefined;
}

export class EfsClient {
  private seq = 0;

  constructor(private readonly diag: DiagRequester) {}

  /** Negotiate parameters; the modem closes every file and directory it had open for us. */
  async hello(): Promise<void> {
    await this.call({ cmd: 'hello', params: EFS_DEFAULT_HELLO }, 'the EFS greeting');
  }

  /** undefined when the path does not exist. */
  async stat(path: string): Promise<EfsStat | undefined> {
    const r = await this.call({ cmd: 'stat', path }, `the EFS stat of ${path}`);
    if (r.errno === EFS_ERRNO.ENOENT) return undefined;
    this.check(r.errno, `stat of ${path}`);
    return { mode: r.mode, size: r.size, nlink: r.nlink, atime: r.atime, mtime: r.mtime, ctime: r.ctime };
  }

  /** The entries of a directory, without "." and "..". */
  async listDir(path: string): Promise<EfsDirEntry[]> {
    const open = await this.call({ cmd: 'opendir', path }, `the opening of directory ${path}`);
    this.check(open.errno, `opening directory ${path}`);
    const entries: EfsDirEntry[] = [];
    try {
      for (let seq = 1; ; seq++) {
        if (seq > EFS_MAX_DIR_ENTRIES)
          throw new DiagError(
            `Directory ${path} lists more than ${EFS_MAX_DIR_ENTRIES} entries; the listing was stopped.`,
          );
        const e = await this.call({ cmd: 'readdir', dirp: open.dirp, seq }, `the listing of ${path}`);
        this.check(e.errno, `listing directory ${path}`);
        if (e.name === '') break;
        if (e.name === '.' || e.name === '..') continue;
        entries.push({ name: e.name, type: e.type, mode: e.mode, size: e.size, mtime: e.mtime });
      }
    } finally {
      await this.call({ cmd: 'closedir', dirp: open.dirp }, `the closing of directory ${path}`).catch(() => undefined);
    }
    return entries;
  }

  /** Read a whole file (at most maxBytes), its chunks requested in parallel. */
  async readFile(path: string, maxBytes = EFS_DEFAULT_MAX_FILE): Promise<Uint8Array> {
    const st = await this.stat(path);
    if (!st)
      throw new DiagError(`Cannot read ${path}: ${efsErrnoSentence(EFS_ERRNO.ENOENT)}.`, {
        efsErrno: EFS_ERRNO.ENOENT,
      });
    if (st.size < 0 || st.size > maxBytes)
      throw new DiagError(`${path} is ${st.size} bytes, more than the ${maxBytes} bytes allowed.`);
    const open = await this.call({ cmd: 'open', oflag: EFS_O.RDONLY, mode: 0, path }, `the opening of ${path}`);
    this.check(open.errno, `opening ${path}`);
    const fd = open.fd;
    try {
      const offsets: number[] = [];
      for (let o = 0; o < st.size; o += EFS_CHUNK) offsets.push(o);
      const chunks = await Promise.all(
        offsets.map(async (offset) => {
          const nbytes = Math.min(EFS_CHUNK, st.size - offset);
          const r = await this.call({ cmd: 'read', fd, nbytes, offset }, `the read of ${path} at ${offset}`);
          this.check(r.errno, `reading ${path}`);
          if (r.offset !== offset)
            throw new DiagError(`The modem answered the read of ${path} at ${offset} with offset ${r.offset}.`);
          if (r.data.length > nbytes)
            throw new DiagError(`The modem sent ${r.data.length} bytes of ${path} for a read of ${nbytes}.`);
          return r.data;
        }),
      );
      // A short chunk means the file shrank: keep what was read up to there.
      let total = 0;
      for (const c of chunks) {
        total += c.length;
        if (c.length < EFS_CHUNK) break;
      }
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        if (o >= total) break;
        out.set(c, o);
        o += c.length;
      }
      return out;
    } finally {
      await this.call({ cmd: 'close', fd }, `the closing of ${path}`).catch(() => undefined);
    }
  }

  /** Create or replace a file (parent folders created), written in 1024-byte chunks. */
  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const open = await this.call(
      { cmd: 'open', oflag: EFS_O.WRONLY | EFS_O.CREAT | EFS_O.TRUNC | EFS_O.AUTODIR, mode: 0o644, path },
      `the creation of ${path}`,
    );
    this.check(open.errno, `creating ${path}`);
    const fd = open.fd;
    let closed = false;
    try {
      const writes: Promise<void>[] = [];
      for (let offset = 0; offset < data.length; offset += EFS_CHUNK) {
        const chunk = data.subarray(offset, Math.min(data.length, offset + EFS_CHUNK));
        writes.push(
          this.call({ cmd: 'write', fd, offset, data: chunk }, `the write of ${path} at ${offset}`).then((r) => {
            this.check(r.errno, `writing ${path}`);
            if (r.written !== chunk.length)
              throw new DiagError(`The modem wrote ${r.written} of ${chunk.length} bytes of ${path} at ${offset}.`);
          }),
        );
      }
      await settleAll(writes);
      closed = true;
      const c = await this.call({ cmd: 'close', fd }, `the closing of ${path}`);
      this.check(c.errno, `closing ${path}`);
    } finally {
      if (!closed) await this.call({ cmd: 'close', fd }, `the closing of ${path}`).catch(() => undefined);
    }
  }

  /** Read an item file (EFS GET); undefined when it does not exist. */
  async getItem(path: string, maxLen = EFS_CHUNK): Promise<Uint8Array | undefined> {
    const seq = this.nextSeq();
    const r = await this.call({ cmd: 'get', maxLen, seq, path }, `the read of item file ${path}`);
    if (r.errno === EFS_ERRNO.ENOENT) return undefined;
    this.check(r.errno, `reading item file ${path}`);
    if (r.seq !== seq)
      throw new DiagError(`The answer to the read of item file ${path} carries sequence ${r.seq}, not ${seq}.`);
    if (r.data.length > maxLen)
      throw new DiagError(
        `The modem sent ${r.data.length} bytes of item file ${path}, more than the ${maxLen} asked for.`,
      );
    return r.data;
  }

  /** Write an item file (EFS PUT), parent folders created. */
  async putItem(path: string, data: Uint8Array): Promise<void> {
    const seq = this.nextSeq();
    const r = await this.call(
      { cmd: 'put', flags: EFS_O.WRONLY | EFS_O.CREAT | EFS_O.TRUNC | EFS_O.AUTODIR, seq, data, path },
      `the write of item file ${path}`,
    );
    this.check(r.errno, `writing item file ${path}`);
  }

  /** Ask the modem to commit its file system to flash and wait (bounded) until it has. */
  async sync(path = '/'): Promise<void> {
    const s = await this.call({ cmd: 'sync', seq: this.nextSeq(), path }, 'the EFS sync');
    this.check(s.errno, 'syncing the file system');
    for (let i = 0; i < SYNC_POLLS; i++) {
      const st = await this.call(
        { cmd: 'syncStatus', seq: this.nextSeq(), token: s.token, path },
        'the EFS sync status',
      );
      this.check(st.errno, 'syncing the file system');
      if (st.status !== 0) return;
      await sleep(SYNC_POLL_MS, this.diag.signal);
    }
    throw new DiagError(`The modem did not finish committing its file system within ${SYNC_POLLS} checks.`);
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0xffff;
    return this.seq;
  }

  /** One EFS exchange; the generic EFS error packet and unreadable answers become DiagError. */
  private async call<K extends EfsRequest['cmd']>(
    req: Extract<EfsRequest, { cmd: K }>,
    what: string,
  ): Promise<ResponseOf<K>> {
    const raw = await this.diag.request(encodeEfsRequest(req));
    let r: EfsResponse;
    try {
      r = decodeEfsResponse(raw, req.cmd);
    } catch (e) {
      throw new DiagError(`The answer to ${what} is unreadable: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    if (r.cmd === 'error')
      throw new DiagError(`The modem refused ${what}: ${efsErrnoSentence(r.errno)}.`, { efsErrno: r.errno });
    return r as ResponseOf<K>;
  }

  private check(errno: number, doing: string): void {
    if (errno !== 0) throw new DiagError(`EFS error while ${doing}: ${efsErrnoSentence(errno)}.`, { efsErrno: errno });
  }
}

/** Wait for every promise; then throw the first failure (so no rejection is left unhandled). */
async function settleAll(ps: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(ps);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
