// Random and mutated device replies: every decoder either returns a value or throws
// DiagProtocolError (never a TypeError/RangeError or a hang), and the HDLC decoder's memory stays
// bounded whatever the stream holds.

import { describe, expect, test } from 'vitest';
import { HDLC_MAX_ESCAPED_FRAME, HdlcDecoder, hdlcEncode } from '../../src-main/protocol/hdlc.js';
import {
  DiagProtocolError,
  decodeControlPacket,
  decodeDiagErrorResponse,
  decodeExtBuildIdResponse,
  decodeFeatureQueryResponse,
  decodeNvPacket,
  decodeSpcResponse,
  decodeVersionResponse,
  encodeExtBuildIdResponse,
  encodeFeatureQueryResponse,
  encodeNvPacket,
  encodeVersionResponse,
} from '../../src-main/protocol/diag.js';
import {
  EFS_DEFAULT_HELLO,
  decodeEfsRequest,
  decodeEfsResponse,
  encodeEfsResponse,
} from '../../src-main/protocol/efs.js';

/** Small deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function mutate(base: Uint8Array, next: () => number): Uint8Array {
  const kind = next() % 4;
  if (kind === 0) return base.subarray(0, next() % (base.length + 1));
  const b = base.slice();
  const flips = 1 + (next() % 4);
  for (let i = 0; i < flips && b.length > 0; i++) b[next() % b.length] = next() & 0xff;
  if (kind === 2 && b.length > 8) {
    // Lie in a length field area: big values near the start of the fields.
    const at = 4 + (next() % Math.min(16, b.length - 4));
    b[at] = 0xff;
  }
  return b;
}

const seeds = [
  encodeNvPacket({ op: 'read', item: 550, status: 0 }),
  encodeNvPacket({ op: 'read', item: 550, context: 1, status: 0 }),
  encodeVersionResponse({
    compDate: 'a',
    compTime: 'b',
    relDate: 'c',
    relTime: 'd',
    verDir: 'e',
    scm: 1,
    caiRev: 2,
    model: 3,
    firmRev: 4,
    slotCycleIndex: 5,
    hwMajor: 6,
    hwMinor: 7,
  }),
  encodeExtBuildIdResponse({ msmHwVersion: 1, mobileModelId: 2, build: 'B', model: 'M' }),
  encodeFeatureQueryResponse(Uint8Array.of(1, 2, 3)),
  encodeEfsResponse({ cmd: 'hello', params: EFS_DEFAULT_HELLO }),
  encodeEfsResponse({ cmd: 'read', fd: 1, offset: 0, got: 4, errno: 0, data: Uint8Array.of(1, 2, 3, 4) }),
  encodeEfsResponse({
    cmd: 'readdir',
    dirp: 1,
    seq: 1,
    errno: 0,
    type: 0,
    mode: 0,
    size: 0,
    atime: 0,
    mtime: 0,
    ctime: 0,
    name: 'x',
  }),
  encodeEfsResponse({ cmd: 'get', n: 2, errno: 0, seq: 1, data: Uint8Array.of(1, 2) }),
  encodeEfsResponse({ cmd: 'stat', errno: 0, mode: 1, size: 2, nlink: 3, atime: 4, mtime: 5, ctime: 6 }),
  Uint8Array.of(0x4b, 0x13, 38, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 2, 3, 4, 5, 0x2f, 0),
];

const decoders: ((p: Uint8Array) => unknown)[] = [
  decodeNvPacket,
  decodeVersionResponse,
  decodeExtBuildIdResponse,
  decodeFeatureQueryResponse,
  decodeSpcResponse,
  decodeControlPacket,
  decodeDiagErrorResponse,
  (p) => decodeEfsResponse(p),
  (p) => decodeEfsRequest(p),
];

describe('hostile packets', () => {
  test('5000 mutated and random packets: each decoder returns or throws DiagProtocolError', () => {
    const next = rng(0xd1a6);
    let thrown = 0;
    for (let i = 0; i < 5000; i++) {
      const base = seeds[next() % seeds.length]!;
      const p = next() % 5 === 0 ? Uint8Array.from({ length: next() % 300 }, () => next() & 0xff) : mutate(base, next);
      for (const d of decoders) {
        try {
          const out = d(p);
          // Decoded data is bounded by the packet.
          const data = (out as { data?: Uint8Array }).data;
          if (data) expect(data.length).toBeLessThanOrEqual(Math.max(p.length, 128));
        } catch (e) {
          if (!(e instanceof DiagProtocolError)) throw e;
          thrown++;
        }
      }
    }
    expect(thrown).toBeGreaterThan(1000);
  });

  test('random byte streams never make the HDLC decoder hold more than its bound, and valid frames in between survive', () => {
    const next = rng(0x7e7d);
    const d = new HdlcDecoder();
    let good = 0;
    for (let i = 0; i < 300; i++) {
      const noise = Uint8Array.from({ length: next() % 9000 }, () => (next() % 50 === 0 ? 0x7e : next() & 0xff));
      d.push(noise);
      expect(d.pendingBytes).toBeLessThanOrEqual(HDLC_MAX_ESCAPED_FRAME);
      const payload = Uint8Array.of(0x26, i & 0xff, 0x7e, 0x7d);
      const frames = d.push(Uint8Array.of(0x7e, ...hdlcEncode(payload)));
      const last = frames.at(-1);
      if (last?.ok && last.payload.length === 4 && last.payload[1] === (i & 0xff)) good++;
    }
    expect(good).toBe(300);
  });
});
