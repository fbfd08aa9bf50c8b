import { describe, expect, test } from 'vitest';
import {
  EFS_DEFAULT_HELLO,
  EFS_O,
  decodeEfsRequest,
  decodeEfsResponse,
  efsErrnoSentence,
  encodeEfsRequest,
  encodeEfsResponse,
  type EfsRequest,
  type EfsResponse,
} from '../../src-main/protocol/efs.js';

const requests: EfsRequest[] = [
  { cmd: 'hello', params: EFS_DEFAULT_HELLO },
  {
    cmd: 'open',
    oflag: EFS_O.WRONLY | EFS_O.CREAT | EFS_O.TRUNC | EFS_O.AUTODIR,
    mode: 0o644,
    path: '/nv/item_files/ims/ims_sip_config',
  },
  { cmd: 'close', fd: 3 },
  { cmd: 'read', fd: 3, nbytes: 1024, offset: 2048 },
  { cmd: 'write', fd: 3, offset: 1024, data: Uint8Array.of(0x7e, 0, 0x7d) },
  { cmd: 'opendir', path: '/nv' },
  { cmd: 'readdir', dirp: 9, seq: 1 },
  { cmd: 'closedir', dirp: 9 },
  { cmd: 'stat', path: '/policyman/carrier_policy.xml' },
  { cmd: 'get', maxLen: 128, seq: 7, path: '/nv/item_files/modem/mmode/sms_domain_pref' },
  { cmd: 'put', flags: 0x80241, seq: 8, data: Uint8Array.of(1, 0, 2), path: '/nv/item_files/x' },
  { cmd: 'sync', seq: 9, path: '/' },
  { cmd: 'syncStatus', seq: 10, token: 42, path: '/' },
];

const responses: EfsResponse[] = [
  { cmd: 'hello', params: EFS_DEFAULT_HELLO },
  { cmd: 'open', fd: 3, errno: 0 },
  { cmd: 'close', errno: 0 },
  { cmd: 'read', fd: 3, offset: 1024, got: 3, errno: 0, data: Uint8Array.of(1, 2, 3) },
  { cmd: 'write', fd: 3, offset: 1024, written: 3, errno: 0 },
  { cmd: 'opendir', dirp: 9, errno: 0 },
  {
    cmd: 'readdir',
    dirp: 9,
    seq: 1,
    errno: 0,
    type: 1,
    mode: 0x41ed,
    size: 0,
    atime: 1,
    mtime: 2,
    ctime: 3,
    name: 'item_files',
  },
  { cmd: 'closedir', errno: 0 },
  { cmd: 'stat', errno: 0, mode: 0x81a4, size: 5000, nlink: 1, atime: 4, mtime: 5, ctime: 6 },
  { cmd: 'get', n: 2, errno: 0, seq: 7, data: Uint8Array.of(9, 8) },
  { cmd: 'put', seq: 8, errno: 0 },
  { cmd: 'sync', seq: 9, token: 42, errno: 0 },
  { cmd: 'syncStatus', seq: 10, status: 1, errno: 0 },
];

describe('EFS2 codecs', () => {
  test.each(requests.map((r) => [r.cmd, r] as const))('request %s round-trips', (_name, r) => {
    expect(decodeEfsRequest(encodeEfsRequest(r))).toEqual(r);
  });

  test.each(responses.map((r) => [r.cmd, r] as const))('response %s round-trips', (_name, r) => {
    expect(decodeEfsResponse(encodeEfsResponse(r), r.cmd)).toEqual(r);
  });

  test('full 1024-byte chunks round-trip both ways (the packet writer grows past its first buffer)', () => {
    const data = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
    const w = encodeEfsRequest({ cmd: 'write', fd: 5, offset: 4096, data });
    expect(w).toHaveLength(4 + 8 + 1024);
    expect(decodeEfsRequest(w)).toEqual({ cmd: 'write', fd: 5, offset: 4096, data });
    const r = encodeEfsResponse({ cmd: 'read', fd: 5, offset: 4096, got: 1024, errno: 0, data });
    expect(r).toHaveLength(4 + 16 + 1024);
    expect(decodeEfsResponse(r, 'read')).toMatchObject({ got: 1024, data });
  });

  test('byte layouts: header 4B 13 u16 cmd; open = oflag, mode, path NUL', () => {
    const p = encodeEfsRequest({ cmd: 'open', oflag: 0x241, mode: 0o644, path: '/a' });
    expect(Array.from(p)).toEqual([0x4b, 0x13, 0x02, 0x00, 0x41, 0x02, 0, 0, 0xa4, 0x01, 0, 0, 0x2f, 0x61, 0x00]);
  });

  test('get request: u32 maxlen, u32 pathlen, u16 seq, path NUL; put: u32 len, u32 flags, u16 seq, data, path NUL', () => {
    const g = encodeEfsRequest({ cmd: 'get', maxLen: 0x80, seq: 0x0102, path: '/x' });
    expect(Array.from(g.subarray(4))).toEqual([0x80, 0, 0, 0, 3, 0, 0, 0, 0x02, 0x01, 0x2f, 0x78, 0]);
    const p = encodeEfsRequest({ cmd: 'put', flags: 1, seq: 2, data: Uint8Array.of(0xaa), path: '/y' });
    expect(Array.from(p.subarray(4))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0xaa, 0x2f, 0x79, 0]);
  });

  test('fields after a non-zero errno may be missing and decode as 0', () => {
    const stat = Uint8Array.of(0x4b, 0x13, 15, 0, 2, 0, 0, 0);
    expect(decodeEfsResponse(stat, 'stat')).toEqual({
      cmd: 'stat',
      errno: 2,
      mode: 0,
      size: 0,
      nlink: 0,
      atime: 0,
      mtime: 0,
      ctime: 0,
    });
    const readdir = Uint8Array.of(0x4b, 0x13, 12, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0x03, 0, 0, 0x40);
    expect(decodeEfsResponse(readdir, 'readdir')).toMatchObject({ errno: 0x40000003, type: 0, name: '' });
    // With errno 0 the same truncation is an error.
    expect(() => decodeEfsResponse(Uint8Array.of(0x4b, 0x13, 15, 0, 0, 0, 0, 0), 'stat')).toThrow(/truncated/);
  });

  test('hostile lengths: a read or get announcing more bytes than it carries is refused', () => {
    const read = encodeEfsResponse({ cmd: 'read', fd: 3, offset: 0, got: 3, errno: 0, data: Uint8Array.of(1, 2, 3) });
    const lying = read.slice();
    lying[12] = 0xff;
    lying[13] = 0xff;
    expect(() => decodeEfsResponse(lying, 'read')).toThrow(/announces 65535 bytes but carries 3/);
    const get = encodeEfsResponse({ cmd: 'get', n: 1, errno: 0, seq: 1, data: Uint8Array.of(5) });
    const lyingGet = get.slice();
    lyingGet[4] = 0xff;
    lyingGet[5] = 0xff;
    lyingGet[6] = 0xff;
    lyingGet[7] = 0xff;
    expect(() => decodeEfsResponse(lyingGet, 'get')).toThrow(/announces -1 bytes/);
    const put = encodeEfsRequest({ cmd: 'put', flags: 0, seq: 1, data: Uint8Array.of(1), path: '/p' });
    const lyingPut = put.slice();
    lyingPut[4] = 200;
    expect(() => decodeEfsRequest(lyingPut)).toThrow(/announces 200 bytes/);
  });

  test('an answer to another command is refused; the generic error packet (28) is accepted for any', () => {
    const close = encodeEfsResponse({ cmd: 'close', errno: 0 });
    expect(() => decodeEfsResponse(close, 'read')).toThrow(/command 3, expected 4/);
    const err = encodeEfsResponse({ cmd: 'error', errno: 13, request: Uint8Array.of(0x4b, 0x13, 4, 0) });
    expect(decodeEfsResponse(err, 'read')).toEqual({
      cmd: 'error',
      errno: 13,
      request: Uint8Array.of(0x4b, 0x13, 4, 0),
    });
  });

  test('not an EFS packet, unknown command and truncation at every length give DiagProtocolError', () => {
    expect(() => decodeEfsResponse(Uint8Array.of(0x4b, 0x30, 0, 0))).toThrow(/not an EFS/);
    expect(() => decodeEfsResponse(Uint8Array.of(0x4b, 0x13, 99, 0))).toThrow(/unknown EFS command 99/);
    const hello = encodeEfsResponse({ cmd: 'hello', params: EFS_DEFAULT_HELLO });
    for (let n = 0; n < hello.length; n++) expect(() => decodeEfsResponse(hello.subarray(0, n))).toThrow();
  });

  test('paths and chunks are bounded', () => {
    expect(() => encodeEfsRequest({ cmd: 'stat', path: '' })).toThrow(RangeError);
    expect(() => encodeEfsRequest({ cmd: 'stat', path: 'a\0b' })).toThrow(RangeError);
    expect(() => encodeEfsRequest({ cmd: 'write', fd: 1, offset: 0, data: new Uint8Array(1025) })).toThrow(RangeError);
  });

  test('errno sentences', () => {
    expect(efsErrnoSentence(2)).toMatch(/no such file/);
    expect(efsErrnoSentence(13)).toMatch(/denied/);
    expect(efsErrnoSentence(28)).toMatch(/full/);
    expect(efsErrnoSentence(12345)).toMatch(/error 12345/);
  });
});
