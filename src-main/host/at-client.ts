// A host session on a module's AT port: one command at a time, every answer bounded by a
// timeout and the AbortSignal, unsolicited result codes (URCs) kept apart in a bounded list, and
// the queries the wizard needs. A background reader takes lines from the port until close().

import { RescueError } from '../../shared/errors.js';
import {
  AtLineSplitter,
  AtParseError,
  classifyFinal,
  commandProblem,
  isEcho,
  isUrc,
  parseAti,
  parseCfun,
  parseFirmwareVersion,
  parseImei,
  parseUsbnet,
  preview,
  type AtiInfo,
} from '../protocol/at.js';
import type { BulkPipe } from '../transport/transport.js';
import { bounded, cancelledError, throwIfAborted } from '../util/deadline.js';

export interface AtClientOptions {
  signal?: AbortSignal | undefined;
  /** Per command, default 5000 ms; at most MAX_COMMAND_TIMEOUT_MS. */
  timeoutMs?: number;
  /** How many URCs are kept (the oldest go first), default 64. */
  maxUrcs?: number;
  /** Lines that belong to no command and are no known URC (late answers, noise). */
  onStray?: (line: string) => void;
}

export interface AtResponse {
  lines: string[];
  final: 'OK';
}

export const DEFAULT_AT_TIMEOUT_MS = 5000;
/** Some commands (network scans) take minutes; nothing takes longer than this. */
export const MAX_COMMAND_TIMEOUT_MS = 300_000;
/** Response lines of one command beyond this are a broken module, not an answer. */
export const MAX_RESPONSE_LINES = 256;
/** How long each background read waits before trying again (bounded; ends on close). */
const PUMP_READ_MS = 1000;

interface Pending {
  cmd: string;
  lines: string[];
  resolve: (r: AtResponse) => void;
  reject: (e: unknown) => void;
}

export class AtClient {
  private readonly splitter = new AtLineSplitter();
  private readonly urcList: string[] = [];
  private readonly maxUrcs: number;
  private readonly timeoutMs: number;
  private readonly stop = new AbortController();
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: RescueError | undefined;
  private pump: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pipe: BulkPipe,
    private readonly opts: AtClientOptions = {},
  ) {
    this.timeoutMs = clampTimeout(opts.timeoutMs ?? DEFAULT_AT_TIMEOUT_MS);
    this.maxUrcs = Math.max(1, opts.maxUrcs ?? 64);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The unsolicited result codes seen so far (the newest last; bounded). */
  get urcs(): string[] {
    return [...this.urcList];
  }

  /**
   * Send one command and wait for its final result. Commands queue: the next is sent only after
   * the previous one finished. Resolves on OK; rejects with AT_ERROR (+CME/+CMS ERROR text),
   * DEVICE_TIMEOUT, DEVICE_DISCONNECTED or CANCELLED.
   */
  command(cmd: string, opts: { timeoutMs?: number } = {}): Promise<AtResponse> {
    const problem = commandProblem(cmd);
    if (problem)
      return Promise.reject(new RescueError('USAGE', `Cannot send ${JSON.stringify(preview(cmd))}: ${problem}`));
    const run = this.queue.then(() => this.run(cmd, clampTimeout(opts.timeoutMs ?? this.timeoutMs)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async ati(): Promise<AtiInfo> {
    return this.parsed('ATI', parseAti);
  }

  /** Firmware version: AT+QGMR, or AT+CGMR on modules (old EC20) that answer ERROR to it. */
  async qgmr(): Promise<string> {
    try {
      return await this.parsed('AT+QGMR', parseFirmwareVersion);
    } catch (e) {
      // Only a refusal (ERROR / +CME ERROR) means "ask AT+CGMR"; an unreadable answer stays an error.
      if (!(e instanceof RescueError) || e.code !== 'AT_ERROR' || e.cause instanceof AtParseError) throw e;
      return this.parsed('AT+CGMR', parseFirmwareVersion);
    }
  }

  async imei(): Promise<string> {
    return this.parsed('AT+CGSN', parseImei);
  }

  async cfun(): Promise<number> {
    return this.parsed('AT+CFUN?', parseCfun);
  }

  async usbnet(): Promise<number> {
    return this.parsed('AT+QCFG="usbnet"', parseUsbnet);
  }

  /** Stop reading and close the port. Idempotent; a running command fails with CANCELLED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.stop.abort(new RescueError('CANCELLED', 'The AT session was closed.'));
    this.pending?.reject(new RescueError('CANCELLED', 'The AT session was closed.'));
    this.pending = undefined;
    await this.pipe.close();
    await this.pump;
  }

  private async parsed<T>(cmd: string, parse: (lines: string[]) => T): Promise<T> {
    const r = await this.command(cmd);
    try {
      return parse(r.lines);
    } catch (e) {
      if (e instanceof AtParseError)
        throw new RescueError('AT_ERROR', `The answer to ${cmd} could not be read: ${e.message}`, { cause: e });
      throw e;
    }
  }

  private async run(cmd: string, timeoutMs: number): Promise<AtResponse> {
    throwIfAborted(this.opts.signal);
    if (this.closed) throw new RescueError('CANCELLED', 'The AT session was closed.');
    if (this.failure) throw this.failure;
    this.pump ??= this.readLoop();
    // An unfinished line before the command is sent is noise, not a start of the answer.
    const noise = this.splitter.discardPartial();
    if (noise > 0) this.opts.onStray?.(`(${noise} bytes without a line end dropped)`);
    let pending: Pending | undefined;
    const answer = new Promise<AtResponse>((resolve, reject) => {
      pending = { cmd, lines: [], resolve, reject };
    });
    answer.catch(() => undefined); // settled late (after a timeout) nobody listens any more
    this.pending = pending;
    try {
      return await bounded(
        async (signal) => {
          await this.pipe.write(new TextEncoder().encode(`${cmd}\r`), { timeoutMs, signal, what: `${cmd} to be sent` });
          return answer;
        },
        { timeoutMs, signal: this.opts.signal, what: `the answer to ${cmd} on ${this.pipe.name}` },
      );
    } finally {
      if (this.pending === pending) this.pending = undefined;
    }
  }

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      let chunk: Uint8Array;
      try {
        chunk = await this.pipe.read(4096, { timeoutMs: PUMP_READ_MS, signal: this.stop.signal, what: 'AT lines' });
      } catch (e) {
        if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') continue;
        if (this.closed) return;
        this.fail(
          e instanceof RescueError
            ? e
            : new RescueError(
                'DEVICE_DISCONNECTED',
                `${this.pipe.name}: ${e instanceof Error ? e.message : String(e)}`,
                { cause: e },
              ),
        );
        return;
      }
      for (const line of this.splitter.push(chunk))
        this.onLine(line.truncated ? `${line.text}...` : line.text, line.truncated);
    }
  }

  private onLine(text: string, truncated: boolean): void {
    const p = this.pending;
    if (p && isEcho(text, p.cmd)) return;
    if (isUrc(text, p?.cmd)) {
      this.urcList.push(text);
      if (this.urcList.length > this.maxUrcs) this.urcList.shift();
      return;
    }
    if (!p) {
      this.opts.onStray?.(text);
      return;
    }
    const final = truncated ? undefined : classifyFinal(text);
    if (final?.kind === 'ok') {
      this.pending = undefined;
      p.resolve({ lines: p.lines, final: 'OK' });
    } else if (final) {
      this.pending = undefined;
      p.reject(new RescueError('AT_ERROR', `${p.cmd} answered "${final.text}"${describeCme(final.text)}.`));
    } else if (p.lines.length >= MAX_RESPONSE_LINES) {
      this.pending = undefined;
      p.reject(
        new RescueError(
          'AT_ERROR',
          `The answer to ${p.cmd} ran past ${MAX_RESPONSE_LINES} lines without a final result: the port may not be an AT port.`,
        ),
      );
    } else {
      p.lines.push(text);
    }
  }

  private fail(e: RescueError): void {
    this.failure = e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private readonly onAbort = (): void => {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(cancelledError(this.opts.signal?.reason));
  };
}

function clampTimeout(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) return DEFAULT_AT_TIMEOUT_MS;
  return Math.min(ms, MAX_COMMAND_TIMEOUT_MS);
}

/** A few common +CME ERROR numbers in words (3GPP TS 27.007). */
const CME_WORDS: Record<number, string> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  13: 'SIM failure',
  14: 'SIM busy',
  16: 'incorrect password',
  30: 'no network service',
  50: 'incorrect parameters',
  58: 'unknown error',
  100: 'unknown',
};

function describeCme(text: string): string {
  const m = /^\+CME ERROR:\s*(\d+)$/.exec(text);
  const words = m ? CME_WORDS[Number(m[1])] : undefined;
  return words ? ` (${words})` : '';
}
