import { afterEach, describe, expect, test } from 'vitest';
import { DiagClient, DiagError } from '../../src-main/host/diag-client.js';
import { decodeEfsRequest, encodeEfsResponse, isEfsPacket } from '../../src-main/protocol/efs.js';
import {
  newFakeState,
  scriptedModem,
  startFakeDiag,
  type FakeDiag,
  type FakeModemState,
  type Handler,
} from './fake-diag.js';
import { rejection } from '../helpers/rejection.js';

let fakes: FakeDiag[] = [];
afterEach(() => {
  for (const f of fakes) f.stop();
  fakes = [];
});

function setup(
  handlerOf: (s: FakeModemState) => Handler = scriptedModem,
  holdUntil?: number,
): { c: DiagClient; state: FakeModemState; f: FakeDiag } {
  const state = newFakeState();
  const f = startFakeDiag(handlerOf(state), holdUntil !== undefined ? { holdUntil } : {});
  fakes.push(f);
  return { c: new DiagClient(f.host, { timeoutMs: 1000 }), state, f };
}

const pattern = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

describe('EfsClient', () => {
  test('hello, stat of a file, a folder and a missing path', async () => {
    const { c, state } = setup();
    state.files.set('/nv/item_files/rfnv/00020000', pattern(300));
    await c.efs.hello();
    expect(await c.efs.stat('/nv/item_files/rfnv/00020000')).toMatchObject({ size: 300, nlink: 1, mtime: 2 });
    expect((await c.efs.stat('/nv/item_files'))!.mode & 0xf000).toBe(0x4000);
    expect(await c.efs.stat('/nope')).toBeUndefined();
    await c.close();
  });

  test('writeFile then readFile round-trips across chunk boundaries (0, 1, 1024, 1025, 5000 bytes)', async () => {
    const { c, state, f } = setup();
    for (const n of [0, 1, 1024, 1025, 5000]) {
      const data = pattern(n);
      await c.efs.writeFile(`/data/f${n}`, data);
      expect(Array.from(state.files.get(`/data/f${n}`)!)).toEqual(Array.from(data));
      expect(Array.from(await c.efs.readFile(`/data/f${n}`))).toEqual(Array.from(data));
    }
    const writes = f.received.filter((p) => isEfsPacket(p) && p[2] === 5).map((p) => decodeEfsRequest(p));
    expect(writes.every((w) => w.cmd === 'write' && w.data.length <= 1024)).toBe(true);
    await c.close();
  });

  test('readFile requests its chunks pipelined (all out before the first answer)', async () => {
    // stat + open are answered at once; then the device holds answers until 5 reads are in.
    const state = newFakeState();
    state.files.set('/big', pattern(5 * 1024));
    const modem = scriptedModem(state);
    const reads: Uint8Array[] = [];
    let held: Uint8Array[] = [];
    const f = startFakeDiag((req) => {
      if (isEfsPacket(req) && req[2] === 4) {
        reads.push(req);
        held.push(...modem(req).filter((r): r is Uint8Array => r instanceof Uint8Array));
        if (reads.length < 5) return [];
        const out = held;
        held = [];
        return out;
      }
      return modem(req);
    });
    fakes.push(f);
    const c = new DiagClient(f.host, { timeoutMs: 1000, maxInFlight: 8 });
    expect(Array.from(await c.efs.readFile('/big'))).toEqual(Array.from(pattern(5 * 1024)));
    await c.close();
  });

  test('readFile refuses a file larger than maxBytes before reading it, and a missing file with ENOENT', async () => {
    const { c, state, f } = setup();
    state.files.set('/big', pattern(3000));
    const e = await rejection(c.efs.readFile('/big', 2048));
    expect(e).toBeInstanceOf(DiagError);
    expect(e.message).toMatch(/3000 bytes, more than the 2048/);
    expect(f.received.some((p) => isEfsPacket(p) && p[2] === 2)).toBe(false);
    const missing = await rejection(c.efs.readFile('/none'));
    expect((missing as DiagError).efsErrno).toBe(2);
    expect(missing.message).toMatch(/no such file/);
    await c.close();
  });

  test('listDir lists entries without . and .., and closes the directory', async () => {
    const { c, state, f } = setup();
    state.files.set('/nv/item_files/a', pattern(1));
    state.files.set('/nv/item_files/b', pattern(2));
    state.files.set('/nv/item_files/sub/c', pattern(3));
    const list = await c.efs.listDir('/nv/item_files');
    expect(list.map((e) => [e.name, e.type, e.size])).toEqual([
      ['a', 0, 1],
      ['b', 0, 2],
      ['sub', 1, 0],
    ]);
    expect(f.received.filter((p) => isEfsPacket(p) && p[2] === 13)).toHaveLength(1);
    const e = await rejection(c.efs.listDir('/missing'));
    expect(e.message).toMatch(/opening directory \/missing: no such file/);
    await c.close();
  });

  test('a directory that never ends is cut off with a clear error', async () => {
    const { c } = setup((s) => {
      const modem = scriptedModem(s);
      return (req) => {
        if (!isEfsPacket(req)) return modem(req);
        const q = decodeEfsRequest(req);
        if (q.cmd === 'opendir') return [encodeEfsResponse({ cmd: 'opendir', dirp: 1, errno: 0 })];
        if (q.cmd === 'readdir')
          return [
            encodeEfsResponse({
              cmd: 'readdir',
              dirp: 1,
              seq: q.seq,
              errno: 0,
              type: 0,
              mode: 0,
              size: 0,
              atime: 0,
              mtime: 0,
              ctime: 0,
              name: `f${q.seq}`,
            }),
          ];
        return [encodeEfsResponse({ cmd: 'closedir', errno: 0 })];
      };
    });
    const e = await rejection(c.efs.listDir('/loop'));
    expect(e.message).toMatch(/more than 4096 entries/);
    await c.close();
  });

  test('getItem / putItem; ENOENT is undefined; sync waits for the commit', async () => {
    const { c, state } = setup();
    await c.efs.putItem('/nv/item_files/modem/x', Uint8Array.of(1, 2, 3));
    expect(Array.from(state.files.get('/nv/item_files/modem/x')!)).toEqual([1, 2, 3]);
    expect(Array.from((await c.efs.getItem('/nv/item_files/modem/x'))!)).toEqual([1, 2, 3]);
    expect(await c.efs.getItem('/nv/item_files/none')).toBeUndefined();
    await c.efs.sync();
    await c.close();
  });

  test('errno in answers becomes DiagError with a sentence (ENOSPC on write, EACCES via the generic error packet)', async () => {
    const { c } = setup((s) => {
      const modem = scriptedModem(s);
      return (req) => {
        if (isEfsPacket(req)) {
          const q = decodeEfsRequest(req);
          if (q.cmd === 'write')
            return [encodeEfsResponse({ cmd: 'write', fd: q.fd, offset: q.offset, written: -1, errno: 28 })];
          if (q.cmd === 'get') return [encodeEfsResponse({ cmd: 'error', errno: 13, request: req })];
        }
        return modem(req);
      };
    });
    const e = await rejection(c.efs.writeFile('/full', pattern(3000)));
    expect((e as DiagError).efsErrno).toBe(28);
    expect(e.message).toMatch(/file system is full \(ENOSPC\)/);
    const g = await rejection(c.efs.getItem('/secret'));
    expect((g as DiagError).efsErrno).toBe(13);
    expect(g.message).toMatch(/denied access/);
    await c.close();
  });

  test('a read answer for the wrong offset or carrying too much is refused', async () => {
    const { c, state } = setup((s) => {
      const modem = scriptedModem(s);
      return (req) => {
        if (isEfsPacket(req)) {
          const q = decodeEfsRequest(req);
          if (q.cmd === 'read')
            return [
              encodeEfsResponse({
                cmd: 'read',
                fd: q.fd,
                offset: q.offset + 1,
                got: 1,
                errno: 0,
                data: Uint8Array.of(1),
              }),
            ];
        }
        return modem(req);
      };
    });
    state.files.set('/f', pattern(10));
    expect((await rejection(c.efs.readFile('/f'))).message).toMatch(/at 0 with offset 1/);
    await c.close();
  });
});
