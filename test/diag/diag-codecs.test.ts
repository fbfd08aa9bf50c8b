import { describe, expect, test } from 'vitest';
import {
  DIAG_CMD,
  DiagProtocolError,
  decodeControlPacket,
  decodeDiagErrorResponse,
  decodeExtBuildIdResponse,
  decodeFeatureQueryResponse,
  decodeNvPacket,
  decodeSpcRequest,
  decodeSpcResponse,
  decodeVersionResponse,
  describeRequest,
  diagErrorSentence,
  encodeControlPacket,
  encodeDiagErrorResponse,
  encodeExtBuildIdResponse,
  encodeFeatureQueryResponse,
  encodeNvPacket,
  encodeNvReadRequest,
  encodeNvWriteRequest,
  encodeSpcRequest,
  encodeVersionResponse,
  isDiagErrorResponse,
  isEdlSwitchRequest,
  isUnsolicited,
  matchKey,
  nvStatusName,
  nvStatusSentence,
  EDL_SWITCH_REQUEST,
} from '../../src-main/protocol/diag.js';

describe('NV packets', () => {
  test('0x26 read request: cmd, u16 item LE, 128 zero bytes, u16 status = 133 bytes', () => {
    const p = encodeNvReadRequest(550);
    expect(p).toHaveLength(133);
    expect(Array.from(p.subarray(0, 3))).toEqual([0x26, 0x26, 0x02]);
    expect(p.subarray(3).every((b) => b === 0)).toBe(true);
  });

  test('multi-entry read puts the index in data[0]', () => {
    const p = encodeNvReadRequest(6828, { index: 2 });
    expect(p[3]).toBe(2);
  });

  test('write request carries the data, zero-padded, and round-trips', () => {
    const p = encodeNvWriteRequest(0x1234, Uint8Array.of(1, 2, 3));
    expect(p[0]).toBe(0x27);
    const d = decodeNvPacket(p);
    expect(d).toMatchObject({ op: 'write', item: 0x1234, context: 0, status: 0, subsystem: false });
    expect(Array.from(d.data.subarray(0, 4))).toEqual([1, 2, 3, 0]);
    expect(d.data).toHaveLength(128);
  });

  test('a context other than 0 uses 4B 30: sub, item, context, data[128], status = 138 bytes', () => {
    const p = encodeNvReadRequest(550, { context: 1 });
    expect(p).toHaveLength(138);
    expect(Array.from(p.subarray(0, 8))).toEqual([0x4b, 0x30, 0x01, 0x00, 0x26, 0x02, 0x01, 0x00]);
    const w = encodeNvWriteRequest(550, Uint8Array.of(9), { context: 1 });
    expect(w[2]).toBe(2);
    expect(w[8]).toBe(9);
    const resp = encodeNvPacket({ op: 'read', item: 550, context: 1, data: Uint8Array.of(7), status: 5 });
    expect(decodeNvPacket(resp)).toMatchObject({ op: 'read', item: 550, context: 1, status: 5, subsystem: true });
    expect(resp[136]).toBe(5);
  });

  test('status is the last u16 of the 133-byte form', () => {
    const resp = encodeNvPacket({ op: 'read', item: 1, status: 0x0107 });
    expect(resp[131]).toBe(0x07);
    expect(resp[132]).toBe(0x01);
    expect(decodeNvPacket(resp).status).toBe(0x0107);
  });

  test('truncated packets throw DiagProtocolError saying so, at every length', () => {
    const full = encodeNvPacket({ op: 'read', item: 550, status: 0 });
    for (let n = 1; n < full.length; n++) expect(() => decodeNvPacket(full.subarray(0, n))).toThrow(/truncated/);
    const sub = encodeNvPacket({ op: 'read', item: 550, context: 1 });
    for (let n = 1; n < sub.length; n++) expect(() => decodeNvPacket(sub.subarray(0, n))).toThrow(DiagProtocolError);
  });

  test('data over 128 bytes and items out of range are refused', () => {
    expect(() => encodeNvWriteRequest(1, new Uint8Array(129))).toThrow(RangeError);
    expect(() => encodeNvReadRequest(70000)).toThrow(RangeError);
  });

  test('status names and sentences', () => {
    expect(nvStatusName(5)).toBe('NOTACTIVE');
    expect(nvStatusSentence(7)).toMatch(/write-protected/);
    expect(nvStatusSentence(99)).toMatch(/unknown NV status 99/);
  });
});

describe('identity commands', () => {
  test('VERNO round trip; model byte at offset 49', () => {
    const info = {
      compDate: 'Jan 01 2024',
      compTime: '10:11:12',
      relDate: 'Jan 02 2024',
      relTime: '13:14:15',
      verDir: 'MPSS',
      scm: 1,
      caiRev: 2,
      model: 0xb5,
      firmRev: 0x0203,
      slotCycleIndex: 4,
      hwMajor: 5,
      hwMinor: 6,
    };
    const p = encodeVersionResponse(info);
    expect(p).toHaveLength(55);
    expect(p[49]).toBe(0xb5);
    expect(decodeVersionResponse(p)).toEqual(info);
    // Devices that stop after the model byte still decode.
    expect(decodeVersionResponse(p.subarray(0, 50)).model).toBe(0xb5);
    expect(() => decodeVersionResponse(p.subarray(0, 49))).toThrow(/truncated/);
  });

  test('EXT_BUILD_ID: strings start at offset 12', () => {
    const p = encodeExtBuildIdResponse({
      msmHwVersion: 0x12345678,
      mobileModelId: 0x9abc,
      build: 'BUILD',
      model: 'EC25',
    });
    expect(new TextDecoder().decode(p.subarray(12, 17))).toBe('BUILD');
    expect(decodeExtBuildIdResponse(p)).toEqual({
      msmHwVersion: 0x12345678,
      mobileModelId: 0x9abc,
      build: 'BUILD',
      model: 'EC25',
    });
    expect(decodeExtBuildIdResponse(p.subarray(0, 12))).toMatchObject({ build: '', model: '' });
  });

  test('FEATURE_QUERY: u16 length + mask, verbatim; a length beyond the packet is refused', () => {
    const mask = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
    expect(Array.from(decodeFeatureQueryResponse(encodeFeatureQueryResponse(mask)))).toEqual(Array.from(mask));
    expect(() => decodeFeatureQueryResponse(Uint8Array.of(0x51, 10, 0, 1, 2))).toThrow(
      /announces 10 bytes but carries 2/,
    );
  });
});

describe('SPC, CONTROL, EDL switch', () => {
  test('SPC request is 41 + 6 ASCII digits; response 41 01 = accepted', () => {
    expect(Array.from(encodeSpcRequest())).toEqual([0x41, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30]);
    expect(decodeSpcRequest(encodeSpcRequest('123456'))).toBe('123456');
    expect(() => encodeSpcRequest('12345')).toThrow(RangeError);
    expect(decodeSpcResponse(Uint8Array.of(0x41, 1))).toBe(true);
    expect(decodeSpcResponse(Uint8Array.of(0x41, 0))).toBe(false);
    expect(() => decodeSpcResponse(Uint8Array.of(0x41))).toThrow(/truncated/);
  });

  test('CONTROL is 29 u16 mode', () => {
    expect(Array.from(encodeControlPacket(2))).toEqual([0x29, 0x02, 0x00]);
    expect(decodeControlPacket(Uint8Array.of(0x29, 0x05, 0x00))).toBe(5);
  });

  test('EDL switch request is 4B 65 01 00', () => {
    expect(Array.from(EDL_SWITCH_REQUEST)).toEqual([0x4b, 0x65, 0x01, 0x00]);
    expect(isEdlSwitchRequest(Uint8Array.of(0x4b, 0x65, 0x01, 0x00))).toBe(true);
    expect(isEdlSwitchRequest(Uint8Array.of(0x4b, 0x65, 0x00, 0x00))).toBe(false);
  });
});

describe('error responses, unsolicited frames, matching', () => {
  test('error response echoes the request; every code has a sentence', () => {
    const req = encodeNvReadRequest(5);
    const e = encodeDiagErrorResponse(DIAG_CMD.BAD_SPC_MODE, req);
    expect(isDiagErrorResponse(e)).toBe(true);
    const d = decodeDiagErrorResponse(e);
    expect(d.code).toBe(0x42);
    expect(Array.from(d.echo)).toEqual(Array.from(req));
    expect(diagErrorSentence(0x13)).toMatch(/does not support this command/);
    expect(diagErrorSentence(0x14)).toMatch(/bad parameters/);
    expect(diagErrorSentence(0x42)).toMatch(/needs the SPC code first/);
    expect(diagErrorSentence(0x47)).toMatch(/security/);
    expect(diagErrorSentence(0x18)).toMatch(/mode/);
    expect(diagErrorSentence(0x15)).toMatch(/length/);
    expect(encodeDiagErrorResponse(0x13, new Uint8Array(1000), 16)).toHaveLength(17);
  });

  test('log, event and message frames are unsolicited; answers are not', () => {
    for (const c of [0x10, 0x60, 0x79, 0x7d, 0x92, 0x99]) expect(isUnsolicited(Uint8Array.of(c, 0))).toBe(true);
    for (const c of [0x00, 0x26, 0x4b, 0x7c, 0x13]) expect(isUnsolicited(Uint8Array.of(c, 0))).toBe(false);
  });

  test('matchKey: request and answer agree; subsystems and EFS commands are told apart', () => {
    expect(matchKey(encodeNvReadRequest(550))).toBe(
      matchKey(encodeNvPacket({ op: 'read', item: 550, data: Uint8Array.of(1), status: 5 })),
    );
    expect(matchKey(encodeNvReadRequest(550))).not.toBe(matchKey(encodeNvWriteRequest(550, new Uint8Array(1))));
    expect(matchKey(Uint8Array.of(0x4b, 0x13, 0x04, 0x00, 1, 2))).toBe(
      matchKey(Uint8Array.of(0x4b, 0x13, 0x04, 0x00, 9)),
    );
    expect(matchKey(Uint8Array.of(0x4b, 0x13, 0x04, 0x00))).not.toBe(matchKey(Uint8Array.of(0x4b, 0x13, 0x05, 0x00)));
  });

  test('describeRequest names commands for messages', () => {
    expect(describeRequest(encodeNvReadRequest(550))).toBe('NV_READ of NV item 550');
    expect(describeRequest(encodeNvReadRequest(550, { context: 1 }))).toBe('NV read (4B 30) of item 550 context 1');
    expect(describeRequest(Uint8Array.of(0x4b, 0x13, 0x02, 0x00))).toBe('EFS command 2 (4B 13)');
    expect(describeRequest(EDL_SWITCH_REQUEST)).toMatch(/EDL/);
    expect(describeRequest(Uint8Array.of(0xee))).toBe('command 0xEE');
  });
});
