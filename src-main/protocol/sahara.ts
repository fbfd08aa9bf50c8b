// Sahara, the protocol the Primary Boot Loader speaks in EDL mode: packet codec for both
// directions (the host decodes what the virtual PBL encodes and vice versa). Pure: bytes in,
// values out. Every field is little-endian; u32 except the *_64 packets' u64 fields (bigint).
// Decoding is defensive: the length field is checked against what the command allows and
// against a hard maximum before anything is sized by it.

export const SaharaCommand = {
  HELLO: 0x01,
  HELLO_RESP: 0x02,
  READ_DATA: 0x03,
  END_OF_IMAGE_TX: 0x04,
  DONE: 0x05,
  DONE_RESP: 0x06,
  RESET: 0x07,
  RESET_RESP: 0x08,
  MEMORY_DEBUG: 0x09,
  MEMORY_READ: 0x0a,
  CMD_READY: 0x0b,
  CMD_SWITCH_MODE: 0x0c,
  CMD_EXEC: 0x0d,
  CMD_EXEC_RESP: 0x0e,
  CMD_EXEC_DATA: 0x0f,
  MEMORY_DEBUG_64: 0x10,
  MEMORY_READ_64: 0x11,
  READ_DATA_64: 0x12,
  RESET_STATE_MACHINE: 0x13,
} as const;

export const SaharaMode = {
  IMAGE_TX_PENDING: 0,
  IMAGE_TX_COMPLETE: 1,
  MEMORY_DEBUG: 2,
  COMMAND: 3,
} as const;

/** Client commands of COMMAND mode (CMD_EXEC). */
export const SaharaClientCommand = {
  NOP: 0x00,
  SERIAL_NUM_READ: 0x01,
  MSM_HW_ID_READ: 0x02,
  OEM_PK_HASH_READ: 0x03,
  SBL_SW_VERSION: 0x07,
  CMD_ID_LIST: 0x08,
  CHIP_ID_V3_READ: 0x0a,
} as const;

/** Image ids hosts accept for the Firehose programmer (13 on MDM9x07). */
export const PROGRAMMER_IMAGE_IDS: readonly number[] = [7, 13, 21];
export const FIREHOSE_IMAGE_ID = 13;

/** The packet header: command id and the whole packet's length. */
export const HEADER_LENGTH = 8;
/** No Sahara command packet is longer than this; anything claiming more is hostile. */
export const MAX_PACKET_LENGTH = 0x400;
export const HELLO_LENGTH = 0x30;
export const HELLO_V1_LENGTH = 0x14;

export type SaharaPacket =
  | { type: 'hello'; version: number; versionCompatible: number; maxCommandPacketLength: number; mode: number }
  | { type: 'hello-resp'; version: number; versionCompatible: number; status: number; mode: number }
  | { type: 'read-data'; imageId: number; offset: number; length: number }
  | { type: 'end-of-image-tx'; imageId: number; status: number }
  | { type: 'done' }
  | { type: 'done-resp'; imageTxStatus: number }
  | { type: 'reset' }
  | { type: 'reset-resp' }
  | { type: 'memory-debug'; tableAddress: number; tableLength: number }
  | { type: 'memory-read'; address: number; length: number }
  | { type: 'cmd-ready' }
  | { type: 'cmd-switch-mode'; mode: number }
  | { type: 'cmd-exec'; clientCommand: number }
  | { type: 'cmd-exec-resp'; clientCommand: number; responseLength: number }
  | { type: 'cmd-exec-data'; clientCommand: number }
  | { type: 'memory-debug-64'; tableAddress: bigint; tableLength: bigint }
  | { type: 'memory-read-64'; address: bigint; length: bigint }
  | { type: 'read-data-64'; imageId: bigint; offset: bigint; length: bigint }
  | { type: 'reset-state-machine' };

export type SaharaPacketType = SaharaPacket['type'];
export type SaharaPacketOf<T extends SaharaPacketType> = Extract<SaharaPacket, { type: T }>;

type FieldKind = 'u32' | 'u64';

interface PacketSpec {
  command: number;
  type: SaharaPacketType;
  /** Allowed values of the length field; the first is what the encoder writes. */
  lengths: readonly number[];
  /** Fields after the header, in order. Fields past a shorter allowed length decode as 0. */
  fields: readonly (readonly [name: string, kind: FieldKind])[];
}

const u32 = (name: string): readonly [string, FieldKind] => [name, 'u32'];
const u64 = (name: string): readonly [string, FieldKind] => [name, 'u64'];

const SPECS: readonly PacketSpec[] = [
  // HELLO is 0x30 long (4 words + 6 reserved); the old v1 form is 0x14: words past its end decode as 0 (mode 0).
  {
    command: 0x01,
    type: 'hello',
    lengths: [HELLO_LENGTH, HELLO_V1_LENGTH],
    fields: [u32('version'), u32('versionCompatible'), u32('maxCommandPacketLength'), u32('mode')],
  },
  {
    command: 0x02,
    type: 'hello-resp',
    lengths: [HELLO_LENGTH],
    fields: [u32('version'), u32('versionCompatible'), u32('status'), u32('mode')],
  },
  { command: 0x03, type: 'read-data', lengths: [0x14], fields: [u32('imageId'), u32('offset'), u32('length')] },
  { command: 0x04, type: 'end-of-image-tx', lengths: [0x10], fields: [u32('imageId'), u32('status')] },
  { command: 0x05, type: 'done', lengths: [0x08], fields: [] },
  { command: 0x06, type: 'done-resp', lengths: [0x0c], fields: [u32('imageTxStatus')] },
  { command: 0x07, type: 'reset', lengths: [0x08], fields: [] },
  { command: 0x08, type: 'reset-resp', lengths: [0x08], fields: [] },
  { command: 0x09, type: 'memory-debug', lengths: [0x10], fields: [u32('tableAddress'), u32('tableLength')] },
  { command: 0x0a, type: 'memory-read', lengths: [0x10], fields: [u32('address'), u32('length')] },
  { command: 0x0b, type: 'cmd-ready', lengths: [0x08], fields: [] },
  { command: 0x0c, type: 'cmd-switch-mode', lengths: [0x0c], fields: [u32('mode')] },
  { command: 0x0d, type: 'cmd-exec', lengths: [0x0c], fields: [u32('clientCommand')] },
  { command: 0x0e, type: 'cmd-exec-resp', lengths: [0x10], fields: [u32('clientCommand'), u32('responseLength')] },
  { command: 0x0f, type: 'cmd-exec-data', lengths: [0x0c], fields: [u32('clientCommand')] },
  { command: 0x10, type: 'memory-debug-64', lengths: [0x18], fields: [u64('tableAddress'), u64('tableLength')] },
  { command: 0x11, type: 'memory-read-64', lengths: [0x18], fields: [u64('address'), u64('length')] },
  { command: 0x12, type: 'read-data-64', lengths: [0x20], fields: [u64('imageId'), u64('offset'), u64('length')] },
  { command: 0x13, type: 'reset-state-machine', lengths: [0x08], fields: [] },
];

const BY_COMMAND = new Map(SPECS.map((s) => [s.command, s]));
const BY_TYPE = new Map(SPECS.map((s) => [s.type, s]));

export type SaharaPacketProblem = 'truncated' | 'bad-length' | 'too-long' | 'unknown-command';

/** A packet that breaks the protocol; `preview` shows its first bytes in hex. */
export class SaharaPacketError extends Error {
  constructor(
    readonly problem: SaharaPacketProblem,
    message: string,
    readonly preview: string,
  ) {
    super(message);
    this.name = 'SaharaPacketError';
  }
}

export interface SaharaPacketHeader {
  command: number;
  length: number;
}

/** "01 00 00 00 30 00 ..." of the first `max` bytes. */
export function hexPreview(bytes: Uint8Array, max = 32): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} ... (${bytes.length} bytes)` : shown || '(no bytes)';
}

export function hex32(n: number): string {
  return `0x${n.toString(16)}`;
}

export function commandName(command: number): string {
  const spec = BY_COMMAND.get(command);
  return spec ? spec.type.toUpperCase().replace(/-/g, '_') : `unknown command ${hex32(command)}`;
}

export function modeName(mode: number): string {
  switch (mode) {
    case SaharaMode.IMAGE_TX_PENDING:
      return 'image transfer';
    case SaharaMode.IMAGE_TX_COMPLETE:
      return 'image transfer complete';
    case SaharaMode.MEMORY_DEBUG:
      return 'memory debug (crash dump)';
    case SaharaMode.COMMAND:
      return 'command';
    default:
      return `unknown mode ${mode}`;
  }
}

/** Validate the 8-byte header: known command, length allowed for it, never above MAX_PACKET_LENGTH. */
export function readPacketHeader(bytes: Uint8Array): SaharaPacketHeader {
  const preview = hexPreview(bytes);
  if (bytes.length < HEADER_LENGTH)
    throw new SaharaPacketError(
      'truncated',
      `a Sahara packet needs at least ${HEADER_LENGTH} bytes, got ${bytes.length}`,
      preview,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const command = dv.getUint32(0, true);
  const length = dv.getUint32(4, true);
  const spec = BY_COMMAND.get(command);
  if (!spec) throw new SaharaPacketError('unknown-command', `unknown Sahara command ${hex32(command)}`, preview);
  if (length > MAX_PACKET_LENGTH)
    throw new SaharaPacketError(
      'too-long',
      `${commandName(command)} claims to be ${hex32(length)} bytes long (at most ${hex32(MAX_PACKET_LENGTH)} is possible)`,
      preview,
    );
  if (!spec.lengths.includes(length)) {
    const want = spec.lengths.map(hex32).join(' or ');
    throw new SaharaPacketError(
      'bad-length',
      `${commandName(command)} has length ${hex32(length)}, expected ${want}`,
      preview,
    );
  }
  return { command, length };
}

/** Decode the packet at the start of `bytes` (bytes past its length field are ignored). */
export function decodePacket(bytes: Uint8Array): SaharaPacket {
  const { command, length } = readPacketHeader(bytes);
  if (bytes.length < length) {
    throw new SaharaPacketError(
      'truncated',
      `${commandName(command)} is ${hex32(length)} bytes long but only ${bytes.length} arrived`,
      hexPreview(bytes),
    );
  }
  const spec = BY_COMMAND.get(command)!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, length);
  const out: Record<string, unknown> = { type: spec.type };
  let at = HEADER_LENGTH;
  for (const [name, kind] of spec.fields) {
    const size = kind === 'u32' ? 4 : 8;
    if (at + size <= length) out[name] = kind === 'u32' ? dv.getUint32(at, true) : dv.getBigUint64(at, true);
    else out[name] = kind === 'u32' ? 0 : 0n;
    at += size;
  }
  return out as SaharaPacket;
}

/** Encode any packet (its canonical length: HELLO is always the 0x30 form). */
export function encodePacket(packet: SaharaPacket): Uint8Array {
  const spec = BY_TYPE.get(packet.type)!;
  const length = spec.lengths[0]!;
  const out = new Uint8Array(length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, spec.command, true);
  dv.setUint32(4, length, true);
  const values = packet as unknown as Record<string, unknown>;
  let at = HEADER_LENGTH;
  for (const [name, kind] of spec.fields) {
    const v = values[name];
    if (kind === 'u32') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
        throw new RangeError(`${packet.type}.${name} must be a u32, got ${String(v)}`);
      dv.setUint32(at, v, true);
      at += 4;
    } else {
      if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn)
        throw new RangeError(`${packet.type}.${name} must be a u64 bigint, got ${String(v)}`);
      dv.setBigUint64(at, v, true);
      at += 8;
    }
  }
  return out;
}

// --- END_OF_IMAGE_TX status codes (public Sahara status list) ----------------------------

export const SaharaStatus = {
  SUCCESS: 0x00,
  INVALID_CMD: 0x01,
  PROTOCOL_MISMATCH: 0x02,
  INVALID_TARGET_PROTOCOL: 0x03,
  INVALID_HOST_PROTOCOL: 0x04,
  INVALID_PACKET_SIZE: 0x05,
  UNEXPECTED_IMAGE_ID: 0x06,
  INVALID_HEADER_SIZE: 0x07,
  INVALID_DATA_SIZE: 0x08,
  INVALID_IMAGE_TYPE: 0x09,
  INVALID_TX_LENGTH: 0x0a,
  INVALID_RX_LENGTH: 0x0b,
  GENERAL_TX_RX_ERROR: 0x0c,
  READ_DATA_ERROR: 0x0d,
  UNSUPPORTED_NUM_PHDRS: 0x0e,
  INVALID_PHDR_SIZE: 0x0f,
  MULTIPLE_SHARED_SEG: 0x10,
  UNINIT_PHDR_LOC: 0x11,
  INVALID_DEST_ADDR: 0x12,
  INVALID_IMG_HDR_DATA_SIZE: 0x13,
  INVALID_ELF_HDR: 0x14,
  UNKNOWN_HOST_ERROR: 0x15,
  TIMEOUT_RX: 0x16,
  TIMEOUT_TX: 0x17,
  INVALID_HOST_MODE: 0x18,
  INVALID_MEMORY_READ: 0x19,
  INVALID_DATA_SIZE_REQUEST: 0x1a,
  MEMORY_DEBUG_NOT_SUPPORTED: 0x1b,
  INVALID_MODE_SWITCH: 0x1c,
  CMD_EXEC_FAILURE: 0x1d,
  EXEC_CMD_INVALID_PARAM: 0x1e,
  EXEC_CMD_UNSUPPORTED: 0x1f,
  EXEC_DATA_INVALID_CLIENT_CMD: 0x20,
  HASH_TABLE_AUTH_FAILURE: 0x21,
  HASH_VERIFICATION_FAILURE: 0x22,
  HASH_TABLE_NOT_FOUND: 0x23,
  TARGET_INIT_FAILURE: 0x24,
  IMAGE_AUTH_FAILURE: 0x25,
  INVALID_IMG_HASH_TABLE_SIZE: 0x26,
  ENUMERATION_FAILURE: 0x27,
  HW_BULK_TRANSFER_ERROR: 0x28,
} as const;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  0x00: 'The module accepted the programmer.',
  0x01: 'The module received a command it did not expect at this point of the transfer.',
  0x02: 'The module and this computer speak incompatible versions of the download protocol (Sahara).',
  0x03: 'The module reported an invalid version of its own download protocol.',
  0x04: 'The module did not accept the download protocol version this computer offered.',
  0x05: 'The module received a message of the wrong size.',
  0x06: 'The module was sent a different image than the one it asked for.',
  0x07: "The programmer's image header has the wrong size.",
  0x08: "The programmer's data has a size the module cannot take.",
  0x09: 'The module does not accept this type of image.',
  0x0a: 'The module could not send data of the requested length.',
  0x0b: 'The module received more or less data than it asked for.',
  0x0c: 'A transfer between the module and this computer failed (USB error).',
  0x0d: 'The module could not read the programmer data this computer sent.',
  0x0e: 'The programmer file has a number of parts (ELF program headers) the module does not support: it is not a programmer for this module.',
  0x0f: "The programmer file's table of parts (ELF program headers) has the wrong entry size: it is not a programmer for this module.",
  0x10: 'The programmer file declares more than one shared memory segment, which the module does not allow.',
  0x11: "The programmer file's table of parts (ELF program headers) is missing or in an invalid place.",
  0x12: 'The programmer wants to load into memory this module does not have: it is made for a different chip.',
  0x13: "The programmer's image header declares an invalid data size.",
  0x14: 'The file sent as programmer is not a valid programmer: its ELF header is invalid.',
  0x15: "The module reported an unknown error on this computer's side of the transfer.",
  0x16: 'The module waited too long for data from this computer.',
  0x17: 'The module timed out sending data to this computer.',
  0x18: 'The module does not support the mode this computer asked for.',
  0x19: 'The module refused to read memory outside the allowed area.',
  0x1a: 'The module refused a request for a data size it cannot handle.',
  0x1b: 'The module does not support memory dumps.',
  0x1c: 'The module refused to switch to the requested mode.',
  0x1d: 'The module failed to run an information request.',
  0x1e: "The module rejected an information request's parameter.",
  0x1f: 'The module does not support this information request.',
  0x20: 'The module was asked for the data of a request it had not run.',
  0x21: "The programmer's signature table did not verify: it is signed for a different module or security key.",
  0x22: 'Part of the programmer does not match its signed checksum: the file is damaged or was modified.',
  0x23: 'The programmer carries no signature (hash table), and this module only runs signed programmers.',
  0x24: 'The module failed to prepare itself for the download.',
  0x25: "The module rejected the programmer's signature: it is made for a different module or security key.",
  0x26: "The programmer's signature table (hash table) has an invalid size.",
  0x27: 'The module failed to set up its USB connection.',
  0x28: 'A USB bulk transfer failed inside the module.',
};

/** One sentence a non-specialist understands, for an END_OF_IMAGE_TX status. */
export function endOfImageStatusText(status: number): string {
  return (
    STATUS_TEXT[status] ?? `The module reported an error this program does not know (Sahara status ${hex32(status)}).`
  );
}
