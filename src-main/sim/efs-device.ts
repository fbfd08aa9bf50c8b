// The EFS2 side of the virtual module's DIAG port (subsystem 4B 13): file handles and directory
// handles over the normal-mode state. Like the real EFS2: READDIR leaves some item files out
// (they answer STAT, OPEN and GET by path), writes land in a journal that a SYNC flushes, and
// after too many writes without a sync the journal is full and writes fail with ENOSPC until
// the host syncs. A file written through a handle is stored when the handle is closed.

import {
  EFS_CHUNK,
  EFS_DEFAULT_HELLO,
  EFS_ENTRY,
  EFS_ERRNO,
  EFS_O,
  EFS_S,
  type EfsRequest,
  type EfsResponse,
} from '../protocol/efs.js';
import { EFS_MAX_FILE_BYTES, type NormalState } from './normal-state.js';

export interface EfsServerOptions {
  /** Writes (WRITE chunks and PUTs) the journal takes between syncs (default 100). */
  journalWrites?: number;
}

/** Open files and folders one DIAG session may hold. */
export const EFS_MAX_OPEN_FILES = 16;
export const EFS_MAX_OPEN_DIRS = 8;
/** Largest item file GET returns (what fits an answer frame). */
export const EFS_GET_MAX = 1536;

interface OpenFile {
  path: string;
  data: Uint8Array;
  length: number;
  writable: boolean;
  dirty: boolean;
  item: boolean;
}

interface OpenDir {
  entries: { name: string; type: number; mode: number; size: number; mtime: number }[];
}

const MODE_DIR = EFS_S.IFDIR | 0o755;
const MODE_FILE = EFS_S.IFREG | 0o644;
const MODE_ITEM = EFS_S.IFITM | 0o644;

export class EfsServer {
  private readonly files = new Map<number, OpenFile>();
  private readonly dirs = new Map<number, OpenDir>();
  private nextFd = 3;
  private nextDirp = 1;
  private unsynced = 0;
  private syncToken = 0;
  private readonly journalWrites: number;

  constructor(
    private readonly state: NormalState,
    opts: EfsServerOptions = {},
  ) {
    this.journalWrites = opts.journalWrites ?? 100;
  }

  /** Writes waiting for a sync (tests). */
  get pendingWrites(): number {
    return this.unsynced;
  }

  handle(q: EfsRequest): EfsResponse {
    switch (q.cmd) {
      case 'hello':
        return { cmd: 'hello', params: { ...EFS_DEFAULT_HELLO } };
      case 'open':
        return this.open(q.oflag, q.path);
      case 'close':
        return { cmd: 'close', errno: this.close(q.fd) };
      case 'read':
        return this.read(q.fd, q.nbytes, q.offset);
      case 'write':
        return this.write(q.fd, q.offset, q.data);
      case 'opendir':
        return this.opendir(q.path);
      case 'readdir':
        return this.readdir(q.dirp, q.seq);
      case 'closedir':
        return { cmd: 'closedir', errno: this.dirs.delete(q.dirp) ? 0 : EFS_ERRNO.EBADF };
      case 'stat':
        return this.stat(q.path);
      case 'get':
        return this.get(q.maxLen, q.seq, q.path);
      case 'put':
        return { cmd: 'put', seq: q.seq, errno: this.put(q.flags, q.data, q.path) };
      case 'sync':
        this.unsynced = 0;
        this.syncToken++;
        return { cmd: 'sync', seq: q.seq, token: this.syncToken, errno: 0 };
      case 'syncStatus':
        return { cmd: 'syncStatus', seq: q.seq, status: q.token <= this.syncToken ? 1 : 0, errno: 0 };
    }
  }

  /** Close everything (the session ends): files written through handles are stored. */
  closeAll(): void {
    for (const fd of [...this.files.keys()]) this.close(fd);
    this.dirs.clear();
  }

  private journalFull(): boolean {
    return this.unsynced >= this.journalWrites;
  }

  private open(oflag: number, path: string): EfsResponse {
    const fail = (errno: number): EfsResponse => ({ cmd: 'open', fd: -1, errno });
    if (this.files.size >= EFS_MAX_OPEN_FILES) return fail(EFS_ERRNO.EMFILE);
    if (path.length >= 1024) return fail(EFS_ERRNO.ENAMETOOLONG);
    const node = this.state.stat(path);
    if (node?.kind === 'dir') return fail(EFS_ERRNO.EISDIR);
    const access = oflag & 3;
    const writable = access === EFS_O.WRONLY || access === EFS_O.RDWR;
    const item = (oflag & EFS_O.ITEMFILE) !== 0 || (node?.kind === 'file' && node.file.item);
    let data: Uint8Array;
    let dirty = false;
    if (!node) {
      if (!(oflag & EFS_O.CREAT)) return fail(EFS_ERRNO.ENOENT);
      if (this.journalFull()) return fail(EFS_ERRNO.ENOSPC);
      const errno = this.state.writeFile(path, new Uint8Array(0), {
        autodir: (oflag & EFS_O.AUTODIR) !== 0,
        ...(item ? { item: true } : {}),
      });
      if (errno !== 0) return fail(errno);
      this.unsynced++;
      data = new Uint8Array(0);
    } else if (writable && oflag & EFS_O.TRUNC) {
      data = new Uint8Array(0);
      dirty = true;
    } else data = node.file.data.slice();
    const fd = this.nextFd++;
    this.files.set(fd, { path, data, length: data.length, writable, dirty, item });
    return { cmd: 'open', fd, errno: 0 };
  }

  private close(fd: number): number {
    const f = this.files.get(fd);
    if (!f) return EFS_ERRNO.EBADF;
    this.files.delete(fd);
    if (!f.dirty) return 0;
    return this.state.writeFile(f.path, f.data.subarray(0, f.length), { autodir: true, item: f.item });
  }

  private read(fd: number, nbytes: number, offset: number): EfsResponse {
    const f = this.files.get(fd);
    if (!f) return { cmd: 'read', fd, offset, got: -1, errno: EFS_ERRNO.EBADF, data: new Uint8Array(0) };
    const start = Math.min(offset, f.length);
    const data = f.data.slice(start, Math.min(f.length, start + Math.min(nbytes, EFS_CHUNK)));
    return { cmd: 'read', fd, offset, got: data.length, errno: 0, data };
  }

  private write(fd: number, offset: number, data: Uint8Array): EfsResponse {
    const fail = (errno: number): EfsResponse => ({ cmd: 'write', fd, offset, written: -1, errno });
    const f = this.files.get(fd);
    if (!f || !f.writable) return fail(EFS_ERRNO.EBADF);
    if (this.journalFull()) return fail(EFS_ERRNO.ENOSPC);
    const end = offset + data.length;
    if (end > EFS_MAX_FILE_BYTES) return fail(EFS_ERRNO.EFBIG);
    if (end > f.data.length) {
      const bigger = new Uint8Array(Math.min(EFS_MAX_FILE_BYTES, Math.max(end, f.data.length * 2)));
      bigger.set(f.data.subarray(0, f.length));
      f.data = bigger;
    }
    f.data.set(data, offset);
    f.length = Math.max(f.length, end);
    f.dirty = true;
    this.unsynced++;
    return { cmd: 'write', fd, offset, written: data.length, errno: 0 };
  }

  private opendir(path: string): EfsResponse {
    if (this.dirs.size >= EFS_MAX_OPEN_DIRS) return { cmd: 'opendir', dirp: 0, errno: EFS_ERRNO.EMFILE };
    const list = this.state.list(path);
    if (!list) return { cmd: 'opendir', dirp: 0, errno: this.state.stat(path) ? EFS_ERRNO.ENOTDIR : EFS_ERRNO.ENOENT };
    const dirp = this.nextDirp++;
    this.dirs.set(dirp, {
      entries: list.map((e) => ({
        name: e.name,
        type: e.kind === 'dir' ? EFS_ENTRY.DIR : e.kind === 'item' ? EFS_ENTRY.ITEM : EFS_ENTRY.FILE,
        mode: e.kind === 'dir' ? MODE_DIR : e.kind === 'item' ? MODE_ITEM : MODE_FILE,
        size: e.size,
        mtime: e.mtime,
      })),
    });
    return { cmd: 'opendir', dirp, errno: 0 };
  }

  private readdir(dirp: number, seq: number): EfsResponse {
    const d = this.dirs.get(dirp);
    const none = { type: 0, mode: 0, size: 0, atime: 0, mtime: 0, ctime: 0, name: '' };
    if (!d) return { cmd: 'readdir', dirp, seq, errno: EFS_ERRNO.EBADF, ...none };
    if (seq < 1) return { cmd: 'readdir', dirp, seq, errno: EFS_ERRNO.EINVAL, ...none };
    const e = d.entries[seq - 1];
    if (!e) return { cmd: 'readdir', dirp, seq, errno: 0, ...none };
    return {
      cmd: 'readdir',
      dirp,
      seq,
      errno: 0,
      type: e.type,
      mode: e.mode,
      size: e.size,
      atime: e.mtime,
      mtime: e.mtime,
      ctime: e.mtime,
      name: e.name,
    };
  }

  private stat(path: string): EfsResponse {
    const n = this.state.stat(path);
    if (!n) return { cmd: 'stat', errno: EFS_ERRNO.ENOENT, mode: 0, size: 0, nlink: 0, atime: 0, mtime: 0, ctime: 0 };
    if (n.kind === 'dir')
      return { cmd: 'stat', errno: 0, mode: MODE_DIR, size: 0, nlink: 2, atime: 0, mtime: 0, ctime: 0 };
    const f = n.file;
    return {
      cmd: 'stat',
      errno: 0,
      mode: f.item ? MODE_ITEM : MODE_FILE,
      size: f.data.length,
      nlink: 1,
      atime: f.mtime,
      mtime: f.mtime,
      ctime: f.mtime,
    };
  }

  private get(maxLen: number, seq: number, path: string): EfsResponse {
    const fail = (errno: number): EfsResponse => ({ cmd: 'get', n: -1, errno, seq, data: new Uint8Array(0) });
    const n = this.state.stat(path);
    if (!n) return fail(EFS_ERRNO.ENOENT);
    if (n.kind === 'dir') return fail(EFS_ERRNO.EISDIR);
    const data = n.file.data;
    if (data.length > Math.min(maxLen, EFS_GET_MAX)) return fail(EFS_ERRNO.EFBIG);
    return { cmd: 'get', n: data.length, errno: 0, seq, data: data.slice() };
  }

  private put(flags: number, data: Uint8Array, path: string): number {
    if (this.journalFull()) return EFS_ERRNO.ENOSPC;
    const errno = this.state.writeFile(path, data, { item: true, autodir: (flags & EFS_O.AUTODIR) !== 0 });
    if (errno === 0) this.unsynced++;
    return errno;
  }
}
