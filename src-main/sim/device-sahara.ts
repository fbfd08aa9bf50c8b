// Sahara as the Primary Boot Loader sees it: the device's own decoder of what a host sends and
// encoder of what the PBL sends, independent of the host's codec (src-main/protocol/sahara.ts)
// so a misreading shared by both sides cannot pass the tests. Every field is a little-endian u32;
// a packet starts with {command, length}, length counting the whole packet.
//
// Like a PBL it is strict about what matters (the command it expects, the length that command
// has) and ignores what it does not use: the reserved words of HELLO_RESP (hosts fill them with
// anything; bkerler/edl sends 1..6, issue 585) and the status word a host puts in it.

/** Commands by number, as the PBL names them. */
export const PblCommand = {
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

export const PblMode = { IMAGE_TX_PENDING: 0, IMAGE_TX_COMPLETE: 1, MEMORY_DEBUG: 2, COMMAND: 3 } as const;

/** END_OF_IMAGE_TX status values this PBL sends. */
export const PblStatus = {
  SUCCESS: 0x00,
  INVALID_CMD: 0x01,
  PROTOCOL_MISMATCH: 0x02,
  INVALID_PACKET_SIZE: 0x05,
  INVALID_DATA_SIZE: 0x08,
  UNSUPPORTED_NUM_PHDRS: 0x0e,
  INVALID_PHDR_SIZE: 0x0f,
  UNINIT_PHDR_LOC: 0x11,
  INVALID_ELF_HDR: 0x14,
  INVALID_HOST_MODE: 0x18,
  INVALID_MODE_SWITCH: 0x1c,
  EXEC_CMD_UNSUPPORTED: 0x1f,
  EXEC_DATA_INVALID_CLIENT_CMD: 0x20,
  HASH_VERIFICATION_FAILURE: 0x22,
  HASH_TABLE_NOT_FOUND: 0x23,
  IMAGE_AUTH_FAILURE: 0x25,
  INVALID_IMG_HASH_TABLE_SIZE: 0x26,
} as const;

const STATUS_NAMES = new Map<number, string>(
  Object.entries(PblStatus).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, ' ')]),
);

export function statusName(status: number): string {
  return STATUS_NAMES.get(status) ?? `status 0x${status.toString(16)}`;
}

export const PBL_HEADER_BYTES = 8;
/** The PBL's command buffer: no host packet is longer. */
export const PBL_MAX_PACKET = 0x400;

/** Lengths of the packets a host may send, by command. */
const HOST_LENGTHS = new Map<number, number>([
  [PblCommand.HELLO_RESP, 0x30],
  [PblCommand.DONE, 0x08],
  [PblCommand.RESET, 0x08],
  [PblCommand.MEMORY_READ, 0x10],
  [PblCommand.CMD_SWITCH_MODE, 0x0c],
  [PblCommand.CMD_EXEC, 0x0c],
  [PblCommand.CMD_EXEC_DATA, 0x0c],
  [PblCommand.MEMORY_READ_64, 0x18],
  [PblCommand.RESET_STATE_MACHINE, 0x08],
]);

export type HostPacket =
  | { kind: 'hello-resp'; version: number; versionCompatible: number; mode: number }
  | { kind: 'done' }
  | { kind: 'reset' }
  | { kind: 'memory-read' }
  | { kind: 'switch-mode'; mode: number }
  | { kind: 'exec'; clientCommand: number }
  | { kind: 'exec-data'; clientCommand: number }
  | { kind: 'reset-state-machine' };

/** A host packet this PBL cannot take; `status` is what it answers in END_OF_IMAGE_TX. */
export class HostPacketError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HostPacketError';
  }
}

const u32 = (b: Uint8Array, at: number): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

/** From the first 8 bytes: the whole packet's length, checked against the command's own. */
export function hostPacketLength(header: Uint8Array): number {
  if (header.length < PBL_HEADER_BYTES)
    throw new HostPacketError(
      PblStatus.INVALID_PACKET_SIZE,
      `a packet needs ${PBL_HEADER_BYTES} bytes, got ${header.length}`,
    );
  const command = u32(header, 0);
  const length = u32(header, 4);
  const want = HOST_LENGTHS.get(command);
  if (want === undefined)
    throw new HostPacketError(PblStatus.INVALID_CMD, `command 0x${command.toString(16)} is not one a host sends`);
  if (length !== want)
    throw new HostPacketError(
      PblStatus.INVALID_PACKET_SIZE,
      `command 0x${command.toString(16)} with length 0x${length.toString(16)} (it is 0x${want.toString(16)})`,
    );
  return length;
}

/** Decode a whole host packet (its length already checked by hostPacketLength). */
export function readHostPacket(bytes: Uint8Array): HostPacket {
  const length = hostPacketLength(bytes);
  if (bytes.length < length)
    throw new HostPacketError(PblStatus.INVALID_PACKET_SIZE, `packet cut short: ${bytes.length} of ${length} bytes`);
  const w = (i: number): number => u32(bytes, PBL_HEADER_BYTES + 4 * i);
  switch (u32(bytes, 0)) {
    case PblCommand.HELLO_RESP:
      // words: version, version_compatible, status, mode, reserved x6 (ignored)
      return { kind: 'hello-resp', version: w(0), versionCompatible: w(1), mode: w(3) };
    case PblCommand.DONE:
      return { kind: 'done' };
    case PblCommand.RESET:
      return { kind: 'reset' };
    case PblCommand.CMD_SWITCH_MODE:
      return { kind: 'switch-mode', mode: w(0) };
    case PblCommand.CMD_EXEC:
      return { kind: 'exec', clientCommand: w(0) };
    case PblCommand.CMD_EXEC_DATA:
      return { kind: 'exec-data', clientCommand: w(0) };
    case PblCommand.RESET_STATE_MACHINE:
      return { kind: 'reset-state-machine' };
    default:
      return { kind: 'memory-read' };
  }
}

// --- what the PBL sends ----------------------------------------------------------------------

function packet(command: number, length: number, words: readonly number[]): Uint8Array {
  const out = new Uint8Array(length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, command, true);
  dv.setUint32(4, length, true);
  words.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
      throw new RangeError(`word ${i} of command 0x${command.toString(16)} is not a u32: ${v}`);
    dv.setUint32(PBL_HEADER_BYTES + 4 * i, v, true);
  });
  return out;
}

/** HELLO: 0x30 bytes, version, version_compatible, max command packet length, mode, six zero words. */
export function helloPacket(
  version: number,
  versionCompatible: number,
  maxCommandPacket: number,
  mode: number,
): Uint8Array {
  return packet(PblCommand.HELLO, 0x30, [version, versionCompatible, maxCommandPacket, mode]);
}

export function readDataPacket(imageId: number, offset: number, length: number): Uint8Array {
  return packet(PblCommand.READ_DATA, 0x14, [imageId, offset, length]);
}

export function endOfImagePacket(imageId: number, status: number): Uint8Array {
  return packet(PblCommand.END_OF_IMAGE_TX, 0x10, [imageId, status]);
}

export function doneRespPacket(imageTxStatus: number): Uint8Array {
  return packet(PblCommand.DONE_RESP, 0x0c, [imageTxStatus]);
}

export function resetRespPacket(): Uint8Array {
  return packet(PblCommand.RESET_RESP, 0x08, []);
}

export function cmdReadyPacket(): Uint8Array {
  return packet(PblCommand.CMD_READY, 0x08, []);
}

export function execRespPacket(clientCommand: number, responseLength: number): Uint8Array {
  return packet(PblCommand.CMD_EXEC_RESP, 0x10, [clientCommand, responseLength]);
}

export function modeText(mode: number): string {
  return mode === PblMode.IMAGE_TX_PENDING
    ? 'image transfer'
    : mode === PblMode.COMMAND
      ? 'command'
      : mode === PblMode.IMAGE_TX_COMPLETE
        ? 'image transfer complete'
        : `mode ${mode}`;
}
