// The host side of a Firehose session: one command at a time over a bulk pipe, every wait
// bounded, device logs collected as they come, raw data streamed in payload-sized writes.
// What to send and how to read answers lives in protocol/firehose.ts; this file moves bytes.

import { RescueError, type ErrorCode } from '../../shared/errors.js';
import type { EventSink, LogLevel } from '../../shared/events.js';
import {
  DocumentSplitter,
  FirehoseFramingError,
  parseDocument,
  preview,
  type FirehoseMessage,
} from '../protocol/firehose-xml.js';
import {
  addressProblem,
  ConfigureNegotiation,
  configureCommand,
  describeCommand,
  eraseCommand,
  keepAnswerLog,
  DEFAULT_MAX_XML_SIZE,
  nopCommand,
  parseDigest,
  parseStorageInfo,
  parseSupportedFunctions,
  patchCommand,
  powerCommand,
  programCommand,
  readCommand,
  sha256DigestCommand,
  startsLikeXml,
  storageInfoCommand,
  type FirehoseAddress,
  type NegotiatedConfig,
  type PowerMode,
} from '../protocol/firehose.js';
import type { PipeReader } from '../transport/pipe-reader.js';
import { streamRawData, type ChunkSource } from './firehose-stream.js';
import { formatMs, throwIfAborted } from '../util/deadline.js';

export type { FirehoseAddress, NegotiatedConfig } from '../protocol/firehose.js';

/** What a programmer logs when it NAKs a configure for its payload size (Qualcomm's handleConfigure). */
const EXPECTED_CONFIGURE_LINES = /payload.*too large|too large.*payload/i;
/** The last line of a programmer's startup burst. */
const END_OF_FUNCTIONS = /end of supported functions/i;
/** How long to wait for stray logs after the startup burst has visibly ended. */
const STARTUP_GRACE_MS = 10;

export interface FirehoseTimeouts {
  /** Answer to an ordinary command. */
  responseMs: number;
  /** Final answer after a program's data: the field has seen slow ones. */
  programAckMs: number;
  eraseAckMs: number;
  /** Each data write; also the longest a program transfer may sit without moving. */
  writeMs: number;
  /** Each wait for read data, and for a digest the programmer computes over a partition. */
  readDataMs: number;
  /** The startup burst is over when the programmer has been quiet this long after its first line... */
  startupQuietMs: number;
  /**
   * ...but its first line may come this long after Sahara's DONE_RESP: Quectel's SDX NAND
   * programmer logs about a second after it (nippynetworks/qfirehose log/ sessions).
   */
  startupFirstLineMs: number;
  startupMaxMs: number;
}

export const DEFAULT_FIREHOSE_TIMEOUTS: FirehoseTimeouts = {
  responseMs: 10_000,
  programAckMs: 120_000,
  eraseAckMs: 30_000,
  writeMs: 10_000,
  readDataMs: 60_000,
  startupQuietMs: 300,
  startupFirstLineMs: 3_000,
  startupMaxMs: 6_000,
};

export type { ChunkSource } from './firehose-stream.js';

/** The programmer answered NAK. attemptRetry: it said the same command may simply be sent again. */
export class FirehoseNakError extends RescueError {
  readonly attemptRetry: boolean;
  readonly deviceLog: string[];
  constructor(detail: string, attemptRetry: boolean, deviceLog: string[], cause?: unknown) {
    super('FIREHOSE_NAK', detail, cause !== undefined ? { cause } : undefined);
    this.name = 'FirehoseNakError';
    this.attemptRetry = attemptRetry;
    this.deviceLog = deviceLog;
  }
}

export interface FirehoseSessionOptions {
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  timeouts?: Partial<FirehoseTimeouts>;
  /** How many recent device log lines to keep (default 200). */
  maxLogLines?: number;
}

interface Answer {
  ack: boolean;
  rawmode: boolean | undefined;
  attrs: Record<string, string>;
  /** Log lines that came with this answer. */
  logs: string[];
}

/** Read-back data is taken in pieces of at most this many bytes. */
const BLOCK_BYTES = 1024 * 1024;
const MAX_LOG_LINE = 1000;
const LOG_LINES_IN_ERRORS = 5;
const ANSWER_LOG_KEEP = 256;
/** Long enough for a storage-info JSON line, short enough to bound what one answer holds. */
const MAX_ANSWER_LOG_LINE = 16 * 1024;
/** A flooding programmer's startup burst is kept up to this many lines (the function list comes early). */
const MAX_STARTUP_LINES = 2000;

export class FirehoseSession {
  private readonly splitter = new DocumentSplitter();
  private readonly t: FirehoseTimeouts;
  private readonly signal: AbortSignal | undefined;
  private readonly onEvent: EventSink | undefined;
  private readonly maxLogLines: number;
  private readonly ring: string[] = [];
  private readonly fns = new Set<string>();
  private cfg: NegotiatedConfig | undefined;
  private busy = false;
  /** Set when a raw transfer stopped half-way: the programmer would take the next command as data. */
  private outOfStep: string | undefined;
  /** Device lines expected right now (the payload complaint during a configure renegotiation): logged as debug, not shown as the device's alarm. */
  private expectedLines: RegExp | undefined;

  constructor(
    private readonly reader: PipeReader,
    opts: FirehoseSessionOptions = {},
  ) {
    this.t = { ...DEFAULT_FIREHOSE_TIMEOUTS, ...opts.timeouts };
    this.signal = opts.signal;
    this.onEvent = opts.onEvent;
    this.maxLogLines = Math.max(1, opts.maxLogLines ?? 200);
  }

  /** Functions the programmer listed at startup, lower-cased (empty if it listed none). */
  get functions(): ReadonlySet<string> {
    return this.fns;
  }

  /** Functions learnt by an earlier session with the same programmer (a re-probed one lists none). */
  adoptFunctions(fns: Iterable<string>): void {
    for (const f of fns) this.fns.add(f.toLowerCase());
  }

  get config(): NegotiatedConfig | undefined {
    return this.cfg;
  }

  /** The most recent device log lines, oldest first. */
  get deviceLog(): readonly string[] {
    return this.ring;
  }

  /** Read the programmer's startup logs until it is quiet; learn its function list. */
  drainStartup(): Promise<string[]> {
    return this.exclusive(async () => {
      const lines: string[] = [];
      const end = Date.now() + this.t.startupMaxMs;
      for (;;) {
        await this.takeDocuments(lines);
        const left = end - Date.now();
        if (left <= 0) break;
        // Before the first line, the programmer may still be starting; once the function list has
        // ended, only a short grace for stragglers: no need to sit out the quiet period every run.
        let quiet = this.t.startupQuietMs;
        if (lines.length === 0) quiet = Math.max(quiet, this.t.startupFirstLineMs);
        else if (lines.some((l) => END_OF_FUNCTIONS.test(l))) quiet = Math.min(STARTUP_GRACE_MS, quiet);
        try {
          await this.fill(Math.min(quiet, left), "the programmer's startup messages");
        } catch (e) {
          if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') break;
          throw e;
        }
      }
      for (const f of parseSupportedFunctions(lines)) this.fns.add(f);
      return lines;
    });
  }

  /**
   * Is a Firehose programmer answering? Sends <nop/>: true on any well-formed answer, false on
   * silence or bytes that are not Firehose. On false, unread bytes go back to the reader (they
   * may be a Sahara HELLO). Disconnect and cancel still throw.
   */
  probe(timeoutMs: number): Promise<boolean> {
    return this.exclusive(async () => {
      const what = '<nop>';
      try {
        await this.consumeBuffered();
        await this.send(nopCommand(), what, timeoutMs);
        await this.awaitAnswer(what, timeoutMs, true);
        return true;
      } catch (e) {
        if (!(e instanceof RescueError) || (e.code !== 'DEVICE_TIMEOUT' && e.code !== 'FIREHOSE_PROTOCOL')) throw e;
        this.reader.unread(this.splitter.takeRest());
        return false;
      }
    });
  }

  /** Agree on transfer settings (see ConfigureNegotiation: NAK hints, one upsize, three tries at most). */
  configure(req: {
    memoryName: string;
    maxPayloadToTarget: number;
    zlpAwareHost?: boolean;
    skipStorageInit?: boolean;
    skipWrite?: boolean;
  }): Promise<NegotiatedConfig> {
    return this.exclusive(async () => {
      const talks = new ConfigureNegotiation(req.memoryName, req.maxPayloadToTarget);
      // "ERROR: Host's payload to target size is too large" comes with the NAK the negotiation
      // handles; the flash says what it settled on instead.
      this.expectedLines = EXPECTED_CONFIGURE_LINES;
      try {
        return await this.negotiate(talks, req);
      } finally {
        this.expectedLines = undefined;
      }
    });
  }

  private async negotiate(
    talks: ConfigureNegotiation,
    req: { memoryName: string; zlpAwareHost?: boolean; skipStorageInit?: boolean; skipWrite?: boolean },
  ): Promise<NegotiatedConfig> {
    for (let step = talks.first(); ;) {
      if (step.kind === 'done') return step.config;
      if (step.kind === 'fail')
        throw new RescueError(
          'FIREHOSE_CONFIGURE_FAILED',
          `${step.reason}${logSuffix(step.logs.length > 0 ? step.logs : this.recentLog())}`,
        );
      const xml = configureCommand({
        memoryName: req.memoryName,
        maxPayloadToTarget: step.size,
        zlpAwareHost: req.zlpAwareHost ?? this.reader.pipe.needsZlp,
        skipStorageInit: req.skipStorageInit,
        skipWrite: req.skipWrite,
      });
      const ans = await this.exchange(xml, `<configure> with a ${step.size}-byte payload`, this.t.responseMs);
      step = talks.answer(ans);
      if (talks.accepted) this.cfg = talks.accepted;
    }
  }

  /**
   * Write a file: num_partition_sectors = the file's sectors, then exactly that many sectors of
   * data (the file, zero-padded to its last sector) in writes of at most the negotiated payload.
   */
  program(addr: FirehoseAddress, source: ChunkSource, onProgress?: (bytesDone: number) => void): Promise<void> {
    return this.exclusive(async () => {
      checkAddress(addr);
      const cfg = this.requireConfig('<program>');
      const name = addr.label ?? addr.filename ?? 'the image';
      if (!Number.isSafeInteger(source.size) || source.size <= 0)
        throw new RescueError('PACKAGE_EMPTY_FILE', `${name} has no data to write.`);
      const sectors = Math.ceil(source.size / addr.sectorSize);
      if (sectors > addr.numSectors) {
        throw new RescueError(
          'PACKAGE_FILE_TOO_LARGE',
          `${name} is ${source.size} bytes (${sectors} sectors of ${addr.sectorSize}) but its partition holds ${addr.numSectors} sectors.`,
        );
      }
      const sent: FirehoseAddress = { ...addr, numSectors: sectors };
      const what = describeCommand('program', sent);
      const first = await this.exchange(programCommand(sent), what, this.t.responseMs);
      if (!first.ack) throw nakError(what, first);
      if (first.rawmode !== true)
        throw protocolError(`The programmer accepted ${what} but did not switch to raw data mode.`);
      try {
        await streamRawData(this.reader.pipe, source, {
          what,
          total: sectors * addr.sectorSize,
          sectorSize: addr.sectorSize,
          payload: cfg.maxPayloadToTarget,
          writeMs: this.t.writeMs,
          signal: this.signal,
          onProgress,
        });
      } catch (e) {
        const failure = await this.explainWriteFailure(what, e);
        // A NAK means the programmer left raw mode; anything else leaves it waiting for data.
        if (!(failure instanceof FirehoseNakError))
          this.outOfStep = `the programmer is still waiting for the rest of the data of ${what}`;
        throw failure;
      }
      const done = await this.awaitAnswer(what, this.t.programAckMs);
      if (!done.ack) throw nakError(what, done);
    });
  }

  erase(addr: FirehoseAddress): Promise<void> {
    return this.exclusive(async () => {
      checkAddress(addr);
      const what = describeCommand('erase', addr);
      const ans = await this.exchange(eraseCommand(addr), what, this.t.eraseAckMs);
      if (!ans.ack) throw nakError(what, ans);
    });
  }

  /** Read sectors: the sink gets exactly numSectors x sectorSize bytes, in order. */
  read(
    addr: FirehoseAddress,
    sink: (chunk: Uint8Array) => void | Promise<void>,
    onProgress?: (bytesDone: number) => void,
  ): Promise<void> {
    return this.exclusive(async () => {
      checkAddress(addr);
      const what = describeCommand('read', addr);
      const first = await this.exchange(readCommand(addr), what, this.t.responseMs);
      if (!first.ack) throw nakError(what, first);
      if (first.rawmode !== true)
        throw protocolError(`The programmer accepted ${what} but did not switch to raw data mode.`);
      const total = addr.numSectors * addr.sectorSize;
      let done = 0;
      // Bytes that came in the same transfer as the ACK are already data.
      const early = this.splitter.takeRest();
      if (early.length > 0) {
        const use = Math.min(early.length, total);
        this.reader.unread(early.subarray(use));
        await sink(early.subarray(0, use));
        done = use;
        onProgress?.(done);
      }
      try {
        while (done < total) {
          let chunk: Uint8Array;
          try {
            chunk = await this.reader.readSome(
              { timeoutMs: this.t.readDataMs, signal: this.signal, what: `data of ${what}` },
              Math.min(total - done, BLOCK_BYTES),
            );
          } catch (e) {
            throw rewordTimeout(
              e,
              `Received ${done} of ${total} bytes of ${what}, then nothing for ${formatMs(this.t.readDataMs)}.`,
            );
          }
          await sink(chunk);
          done += chunk.length;
          onProgress?.(done);
          throwIfAborted(this.signal);
        }
      } catch (e) {
        this.outOfStep = `the data of ${what} stopped after ${done} of ${total} bytes`;
        throw e;
      }
      const end = await this.awaitAnswer(what, this.t.responseMs);
      if (!end.ack) throw nakError(what, end);
    });
  }

  /** A DISK patch: the programmer changes bytes on the device. */
  patchDisk(p: {
    sectorSize: number;
    byteOffset: number;
    physicalPartition: number;
    sizeInBytes: number;
    startSector: string;
    value: string;
    what?: string;
  }): Promise<void> {
    return this.exclusive(async () => {
      const what = `<patch> of ${p.sizeInBytes} bytes at sector ${p.startSector} + ${p.byteOffset}${p.what ? ` (${p.what})` : ''}`;
      const ans = await this.exchange(patchCommand({ ...p, filename: 'DISK' }), what, this.t.responseMs);
      if (!ans.ack) throw nakError(what, ans);
    });
  }

  /** SHA-256 of sectors as the programmer computes it; undefined if it does not list getsha256digest. */
  sha256Digest(addr: FirehoseAddress): Promise<string | undefined> {
    return this.exclusive(async () => {
      if (!this.fns.has('getsha256digest')) return undefined;
      checkAddress(addr);
      const what = describeCommand('getsha256digest', addr);
      const ans = await this.exchange(sha256DigestCommand(addr), what, this.t.readDataMs);
      if (!ans.ack) {
        // Listed but refused (some programmers list what they do not do on this memory): the
        // caller reads the data back instead, for this and every later partition.
        this.fns.delete('getsha256digest');
        this.emit('info', `The programmer refused ${what}; verifying by reading back instead.`);
        return undefined;
      }
      const digest = parseDigest(ans.logs);
      if (digest === undefined)
        throw protocolError(`The programmer acknowledged ${what} but logged no digest${logSuffix(ans.logs)}`);
      return digest;
    });
  }

  /** Storage geometry as the programmer reports it; undefined if it has none to give. */
  storageInfo(): Promise<Record<string, unknown> | undefined> {
    return this.exclusive(async () => {
      if (this.fns.size > 0 && !this.fns.has('getstorageinfo')) return undefined;
      const ans = await this.exchange(storageInfoCommand(0), '<getstorageinfo>', this.t.responseMs);
      return ans.ack ? parseStorageInfo(ans.logs) : undefined;
    });
  }

  nop(): Promise<void> {
    return this.exclusive(async () => {
      const ans = await this.exchange(nopCommand(), '<nop>', this.t.responseMs);
      if (!ans.ack) throw nakError('<nop>', ans);
    });
  }

  /** Reset, power off or go to EDL. A device that drops off the bus before its ACK did as asked. */
  power(mode: PowerMode, delaySeconds?: number): Promise<void> {
    return this.exclusive(async () => {
      const what = `<power value="${mode}">`;
      try {
        const ans = await this.exchange(powerCommand(mode, delaySeconds), what, this.t.responseMs);
        if (!ans.ack) throw nakError(what, ans);
      } catch (e) {
        if (e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED') return;
        throw e;
      }
    });
  }

  // --- internals ------------------------------------------------------------------------

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy) throw new RescueError('INTERNAL', 'Two Firehose commands were started at once on one session.');
    throwIfAborted(this.signal);
    if (this.outOfStep) throw protocolError(`This session cannot send more commands: ${this.outOfStep}.`);
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  private requireConfig(what: string): NegotiatedConfig {
    if (!this.cfg) throw new RescueError('INTERNAL', `${what} was sent before <configure>.`);
    return this.cfg;
  }

  /** Send one command and wait for its answer. */
  private async exchange(xml: string, what: string, timeoutMs: number): Promise<Answer> {
    await this.consumeBuffered();
    await this.send(xml, what, this.t.writeMs);
    return this.awaitAnswer(what, timeoutMs);
  }

  private async send(xml: string, what: string, timeoutMs: number): Promise<void> {
    const bytes = new TextEncoder().encode(xml);
    const limit = this.cfg?.maxXmlSize ?? DEFAULT_MAX_XML_SIZE;
    if (bytes.length > limit) {
      throw new RescueError(
        'PACKAGE_BAD_XML',
        `${what} would be ${bytes.length} bytes; the programmer reads commands of at most ${limit} bytes (a name in the package is too long).`,
      );
    }
    await this.reader.pipe.write(bytes, { timeoutMs, signal: this.signal, what: `sending ${what}` });
  }

  /** Log documents until the response; the bytes after it stay in the splitter. */
  private async awaitAnswer(what: string, timeoutMs: number, keepUnparsed = false): Promise<Answer> {
    const logs: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const doc = this.nextDocument();
      if (doc !== undefined) {
        const answer = this.readAnswer(doc, logs);
        if (!answer) continue;
        // Logs that came in the same transfer after a plain answer belong to it; after a
        // rawmode ACK the bytes that follow are data and stay where they are.
        if (answer.rawmode !== true) await this.consumeBuffered();
        return answer;
      }
      const left = deadline - Date.now();
      const fresh = this.splitter.pendingBytes === 0;
      let chunk: Uint8Array;
      try {
        if (left <= 0) throw new RescueError('DEVICE_TIMEOUT');
        chunk = await this.reader.readSome({
          timeoutMs: left,
          signal: this.signal,
          what: `the programmer's answer to ${what}`,
        });
      } catch (e) {
        throw this.explainSilence(e, what, timeoutMs, logs, keepUnparsed);
      }
      if (fresh && !startsLikeXml(chunk)) {
        if (keepUnparsed) this.reader.unread(chunk);
        throw protocolError(
          `Instead of an answer to ${what} the programmer sent bytes that are not a Firehose document: ${preview(new TextDecoder().decode(chunk.subarray(0, 64)), 80)}`,
        );
      }
      this.splitter.feed(chunk);
    }
  }

  /** A wait for an answer failed: garbage that never formed a document, or plain silence. */
  private explainSilence(e: unknown, what: string, timeoutMs: number, logs: string[], keepUnparsed: boolean): unknown {
    if (!(e instanceof RescueError) || e.code !== 'DEVICE_TIMEOUT') return e;
    const pending = this.splitter.takeRest();
    if (keepUnparsed) this.reader.unread(pending);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(pending.subarray(0, 256)).replace(/^[\s\0]+/, '');
    if (pending.length > 0 && !/^[^<]*<(?:\?xml|data|log|response)/i.test(text)) {
      return protocolError(
        `Instead of an answer to ${what} the programmer sent ${pending.length} bytes that are not a Firehose document: ${preview(text, 80)}`,
      );
    }
    const partial =
      pending.length > 0 ? ` (it had sent ${pending.length} bytes of an unfinished answer: ${preview(text, 80)})` : '';
    return new RescueError(
      'DEVICE_TIMEOUT',
      `No answer from the programmer to ${what} within ${formatMs(timeoutMs)}${partial}${logSuffix(logs.length > 0 ? logs : this.recentLog())}`,
      { cause: e },
    );
  }

  /** Record the logs of one document; return the answer if it holds the response. */
  private readAnswer(doc: string, logs: string[]): Answer | undefined {
    let answer: Answer | undefined;
    const messages = this.parseOrKeepRaw(doc);
    if (!messages) {
      keepAnswerLog(logs, doc, ANSWER_LOG_KEEP, MAX_ANSWER_LOG_LINE);
      return undefined;
    }
    for (const m of messages) {
      if (m.kind === 'log') {
        this.recordLog(m.value);
        keepAnswerLog(logs, m.value, ANSWER_LOG_KEEP, MAX_ANSWER_LOG_LINE);
      } else if (m.kind === 'response') {
        const value = (m.attrs.value ?? '').toUpperCase();
        if (value !== 'ACK' && value !== 'NAK')
          throw protocolError(
            `The programmer answered "${preview(m.attrs.value ?? '', 40)}" instead of ACK or NAK: ${preview(doc)}`,
          );
        if (answer) this.emit('warn', `Ignored a second response in one document: ${preview(doc)}`);
        else answer = { ack: m.ack, rawmode: m.rawmode, attrs: m.attrs, logs };
      } else {
        this.emit('warn', `Ignored <${preview(m.tag, 40)}> from the programmer.`);
      }
    }
    return answer;
  }

  /** Take out what is already buffered (logs that came after the last answer). */
  private consumeBuffered(): Promise<void> {
    return this.takeDocuments([]);
  }

  /**
   * Move everything the reader holds into the splitter and record each complete document's
   * logs. Nothing here answers a command: responses (a late ACK after a timeout) and unreadable
   * documents are reported and skipped. A document that never ends still fails.
   */
  private async takeDocuments(lines: string[]): Promise<void> {
    await this.pullBuffered();
    for (let doc = this.nextDocument(); doc !== undefined; doc = this.nextDocument()) {
      let messages: FirehoseMessage[] | undefined;
      try {
        messages = this.parseOrKeepRaw(doc);
      } catch (e) {
        if (!(e instanceof RescueError)) throw e;
        // An unreadable response with no command waiting for it: nothing answers on it.
        this.emit('warn', `Ignored an unreadable message from the programmer: ${preview(doc)}`);
        continue;
      }
      if (!messages) {
        if (lines.length < MAX_STARTUP_LINES) lines.push(doc);
        continue;
      }
      for (const m of messages) {
        if (m.kind === 'log') {
          this.recordLog(m.value);
          if (lines.length < MAX_STARTUP_LINES) lines.push(m.value);
        } else if (m.kind === 'response') {
          this.emit(
            'warn',
            `Ignored a response that answers no command (value="${preview(m.attrs.value ?? '', 20)}").`,
          );
        }
      }
    }
  }

  private async pullBuffered(): Promise<void> {
    // readSome hands out buffered bytes without touching the pipe: no wait happens here.
    while (this.reader.buffered > 0)
      this.splitter.feed(await this.reader.readSome({ timeoutMs: 1, signal: this.signal }));
  }

  private async fill(timeoutMs: number, what: string): Promise<void> {
    const chunk = await this.reader.readSome({ timeoutMs, signal: this.signal, what });
    this.splitter.feed(chunk);
  }

  private nextDocument(): string | undefined {
    try {
      return this.splitter.next();
    } catch (e) {
      if (e instanceof FirehoseFramingError) {
        this.splitter.takeRest();
        throw protocolError(`The programmer sent ${e.message.replace(/^received /, '')}.`);
      }
      throw e;
    }
  }

  private parse(doc: string): FirehoseMessage[] {
    try {
      return parseDocument(doc);
    } catch (e) {
      if (e instanceof FirehoseFramingError) throw protocolError(e.message);
      throw e;
    }
  }

  /**
   * The messages of a document; undefined for a document that is not well-formed XML but holds
   * no response (a <log value="..."> with unescaped quotes, say): its raw text is recorded as a
   * device line and it is skipped, as edl (its xmlparser skips what it cannot parse) and QFirehose
   * (string matching) do. An unreadable document that holds a response still fails.
   */
  private parseOrKeepRaw(doc: string): FirehoseMessage[] | undefined {
    try {
      return this.parse(doc);
    } catch (e) {
      if (!(e instanceof RescueError) || /<\s*response\b/i.test(doc) || !/<\s*log\b/i.test(doc)) throw e;
      this.recordLog(rawLogText(doc));
      return undefined;
    }
  }

  private recordLog(value: string): void {
    const line = value.length > MAX_LOG_LINE ? `${value.slice(0, MAX_LOG_LINE)}...` : value;
    this.ring.push(line);
    if (this.ring.length > this.maxLogLines) this.ring.splice(0, this.ring.length - this.maxLogLines);
    this.emit(this.expectedLines?.test(line) ? 'debug' : 'device', line);
  }

  private recentLog(): string[] {
    return this.ring.slice(-LOG_LINES_IN_ERRORS);
  }

  private emit(level: LogLevel, message: string): void {
    this.onEvent?.({ type: 'log', level, message });
  }

  /**
   * Stream `total` bytes: the source, then zeros. Reads the source in blocks of about 1 MiB and
   * writes slices of them; one watchdog timer for the whole transfer catches a stall.
   */
  /** After a failed data write, a programmer may still NAK (with AttemptRetry): prefer that answer. */
  private async explainWriteFailure(what: string, e: unknown): Promise<unknown> {
    if (!(e instanceof RescueError) || (e.code !== 'DEVICE_TIMEOUT' && e.code !== 'DEVICE_STALLED')) return e;
    try {
      const ans = await this.awaitAnswer(what, this.t.responseMs);
      if (!ans.ack) return nakError(what, ans, e);
    } catch {
      // no answer either: the write failure is the story
    }
    return e;
  }
}

// --- helpers ----------------------------------------------------------------------------------

/** The text of an unparseable log document: its value attribute as written, else the document. */
function rawLogText(doc: string): string {
  const m = /<\s*log\s+value\s*=\s*"([\s\S]*)"\s*\/>/i.exec(doc);
  return (m?.[1] ?? doc.replace(/<\?xml[^>]*\?>/i, '').replace(/\s+/g, ' ')).trim();
}

function checkAddress(a: FirehoseAddress): void {
  const problem = addressProblem(a);
  if (problem)
    throw new RescueError('PACKAGE_BAD_XML', `Bad address for ${a.label ?? a.filename ?? 'a partition'}: ${problem}.`);
}

function logSuffix(lines: readonly string[]): string {
  const last = lines.slice(-LOG_LINES_IN_ERRORS);
  return last.length > 0 ? `. Device log: ${last.map((l) => `"${preview(l, 160)}"`).join(' / ')}` : '.';
}

function nakError(what: string, ans: Answer, cause?: unknown): FirehoseNakError {
  const retry = /^(1|true)$/i.test(ans.attrs.AttemptRetry ?? '');
  const logs = ans.logs.slice(-20);
  return new FirehoseNakError(
    `It answered NAK to ${what}${retry ? ' (it says retrying may work)' : ''}${logSuffix(logs)}`,
    retry,
    logs,
    cause,
  );
}

function protocolError(detail: string): RescueError {
  return new RescueError('FIREHOSE_PROTOCOL', detail);
}

function rewordTimeout(e: unknown, detail: string, code: ErrorCode = 'DEVICE_TIMEOUT'): unknown {
  if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') return new RescueError(code, detail, { cause: e });
  return e;
}
