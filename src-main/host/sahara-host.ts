// The host side of Sahara: answer the PBL's HELLO, optionally read the module's identity in
// COMMAND mode, then serve the Firehose programmer to the PBL's READ_DATA requests until it
// accepts (DONE_RESP) or refuses it (END_OF_IMAGE_TX with an error status). Every wait is
// bounded; every device request is checked before it is acted upon.

import { RescueError, isRescueError } from '../../shared/errors.js';
import type { EventSink, LogLevel } from '../../shared/events.js';
import {
  HEADER_LENGTH,
  PROGRAMMER_IMAGE_IDS,
  SaharaClientCommand,
  SaharaMode,
  SaharaPacketError,
  SaharaStatus,
  decodePacket,
  encodePacket,
  endOfImageStatusText,
  hex32,
  hexPreview,
  modeName,
  readPacketHeader,
  type SaharaPacket,
  type SaharaPacketOf,
} from '../protocol/sahara.js';
import { formatMs } from '../util/deadline.js';
import type { PipeReader } from '../transport/pipe-reader.js';

/**
 * How long to wait for the HELLO before answering one that may have been sent earlier. A USB
 * endpoint keeps the HELLO until it is read, so it normally arrives at once; a serial port
 * flushes its input when opened and loses it, and some modems send it only once. 2 s keeps
 * those cases quick without answering a modem that is still starting.
 */
export const DEFAULT_HELLO_TIMEOUT_MS = 2000;

export interface SaharaHostOptions {
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  /** Wait this long for the HELLO (default DEFAULT_HELLO_TIMEOUT_MS). */
  helloTimeoutMs?: number;
  /** Wait this long for every later packet (default 10000 ms). */
  packetTimeoutMs?: number;
  /** Read the module's identity in COMMAND mode first, then upload. */
  readInfo?: boolean;
  /** Largest single READ_DATA the host serves (default 1 MiB). */
  maxReadLength?: number;
}

export interface SaharaDeviceInfo {
  saharaVersion: number;
  /** 8 hex digits. */
  serialNumber?: string;
  /** 16 hex digits: MSM_ID << 32 | OEM_ID << 16 | MODEL_ID. */
  msmHwId?: string;
  /** Root key hashes, hex. */
  pkHashes: string[];
  sblVersion?: string;
  chipIdV3?: string;
}

export type SaharaOutcome =
  | { kind: 'uploaded'; info?: SaharaDeviceInfo; bytesServed: number; readRequests: number }
  | { kind: 'firehose-running' };

/** An EXEC response longer than this is not an identity read-out. */
export const MAX_EXEC_RESPONSE_LENGTH = 1024;
/** How many times a device may restart with a fresh HELLO during one upload. */
const MAX_REPEATED_HELLOS = 3;
const XML_START = 0x3c; // '<'
/** END_OF_IMAGE_TX statuses that blame the link, not the programmer. */
const TRANSFER_STATUSES: readonly number[] = [
  SaharaStatus.INVALID_RX_LENGTH,
  SaharaStatus.GENERAL_TX_RX_ERROR,
  SaharaStatus.READ_DATA_ERROR,
  SaharaStatus.TIMEOUT_RX,
  SaharaStatus.TIMEOUT_TX,
  SaharaStatus.HW_BULK_TRANSFER_ERROR,
];

type Contact = { kind: 'packet'; packet: SaharaPacket } | { kind: 'firehose' } | { kind: 'silent' };

class SaharaHost {
  readonly helloTimeoutMs: number;
  readonly packetTimeoutMs: number;
  readonly maxReadLength: number;

  constructor(
    readonly reader: PipeReader,
    readonly opts: SaharaHostOptions,
  ) {
    this.helloTimeoutMs = opts.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.packetTimeoutMs = opts.packetTimeoutMs ?? 10_000;
    this.maxReadLength = opts.maxReadLength ?? 1024 * 1024;
  }

  log(message: string, level: LogLevel = 'info'): void {
    this.opts.onEvent?.({ type: 'log', level, message });
  }

  async send(packet: SaharaPacket): Promise<void> {
    await this.reader.pipe.write(encodePacket(packet), {
      timeoutMs: this.packetTimeoutMs,
      signal: this.opts.signal,
      what: `sending ${packet.type.toUpperCase()} to the modem`,
    });
  }

  /** Up to n bytes within timeoutMs; fewer only when the device went quiet after sending some. */
  async readUpTo(n: number, timeoutMs: number, what: string): Promise<Uint8Array> {
    if (n === 0) return new Uint8Array(0);
    const parts: Uint8Array[] = [];
    let got = 0;
    const deadline = Date.now() + timeoutMs;
    while (got < n) {
      const left = deadline - Date.now();
      if (left <= 0) {
        if (got > 0) break;
        throw new RescueError('DEVICE_TIMEOUT', `Waited ${formatMs(timeoutMs)} for ${what}.`);
      }
      let chunk: Uint8Array;
      try {
        // A full-size read: a USB bulk IN read shorter than the transfer would overflow.
        chunk = await this.reader.readSome({ timeoutMs: left, signal: this.opts.signal, what });
      } catch (e) {
        if (got > 0 && isRescueError(e) && e.code === 'DEVICE_TIMEOUT') break;
        throw e;
      }
      if (chunk.length > n - got) {
        this.reader.unread(chunk.subarray(n - got));
        chunk = chunk.subarray(0, n - got);
      }
      parts.push(chunk);
      got += chunk.length;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(got);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Read one packet. A header's length is validated before the rest is read. */
  async readPacket(timeoutMs: number, what: string): Promise<SaharaPacket> {
    const head = await this.readUpTo(HEADER_LENGTH, timeoutMs, what);
    return this.finishPacket(head, what);
  }

  async finishPacket(head: Uint8Array, what: string): Promise<SaharaPacket> {
    let length: number;
    try {
      if (head.length < HEADER_LENGTH)
        throw new SaharaPacketError('truncated', `only ${head.length} bytes arrived`, hexPreview(head));
      length = readPacketHeader(head).length;
    } catch (e) {
      throw protocolError(e, `while waiting for ${what}`);
    }
    const rest = await this.readUpTo(length - HEADER_LENGTH, this.packetTimeoutMs, `the rest of a Sahara packet`).catch(
      (e: unknown) => {
        if (isRescueError(e) && e.code === 'DEVICE_TIMEOUT') return new Uint8Array(0);
        throw e;
      },
    );
    const whole = new Uint8Array(head.length + rest.length);
    whole.set(head);
    whole.set(rest, head.length);
    try {
      return decodePacket(whole);
    } catch (e) {
      throw protocolError(e, `while waiting for ${what}`);
    }
  }

  /** The first contact: a packet, Firehose XML (a programmer already runs), or silence. */
  async firstContact(timeoutMs: number): Promise<Contact> {
    let head: Uint8Array;
    try {
      head = await this.reader.readSome({ timeoutMs, signal: this.opts.signal, what: 'the Sahara HELLO' });
    } catch (e) {
      if (isRescueError(e) && e.code === 'DEVICE_TIMEOUT') return { kind: 'silent' };
      throw e;
    }
    if (head[0] === XML_START) {
      // Put the XML back as it came, in one piece, for the Firehose reader.
      this.reader.unread(head);
      return { kind: 'firehose' };
    }
    if (head.length > HEADER_LENGTH) {
      this.reader.unread(head.subarray(HEADER_LENGTH));
      head = head.subarray(0, HEADER_LENGTH);
    } else if (head.length < HEADER_LENGTH) {
      const more = await this.readUpTo(
        HEADER_LENGTH - head.length,
        this.packetTimeoutMs,
        'the rest of a Sahara packet',
      ).catch((e: unknown) => {
        if (isRescueError(e) && e.code === 'DEVICE_TIMEOUT') return new Uint8Array(0);
        throw e;
      });
      const joined = new Uint8Array(head.length + more.length);
      joined.set(head);
      joined.set(more, head.length);
      head = joined;
    }
    return { kind: 'packet', packet: await this.finishPacket(head, 'the Sahara HELLO') };
  }

  /** The HELLO was missed: answer it blindly and see whether the device goes on. */
  async speculativeHello(mode: number): Promise<Exclude<Contact, { kind: 'silent' }>> {
    this.log(
      `No Sahara HELLO within ${formatMs(this.helloTimeoutMs)}; answering the HELLO the modem may have sent earlier`,
      'warn',
    );
    await this.send(helloResp(mode));
    const reply = await this.firstContact(this.packetTimeoutMs);
    const expected = mode === SaharaMode.COMMAND ? 'cmd-ready' : 'read-data';
    if (reply.kind === 'firehose') return reply;
    if (reply.kind === 'packet') {
      const t = reply.packet.type;
      if (t === expected || t === 'read-data-64' || t === 'hello') {
        this.log('The modem answered the late HELLO response; carrying on');
        return reply;
      }
      if (t === 'memory-debug' || t === 'memory-debug-64') throw memoryDebugError();
    }
    await this.resetQuietly();
    const said = reply.kind === 'packet' ? describePacket(reply.packet) : 'nothing';
    throw new RescueError(
      'SAHARA_NO_HELLO',
      `No HELLO came within ${formatMs(this.helloTimeoutMs)}, and the modem answered a late HELLO response with ${said}; it was sent a RESET.`,
    );
  }

  async resetQuietly(): Promise<void> {
    try {
      await this.send({ type: 'reset' });
      this.log('Sent RESET to the modem', 'warn');
    } catch (e) {
      if (isRescueError(e) && e.code === 'CANCELLED') throw e;
      this.log(`Could not send RESET: ${e instanceof Error ? e.message : String(e)}`, 'warn');
    }
  }

  /** Validate a HELLO and log it. */
  acceptHello(hello: SaharaPacketOf<'hello'>): void {
    this.log(`Sahara v${hello.version} HELLO from device, mode ${modeName(hello.mode)}`);
    if (hello.mode === SaharaMode.MEMORY_DEBUG) throw memoryDebugError();
    if (hello.versionCompatible > 2)
      this.log(`The modem needs Sahara v${hello.versionCompatible} or newer; answering v2 as other hosts do`, 'warn');
  }

  /** COMMAND mode from CMD_READY on: run each read-out command; unsupported ones are skipped. */
  async readIdentity(version: number): Promise<SaharaDeviceInfo> {
    const info: SaharaDeviceInfo = { saharaVersion: version, pkHashes: [] };
    const commands = [
      SaharaClientCommand.SERIAL_NUM_READ,
      SaharaClientCommand.MSM_HW_ID_READ,
      SaharaClientCommand.OEM_PK_HASH_READ,
      SaharaClientCommand.SBL_SW_VERSION,
      SaharaClientCommand.CHIP_ID_V3_READ,
    ];
    for (const cmd of commands) {
      const data = await this.exec(cmd);
      if (data) storeIdentity(info, cmd, data);
    }
    this.log(
      `Module identity: serial ${info.serialNumber ?? '?'}, MSM HW ID ${info.msmHwId ?? '?'}, PK hash ${info.pkHashes[0] ?? '?'}`,
    );
    return info;
  }

  /** One EXEC -> EXEC_RESP -> EXEC_DATA -> raw bytes; undefined when the device does not support it. */
  async exec(cmd: number): Promise<Uint8Array | undefined> {
    await this.send({ type: 'cmd-exec', clientCommand: cmd });
    const resp = await this.readPacket(this.packetTimeoutMs, `the answer to information request ${cmd}`);
    if (resp.type === 'end-of-image-tx') {
      this.log(
        `The modem does not answer information request ${cmd}: ${endOfImageStatusText(resp.status)} (status ${hex32(resp.status)})`,
        'debug',
      );
      return undefined;
    }
    if (resp.type !== 'cmd-exec-resp') throw unexpected(resp, `CMD_EXEC_RESP for information request ${cmd}`);
    if (resp.clientCommand !== cmd)
      throw new RescueError(
        'SAHARA_PROTOCOL',
        `The modem answered information request ${cmd} as if it were request ${resp.clientCommand}.`,
      );
    if (resp.responseLength > MAX_EXEC_RESPONSE_LENGTH) {
      throw new RescueError(
        'SAHARA_PROTOCOL',
        `The modem announced a ${resp.responseLength}-byte answer to information request ${cmd}; at most ${MAX_EXEC_RESPONSE_LENGTH} bytes make sense.`,
      );
    }
    await this.send({ type: 'cmd-exec-data', clientCommand: cmd });
    const data = await this.readUpTo(
      resp.responseLength,
      this.packetTimeoutMs,
      `the data of information request ${cmd}`,
    );
    if (data.length < resp.responseLength) {
      throw new RescueError(
        'SAHARA_PROTOCOL',
        `The modem sent ${data.length} of the ${resp.responseLength} bytes it announced for information request ${cmd}: ${hexPreview(data)}.`,
      );
    }
    return data;
  }

  /** From the packet after HELLO_RESP(mode 0): serve READ_DATA until DONE_RESP. */
  async serveProgrammer(
    programmer: Uint8Array,
    first: SaharaPacket,
  ): Promise<{ bytesServed: number; readRequests: number }> {
    let packet = first;
    let bytesServed = 0;
    let readRequests = 0;
    let hellos = 0;
    const warnedIds = new Set<number>();
    const servingLimit = programmer.length * 16 + this.maxReadLength;
    for (;;) {
      switch (packet.type) {
        case 'read-data':
        case 'read-data-64': {
          const { imageId, offset, length } = this.checkRead(packet, programmer.length);
          if (!PROGRAMMER_IMAGE_IDS.includes(imageId) && !warnedIds.has(imageId)) {
            warnedIds.add(imageId);
            this.log(
              `The modem asks for image id ${imageId}, not a usual programmer id (${PROGRAMMER_IMAGE_IDS.join(', ')}); serving the programmer anyway`,
              'warn',
            );
          }
          if (readRequests === 0) this.log(`Serving the programmer (image id ${imageId}, ${programmer.length} bytes)`);
          readRequests++;
          bytesServed += length;
          if (bytesServed > servingLimit)
            throw new RescueError(
              'SAHARA_PROTOCOL',
              `The modem keeps re-reading the programmer (${bytesServed} bytes served for a ${programmer.length}-byte file).`,
            );
          if (length > 0) {
            await this.reader.pipe.write(programmer.subarray(offset, offset + length), {
              timeoutMs: this.packetTimeoutMs,
              signal: this.opts.signal,
              what: `sending programmer bytes ${hex32(offset)}-${hex32(offset + length)}`,
            });
          }
          break;
        }
        case 'end-of-image-tx': {
          if (packet.status !== SaharaStatus.SUCCESS) {
            const transferProblem = TRANSFER_STATUSES.includes(packet.status);
            throw new RescueError(
              'SAHARA_IMAGE_REJECTED',
              `${endOfImageStatusText(packet.status)} (Sahara status ${hex32(packet.status)} after ${readRequests} reads)`,
              {
                ...(transferProblem
                  ? {
                      nextStep:
                        'The transfer failed, not the programmer itself: power-cycle the modem back into EDL and run again; if it repeats, use a USB 2 port, another cable or a powered hub.',
                    }
                  : {}),
              },
            );
          }
          this.log(`Programmer accepted (${readRequests} reads, ${bytesServed} bytes)`);
          await this.send({ type: 'done' });
          const done = await this.readPacket(this.packetTimeoutMs, 'DONE_RESP');
          if (done.type !== 'done-resp') throw unexpected(done, 'DONE_RESP');
          if (done.imageTxStatus !== SaharaMode.IMAGE_TX_COMPLETE) {
            throw new RescueError(
              'SAHARA_PROTOCOL',
              'The modem asks for another image after the programmer, but a flash needs only the programmer; it may expect a different boot flow.',
            );
          }
          this.log('The programmer is starting on the modem');
          return { bytesServed, readRequests };
        }
        case 'hello':
          if (++hellos > MAX_REPEATED_HELLOS)
            throw new RescueError(
              'SAHARA_PROTOCOL',
              `The modem restarted the download ${hellos} times (new HELLO each time).`,
            );
          this.acceptHello(packet);
          this.log('The modem restarted the download; answering its new HELLO', 'warn');
          await this.send(helloResp(SaharaMode.IMAGE_TX_PENDING));
          break;
        case 'memory-debug':
        case 'memory-debug-64':
          throw memoryDebugError();
        default:
          throw unexpected(packet, 'READ_DATA or END_OF_IMAGE_TX');
      }
      packet = await this.readPacket(this.packetTimeoutMs, 'the next request of the modem');
    }
  }

  /** Bounds of a READ_DATA, checked before anything is sliced or sent. */
  checkRead(
    p: SaharaPacketOf<'read-data'> | SaharaPacketOf<'read-data-64'>,
    size: number,
  ): { imageId: number; offset: number; length: number } {
    const offset = BigInt(p.offset);
    const length = BigInt(p.length);
    const end = offset + length;
    if (end > BigInt(size)) {
      throw new RescueError(
        'SAHARA_PROTOCOL',
        `The modem asked for bytes ${hex(offset)} - ${hex(end)} of a ${hex32(size)}-byte programmer.`,
      );
    }
    if (length > BigInt(this.maxReadLength)) {
      throw new RescueError(
        'SAHARA_PROTOCOL',
        `The modem asked for ${hex(length)} bytes in one request; at most ${hex32(this.maxReadLength)} are served at once.`,
      );
    }
    const imageId = BigInt(p.imageId) > 0xffffffffn ? -1 : Number(p.imageId);
    return { imageId, offset: Number(offset), length: Number(length) };
  }
}

function helloResp(mode: number): SaharaPacket {
  return { type: 'hello-resp', version: 2, versionCompatible: 1, status: 0, mode };
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

function describePacket(p: SaharaPacket): string {
  if (p.type === 'end-of-image-tx')
    return `END_OF_IMAGE_TX status ${hex32(p.status)} (${endOfImageStatusText(p.status)})`;
  return p.type.toUpperCase().replace(/-/g, '_');
}

function unexpected(p: SaharaPacket, wanted: string): RescueError {
  if (p.type === 'memory-debug' || p.type === 'memory-debug-64') return memoryDebugError();
  if (p.type === 'end-of-image-tx' && p.status !== 0) {
    return new RescueError(
      'SAHARA_PROTOCOL',
      `Expected ${wanted}, but the modem ended the transfer: ${endOfImageStatusText(p.status)} (status ${hex32(p.status)})`,
    );
  }
  return new RescueError('SAHARA_PROTOCOL', `Expected ${wanted}, got ${describePacket(p)}.`);
}

function protocolError(e: unknown, context: string): RescueError {
  if (e instanceof SaharaPacketError)
    return new RescueError('SAHARA_PROTOCOL', `Bad packet ${context}: ${e.message}. Bytes: ${e.preview}.`, {
      cause: e,
    });
  if (e instanceof RescueError) return e;
  return new RescueError('SAHARA_PROTOCOL', `Bad packet ${context}: ${e instanceof Error ? e.message : String(e)}.`, {
    cause: e,
  });
}

function memoryDebugError(): RescueError {
  return new RescueError(
    'SAHARA_MEMORY_DEBUG',
    'It offered a memory dump (Sahara MEMORY_DEBUG) instead of taking a programmer.',
  );
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** u32/u64 little-endian as zero-padded hex. */
function leHex(bytes: Uint8Array, size: number): string {
  return toHex(bytes.slice(0, size).reverse());
}

function storeIdentity(info: SaharaDeviceInfo, cmd: number, data: Uint8Array): void {
  switch (cmd) {
    case SaharaClientCommand.SERIAL_NUM_READ:
      if (data.length >= 4) info.serialNumber = leHex(data, 4);
      break;
    case SaharaClientCommand.MSM_HW_ID_READ:
      if (data.length >= 8) info.msmHwId = leHex(data, 8);
      break;
    case SaharaClientCommand.OEM_PK_HASH_READ:
      info.pkHashes = splitPkHashes(data);
      break;
    case SaharaClientCommand.SBL_SW_VERSION:
      if (data.length >= 4) info.sblVersion = leHex(data, 4);
      break;
    case SaharaClientCommand.CHIP_ID_V3_READ:
      if (data.length > 0) info.chipIdV3 = toHex(data);
      break;
  }
}

/** The PK hash answer may repeat the hash once per root: split it into distinct hashes. */
export function splitPkHashes(data: Uint8Array): string[] {
  if (data.length === 0) return [];
  const size = data.length % 32 === 0 ? 32 : data.length % 48 === 0 ? 48 : data.length;
  const out: string[] = [];
  for (let at = 0; at + size <= data.length; at += size) {
    const h = toHex(data.subarray(at, at + size));
    if (!out.includes(h)) out.push(h);
  }
  return out;
}

/**
 * Upload the Firehose programmer. Returns 'firehose-running' (bytes unread back into the reader)
 * when a programmer from an earlier run already answers.
 */
export async function saharaUpload(
  reader: PipeReader,
  programmer: Uint8Array,
  opts: SaharaHostOptions = {},
): Promise<SaharaOutcome> {
  const host = new SaharaHost(reader, opts);
  const wantInfo = opts.readInfo === true;
  let contact = await host.firstContact(host.helloTimeoutMs);
  if (contact.kind === 'silent')
    contact = await host.speculativeHello(wantInfo ? SaharaMode.COMMAND : SaharaMode.IMAGE_TX_PENDING);
  if (contact.kind === 'firehose') {
    host.log('A Firehose programmer from an earlier run already answers; no upload needed');
    return { kind: 'firehose-running' };
  }
  let packet = contact.packet;
  let info: SaharaDeviceInfo | undefined;
  let version = 2;
  if (packet.type === 'hello') {
    host.acceptHello(packet);
    version = packet.version;
    const commandMode = wantInfo && packet.version >= 2;
    if (wantInfo && !commandMode)
      host.log(`Sahara v${packet.version} has no command mode; skipping the identity read-out`, 'warn');
    await host.send(helloResp(commandMode ? SaharaMode.COMMAND : SaharaMode.IMAGE_TX_PENDING));
    packet = await host.readPacket(host.packetTimeoutMs, commandMode ? 'CMD_READY' : 'the first READ_DATA');
    if (commandMode && packet.type === 'end-of-image-tx' && packet.status !== SaharaStatus.SUCCESS) {
      host.log(
        `The modem refused command mode (${endOfImageStatusText(packet.status)}); uploading without reading its identity`,
        'warn',
      );
      await host.send(helloResp(SaharaMode.IMAGE_TX_PENDING));
      packet = await host.readPacket(host.packetTimeoutMs, 'the first READ_DATA');
    }
  }
  if (packet.type === 'cmd-ready') {
    info = await host.readIdentity(version);
    await host.send({ type: 'cmd-switch-mode', mode: SaharaMode.IMAGE_TX_PENDING });
    let next = await host.firstContact(host.helloTimeoutMs);
    if (next.kind === 'silent') next = await host.speculativeHello(SaharaMode.IMAGE_TX_PENDING);
    if (next.kind !== 'packet')
      throw new RescueError('SAHARA_PROTOCOL', 'The modem answered in Firehose XML right after a Sahara mode switch.');
    packet = next.packet;
    if (packet.type === 'hello') {
      host.acceptHello(packet);
      await host.send(helloResp(SaharaMode.IMAGE_TX_PENDING));
      packet = await host.readPacket(host.packetTimeoutMs, 'the first READ_DATA');
    }
  } else if (packet.type === 'read-data' || packet.type === 'read-data-64') {
    if (contact.packet.type !== 'hello')
      host.log('The modem is in the middle of an earlier upload; serving its request', 'warn');
    else if (wantInfo) host.log('The modem went straight to the upload; identity not read', 'warn');
  }
  const served = await host.serveProgrammer(programmer, packet);
  return { kind: 'uploaded', ...(info ? { info } : {}), ...served };
}

/** Read the module's identity in COMMAND mode, then RESET it so it re-enumerates fresh. */
export async function saharaReadInfo(reader: PipeReader, opts: SaharaHostOptions = {}): Promise<SaharaDeviceInfo> {
  return readIdentityThen(new SaharaHost(reader, opts), 'reset');
}

/**
 * Read the module's identity in COMMAND mode, then switch it to image transfer: it sends a fresh
 * HELLO and waits for an upload, which the next host (or this one on a new PipeReader) serves as
 * usual. Telling which module sits behind a port without restarting it (a fleet run following its
 * module to another port: flows/follow-module.ts).
 */
export async function saharaIdentify(reader: PipeReader, opts: SaharaHostOptions = {}): Promise<SaharaDeviceInfo> {
  return readIdentityThen(new SaharaHost(reader, opts), 'switch-to-upload');
}

async function readIdentityThen(host: SaharaHost, after: 'reset' | 'switch-to-upload'): Promise<SaharaDeviceInfo> {
  const leave = async (): Promise<void> => {
    if (after === 'reset') await host.resetQuietly();
  };
  let contact = await host.firstContact(host.helloTimeoutMs);
  if (contact.kind === 'silent') contact = await host.speculativeHello(SaharaMode.COMMAND);
  if (contact.kind === 'firehose') {
    throw new RescueError(
      'SAHARA_PROTOCOL',
      'A Firehose programmer from an earlier run is already running, so the identity can no longer be read.',
      {
        nextStep: 'Power-cycle the modem back into EDL, then run `modem-rescue info` again.',
      },
    );
  }
  let packet = contact.packet;
  let version = 2;
  if (packet.type === 'hello') {
    host.acceptHello(packet);
    version = packet.version;
    if (packet.version < 2) {
      await leave();
      throw new RescueError(
        'SAHARA_PROTOCOL',
        `The modem speaks Sahara v${packet.version}, which has no command mode to read its identity.`,
      );
    }
    await host.send(helloResp(SaharaMode.COMMAND));
    packet = await host.readPacket(host.packetTimeoutMs, 'CMD_READY');
  }
  if (packet.type !== 'cmd-ready') {
    await leave();
    throw unexpected(
      packet,
      `CMD_READY (the modem must be freshly in EDL to read its identity${after === 'reset' ? '; it was sent a RESET' : ''})`,
    );
  }
  const info = await host.readIdentity(version);
  if (after === 'reset') await host.resetQuietly();
  else await host.send({ type: 'cmd-switch-mode', mode: SaharaMode.IMAGE_TX_PENDING });
  return info;
}
