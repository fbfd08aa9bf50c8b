// DIAG command packets (the payloads inside HDLC frames), both directions: the host encodes
// requests and decodes responses; the virtual modem decodes requests and encodes responses.
// Pure: bytes in, values out. Malformed packets throw DiagProtocolError with what was wrong.
// All fields little-endian.

import { DiagProtocolError, PacketReader, PacketWriter, asciiOf, textBytes } from './diag-packet.js';

export const DIAG_CMD = {
  VERNO: 0x00,
  LOG: 0x10,
  BAD_CMD: 0x13,
  BAD_PARM: 0x14,
  BAD_LEN: 0x15,
  BAD_MODE: 0x18,
  NV_READ: 0x26,
  NV_WRITE: 0x27,
  CONTROL: 0x29,
  DLOAD: 0x3a,
  SPC: 0x41,
  BAD_SPC_MODE: 0x42,
  BAD_SEC_MODE: 0x47,
  SUBSYS: 0x4b,
  FEATURE_QUERY: 0x51,
  EVENT: 0x60,
  EXT_MSG: 0x79,
  EXT_BUILD_ID: 0x7c,
  EXT_MSG_CONFIG: 0x7d,
  QSR_EXT_MSG_TERSE: 0x92,
  QSR4_EXT_MSG_TERSE: 0x99,
} as const;

export const DIAG_SUBSYS = { EFS: 0x13, NV: 0x30, EDL_SWITCH: 0x65 } as const;

/** The Quectel (and others) "reboot to EDL" request: 4B 65 01 00; the module echoes it. */
export const EDL_SWITCH_REQUEST: Readonly<Uint8Array> = Uint8Array.of(0x4b, 0x65, 0x01, 0x00);

export { DiagProtocolError, PacketReader, PacketWriter } from './diag-packet.js';

// --- matching responses to requests and unsolicited frames --------------------------------

const UNSOLICITED = new Set<number>([
  DIAG_CMD.LOG,
  DIAG_CMD.EVENT,
  DIAG_CMD.EXT_MSG,
  DIAG_CMD.EXT_MSG_CONFIG,
  DIAG_CMD.QSR_EXT_MSG_TERSE,
  DIAG_CMD.QSR4_EXT_MSG_TERSE,
]);

/**
 * Log, event and message frames the modem sends on its own. A host pairs answers first and drops
 * these only when no request of the same command is waiting (0x7D also answers message config).
 */
export function isUnsolicited(payload: Uint8Array): boolean {
  const c = payload[0];
  return c !== undefined && UNSOLICITED.has(c);
}

/**
 * The key pairing a response with its request: the command byte; for 0x4B the subsystem and its
 * command; for NV reads/writes also the item (and the context for 4B 30), so pipelined reads of
 * different items pair correctly. Requests and responses of one exchange give the same key.
 */
export function matchKey(payload: Uint8Array): string {
  const c = payload[0];
  if (c === undefined) return 'empty';
  if (c === DIAG_CMD.SUBSYS) {
    if (payload.length < 4) return `4b:short`;
    const subsys = payload[1]!;
    const sub = payload[2]! | (payload[3]! << 8);
    if (subsys === DIAG_SUBSYS.NV && payload.length >= 8) {
      return `4b:${subsys}:${sub}:${payload[4]! | (payload[5]! << 8)}:${payload[6]! | (payload[7]! << 8)}`;
    }
    return `4b:${subsys}:${sub}`;
  }
  if ((c === DIAG_CMD.NV_READ || c === DIAG_CMD.NV_WRITE) && payload.length >= 3)
    return `${c}:${payload[1]! | (payload[2]! << 8)}`;
  return `${c}`;
}

// --- error responses ----------------------------------------------------------------------

const ERROR_SENTENCES: Record<number, [string, string]> = {
  [DIAG_CMD.BAD_CMD]: ['BAD_CMD', 'the modem does not support this command'],
  [DIAG_CMD.BAD_PARM]: ['BAD_PARM', "the modem rejected the command's parameters (bad parameters)"],
  [DIAG_CMD.BAD_LEN]: ['BAD_LEN', 'the command has a length this modem does not expect'],
  [DIAG_CMD.BAD_MODE]: [
    'BAD_MODE',
    'the modem is in a mode that does not allow this command (it may need to be offline)',
  ],
  [DIAG_CMD.BAD_SPC_MODE]: ['BAD_SPC_MODE', 'the modem needs the SPC code first'],
  [DIAG_CMD.BAD_SEC_MODE]: ['BAD_SEC_MODE', "the modem's security mode does not allow this command"],
};

export function isDiagErrorResponse(payload: Uint8Array): boolean {
  const c = payload[0];
  return c !== undefined && ERROR_SENTENCES[c] !== undefined;
}

/** "BAD_CMD", or "0x13" style for unknown codes. */
export function diagErrorName(code: number): string {
  return ERROR_SENTENCES[code]?.[0] ?? `0x${code.toString(16).padStart(2, '0')}`;
}

export function diagErrorSentence(code: number): string {
  return ERROR_SENTENCES[code]?.[1] ?? `the modem answered with error code 0x${code.toString(16).padStart(2, '0')}`;
}

export interface DiagErrorResponse {
  code: number;
  /** The start of the request the modem refused, as it echoed it (may be cut short). */
  echo: Uint8Array;
}

export function decodeDiagErrorResponse(payload: Uint8Array): DiagErrorResponse {
  if (!isDiagErrorResponse(payload))
    throw new DiagProtocolError(`Not a DIAG error response (command 0x${(payload[0] ?? 0).toString(16)}).`);
  return { code: payload[0]!, echo: payload.slice(1) };
}

/** Device side: refuse a request, echoing it (cut to maxEcho bytes). */
export function encodeDiagErrorResponse(code: number, request: Uint8Array, maxEcho = 256): Uint8Array {
  const out = new Uint8Array(1 + Math.min(request.length, maxEcho));
  out[0] = code;
  out.set(request.subarray(0, out.length - 1), 1);
  return out;
}

// --- VERNO (0x00) -------------------------------------------------------------------------

export interface DiagVersionInfo {
  compDate: string;
  compTime: string;
  relDate: string;
  relTime: string;
  verDir: string;
  scm: number;
  caiRev: number;
  model: number;
  firmRev: number;
  slotCycleIndex: number;
  hwMajor: number;
  hwMinor: number;
}

/** VERNO response: cmd, comp_date[11], comp_time[8], rel_date[11], rel_time[8], ver_dir[8], scm, cai, model, u16 firm, slot, hw_maj, hw_min (55 bytes). */
export const VERNO_RESPONSE_LEN = 55;

export function encodeVersionRequest(): Uint8Array {
  return Uint8Array.of(DIAG_CMD.VERNO);
}

export function encodeVersionResponse(v: DiagVersionInfo): Uint8Array {
  return new PacketWriter(VERNO_RESPONSE_LEN)
    .u8(DIAG_CMD.VERNO)
    .fixedString(v.compDate, 11)
    .fixedString(v.compTime, 8)
    .fixedString(v.relDate, 11)
    .fixedString(v.relTime, 8)
    .fixedString(v.verDir, 8)
    .u8(v.scm)
    .u8(v.caiRev)
    .u8(v.model)
    .u16(v.firmRev)
    .u8(v.slotCycleIndex)
    .u8(v.hwMajor)
    .u8(v.hwMinor)
    .finish();
}

/** Needs at least the fields up to the model byte (50 bytes); later fields default to 0. */
export function decodeVersionResponse(payload: Uint8Array): DiagVersionInfo {
  const r = new PacketReader(payload, 'The version answer (VERNO)');
  if (r.u8() !== DIAG_CMD.VERNO) throw new DiagProtocolError('The version answer does not start with 0x00.');
  const compDate = r.fixedString(11);
  const compTime = r.fixedString(8);
  const relDate = r.fixedString(11);
  const relTime = r.fixedString(8);
  const verDir = r.fixedString(8);
  const scm = r.u8();
  const caiRev = r.u8();
  const model = r.u8();
  const opt = (read: () => number, n: number): number => (r.remaining >= n ? read() : 0);
  const firmRev = opt(() => r.u16(), 2);
  const slotCycleIndex = opt(() => r.u8(), 1);
  const hwMajor = opt(() => r.u8(), 1);
  const hwMinor = opt(() => r.u8(), 1);
  return {
    compDate,
    compTime,
    relDate,
    relTime,
    verDir,
    scm,
    caiRev,
    model,
    firmRev,
    slotCycleIndex,
    hwMajor,
    hwMinor,
  };
}

// --- EXT_BUILD_ID (0x7C) ------------------------------------------------------------------

export interface ExtBuildId {
  msmHwVersion: number;
  mobileModelId: number;
  build: string;
  model: string;
}

export function encodeExtBuildIdRequest(): Uint8Array {
  return Uint8Array.of(DIAG_CMD.EXT_BUILD_ID);
}

/** cmd, u8 format, 2 reserved, u32 msm_hw, u32 mobile_model_id, build\0, model\0 (strings at offset 12). */
export function encodeExtBuildIdResponse(b: ExtBuildId, format = 2): Uint8Array {
  return new PacketWriter()
    .u8(DIAG_CMD.EXT_BUILD_ID)
    .u8(format)
    .u16(0)
    .u32(b.msmHwVersion)
    .u32(b.mobileModelId)
    .cstring(b.build)
    .cstring(b.model)
    .finish();
}

export function decodeExtBuildIdResponse(payload: Uint8Array): ExtBuildId {
  const r = new PacketReader(payload, 'The build id answer (EXT_BUILD_ID)');
  if (r.u8() !== DIAG_CMD.EXT_BUILD_ID) throw new DiagProtocolError('The build id answer does not start with 0x7C.');
  r.u8();
  r.u16();
  const msmHwVersion = r.u32();
  const mobileModelId = r.u32();
  const build = r.remaining > 0 ? r.cstring() : '';
  const model = r.remaining > 0 ? r.cstring() : '';
  return { msmHwVersion, mobileModelId, build, model };
}

// --- FEATURE_QUERY (0x51) -----------------------------------------------------------------

export function encodeFeatureQueryRequest(): Uint8Array {
  return Uint8Array.of(DIAG_CMD.FEATURE_QUERY);
}

export function encodeFeatureQueryResponse(mask: Uint8Array): Uint8Array {
  return new PacketWriter(3 + mask.length).u8(DIAG_CMD.FEATURE_QUERY).u16(mask.length).bytes(mask).finish();
}

/** The mask bytes, verbatim (the QCN stores them in Feature_Mask). */
export function decodeFeatureQueryResponse(payload: Uint8Array): Uint8Array {
  const r = new PacketReader(payload, 'The feature mask answer (FEATURE_QUERY)');
  if (r.u8() !== DIAG_CMD.FEATURE_QUERY)
    throw new DiagProtocolError('The feature mask answer does not start with 0x51.');
  const len = r.u16();
  if (len > r.remaining)
    throw new DiagProtocolError(`The feature mask answer announces ${len} bytes but carries ${r.remaining}.`);
  return r.bytesOf(len);
}

// --- NV items: 0x26 / 0x27 (default context) and 4B 30 (with a context) ----------------------

export const NV_DATA_LEN = 128;
/** cmd, u16 item, data[128], u16 status. */
export const NV_PACKET_LEN = 133;
/** 4B 30 u16 sub, u16 item, u16 context, data[128], u16 status. */
export const NV_SUBSYS_PACKET_LEN = 138;
export const NV_SUBSYS_READ = 1;
export const NV_SUBSYS_WRITE = 2;

export const NV_STATUS = {
  DONE: 0,
  BUSY: 1,
  BADCMD: 2,
  FULL: 3,
  FAIL: 4,
  NOTACTIVE: 5,
  BADPARM: 6,
  READONLY: 7,
  NOTDEF: 8,
} as const;

const NV_STATUS_TEXT: Record<number, [string, string]> = {
  0: ['DONE', 'the item was read or written'],
  1: ['BUSY', 'the modem is busy and did not handle the item'],
  2: ['BADCMD', 'the modem did not understand the NV command'],
  3: ['FULL', "the modem's NV memory is full"],
  4: ['FAIL', 'the modem failed to read or write the item'],
  5: ['NOTACTIVE', 'the item was never written on this modem'],
  6: ['BADPARM', 'the item number or its data is not valid for this modem'],
  7: ['READONLY', 'the item is write-protected on this modem'],
  8: ['NOTDEF', 'the item is not defined on this modem'],
};

export function nvStatusName(status: number): string {
  return NV_STATUS_TEXT[status]?.[0] ?? `status ${status}`;
}

export function nvStatusSentence(status: number): string {
  return NV_STATUS_TEXT[status]?.[1] ?? `the modem answered with unknown NV status ${status}`;
}

export interface NvPacket {
  /** 'read' or 'write' (0x26 / 0x27, or 4B 30 sub 1 / 2). */
  op: 'read' | 'write';
  item: number;
  /** 0 = default (sent as 0x26/0x27); other contexts use 4B 30. */
  context: number;
  /** Always 128 bytes. */
  data: Uint8Array;
  status: number;
  /** Whether the packet used the 4B 30 form. */
  subsystem: boolean;
}

/**
 * One NV packet, request or response (same layout both ways). Context 0 uses 0x26/0x27 unless
 * forceSubsystem; other contexts use 4B 30. data (at most 128 bytes) is zero-padded.
 */
export function encodeNvPacket(p: {
  op: 'read' | 'write';
  item: number;
  context?: number;
  data?: Uint8Array;
  status?: number;
  forceSubsystem?: boolean;
}): Uint8Array {
  const data = p.data ?? new Uint8Array(0);
  if (data.length > NV_DATA_LEN) throw new RangeError(`NV item data of ${data.length} bytes exceeds ${NV_DATA_LEN}.`);
  if (!Number.isInteger(p.item) || p.item < 0 || p.item > 0xffff)
    throw new RangeError(`NV item ${p.item} is out of range.`);
  const context = p.context ?? 0;
  const padded = new Uint8Array(NV_DATA_LEN);
  padded.set(data);
  if (context === 0 && !p.forceSubsystem) {
    return new PacketWriter(NV_PACKET_LEN)
      .u8(p.op === 'read' ? DIAG_CMD.NV_READ : DIAG_CMD.NV_WRITE)
      .u16(p.item)
      .bytes(padded)
      .u16(p.status ?? 0)
      .finish();
  }
  return new PacketWriter(NV_SUBSYS_PACKET_LEN)
    .u8(DIAG_CMD.SUBSYS)
    .u8(DIAG_SUBSYS.NV)
    .u16(p.op === 'read' ? NV_SUBSYS_READ : NV_SUBSYS_WRITE)
    .u16(p.item)
    .u16(context)
    .bytes(padded)
    .u16(p.status ?? 0)
    .finish();
}

/** A read request; a multi-entry item takes its entry index in data[0]. */
export function encodeNvReadRequest(item: number, opts: { context?: number; index?: number } = {}): Uint8Array {
  const data = opts.index !== undefined ? Uint8Array.of(opts.index & 0xff) : undefined;
  return encodeNvPacket({
    op: 'read',
    item,
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(data ? { data } : {}),
  });
}

export function encodeNvWriteRequest(item: number, data: Uint8Array, opts: { context?: number } = {}): Uint8Array {
  return encodeNvPacket({ op: 'write', item, data, ...(opts.context !== undefined ? { context: opts.context } : {}) });
}

export function isNvPacket(payload: Uint8Array): boolean {
  const c = payload[0];
  if (c === DIAG_CMD.NV_READ || c === DIAG_CMD.NV_WRITE) return true;
  return c === DIAG_CMD.SUBSYS && payload[1] === DIAG_SUBSYS.NV;
}

/** Decodes either form, request or response. Truncated packets throw. */
export function decodeNvPacket(payload: Uint8Array): NvPacket {
  const r = new PacketReader(payload, 'The NV item packet');
  const c = r.u8();
  if (c === DIAG_CMD.NV_READ || c === DIAG_CMD.NV_WRITE) {
    if (payload.length < NV_PACKET_LEN)
      throw new DiagProtocolError(
        `The NV item packet is truncated: ${payload.length} bytes instead of ${NV_PACKET_LEN}.`,
      );
    const item = r.u16();
    const data = r.bytesOf(NV_DATA_LEN);
    const status = r.u16();
    return { op: c === DIAG_CMD.NV_READ ? 'read' : 'write', item, context: 0, data, status, subsystem: false };
  }
  if (c === DIAG_CMD.SUBSYS && r.u8() === DIAG_SUBSYS.NV) {
    if (payload.length < NV_SUBSYS_PACKET_LEN)
      throw new DiagProtocolError(
        `The NV item packet (4B 30) is truncated: ${payload.length} bytes instead of ${NV_SUBSYS_PACKET_LEN}.`,
      );
    const sub = r.u16();
    if (sub !== NV_SUBSYS_READ && sub !== NV_SUBSYS_WRITE)
      throw new DiagProtocolError(`The NV item packet (4B 30) has unknown operation ${sub}.`);
    const item = r.u16();
    const context = r.u16();
    const data = r.bytesOf(NV_DATA_LEN);
    const status = r.u16();
    return { op: sub === NV_SUBSYS_READ ? 'read' : 'write', item, context, data, status, subsystem: true };
  }
  throw new DiagProtocolError(`Not an NV item packet (command 0x${c.toString(16)}).`);
}

// --- SPC (0x41), CONTROL (0x29), EDL switch -------------------------------------------------

export function encodeSpcRequest(code = '000000'): Uint8Array {
  if (!/^[0-9]{6}$/.test(code)) throw new RangeError('The SPC code must be 6 digits.');
  return new PacketWriter(7).u8(DIAG_CMD.SPC).bytes(textBytes(code)).finish();
}

export function decodeSpcRequest(payload: Uint8Array): string {
  const r = new PacketReader(payload, 'The SPC request');
  if (r.u8() !== DIAG_CMD.SPC) throw new DiagProtocolError('Not an SPC request.');
  return asciiOf(r.bytesOf(6));
}

export function encodeSpcResponse(accepted: boolean): Uint8Array {
  return Uint8Array.of(DIAG_CMD.SPC, accepted ? 1 : 0);
}

export function decodeSpcResponse(payload: Uint8Array): boolean {
  const r = new PacketReader(payload, 'The SPC answer');
  if (r.u8() !== DIAG_CMD.SPC) throw new DiagProtocolError('The SPC answer does not start with 0x41.');
  return r.u8() === 1;
}

export const CONTROL_MODE = { OFFLINE_A: 0, OFFLINE_D: 1, RESET: 2, FTM: 3, ONLINE: 4, LPM: 5 } as const;

/** CONTROL request and its echo: 29 u16 mode. */
export function encodeControlPacket(mode: number): Uint8Array {
  return new PacketWriter(3).u8(DIAG_CMD.CONTROL).u16(mode).finish();
}

export function decodeControlPacket(payload: Uint8Array): number {
  const r = new PacketReader(payload, 'The CONTROL packet');
  if (r.u8() !== DIAG_CMD.CONTROL) throw new DiagProtocolError('Not a CONTROL packet.');
  return r.u16();
}

export function isEdlSwitchRequest(payload: Uint8Array): boolean {
  return (
    payload.length >= 4 && payload[0] === 0x4b && payload[1] === 0x65 && payload[2] === 0x01 && payload[3] === 0x00
  );
}

/** Short hex preview of a packet for messages: "4B 13 02 00 ...". */
export function hexPreview(bytes: Uint8Array, max = 16): string {
  const parts = Array.from(bytes.subarray(0, max), (b) => b.toString(16).toUpperCase().padStart(2, '0'));
  return parts.join(' ') + (bytes.length > max ? ` ... (${bytes.length} bytes)` : '');
}

/** Name of a request for messages: "NV_READ item 550", "EFS (4B 13) command 4", "0x7C". */
export function describeRequest(payload: Uint8Array): string {
  const c = payload[0];
  if (c === undefined) return 'an empty DIAG request';
  const name =
    Object.entries(DIAG_CMD).find(([, v]) => v === c)?.[0] ??
    `command 0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
  if ((c === DIAG_CMD.NV_READ || c === DIAG_CMD.NV_WRITE) && payload.length >= 3)
    return `${name} of NV item ${payload[1]! | (payload[2]! << 8)}`;
  if (c === DIAG_CMD.SUBSYS && payload.length >= 4) {
    const sub = payload[2]! | (payload[3]! << 8);
    if (payload[1] === DIAG_SUBSYS.NV && payload.length >= 8) {
      return `NV ${sub === NV_SUBSYS_READ ? 'read' : 'write'} (4B 30) of item ${payload[4]! | (payload[5]! << 8)} context ${payload[6]! | (payload[7]! << 8)}`;
    }
    if (payload[1] === DIAG_SUBSYS.EFS) return `EFS command ${sub} (4B 13)`;
    if (isEdlSwitchRequest(payload)) return 'the switch to EDL (4B 65 01 00)';
    return `subsystem 0x${payload[1]!.toString(16)} command ${sub}`;
  }
  return name;
}
