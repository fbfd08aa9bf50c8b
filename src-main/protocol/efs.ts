// EFS2 over DIAG (subsystem 0x13): `4B 13 u16 cmd` + fields, both directions (host encodes
// requests and decodes responses; the virtual modem the reverse). Pure. Per the EFS2 diag
// interface, fields after a non-zero errno may be missing from a response: they decode as 0.

import { DIAG_CMD, DIAG_SUBSYS, DiagProtocolError, PacketReader, PacketWriter } from './diag.js';

export const EFS_CMD = {
  HELLO: 0,
  OPEN: 2,
  CLOSE: 3,
  READ: 4,
  WRITE: 5,
  OPENDIR: 11,
  READDIR: 12,
  CLOSEDIR: 13,
  STAT: 15,
  ERROR: 28,
  PUT: 38,
  GET: 39,
  SYNC: 48,
  SYNC_STATUS: 49,
} as const;

export const EFS_O = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  CREAT: 0x40,
  TRUNC: 0x200,
  ITEMFILE: 0x40000,
  AUTODIR: 0x80000,
} as const;
/** File mode bits (octal 0170000 mask). */
export const EFS_S = { IFMT: 0xf000, IFDIR: 0x4000, IFREG: 0x8000, IFLNK: 0xa000, IFITM: 0xe000 } as const;
/** Directory entry types (READDIR). */
export const EFS_ENTRY = { FILE: 0, DIR: 1, LINK: 2, ITEM: 3 } as const;
/** Reads and writes move at most this many bytes. */
export const EFS_CHUNK = 1024;
export const EFS_MAX_PATH = 1024;
export const EFS_WINDOW = 0x100000;

export const EFS_ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  ENAMETOOLONG: 36,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ETIMEDOUT: 110,
  ESTALE: 116,
  EDQUOT: 122,
  ENOCARD: 301,
  EBADFMT: 302,
  ENOTITM: 303,
  EROLLBACK: 304,
} as const;

const ERRNO_TEXT: Record<number, string> = {
  1: 'the modem does not permit this operation (EPERM)',
  2: 'no such file or directory on the modem (ENOENT)',
  9: 'the file handle is not valid on the modem (EBADF)',
  12: 'the modem ran out of memory (ENOMEM)',
  13: 'the modem denied access to this file (EACCES)',
  16: 'the file is busy on the modem (EBUSY)',
  17: 'the file already exists on the modem (EEXIST)',
  18: 'the operation crosses file systems on the modem (EXDEV)',
  19: 'no such device on the modem (ENODEV)',
  20: 'a part of the path is not a directory (ENOTDIR)',
  21: 'the path is a directory (EISDIR)',
  22: 'the modem rejected an argument (EINVAL)',
  24: 'the modem has too many files open (EMFILE)',
  27: 'the file is too large for the modem (EFBIG)',
  28: "the modem's file system is full (ENOSPC)",
  36: 'the path is too long for the modem (ENAMETOOLONG)',
  39: 'the directory is not empty (ENOTEMPTY)',
  40: 'too many symbolic links in the path (ELOOP)',
  110: "the modem's file system timed out (ETIMEDOUT)",
  116: 'the file handle went stale on the modem (ESTALE)',
  122: "the modem's file system quota is used up (EDQUOT)",
  301: 'no storage card in the modem (ENOCARD)',
  302: "the modem's storage is not formatted (EBADFMT)",
  303: 'the path is not an item file (ENOTITM)',
  304: 'the modem rolled the file system back (EROLLBACK)',
  0x40000001: "the modem's EFS diag state is inconsistent",
  0x40000002: 'the modem rejected the sequence number',
  0x40000003: 'the directory is not open on the modem',
  0x40000004: 'no such directory entry on the modem',
  0x40000005: 'the modem rejected the path',
  0x40000006: 'the path is too long for the modem',
  0x40000007: 'the modem has too many directories open',
  0x40000008: 'the modem returned an invalid directory entry',
  0x40000009: 'the modem has too many files open',
  0x4000000a: 'the modem does not know the file type',
};

export function efsErrnoSentence(errno: number): string {
  return ERRNO_TEXT[errno] ?? `the modem's file system answered with error ${errno}`;
}

export interface EfsHelloParams {
  targPktWindow: number;
  targByteWindow: number;
  hostPktWindow: number;
  hostByteWindow: number;
  iterPktWindow: number;
  iterByteWindow: number;
  version: number;
  minVersion: number;
  maxVersion: number;
  featureBits: number;
}

export const EFS_DEFAULT_HELLO: EfsHelloParams = {
  targPktWindow: EFS_WINDOW,
  targByteWindow: EFS_WINDOW,
  hostPktWindow: EFS_WINDOW,
  hostByteWindow: EFS_WINDOW,
  iterPktWindow: EFS_WINDOW,
  iterByteWindow: EFS_WINDOW,
  version: 1,
  minVersion: 1,
  maxVersion: 1,
  featureBits: 0,
};

export type EfsRequest =
  | { cmd: 'hello'; params: EfsHelloParams }
  | { cmd: 'open'; oflag: number; mode: number; path: string }
  | { cmd: 'close'; fd: number }
  | { cmd: 'read'; fd: number; nbytes: number; offset: number }
  | { cmd: 'write'; fd: number; offset: number; data: Uint8Array }
  | { cmd: 'opendir'; path: string }
  | { cmd: 'readdir'; dirp: number; seq: number }
  | { cmd: 'closedir'; dirp: number }
  | { cmd: 'stat'; path: string }
  | { cmd: 'get'; maxLen: number; seq: number; path: string }
  | { cmd: 'put'; flags: number; seq: number; data: Uint8Array; path: string }
  | { cmd: 'sync'; seq: number; path: string }
  | { cmd: 'syncStatus'; seq: number; token: number; path: string };

export interface EfsStatFields {
  mode: number;
  size: number;
  nlink: number;
  atime: number;
  mtime: number;
  ctime: number;
}

export type EfsResponse =
  | { cmd: 'hello'; params: EfsHelloParams }
  | { cmd: 'open'; fd: number; errno: number }
  | { cmd: 'close'; errno: number }
  | { cmd: 'read'; fd: number; offset: number; got: number; errno: number; data: Uint8Array }
  | { cmd: 'write'; fd: number; offset: number; written: number; errno: number }
  | { cmd: 'opendir'; dirp: number; errno: number }
  | {
      cmd: 'readdir';
      dirp: number;
      seq: number;
      errno: number;
      type: number;
      mode: number;
      size: number;
      atime: number;
      mtime: number;
      ctime: number;
      name: string;
    }
  | { cmd: 'closedir'; errno: number }
  | ({ cmd: 'stat'; errno: number } & EfsStatFields)
  | { cmd: 'get'; n: number; errno: number; seq: number; data: Uint8Array }
  | { cmd: 'put'; seq: number; errno: number }
  | { cmd: 'sync'; seq: number; token: number; errno: number }
  | { cmd: 'syncStatus'; seq: number; status: number; errno: number }
  /** The generic EFS2 error packet (28): errno and the start of the refused request. */
  | { cmd: 'error'; errno: number; request: Uint8Array };

export type EfsCmdName = EfsResponse['cmd'];

const CMD_CODE: Record<EfsCmdName, number> = {
  hello: EFS_CMD.HELLO,
  open: EFS_CMD.OPEN,
  close: EFS_CMD.CLOSE,
  read: EFS_CMD.READ,
  write: EFS_CMD.WRITE,
  opendir: EFS_CMD.OPENDIR,
  readdir: EFS_CMD.READDIR,
  closedir: EFS_CMD.CLOSEDIR,
  stat: EFS_CMD.STAT,
  error: EFS_CMD.ERROR,
  put: EFS_CMD.PUT,
  get: EFS_CMD.GET,
  sync: EFS_CMD.SYNC,
  syncStatus: EFS_CMD.SYNC_STATUS,
};
const CMD_NAME = new Map<number, EfsCmdName>(Object.entries(CMD_CODE).map(([k, v]) => [v, k as EfsCmdName]));

export function efsCmdCode(name: EfsCmdName): number {
  return CMD_CODE[name];
}

function header(cmd: number): PacketWriter {
  return new PacketWriter().u8(DIAG_CMD.SUBSYS).u8(DIAG_SUBSYS.EFS).u16(cmd);
}

function checkPath(path: string): string {
  if (path.length === 0 || path.length >= EFS_MAX_PATH)
    throw new RangeError(`EFS path length ${path.length} is out of range.`);
  return path;
}

function writeHello(w: PacketWriter, p: EfsHelloParams): PacketWriter {
  return w
    .u32(p.targPktWindow)
    .u32(p.targByteWindow)
    .u32(p.hostPktWindow)
    .u32(p.hostByteWindow)
    .u32(p.iterPktWindow)
    .u32(p.iterByteWindow)
    .u32(p.version)
    .u32(p.minVersion)
    .u32(p.maxVersion)
    .u32(p.featureBits);
}

function readHello(r: PacketReader): EfsHelloParams {
  return {
    targPktWindow: r.u32(),
    targByteWindow: r.u32(),
    hostPktWindow: r.u32(),
    hostByteWindow: r.u32(),
    iterPktWindow: r.u32(),
    iterByteWindow: r.u32(),
    version: r.u32(),
    minVersion: r.u32(),
    maxVersion: r.u32(),
    featureBits: r.u32(),
  };
}

export function encodeEfsRequest(q: EfsRequest): Uint8Array {
  const w = header(CMD_CODE[q.cmd]);
  switch (q.cmd) {
    case 'hello':
      return writeHello(w, q.params).finish();
    case 'open':
      return w.i32(q.oflag).i32(q.mode).cstring(checkPath(q.path)).finish();
    case 'close':
      return w.i32(q.fd).finish();
    case 'read':
      return w.i32(q.fd).u32(q.nbytes).u32(q.offset).finish();
    case 'write':
      if (q.data.length > EFS_CHUNK)
        throw new RangeError(`An EFS write carries at most ${EFS_CHUNK} bytes, not ${q.data.length}.`);
      return w.i32(q.fd).u32(q.offset).bytes(q.data).finish();
    case 'opendir':
    case 'stat':
      return w.cstring(checkPath(q.path)).finish();
    case 'readdir':
      return w.u32(q.dirp).i32(q.seq).finish();
    case 'closedir':
      return w.u32(q.dirp).finish();
    case 'get': {
      const path = checkPath(q.path);
      return w
        .u32(q.maxLen)
        .u32(new TextEncoder().encode(path).length + 1)
        .u16(q.seq)
        .cstring(path)
        .finish();
    }
    case 'put':
      if (q.data.length > EFS_CHUNK)
        throw new RangeError(`An EFS item file holds at most ${EFS_CHUNK} bytes here, not ${q.data.length}.`);
      return w.u32(q.data.length).u32(q.flags).u16(q.seq).bytes(q.data).cstring(checkPath(q.path)).finish();
    case 'sync':
      return w.u16(q.seq).cstring(checkPath(q.path)).finish();
    case 'syncStatus':
      return w.u16(q.seq).u32(q.token).cstring(checkPath(q.path)).finish();
  }
}

/** Is this a 4B 13 packet? */
export function isEfsPacket(payload: Uint8Array): boolean {
  return payload.length >= 4 && payload[0] === DIAG_CMD.SUBSYS && payload[1] === DIAG_SUBSYS.EFS;
}

function openReader(payload: Uint8Array, what: string): { r: PacketReader; name: EfsCmdName } {
  if (!isEfsPacket(payload)) throw new DiagProtocolError(`${what} is not an EFS (4B 13) packet.`);
  const r = new PacketReader(payload, what, 2);
  const code = r.u16();
  const name = CMD_NAME.get(code);
  if (!name) throw new DiagProtocolError(`${what} has unknown EFS command ${code}.`);
  return { r, name };
}

/** Device side: decode a request. */
export function decodeEfsRequest(payload: Uint8Array): EfsRequest {
  const { r, name } = openReader(payload, 'The EFS request');
  switch (name) {
    case 'hello':
      return { cmd: name, params: readHello(r) };
    case 'open':
      return { cmd: name, oflag: r.i32(), mode: r.i32(), path: r.cstring() };
    case 'close':
      return { cmd: name, fd: r.i32() };
    case 'read':
      return { cmd: name, fd: r.i32(), nbytes: r.u32(), offset: r.u32() };
    case 'write':
      return { cmd: name, fd: r.i32(), offset: r.u32(), data: r.rest() };
    case 'opendir':
    case 'stat':
      return { cmd: name, path: r.cstring() };
    case 'readdir':
      return { cmd: name, dirp: r.u32(), seq: r.i32() };
    case 'closedir':
      return { cmd: name, dirp: r.u32() };
    case 'get': {
      const maxLen = r.u32();
      r.u32();
      return { cmd: name, maxLen, seq: r.u16(), path: r.cstring() };
    }
    case 'put': {
      const len = r.u32();
      const flags = r.u32();
      const seq = r.u16();
      if (len > r.remaining)
        throw new DiagProtocolError(`The EFS put request announces ${len} bytes but carries ${r.remaining}.`);
      const data = r.bytesOf(len);
      return { cmd: name, flags, seq, data, path: r.cstring() };
    }
    case 'sync':
      return { cmd: name, seq: r.u16(), path: r.cstring() };
    case 'syncStatus':
      return { cmd: name, seq: r.u16(), token: r.u32(), path: r.cstring() };
    case 'error':
      throw new DiagProtocolError('The EFS error packet (28) is a response, not a request.');
  }
}

/** Device side: encode a response (fields after a non-zero errno are still written, as zeros). */
export function encodeEfsResponse(s: EfsResponse): Uint8Array {
  const w = header(CMD_CODE[s.cmd]);
  switch (s.cmd) {
    case 'hello':
      return writeHello(w, s.params).finish();
    case 'open':
      return w.i32(s.fd).i32(s.errno).finish();
    case 'close':
    case 'closedir':
      return w.i32(s.errno).finish();
    case 'read':
      return w.i32(s.fd).u32(s.offset).i32(s.got).i32(s.errno).bytes(s.data).finish();
    case 'write':
      return w.i32(s.fd).u32(s.offset).i32(s.written).i32(s.errno).finish();
    case 'opendir':
      return w.u32(s.dirp).i32(s.errno).finish();
    case 'readdir':
      return w
        .u32(s.dirp)
        .i32(s.seq)
        .i32(s.errno)
        .i32(s.type)
        .i32(s.mode)
        .i32(s.size)
        .i32(s.atime)
        .i32(s.mtime)
        .i32(s.ctime)
        .cstring(s.name)
        .finish();
    case 'stat':
      return w.i32(s.errno).i32(s.mode).i32(s.size).i32(s.nlink).i32(s.atime).i32(s.mtime).i32(s.ctime).finish();
    case 'get':
      return w.i32(s.n).i32(s.errno).u16(s.seq).bytes(s.data).finish();
    case 'put':
      return w.u16(s.seq).i32(s.errno).finish();
    case 'sync':
      return w.u16(s.seq).u32(s.token).i32(s.errno).finish();
    case 'syncStatus':
      return w.u16(s.seq).u8(s.status).i32(s.errno).finish();
    case 'error':
      return w.i32(s.errno).bytes(s.request.subarray(0, 32)).finish();
  }
}

/** Reads fields after errno: when errno is non-zero and the packet ended, they are 0. */
function after(r: PacketReader, errno: number): () => number {
  return () => (errno !== 0 && r.remaining < 4 ? 0 : r.i32());
}

/**
 * Host side: decode a response. With `expect`, a response to another EFS command (other than the
 * generic error packet) throws. Data fields are bounded by the packet itself.
 */
export function decodeEfsResponse(payload: Uint8Array, expect?: EfsCmdName): EfsResponse {
  const { r, name } = openReader(payload, 'The EFS answer');
  if (expect && name !== expect && name !== 'error')
    throw new DiagProtocolError(`The EFS answer is for command ${CMD_CODE[name]}, expected ${CMD_CODE[expect]}.`);
  switch (name) {
    case 'hello':
      return { cmd: name, params: readHello(r) };
    case 'open':
      return { cmd: name, fd: r.i32(), errno: r.i32() };
    case 'close':
    case 'closedir':
      return { cmd: name, errno: r.i32() };
    case 'read': {
      const fd = r.i32();
      const offset = r.u32();
      const got = r.i32();
      const errno = r.i32();
      if (errno === 0 && got > r.remaining)
        throw new DiagProtocolError(`The EFS read answer announces ${got} bytes but carries ${r.remaining}.`);
      if (errno === 0 && got < 0) throw new DiagProtocolError(`The EFS read answer announces ${got} bytes.`);
      const data = errno === 0 ? r.bytesOf(got) : new Uint8Array(0);
      return { cmd: name, fd, offset, got, errno, data };
    }
    case 'write':
      return { cmd: name, fd: r.i32(), offset: r.u32(), written: r.i32(), errno: r.i32() };
    case 'opendir':
      return { cmd: name, dirp: r.u32(), errno: r.i32() };
    case 'readdir': {
      const dirp = r.u32();
      const seq = r.i32();
      const errno = r.i32();
      const f = after(r, errno);
      const type = f();
      const mode = f();
      const size = f();
      const atime = f();
      const mtime = f();
      const ctime = f();
      const name2 = r.remaining > 0 ? r.cstring() : '';
      return { cmd: name, dirp, seq, errno, type, mode, size, atime, mtime, ctime, name: name2 };
    }
    case 'stat': {
      const errno = r.i32();
      const f = after(r, errno);
      return { cmd: name, errno, mode: f(), size: f(), nlink: f(), atime: f(), mtime: f(), ctime: f() };
    }
    case 'get': {
      const n = r.i32();
      const errno = r.i32();
      const seq = errno !== 0 && r.remaining < 2 ? 0 : r.u16();
      if (errno === 0 && (n < 0 || n > r.remaining))
        throw new DiagProtocolError(`The EFS get answer announces ${n} bytes but carries ${r.remaining}.`);
      return { cmd: name, n, errno, seq, data: errno === 0 ? r.bytesOf(n) : new Uint8Array(0) };
    }
    case 'put':
      return { cmd: name, seq: r.u16(), errno: r.i32() };
    case 'sync':
      return { cmd: name, seq: r.u16(), token: r.u32(), errno: r.i32() };
    case 'syncStatus':
      return { cmd: name, seq: r.u16(), status: r.u8(), errno: r.i32() };
    case 'error':
      return { cmd: name, errno: r.i32(), request: r.rest() };
  }
}
