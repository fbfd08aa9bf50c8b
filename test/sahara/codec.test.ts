import { describe, expect, it } from 'vitest';
import {
  MAX_PACKET_LENGTH,
  SaharaPacketError,
  SaharaStatus,
  decodePacket,
  encodePacket,
  endOfImageStatusText,
  readPacketHeader,
  type SaharaPacket,
} from '../../src-main/protocol/sahara.js';

const SAMPLES: SaharaPacket[] = [
  { type: 'hello', version: 2, versionCompatible: 1, maxCommandPacketLength: 0x400, mode: 0 },
  { type: 'hello-resp', version: 2, versionCompatible: 1, status: 0, mode: 3 },
  { type: 'read-data', imageId: 13, offset: 0x1234, length: 0x1000 },
  { type: 'end-of-image-tx', imageId: 13, status: 0x25 },
  { type: 'done' },
  { type: 'done-resp', imageTxStatus: 1 },
  { type: 'reset' },
  { type: 'reset-resp' },
  { type: 'memory-debug', tableAddress: 0x8600000, tableLength: 0x1c0 },
  { type: 'memory-read', address: 0xfffffff0, length: 0x100 },
  { type: 'cmd-ready' },
  { type: 'cmd-switch-mode', mode: 0 },
  { type: 'cmd-exec', clientCommand: 3 },
  { type: 'cmd-exec-resp', clientCommand: 3, responseLength: 32 },
  { type: 'cmd-exec-data', clientCommand: 3 },
  { type: 'memory-debug-64', tableAddress: 0x1_0000_0000n, tableLength: 0x400n },
  { type: 'memory-read-64', address: 0xffff_ffff_ffff_fff0n, length: 0x10n },
  { type: 'read-data-64', imageId: 13n, offset: 0x2_0000_0000n, length: 0x1000n },
  { type: 'reset-state-machine' },
];

const EXPECTED_LENGTH: Record<SaharaPacket['type'], number> = {
  hello: 0x30,
  'hello-resp': 0x30,
  'read-data': 0x14,
  'end-of-image-tx': 0x10,
  done: 8,
  'done-resp': 0x0c,
  reset: 8,
  'reset-resp': 8,
  'memory-debug': 0x10,
  'memory-read': 0x10,
  'cmd-ready': 8,
  'cmd-switch-mode': 0x0c,
  'cmd-exec': 0x0c,
  'cmd-exec-resp': 0x10,
  'cmd-exec-data': 0x0c,
  'memory-debug-64': 0x18,
  'memory-read-64': 0x18,
  'read-data-64': 0x20,
  'reset-state-machine': 8,
};

function header(cmd: number, len: number, total = 8): Uint8Array {
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, cmd, true);
  dv.setUint32(4, len, true);
  return b;
}

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SaharaPacketError) return e.problem;
    throw e;
  }
  return 'no error';
}

describe('Sahara codec', () => {
  it('round-trips every packet with the length the reference table gives', () => {
    expect(new Set(SAMPLES.map((s) => s.type)).size).toBe(19);
    for (const p of SAMPLES) {
      const bytes = encodePacket(p);
      expect(bytes.length, p.type).toBe(EXPECTED_LENGTH[p.type]);
      expect(decodePacket(bytes), p.type).toEqual(p);
    }
  });

  it('writes the wire format: command id, length, little-endian fields', () => {
    const b = encodePacket({ type: 'read-data', imageId: 13, offset: 0x01020304, length: 0x40 });
    expect(Array.from(b)).toEqual([3, 0, 0, 0, 0x14, 0, 0, 0, 13, 0, 0, 0, 4, 3, 2, 1, 0x40, 0, 0, 0]);
    const h = encodePacket({ type: 'hello', version: 2, versionCompatible: 1, maxCommandPacketLength: 0x400, mode: 0 });
    expect(Array.from(h.subarray(0, 24))).toEqual([
      1, 0, 0, 0, 0x30, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0,
    ]);
  });

  it('decodes the short v1 HELLO (0x14 bytes)', () => {
    const b = header(1, 0x14, 0x14);
    const dv = new DataView(b.buffer);
    dv.setUint32(8, 1, true);
    dv.setUint32(12, 1, true);
    dv.setUint32(16, 0x200, true);
    expect(decodePacket(b)).toEqual({
      type: 'hello',
      version: 1,
      versionCompatible: 1,
      maxCommandPacketLength: 0x200,
      mode: 0,
    });
  });

  it('rejects wrong lengths, hostile lengths, unknown commands and truncation', () => {
    expect(problemOf(() => readPacketHeader(header(3, 0x18)))).toBe('bad-length');
    expect(problemOf(() => readPacketHeader(header(1, 0x20)))).toBe('bad-length');
    expect(problemOf(() => readPacketHeader(header(3, 0xffffffff)))).toBe('too-long');
    expect(problemOf(() => readPacketHeader(header(1, MAX_PACKET_LENGTH + 4)))).toBe('too-long');
    expect(problemOf(() => readPacketHeader(header(0x99, 8)))).toBe('unknown-command');
    expect(problemOf(() => readPacketHeader(header(0, 8)))).toBe('unknown-command');
    expect(problemOf(() => readPacketHeader(new Uint8Array([3, 0, 0])))).toBe('truncated');
    expect(problemOf(() => decodePacket(header(3, 0x14, 12)))).toBe('truncated');
    expect(readPacketHeader(header(3, 0x14))).toEqual({ command: 3, length: 0x14 });
  });

  it('gives a hex preview of bad packets', () => {
    try {
      readPacketHeader(header(0x99, 8));
      expect.unreachable();
    } catch (e) {
      expect((e as SaharaPacketError).preview).toBe('99 00 00 00 08 00 00 00');
      expect((e as Error).message).toContain('0x99');
    }
  });

  it('refuses to encode values that do not fit their field', () => {
    expect(() => encodePacket({ type: 'read-data', imageId: 13, offset: -1, length: 1 })).toThrow(RangeError);
    expect(() => encodePacket({ type: 'read-data', imageId: 13, offset: 2 ** 32, length: 1 })).toThrow(RangeError);
    expect(() => encodePacket({ type: 'read-data-64', imageId: 13n, offset: 2n ** 64n, length: 1n })).toThrow(
      RangeError,
    );
  });
});

describe('END_OF_IMAGE_TX status sentences', () => {
  it('explains the main codes in distinct plain sentences', () => {
    const main = [
      0x01, 0x02, 0x05, 0x06, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x14, 0x16, 0x17, 0x1f, 0x21, 0x22, 0x23, 0x25, 0x26,
    ];
    const texts = main.map(endOfImageStatusText);
    expect(new Set(texts).size).toBe(main.length);
    for (const t of texts) {
      expect(t).toMatch(/^[A-Z].*\.$/);
      expect(t).not.toMatch(/unknown error|does not know/);
    }
    for (let s = 0; s <= 0x28; s++) expect(endOfImageStatusText(s)).not.toContain('does not know');
  });

  it('names what a user needs to know for the frequent rejections', () => {
    expect(endOfImageStatusText(SaharaStatus.IMAGE_AUTH_FAILURE)).toBe(
      "The module rejected the programmer's signature: it is made for a different module or security key.",
    );
    expect(endOfImageStatusText(SaharaStatus.INVALID_ELF_HDR)).toMatch(/not a valid programmer.*ELF header/);
    expect(endOfImageStatusText(SaharaStatus.HASH_VERIFICATION_FAILURE)).toMatch(/damaged or was modified/);
  });

  it('gives unknown codes a generic sentence with the number in hex', () => {
    expect(endOfImageStatusText(0x99)).toContain('0x99');
    expect(endOfImageStatusText(0xdeadbeef)).toContain('0xdeadbeef');
  });
});
