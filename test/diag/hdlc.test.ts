import { describe, expect, test } from 'vitest';
import {
  HDLC_MAX_ESCAPED_FRAME,
  HdlcDecoder,
  crc16x25,
  hdlcEncode,
  type HdlcFrame,
} from '../../src-main/protocol/hdlc.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const payloads = (frames: HdlcFrame[]): number[][] => frames.map((f) => (f.ok ? Array.from(f.payload) : [-1]));

describe('CRC-16/X-25', () => {
  test('check value of "123456789" is 0x906E', () => {
    expect(crc16x25(new TextEncoder().encode('123456789'))).toBe(0x906e);
  });
  test('empty input gives 0x0000 (init and xorout cancel)', () => {
    expect(crc16x25(new Uint8Array(0))).toBe(0x0000);
  });
  test('a range of the buffer is the CRC of that slice', () => {
    const b = new TextEncoder().encode('xx123456789yy');
    expect(crc16x25(b, 2, 11)).toBe(0x906e);
  });
});

describe('hdlcEncode', () => {
  test('the EDL switch frame is 4B 65 01 00 54 0F 7E', () => {
    expect(Array.from(hdlcEncode(bytes(0x4b, 0x65, 0x01, 0x00)))).toEqual([0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e]);
  });
  test('0x7E and 0x7D in the payload are escaped, and the only 0x7E is the last byte', () => {
    const f = hdlcEncode(bytes(0x7e, 0x01, 0x7d));
    expect(Array.from(f.subarray(0, 5))).toEqual([0x7d, 0x5e, 0x01, 0x7d, 0x5d]);
    expect(f.indexOf(0x7e)).toBe(f.length - 1);
  });
  test('CRC bytes that are 0x7E or 0x7D are escaped too', () => {
    // Find payloads whose CRC low or high byte needs escaping; there must be some among 2-byte inputs.
    let checked = 0;
    for (let a = 0; a < 256 && checked < 20; a++) {
      for (let b = 0; b < 256 && checked < 20; b++) {
        const p = bytes(a, b);
        const crc = crc16x25(p);
        const lo = crc & 0xff;
        const hi = crc >> 8;
        if (![lo, hi].some((x) => x === 0x7e || x === 0x7d)) continue;
        const f = hdlcEncode(p);
        expect(f.indexOf(0x7e)).toBe(f.length - 1);
        const d = new HdlcDecoder().push(f);
        expect(payloads(d)).toEqual([[a, b]]);
        checked++;
      }
    }
    expect(checked).toBe(20);
  });
  test('refuses payloads larger than a DIAG receiver buffers', () => {
    expect(() => hdlcEncode(new Uint8Array(2049))).toThrow(RangeError);
  });
});

describe('HdlcDecoder', () => {
  test('every byte value survives a round trip', () => {
    for (let v = 0; v < 256; v++) {
      const p = bytes(v, 0x00, v, 0xff, v);
      expect(payloads(new HdlcDecoder().push(hdlcEncode(p)))).toEqual([Array.from(p)]);
    }
  });

  test('a payload of all 256 byte values, fed split at every boundary, decodes the same', () => {
    const p = Uint8Array.from({ length: 256 }, (_, i) => i);
    const framed = hdlcEncode(p);
    for (let cut = 0; cut <= framed.length; cut++) {
      const d = new HdlcDecoder();
      const out = [...d.push(framed.subarray(0, cut)), ...d.push(framed.subarray(cut))];
      expect(payloads(out)).toEqual([Array.from(p)]);
    }
  });

  test('byte-by-byte feeding of several frames yields them in order', () => {
    const a = hdlcEncode(bytes(0x7e, 0x7d, 0x7e));
    const b = hdlcEncode(bytes(0x10, 0x00, 0x01));
    const d = new HdlcDecoder();
    const out: HdlcFrame[] = [];
    for (const x of [...a, ...b]) out.push(...d.push(bytes(x)));
    expect(payloads(out)).toEqual([
      [0x7e, 0x7d, 0x7e],
      [0x10, 0x00, 0x01],
    ]);
  });

  test('a leading 0x7E and repeated 0x7E are tolerated (no empty frames)', () => {
    const d = new HdlcDecoder();
    expect(payloads(d.push(bytes(0x7e, 0x7e, 0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e, 0x7e)))).toEqual([
      [0x4b, 0x65, 0x01, 0x00],
    ]);
  });

  test('a bad CRC is reported with the frame bytes, and the next frame still decodes', () => {
    const d = new HdlcDecoder();
    const out = d.push(bytes(0x4b, 0x65, 0x01, 0x00, 0x54, 0x0e, 0x7e, ...hdlcEncode(bytes(0x00))));
    expect(out).toHaveLength(2);
    const bad = out[0]!;
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toMatch(/bad CRC/);
      expect(Array.from(bad.raw)).toEqual([0x4b, 0x65, 0x01, 0x00, 0x54, 0x0e]);
    }
    expect(payloads(out.slice(1))).toEqual([[0x00]]);
  });

  test('too-short frames and a dangling escape are reported, not thrown', () => {
    const d = new HdlcDecoder();
    const out = d.push(bytes(0x01, 0x02, 0x7e, 0x01, 0x02, 0x03, 0x7d, 0x7e));
    expect(out.map((f) => (f.ok ? 'ok' : f.error))).toEqual([
      expect.stringMatching(/too short/),
      expect.stringMatching(/escape/),
    ]);
  });

  test('garbage without 0x7E never grows the buffer beyond the bound; the oversized frame is dropped and reported', () => {
    const d = new HdlcDecoder();
    const junk = new Uint8Array(64 * 1024).fill(0x41);
    for (let i = 0; i < 16; i++) {
      expect(d.push(junk)).toEqual([]);
      expect(d.pendingBytes).toBeLessThanOrEqual(HDLC_MAX_ESCAPED_FRAME);
    }
    const out = d.push(bytes(0x7e, ...hdlcEncode(bytes(0x29, 0x04, 0x00))));
    expect(out).toHaveLength(2);
    expect(out[0]!.ok).toBe(false);
    if (!out[0]!.ok) {
      expect(out[0]!.error).toMatch(/longer than/);
      expect(out[0]!.raw.length).toBeLessThanOrEqual(64);
    }
    expect(payloads(out.slice(1))).toEqual([[0x29, 0x04, 0x00]]);
  });

  test('the largest legal frame (2048 bytes, all escaped) still decodes', () => {
    const p = new Uint8Array(2048).fill(0x7e);
    expect(payloads(new HdlcDecoder().push(hdlcEncode(p)))).toEqual([Array.from(p)]);
  });
});
