// The virtual module's Primary Boot Loader in EDL mode: the device side of Sahara. It greets
// the host with HELLO, answers identity requests in COMMAND mode, and loads the programmer the
// way a real MDM9607 PBL does: ELF header, program headers, then the hash segment and each
// loadable segment in pieces, never asking beyond what the headers say. It then checks the
// signature against the model's fused root key hash and refuses foreign programmers with the
// status a real PBL sends.

import { isRescueError } from '../../shared/errors.js';
import {
  HostPacketError,
  PBL_HEADER_BYTES,
  PBL_MAX_PACKET,
  PblMode,
  PblStatus,
  cmdReadyPacket,
  doneRespPacket,
  endOfImagePacket,
  execRespPacket,
  helloPacket,
  hostPacketLength,
  modeText,
  readDataPacket,
  readHostPacket,
  resetRespPacket,
  statusName,
  type HostPacket,
} from './device-sahara.js';
import { ELF32_HEADER_BYTES, programHeaderBytes, readElf32Header, readElf32Segments } from './device-elf.js';
import { PipeReader } from '../transport/pipe-reader.js';
import type { BulkPipe } from '../transport/transport.js';
import type { FaultPlan } from './faults.js';
import type { ModelSpec } from './models.js';
import { HASH_SEGMENT_FLAGS, PT_LOAD, PT_NULL, verifySignedImage, type SignatureCheck } from './programmer-image.js';

export interface PblOptions {
  model: ModelSpec;
  /** Only 'hello-once' concerns the PBL: HELLO at enumeration only, never after a mode switch. */
  faults: FaultPlan;
  /** True the first time after the (virtual) device appears on the bus: send HELLO. */
  atEnumeration: boolean;
  /** The simulator's lifetime; the PBL waits for the host as long as this is not aborted. */
  signal: AbortSignal;
  onLog?: (message: string) => void;
  /** Largest READ_DATA for segments (default 0x1000). */
  readPieceBytes?: number;
  /**
   * Do not write DONE_RESP: hand its bytes to the programmer, which sends them in the same write as
   * its first logs (a host then reads both in one transfer, as over a qcserial byte stream).
   */
  holdDoneResp?: boolean;
}

export type PblOutcome = { kind: 'programmer'; image: Uint8Array; doneResp?: Uint8Array } | { kind: 'reset' };

/** The PBL's load area: a programmer larger than this cannot be loaded. */
export const MAX_PROGRAMMER_BYTES = 4 * 1024 * 1024;
export const PBL_SAHARA_VERSION = 2;
export const PBL_SAHARA_VERSION_COMPATIBLE = 1;
/** The SBL software version this virtual PBL reports in COMMAND mode. */
export const PBL_SBL_SW_VERSION = 0;
/** The image id this PBL asks for: the Firehose programmer on MDM9x07 (QFirehose logs "image_id = 13"). */
export const PBL_PROGRAMMER_IMAGE_ID = 13;
/** COMMAND mode client commands this PBL answers. */
const EXEC = {
  SERIAL_NUM_READ: 0x01,
  MSM_HW_ID_READ: 0x02,
  OEM_PK_HASH_READ: 0x03,
  SBL_SW_VERSION: 0x07,
  CMD_ID_LIST: 0x08,
} as const;
/** How long one read of the host waits before the PBL checks its signal again. */
const POLL_MS = 1000;

type State = 'wait-hello-resp' | 'command' | 'wait-done';

export async function runPbl(pipe: BulkPipe, opts: PblOptions): Promise<PblOutcome> {
  return new VirtualPbl(pipe, opts).run();
}

class VirtualPbl {
  private readonly reader: PipeReader;
  private readonly piece: number;
  private state: State = 'wait-hello-resp';
  private pendingExec: { cmd: number; data: Uint8Array } | undefined;
  private loaded: Uint8Array | undefined;

  constructor(
    private readonly pipe: BulkPipe,
    private readonly opts: PblOptions,
  ) {
    this.reader = new PipeReader(pipe);
    this.piece = Math.max(64, opts.readPieceBytes ?? 0x1000);
  }

  private log(message: string): void {
    this.opts.onLog?.(message);
  }

  private async send(bytes: Uint8Array, what: string): Promise<void> {
    await this.pipe.write(bytes, { timeoutMs: 60_000, signal: this.opts.signal, what: `the host to take ${what}` });
  }

  private async sendEnd(status: number): Promise<void> {
    this.log(`END_OF_IMAGE_TX status 0x${status.toString(16)} (${statusName(status)})`);
    await this.send(endOfImagePacket(PBL_PROGRAMMER_IMAGE_ID, status), 'END_OF_IMAGE_TX');
  }

  private async sendHello(mode: number): Promise<void> {
    this.log(`HELLO (mode ${modeText(mode)})`);
    await this.send(helloPacket(PBL_SAHARA_VERSION, PBL_SAHARA_VERSION_COMPATIBLE, PBL_MAX_PACKET, mode), 'HELLO');
  }

  /** Exactly n bytes from the host, waiting as long as the simulator lives. */
  private async waitBytes(n: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      let chunk: Uint8Array;
      try {
        chunk = await this.reader.readSome({ timeoutMs: POLL_MS, signal: this.opts.signal, what });
      } catch (e) {
        if (isRescueError(e) && e.code === 'DEVICE_TIMEOUT' && !this.opts.signal.aborted) continue;
        throw e;
      }
      if (chunk.length > n - filled) {
        this.reader.unread(chunk.subarray(n - filled));
        chunk = chunk.subarray(0, n - filled);
      }
      out.set(chunk, filled);
      filled += chunk.length;
    }
    return out;
  }

  /** The next packet from the host; undefined when it was malformed (already answered). */
  private async nextPacket(): Promise<HostPacket | undefined> {
    const head = await this.waitBytes(PBL_HEADER_BYTES, 'a Sahara packet from the host');
    try {
      const length = hostPacketLength(head);
      const rest = await this.waitBytes(length - PBL_HEADER_BYTES, 'the rest of a Sahara packet');
      const whole = new Uint8Array(length);
      whole.set(head);
      whole.set(rest, PBL_HEADER_BYTES);
      return readHostPacket(whole);
    } catch (e) {
      if (!(e instanceof HostPacketError)) throw e;
      this.log(
        `bad packet from the host: ${e.message} (${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
      );
      this.reader.discardBuffered();
      await this.sendEnd(e.status);
      return undefined;
    }
  }

  async run(): Promise<PblOutcome> {
    if (this.opts.atEnumeration) await this.sendHello(PblMode.IMAGE_TX_PENDING);
    else this.log('waiting for the host (HELLO was sent at enumeration)');
    for (;;) {
      const p = await this.nextPacket();
      if (!p) continue;
      if (p.kind === 'reset') {
        this.log('RESET');
        await this.send(resetRespPacket(), 'RESET_RESP');
        return { kind: 'reset' };
      }
      if (p.kind === 'reset-state-machine') {
        this.log('RESET_STATE_MACHINE');
        await this.restartProtocol(PblMode.IMAGE_TX_PENDING);
        continue;
      }
      const done = await this.handle(p);
      if (done) return done;
    }
  }

  private async handle(p: HostPacket): Promise<PblOutcome | undefined> {
    switch (this.state) {
      case 'wait-hello-resp':
        if (p.kind !== 'hello-resp') return void (await this.sendEnd(PblStatus.INVALID_CMD));
        return this.onHelloResp(p.version, p.versionCompatible, p.mode);
      case 'command':
        return void (await this.onCommand(p));
      case 'wait-done': {
        if (p.kind !== 'done') return void (await this.sendEnd(PblStatus.INVALID_CMD));
        this.log('DONE: starting the programmer');
        const doneResp = doneRespPacket(PblMode.IMAGE_TX_COMPLETE);
        if (this.opts.holdDoneResp) return { kind: 'programmer', image: this.loaded!, doneResp };
        await this.send(doneResp, 'DONE_RESP');
        return { kind: 'programmer', image: this.loaded! };
      }
    }
  }

  private async onHelloResp(version: number, versionCompatible: number, mode: number): Promise<undefined> {
    if (version < PBL_SAHARA_VERSION_COMPATIBLE || versionCompatible > PBL_SAHARA_VERSION) {
      await this.sendEnd(PblStatus.PROTOCOL_MISMATCH);
      return undefined;
    }
    if (mode === PblMode.COMMAND) {
      this.log('COMMAND mode');
      this.state = 'command';
      await this.send(cmdReadyPacket(), 'CMD_READY');
      return undefined;
    }
    if (mode !== PblMode.IMAGE_TX_PENDING) {
      await this.sendEnd(PblStatus.INVALID_HOST_MODE);
      return undefined;
    }
    const status = await this.loadProgrammer();
    await this.sendEnd(status);
    this.state = status === PblStatus.SUCCESS ? 'wait-done' : 'wait-hello-resp';
    return undefined;
  }

  /** After a mode switch or state-machine reset: a new HELLO, unless the module only greets at enumeration. */
  private async restartProtocol(mode: number): Promise<void> {
    this.state = 'wait-hello-resp';
    this.pendingExec = undefined;
    if (this.opts.faults.has('hello-once')) this.log('no new HELLO (this module greets only at enumeration)');
    else await this.sendHello(mode);
  }

  private async onCommand(p: HostPacket): Promise<void> {
    if (p.kind === 'exec') {
      const data = this.identityAnswer(p.clientCommand);
      if (!data) {
        this.pendingExec = undefined;
        await this.sendEnd(PblStatus.EXEC_CMD_UNSUPPORTED);
        return;
      }
      this.pendingExec = { cmd: p.clientCommand, data };
      await this.send(execRespPacket(p.clientCommand, data.length), 'CMD_EXEC_RESP');
      return;
    }
    if (p.kind === 'exec-data') {
      const pending = this.pendingExec;
      this.pendingExec = undefined;
      if (!pending || pending.cmd !== p.clientCommand) return this.sendEnd(PblStatus.EXEC_DATA_INVALID_CLIENT_CMD);
      if (pending.data.length > 0)
        await this.pipe.write(pending.data, {
          timeoutMs: 60_000,
          signal: this.opts.signal,
          what: 'the host to take command data',
        });
      return;
    }
    if (p.kind === 'switch-mode') {
      if (p.mode !== PblMode.IMAGE_TX_PENDING && p.mode !== PblMode.COMMAND)
        return this.sendEnd(PblStatus.INVALID_MODE_SWITCH);
      this.log(`switching to ${modeText(p.mode)} mode`);
      return this.restartProtocol(p.mode);
    }
    await this.sendEnd(PblStatus.INVALID_CMD);
  }

  /** The raw answer to a COMMAND mode request, or undefined when this MDM9607 PBL lacks it. */
  private identityAnswer(cmd: number): Uint8Array | undefined {
    const m = this.opts.model;
    const u32 = (v: number): Uint8Array => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v >>> 0, true);
      return b;
    };
    switch (cmd) {
      case EXEC.SERIAL_NUM_READ:
        return u32(m.serial);
      case EXEC.MSM_HW_ID_READ: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, m.msmHwId, true);
        return b;
      }
      case EXEC.OEM_PK_HASH_READ:
        return m.pkHash.slice();
      case EXEC.SBL_SW_VERSION:
        return u32(PBL_SBL_SW_VERSION);
      case EXEC.CMD_ID_LIST: {
        const ids = [
          EXEC.SERIAL_NUM_READ,
          EXEC.MSM_HW_ID_READ,
          EXEC.OEM_PK_HASH_READ,
          EXEC.SBL_SW_VERSION,
          EXEC.CMD_ID_LIST,
        ];
        const b = new Uint8Array(ids.length * 4);
        ids.forEach((id, i) => new DataView(b.buffer).setUint32(i * 4, id, true));
        return b;
      }
      default:
        return undefined; // chip id v3 and the rest: not on this generation
    }
  }

  /** READ_DATA for [offset, offset+length) and wait for exactly those bytes. */
  private async request(offset: number, length: number): Promise<Uint8Array> {
    await this.send(readDataPacket(PBL_PROGRAMMER_IMAGE_ID, offset, length), 'READ_DATA');
    return this.waitBytes(length, `programmer bytes 0x${offset.toString(16)}-0x${(offset + length).toString(16)}`);
  }

  /** Read and check the programmer; returns the END_OF_IMAGE_TX status. */
  private async loadProgrammer(): Promise<number> {
    this.log('loading the programmer');
    const head = await this.request(0, ELF32_HEADER_BYTES);
    const h = readElf32Header(head);
    if (!h.ok) {
      this.log(`programmer refused: ${h.reason}`);
      return h.status;
    }
    const header = h.value;
    const tableBytes = programHeaderBytes(header);
    if (header.phoff + tableBytes > MAX_PROGRAMMER_BYTES) return PblStatus.UNINIT_PHDR_LOC;
    const table = await this.request(header.phoff, tableBytes);
    const read = readElf32Segments(header, table, MAX_PROGRAMMER_BYTES);
    if (!read.ok) {
      this.log(`programmer refused: ${read.reason}`);
      return read.status;
    }
    const segments = read.value;
    const hashSegs = segments.filter(
      (s) => s.type === PT_NULL && (s.flags & 0x07000000) === (HASH_SEGMENT_FLAGS & 0x07000000) && s.fileSize > 0,
    );
    if (hashSegs.length === 0) return PblStatus.HASH_TABLE_NOT_FOUND;
    if (hashSegs.length > 1) return PblStatus.INVALID_IMG_HASH_TABLE_SIZE;
    const loads = segments.filter((s) => s.type === PT_LOAD && s.fileSize > 0);
    const order = [hashSegs[0]!, ...loads];
    const end = Math.max(ELF32_HEADER_BYTES, header.phoff + tableBytes, ...order.map((s) => s.offset + s.fileSize));
    const image = new Uint8Array(end);
    image.set(head, 0);
    image.set(table, header.phoff);
    for (const seg of order) {
      for (let at = 0; at < seg.fileSize; at += this.piece) {
        const n = Math.min(this.piece, seg.fileSize - at);
        image.set(await this.request(seg.offset + at, n), seg.offset + at);
      }
    }
    const check = verifySignedImage(image, this.opts.model.pkHash);
    if (!check.ok) {
      this.log(`programmer refused: ${check.reason}`);
      return signatureStatus(check);
    }
    this.log(`programmer verified (${image.length} bytes)`);
    this.loaded = image;
    return PblStatus.SUCCESS;
  }
}

function signatureStatus(check: Extract<SignatureCheck, { ok: false }>): number {
  switch (check.problem) {
    case 'elf-header':
      return PblStatus.INVALID_ELF_HDR;
    case 'program-headers':
      return PblStatus.UNINIT_PHDR_LOC;
    case 'no-hash-segment':
      return PblStatus.HASH_TABLE_NOT_FOUND;
    case 'wrong-key':
      return PblStatus.IMAGE_AUTH_FAILURE;
    case 'hash-mismatch':
      return PblStatus.HASH_VERIFICATION_FAILURE;
  }
}

/** For callers that want to tell a PBL stopped by its signal from a real failure. */
export function isPblCancelled(e: unknown): boolean {
  return isRescueError(e) && (e.code === 'CANCELLED' || e.code === 'DEVICE_DISCONNECTED');
}
