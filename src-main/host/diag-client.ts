// The host side of a modem's DIAG (DM) port: HDLC-framed requests, responses paired with their
// requests by command (and subsystem, NV item), several requests in flight at once so a backup's
// thousands of round trips do not each wait for the last. Log, event and message frames are
// dropped; refusals (0x13 BAD_CMD...) become DiagError; every request is bounded.

import { RescueError } from '../../shared/errors.js';
import { cancelledError, formatMs } from '../util/deadline.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { HDLC_MAX_PAYLOAD, HdlcDecoder, hdlcEncode } from '../protocol/hdlc.js';
import {
  DIAG_CMD,
  DIAG_SUBSYS,
  DiagProtocolError,
  EDL_SWITCH_REQUEST,
  decodeControlPacket,
  decodeDiagErrorResponse,
  decodeExtBuildIdResponse,
  decodeFeatureQueryResponse,
  decodeNvPacket,
  decodeSpcResponse,
  decodeVersionResponse,
  describeRequest,
  diagErrorName,
  diagErrorSentence,
  encodeControlPacket,
  encodeExtBuildIdRequest,
  encodeFeatureQueryRequest,
  encodeNvReadRequest,
  encodeNvWriteRequest,
  encodeSpcRequest,
  encodeVersionRequest,
  hexPreview,
  isDiagErrorResponse,
  isUnsolicited,
  matchKey,
} from '../protocol/diag.js';
import { EFS_CMD } from '../protocol/efs.js';
import { DiagError } from './diag-error.js';
import { EfsClient } from './efs-client.js';

export { DiagError } from './diag-error.js';

export interface DiagClientOptions {
  signal?: AbortSignal | undefined;
  /** Per request, from the moment it is sent (default 3000). */
  timeoutMs?: number;
  /** Requests sent before the first of them is answered (default 8). */
  maxInFlight?: number;
  onLog?: (m: string) => void;
}

/** How long one pipe read waits before the reader loop simply reads again. */
const READ_SLICE_MS = 1000;
const READ_SIZE = 16 * 1024;
/** Frames queued together are sent as one transfer up to this size. */
const MAX_WRITE_BYTES = 16 * 1024;
/**
 * This many requests timing out in a row, with no answer to anything since they were sent, mean
 * the modem has stopped answering: everything queued fails at once instead of each waiting out
 * its own timeout. A request the modem ignores while answering others times out alone.
 */
const MAX_SILENT_TIMEOUTS = 3;
/** Dropped frames logged one by one before the log only counts them. */
const LOGGED_DROPS = 20;

interface Pending {
  payload: Uint8Array;
  key: string;
  what: string;
  timeoutMs: number;
  sent: boolean;
  /** The answer count when it was sent. */
  answersAtSend: number;
  done: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve: (p: Uint8Array) => void;
  reject: (e: unknown) => void;
}

export class DiagClient {
  readonly efs: EfsClient;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;
  private readonly decoder = new HdlcDecoder();
  /** Sent and not yet answered, oldest first. */
  private inFlight: Pending[] = [];
  /** Waiting for a slot. */
  private waiting: Pending[] = [];
  /** Encoded frames not yet handed to the pipe. */
  private outgoing: Uint8Array[] = [];
  private writing = false;
  private readerRunning = false;
  private failure: RescueError | undefined;
  private silentTimeouts = 0;
  /** Answers (responses and refusals) received so far. */
  private answers = 0;
  private readonly stop = new AbortController();
  private readonly onAbort = (): void => this.fail(cancelledError(this.opts.signal?.reason));
  private droppedCount = 0;

  constructor(
    readonly pipe: BulkPipe,
    private readonly opts: DiagClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 8);
    this.efs = new EfsClient(this);
    if (opts.signal?.aborted) this.failure = cancelledError(opts.signal.reason);
    else opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Frames that were dropped (bad CRC, too long) or answered nothing asked, for diagnostics. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** The caller's AbortSignal, for waits between requests (EFS sync polling). */
  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** Send one request; resolves with the response payload (refusals reject with DiagError). */
  request(payload: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (payload.length === 0) return Promise.reject(new RescueError('INTERNAL', 'An empty DIAG request.'));
    if (payload.length > HDLC_MAX_PAYLOAD) {
      return Promise.reject(
        new DiagError(
          `${capital(describeRequest(payload))} is ${payload.length} bytes; a DIAG request carries at most ${HDLC_MAX_PAYLOAD}.`,
        ),
      );
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const p: Pending = {
        payload,
        key: matchKey(payload),
        what: describeRequest(payload),
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        sent: false,
        answersAtSend: 0,
        done: false,
        timer: undefined,
        resolve,
        reject,
      };
      this.waiting.push(p);
      this.admit();
    });
  }

  async version(): Promise<{
    compDate: string;
    compTime: string;
    relDate: string;
    relTime: string;
    verDir: string;
    model: number;
    raw: Uint8Array;
  }> {
    const raw = await this.request(encodeVersionRequest());
    const v = decodeOrThrow('the version query (VERNO)', () => decodeVersionResponse(raw));
    return {
      compDate: v.compDate,
      compTime: v.compTime,
      relDate: v.relDate,
      relTime: v.relTime,
      verDir: v.verDir,
      model: v.model,
      raw,
    };
  }

  async extBuildId(): Promise<{ msmHwVersion: number; mobileModelId: number; build: string; model: string }> {
    const raw = await this.request(encodeExtBuildIdRequest());
    return decodeOrThrow('the build id query (EXT_BUILD_ID)', () => decodeExtBuildIdResponse(raw));
  }

  async featureQuery(): Promise<Uint8Array> {
    const raw = await this.request(encodeFeatureQueryRequest());
    return decodeOrThrow('the feature query (FEATURE_QUERY)', () => decodeFeatureQueryResponse(raw));
  }

  /** Read an NV item; a status other than 0 (DONE) is returned, not thrown. */
  async nvRead(
    item: number,
    opts: { context?: number; index?: number } = {},
  ): Promise<{ status: number; data: Uint8Array }> {
    const raw = await this.request(encodeNvReadRequest(item, opts));
    const nv = decodeOrThrow(`the read of NV item ${item}`, () => decodeNvPacket(raw));
    if (nv.item !== item) throw new DiagError(`The answer to the read of NV item ${item} is for item ${nv.item}.`);
    return { status: nv.status, data: nv.data };
  }

  /** Write an NV item; returns the NV status (0 = DONE, 7 = READONLY...). */
  async nvWrite(item: number, data: Uint8Array, opts: { context?: number } = {}): Promise<number> {
    const raw = await this.request(encodeNvWriteRequest(item, data, opts));
    const nv = decodeOrThrow(`the write of NV item ${item}`, () => decodeNvPacket(raw));
    if (nv.item !== item) throw new DiagError(`The answer to the write of NV item ${item} is for item ${nv.item}.`);
    return nv.status;
  }

  /** Send the service programming code; true when the modem accepted it. */
  async spc(code = '000000'): Promise<boolean> {
    const raw = await this.request(encodeSpcRequest(code));
    return decodeOrThrow('the SPC code', () => decodeSpcResponse(raw));
  }

  /** Change the operating mode (0 offline-A, 1 offline-D, 2 reset, 3 FTM, 4 online, 5 LPM). */
  async control(mode: number): Promise<void> {
    const raw = await this.request(encodeControlPacket(mode));
    const echoed = decodeOrThrow('the mode change (CONTROL)', () => decodeControlPacket(raw));
    if (echoed !== mode) throw new DiagError(`The modem answered the change to mode ${mode} with mode ${echoed}.`);
  }

  /** Ask the modem to reboot into EDL (4B 65 01 00) and wait up to 3 s for its echo. */
  async switchToEdl(): Promise<void> {
    await this.request(EDL_SWITCH_REQUEST.slice(), { timeoutMs: Math.min(this.timeoutMs, 3000) });
  }

  /** Reject what is pending, stop reading and close the pipe. Idempotent. */
  async close(): Promise<void> {
    this.fail(new RescueError('DEVICE_DISCONNECTED', `The DIAG connection on ${this.pipe.name} was closed.`));
    await this.pipe.close();
  }

  // --- sending --------------------------------------------------------------------------

  private admit(): void {
    while (this.waiting.length > 0 && this.inFlight.length < this.maxInFlight && !this.failure) {
      const p = this.waiting.shift()!;
      p.sent = true;
      p.answersAtSend = this.answers;
      this.inFlight.push(p);
      p.timer = setTimeout(() => this.onTimeout(p), p.timeoutMs);
      this.outgoing.push(hdlcEncode(p.payload));
    }
    if (this.outgoing.length > 0) void this.writeLoop();
    if (this.inFlight.length > 0) void this.readLoop();
  }

  /** Hands queued frames to the pipe, several per transfer, one transfer at a time. */
  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      // Let the answers of one read admit their successors first, so those go out in one transfer.
      await Promise.resolve();
      while (this.outgoing.length > 0 && !this.failure) {
        let total = 0;
        let n = 0;
        while (n < this.outgoing.length && (n === 0 || total + this.outgoing[n]!.length <= MAX_WRITE_BYTES))
          total += this.outgoing[n++]!.length;
        const frames = this.outgoing.splice(0, n);
        const data = n === 1 ? frames[0]! : concat(frames, total);
        const oldest = this.inFlight.find((p) => !p.done);
        try {
          await this.pipe.write(data, {
            timeoutMs: oldest?.timeoutMs ?? this.timeoutMs,
            signal: this.stop.signal,
            what: oldest?.what ?? 'a DIAG request',
          });
        } catch (e) {
          this.fail(
            e instanceof RescueError
              ? e
              : new RescueError('DEVICE_DISCONNECTED', `Writing to ${this.pipe.name} failed.`, { cause: e }),
          );
        }
      }
    } finally {
      this.writing = false;
    }
  }

  // --- receiving ------------------------------------------------------------------------

  /** Reads while requests are in flight; a quiet read just reads again (each request has its own timer). */
  private async readLoop(): Promise<void> {
    if (this.readerRunning) return;
    this.readerRunning = true;
    try {
      while (this.inFlight.length > 0 && !this.failure) {
        let chunk: Uint8Array;
        try {
          chunk = await this.pipe.read(READ_SIZE, {
            timeoutMs: READ_SLICE_MS,
            signal: this.stop.signal,
            what: 'DIAG answers',
          });
        } catch (e) {
          if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') continue;
          if (!this.failure)
            this.fail(
              e instanceof RescueError
                ? e
                : new RescueError('DEVICE_DISCONNECTED', `Reading from ${this.pipe.name} failed.`, { cause: e }),
            );
          return;
        }
        for (const f of this.decoder.push(chunk)) {
          if (f.ok) this.onFrame(f.payload);
          else this.noteDropped(`DIAG: dropped a frame (${f.error}): ${hexPreview(f.raw)}`);
        }
      }
    } finally {
      this.readerRunning = false;
    }
  }

  private onFrame(payload: Uint8Array): void {
    if (payload.length === 0) return;
    if (isDiagErrorResponse(payload)) {
      const { code, echo } = decodeDiagErrorResponse(payload);
      const p = this.findByEcho(echo, () => true);
      if (!p) return this.unexpected(payload);
      this.settle(
        p,
        new DiagError(`${capital(p.what)} was refused: ${diagErrorSentence(code)} (${diagErrorName(code)}).`, {
          diagCode: code,
        }),
      );
      return;
    }
    if (isEfsErrorPacket(payload)) {
      // The generic EFS error packet carries errno and the start of the refused request.
      const p = this.findByEcho(
        payload.subarray(8),
        (q) => q.payload[0] === DIAG_CMD.SUBSYS && q.payload[1] === DIAG_SUBSYS.EFS,
      );
      if (!p) return this.unexpected(payload);
      this.settle(p, undefined, payload);
      return;
    }
    const key = matchKey(payload);
    let p = this.inFlight.find((q) => q.key === key);
    if (!p && !isUnsolicited(payload)) p = this.inFlight.find((q) => sameCommand(q.payload, payload));
    if (p) this.settle(p, undefined, payload);
    else if (!isUnsolicited(payload)) this.unexpected(payload);
  }

  /** The oldest in-flight request the echo is a prefix of (any in-flight one when nothing was echoed). */
  private findByEcho(echo: Uint8Array, eligible: (p: Pending) => boolean): Pending | undefined {
    const candidates = this.inFlight.filter(eligible);
    if (echo.length === 0) return candidates[0];
    return candidates.find((q) => {
      const n = Math.min(echo.length, q.payload.length);
      for (let i = 0; i < n; i++) if (echo[i] !== q.payload[i]) return false;
      return true;
    });
  }

  private onTimeout(p: Pending): void {
    if (this.answers > p.answersAtSend) this.silentTimeouts = 0;
    else this.silentTimeouts++;
    if (this.silentTimeouts >= MAX_SILENT_TIMEOUTS) {
      // Fails p too, before anything else queued is sent.
      this.fail(
        new RescueError(
          'DEVICE_TIMEOUT',
          `${MAX_SILENT_TIMEOUTS} DIAG requests in a row got no answer within ${formatMs(p.timeoutMs)} on ${this.pipe.name} (the last: ${p.what}).`,
        ),
      );
    } else
      this.settle(
        p,
        new RescueError(
          'DEVICE_TIMEOUT',
          `No answer to ${p.what} within ${formatMs(p.timeoutMs)} on ${this.pipe.name}.`,
        ),
      );
  }

  private unexpected(payload: Uint8Array): void {
    this.noteDropped(`DIAG: an answer nobody asked for was dropped: ${hexPreview(payload)}`);
  }

  /** Count a dropped frame; log the first few and then every thousandth, so garbage cannot flood the log. */
  private noteDropped(message: string): void {
    const n = ++this.droppedCount;
    if (n <= LOGGED_DROPS) this.log(message);
    else if (n % 1000 === 0)
      this.log(`DIAG: ${n} frames dropped so far; the latest: ${message.replace(/^DIAG: /, '')}`);
  }

  private settle(p: Pending, error: unknown, payload?: Uint8Array): void {
    if (p.done) return;
    p.done = true;
    clearTimeout(p.timer);
    const i = this.inFlight.indexOf(p);
    if (i >= 0) this.inFlight.splice(i, 1);
    if (error instanceof DiagError || error === undefined) {
      this.silentTimeouts = 0;
      this.answers++;
    }
    if (error !== undefined) p.reject(error);
    else p.resolve(payload!);
    this.admit();
  }

  /** The link is gone, cancelled or closed: every pending and future request fails with e. */
  private fail(e: RescueError): void {
    if (this.failure) return;
    this.failure = e;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.stop.abort(e);
    const all = [...this.inFlight, ...this.waiting];
    this.inFlight = [];
    this.waiting = [];
    this.outgoing = [];
    for (const p of all) {
      if (p.done) continue;
      p.done = true;
      clearTimeout(p.timer);
      p.reject(e);
    }
  }

  private log(m: string): void {
    this.opts.onLog?.(m);
  }
}

function isEfsErrorPacket(payload: Uint8Array): boolean {
  return (
    payload.length >= 8 &&
    payload[0] === DIAG_CMD.SUBSYS &&
    payload[1] === DIAG_SUBSYS.EFS &&
    (payload[2]! | (payload[3]! << 8)) === EFS_CMD.ERROR
  );
}

/** Same command byte (and subsystem + subsystem command for 0x4B): a fallback match for short answers. */
function sameCommand(request: Uint8Array, response: Uint8Array): boolean {
  if (request[0] !== response[0]) return false;
  if (request[0] !== DIAG_CMD.SUBSYS) return true;
  for (let i = 1; i < 4; i++) if (response[i] !== undefined && response[i] !== request[i]) return false;
  return true;
}

/** Decode an answer; an unreadable one becomes DiagError naming the request. */
export function decodeOrThrow<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof DiagProtocolError || e instanceof RangeError)
      throw new DiagError(`The answer to ${what} is unreadable: ${e.message}`, { cause: e });
    throw e;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Open a running module's DM port (bounded, default 10 s) and start a DIAG session on it. */
export async function openDiagSession(
  dm: PipeOpener,
  opts: { signal?: AbortSignal | undefined; timeoutMs?: number; openTimeoutMs?: number; maxInFlight?: number },
): Promise<DiagClient> {
  const pipe = await dm.open({
    timeoutMs: opts.openTimeoutMs ?? 10_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
    what: 'the DM (DIAG) port',
  });
  return new DiagClient(pipe, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    maxInFlight: opts.maxInFlight ?? 8,
  });
}
