// A small scripted DIAG device for the client tests: decodes HDLC frames on the device end of a
// memory pipe pair and answers through a handler. It can hold its answers until N requests have
// arrived (to prove pipelining), inject raw bytes, and drop off the bus.

import { createMemoryPipePair, type MemoryPairOptions } from '../../src-main/transport/memory.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { HdlcDecoder, hdlcEncode } from '../../src-main/protocol/hdlc.js';
import {
  DIAG_CMD,
  EDL_SWITCH_REQUEST,
  decodeControlPacket,
  decodeNvPacket,
  decodeSpcRequest,
  encodeControlPacket,
  encodeDiagErrorResponse,
  encodeExtBuildIdResponse,
  encodeFeatureQueryResponse,
  encodeNvPacket,
  encodeSpcResponse,
  encodeVersionResponse,
  isEdlSwitchRequest,
  isNvPacket,
} from '../../src-main/protocol/diag.js';
import {
  EFS_DEFAULT_HELLO,
  EFS_ERRNO,
  EFS_O,
  EFS_S,
  decodeEfsRequest,
  encodeEfsResponse,
  isEfsPacket,
  type EfsResponse,
} from '../../src-main/protocol/efs.js';

/** What the device sends back: payloads (framed for you) or raw bytes (sent as they are). */
export type Reply = Uint8Array | { raw: Uint8Array };
export type Handler = (request: Uint8Array) => Reply[];

export interface FakeDiag {
  host: BulkPipe;
  /** Every request payload the device decoded, in order. */
  received: Uint8Array[];
  /** Send raw bytes to the host now. */
  inject(bytes: Uint8Array): Promise<void>;
  disconnect(): void;
  stop(): void;
}

export interface FakeOptions {
  /** Hold every answer until this many requests have arrived. */
  holdUntil?: number;
  /** Send the answers released together as one transfer. */
  coalesce?: boolean;
}

export function startFakeDiag(handler: Handler, opts: FakeOptions & { link?: MemoryPairOptions } = {}): FakeDiag {
  const pair = createMemoryPipePair({ maxPacketSize: 512, ...opts.link });
  const served = serveFakeDiag(pair.device, handler, opts);
  return {
    host: pair.host,
    received: served.received,
    inject: served.inject,
    disconnect: () => pair.disconnect(),
    stop: served.stop,
  };
}

/** Answer DIAG requests arriving on the device end of any pipe (memory pair, pty...). */
export function serveFakeDiag(
  device: BulkPipe,
  handler: Handler,
  opts: FakeOptions = {},
): { received: Uint8Array[]; inject(bytes: Uint8Array): Promise<void>; stop(): void } {
  const received: Uint8Array[] = [];
  const held: Reply[] = [];
  const stop = new AbortController();
  const decoder = new HdlcDecoder();
  const send = async (replies: Reply[]): Promise<void> => {
    const all = replies.map((r) => (r instanceof Uint8Array ? hdlcEncode(r) : r.raw));
    if (opts.coalesce && all.length > 1) {
      const one = new Uint8Array(all.reduce((n, b) => n + b.length, 0));
      let o = 0;
      for (const b of all) {
        one.set(b, o);
        o += b.length;
      }
      all.splice(0, all.length, one);
    }
    for (const bytes of all) await device.write(bytes, { timeoutMs: 2000, signal: stop.signal });
  };
  void (async () => {
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await device.read(64 * 1024, { timeoutMs: 60_000, signal: stop.signal });
      } catch {
        return;
      }
      for (const f of decoder.push(chunk)) {
        if (!f.ok) continue;
        received.push(f.payload);
        const replies = handler(f.payload);
        if (opts.holdUntil !== undefined && received.length < opts.holdUntil) held.push(...replies);
        else {
          const all = [...held.splice(0), ...replies];
          try {
            await send(all);
          } catch {
            return;
          }
        }
      }
    }
  })();
  return { received, inject: (bytes) => device.write(bytes, { timeoutMs: 2000 }), stop: () => stop.abort() };
}

/** State of the scripted modem. */
export interface FakeModemState {
  nv: Map<string, Uint8Array>;
  files: Map<string, Uint8Array>;
  spc: string;
  spcUnlocked: boolean;
  /** NV items that need the SPC first. */
  spcItems: Set<number>;
  /** Multi-entry items: data[0] is the entry index. */
  multiEntry: Set<number>;
}

export { nvKey };

export function newFakeState(): FakeModemState {
  return {
    nv: new Map(),
    files: new Map(),
    spc: '000000',
    spcUnlocked: false,
    spcItems: new Set(),
    multiEntry: new Set(),
  };
}

const nvKey = (item: number, context: number, index: number): string => `${item}/${context}/${index}`;

/** A modem good enough to exercise every DiagClient and EfsClient method. */
export function scriptedModem(state: FakeModemState): Handler {
  const open = new Map<number, { path: string; data: Uint8Array; write: boolean }>();
  const dirs = new Map<number, string[]>();
  let nextFd = 3;
  return (req) => {
    const c = req[0];
    if (c === DIAG_CMD.VERNO) {
      return [
        encodeVersionResponse({
          compDate: 'Nov 28 2026',
          compTime: '12:00:00',
          relDate: 'Nov 28 2026',
          relTime: '12:00:00',
          verDir: 'EC25EF',
          scm: 1,
          caiRev: 6,
          model: 0xb5,
          firmRev: 0x101,
          slotCycleIndex: 2,
          hwMajor: 1,
          hwMinor: 0,
        }),
      ];
    }
    if (c === DIAG_CMD.EXT_BUILD_ID)
      return [
        encodeExtBuildIdResponse({
          msmHwVersion: 0x9607e1,
          mobileModelId: 0x2f,
          build: 'MPSS.JO.2.0.2.c1.1-00046',
          model: 'EC25EFAR06A08M4G',
        }),
      ];
    if (c === DIAG_CMD.FEATURE_QUERY) return [encodeFeatureQueryResponse(Uint8Array.of(0xff, 0x7e, 0x7d, 0x01))];
    if (c === DIAG_CMD.SPC) {
      state.spcUnlocked = decodeSpcRequest(req) === state.spc;
      return [encodeSpcResponse(state.spcUnlocked)];
    }
    if (c === DIAG_CMD.CONTROL) return [encodeControlPacket(decodeControlPacket(req))];
    if (isEdlSwitchRequest(req)) return [EDL_SWITCH_REQUEST.slice()];
    if (isNvPacket(req)) {
      const p = decodeNvPacket(req);
      if (state.spcItems.has(p.item) && !state.spcUnlocked)
        return [encodeDiagErrorResponse(DIAG_CMD.BAD_SPC_MODE, req)];
      const key = nvKey(p.item, p.context, state.multiEntry.has(p.item) ? p.data[0]! : 0);
      if (p.op === 'write') {
        state.nv.set(key, p.data);
        return [encodeNvPacket({ ...p, status: 0, forceSubsystem: p.subsystem })];
      }
      const data = state.nv.get(key);
      return [encodeNvPacket({ ...p, ...(data ? { data, status: 0 } : { status: 5 }), forceSubsystem: p.subsystem })];
    }
    if (isEfsPacket(req)) return [encodeEfsResponse(efs(req))];
    return [encodeDiagErrorResponse(DIAG_CMD.BAD_CMD, req)];
  };

  function efs(req: Uint8Array): EfsResponse {
    const q = decodeEfsRequest(req);
    switch (q.cmd) {
      case 'hello':
        return { cmd: 'hello', params: EFS_DEFAULT_HELLO };
      case 'stat': {
        const f = state.files.get(q.path);
        const isDir =
          !f && [...state.files.keys()].some((k) => k.startsWith(q.path.endsWith('/') ? q.path : `${q.path}/`));
        if (!f && !isDir)
          return { cmd: 'stat', errno: EFS_ERRNO.ENOENT, mode: 0, size: 0, nlink: 0, atime: 0, mtime: 0, ctime: 0 };
        return {
          cmd: 'stat',
          errno: 0,
          mode: f ? EFS_S.IFREG | 0o644 : EFS_S.IFDIR | 0o755,
          size: f?.length ?? 0,
          nlink: 1,
          atime: 1,
          mtime: 2,
          ctime: 3,
        };
      }
      case 'open': {
        const existing = state.files.get(q.path);
        if (!existing && !(q.oflag & EFS_O.CREAT)) return { cmd: 'open', fd: -1, errno: EFS_ERRNO.ENOENT };
        const fd = nextFd++;
        open.set(fd, {
          path: q.path,
          data: q.oflag & EFS_O.TRUNC || !existing ? new Uint8Array(0) : existing,
          write: (q.oflag & 3) !== 0,
        });
        return { cmd: 'open', fd, errno: 0 };
      }
      case 'read': {
        const f = open.get(q.fd);
        if (!f)
          return { cmd: 'read', fd: q.fd, offset: q.offset, got: -1, errno: EFS_ERRNO.EBADF, data: new Uint8Array(0) };
        const data = f.data.slice(q.offset, q.offset + Math.min(q.nbytes, 1024));
        return { cmd: 'read', fd: q.fd, offset: q.offset, got: data.length, errno: 0, data };
      }
      case 'write': {
        const f = open.get(q.fd);
        if (!f) return { cmd: 'write', fd: q.fd, offset: q.offset, written: -1, errno: EFS_ERRNO.EBADF };
        const end = Math.max(f.data.length, q.offset + q.data.length);
        const grown = new Uint8Array(end);
        grown.set(f.data);
        grown.set(q.data, q.offset);
        f.data = grown;
        return { cmd: 'write', fd: q.fd, offset: q.offset, written: q.data.length, errno: 0 };
      }
      case 'close': {
        const f = open.get(q.fd);
        if (!f) return { cmd: 'close', errno: EFS_ERRNO.EBADF };
        if (f.write) state.files.set(f.path, f.data);
        open.delete(q.fd);
        return { cmd: 'close', errno: 0 };
      }
      case 'opendir': {
        const prefix = q.path.endsWith('/') ? q.path : `${q.path}/`;
        const names = new Set<string>();
        for (const k of state.files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
        if (names.size === 0) return { cmd: 'opendir', dirp: 0, errno: EFS_ERRNO.ENOENT };
        const dirp = nextFd++;
        dirs.set(
          dirp,
          ['.', '..', ...[...names].sort()].map((n) => `${prefix}${n}`),
        );
        return { cmd: 'opendir', dirp, errno: 0 };
      }
      case 'readdir': {
        const list = dirs.get(q.dirp);
        const none = {
          cmd: 'readdir' as const,
          dirp: q.dirp,
          seq: q.seq,
          type: 0,
          mode: 0,
          size: 0,
          atime: 0,
          mtime: 0,
          ctime: 0,
          name: '',
        };
        if (!list) return { ...none, errno: EFS_ERRNO.EBADF };
        const full = list[q.seq - 1];
        if (full === undefined) return { ...none, errno: 0 };
        const f = state.files.get(full);
        const name = full.slice(full.lastIndexOf('/') + 1);
        return {
          ...none,
          errno: 0,
          type: f ? 0 : 1,
          mode: f ? EFS_S.IFREG | 0o644 : EFS_S.IFDIR | 0o755,
          size: f?.length ?? 0,
          mtime: 7,
          name,
        };
      }
      case 'closedir':
        dirs.delete(q.dirp);
        return { cmd: 'closedir', errno: 0 };
      case 'get': {
        const f = state.files.get(q.path);
        if (!f) return { cmd: 'get', n: -1, errno: EFS_ERRNO.ENOENT, seq: q.seq, data: new Uint8Array(0) };
        const data = f.slice(0, q.maxLen);
        return { cmd: 'get', n: data.length, errno: 0, seq: q.seq, data };
      }
      case 'put':
        state.files.set(q.path, q.data);
        return { cmd: 'put', seq: q.seq, errno: 0 };
      case 'sync':
        return { cmd: 'sync', seq: q.seq, token: 42, errno: 0 };
      case 'syncStatus':
        return { cmd: 'syncStatus', seq: q.seq, status: 1, errno: 0 };
    }
  }
}
