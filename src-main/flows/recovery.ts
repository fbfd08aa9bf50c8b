// The recovery ladder of a flash: what to do when a step fails, from the cheapest rung to the
// most drastic, each rung logged as a {type:'recovery'} event and each wait bounded.
//   1. retry the transfer when the programmer said so (NAK with AttemptRetry: it discarded the data);
//   2. clear the pipe (drain what the modem still sends);
//   3. send the ZLP the modem may be owed (an empty write; a no-op on serial ports);
//   4. re-probe with <nop/>: a programmer that still answers is reused, without Sahara;
//   4b. finish a transfer the programmer still waits for (a host killed in the middle of a
//      <program>): zeros, at most the largest image of the plan, until it answers; that
//      partition is not verified, so it is erased and written again anyway; then probe again;
//   5. reset: <power value="reset"/> (a programmer stuck in a transfer will not act on it), wait
//      for the modem to leave the bus, then wait for it to come back (by VID:PID, any bus path)
//      and upload the programmer again; the flash then resumes after the partitions verified.
// A modem that neither answers nor restarts by itself needs its power cycled: the error says so.

import { RescueError, type ErrorCode } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { PipeReader } from '../transport/pipe-reader.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { formatMs } from '../util/deadline.js';
import { FirehoseNakError, FirehoseSession, type FirehoseTimeouts } from '../host/firehose-host.js';

export interface RecoveryOptions {
  /** Recoveries allowed in one run (default 3). 0 turns recovery off. */
  maxAttempts: number;
  /** Draining stops after the modem has been quiet this long... */
  drainQuietMs: number;
  /** ...or after this long in all. */
  drainMaxMs: number;
  /** How long a live programmer has to answer <nop/>. */
  probeMs: number;
  /** How long to wait for the modem to leave the bus after a reset. */
  dropOffMs: number;
  /** How long to wait for it to come back (re-enumeration). */
  reEnumerateMs: number;
}

export const DEFAULT_RECOVERY: RecoveryOptions = {
  maxAttempts: 3,
  drainQuietMs: 300,
  drainMaxMs: 3000,
  probeMs: 3000,
  dropOffMs: 5000,
  reEnumerateMs: 30_000,
};

/** retry-step: send the same step again; resume: restart the remaining plan on the same link; reconnect: climb the ladder first. */
export type Verdict = 'retry-step' | 'resume' | 'reconnect' | 'fatal';

const LINK_CODES: readonly ErrorCode[] = [
  'DEVICE_STALLED',
  'DEVICE_TIMEOUT',
  'DEVICE_DISCONNECTED',
  'FIREHOSE_PROTOCOL',
  'SAHARA_NO_HELLO',
  'SAHARA_PROTOCOL',
  'FIREHOSE_CONFIGURE_FAILED',
];

export function classify(e: unknown): Verdict {
  if (e instanceof FirehoseNakError) return e.attemptRetry ? 'retry-step' : 'fatal';
  if (!(e instanceof RescueError)) return 'fatal';
  if (e.code === 'VERIFY_MISMATCH') return 'resume';
  return LINK_CODES.includes(e.code) ? 'reconnect' : 'fatal';
}

export interface Link {
  pipe: BulkPipe;
  reader: PipeReader;
}

export interface LadderContext {
  opener: PipeOpener;
  options: RecoveryOptions;
  timeouts?: Partial<FirehoseTimeouts>;
  signal?: AbortSignal | undefined;
  emit: EventSink;
  /** The largest raw transfer the plan sends: the most a programmer can still be waiting for. */
  maxPendingBytes?: number;
}

export type LadderOutcome =
  /** The programmer answered <nop/> on the same pipe: reuse it (configure again). */
  | { kind: 'alive'; link: Link; session: FirehoseSession }
  /** A fresh enumeration: start again with Sahara. droppedOff: the modem was seen leaving the bus. */
  | { kind: 'reopened'; link: Link; droppedOff: boolean };

type Say = (action: string, message: string) => void;

/** A fresh Firehose session on the link, with the ladder's signal, events and limits. */
function sessionOn(link: Link, ctx: LadderContext): FirehoseSession {
  return new FirehoseSession(link.reader, {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onEvent: ctx.emit,
    ...(ctx.timeouts ? { timeouts: ctx.timeouts } : {}),
  });
}

/** Climb rungs 2-5 after a failure on `link` (undefined when there is no pipe left). */
export async function climbLadder(link: Link | undefined, cause: unknown, ctx: LadderContext): Promise<LadderOutcome> {
  const { emit, signal, options: o } = ctx;
  const say: Say = (action, message) => emit({ type: 'recovery', action, message });
  const gone = cause instanceof RescueError && cause.code === 'DEVICE_DISCONNECTED';
  let droppedOff = gone;
  if (link && !gone && !link.pipe.closed) {
    const drained = await drain(link.reader, o.drainQuietMs, o.drainMaxMs, signal);
    say(
      'clear-pipe',
      `Cleared the pipe: ${drained.bytes} bytes the modem still had to say were discarded${drained.gone ? '; the modem left the bus' : ''}.`,
    );
    droppedOff = drained.gone;
    if (!droppedOff) {
      await sendZlp(link, ctx, say);
      const probed = await reprobe(link, ctx, say);
      if (probed.session) return { kind: 'alive', link, session: probed.session };
      droppedOff = probed.gone;
      if (!droppedOff && (ctx.maxPendingBytes ?? 0) > 0) {
        const fin = await finishTransfer(link, ctx, say);
        if (fin.session) return { kind: 'alive', link, session: fin.session };
        droppedOff = fin.gone;
      }
      if (!droppedOff) droppedOff = await requestReset(link, ctx, say);
    }
  }
  await link?.pipe.close().catch(() => undefined);
  return reopen(cause, ctx, say, droppedOff);
}

/** Rung 3: the ZLP the modem may be owed (a no-op on serial ports). */
async function sendZlp(link: Link, ctx: LadderContext, say: Say): Promise<void> {
  try {
    await link.pipe.write(new Uint8Array(0), { timeoutMs: 1000, signal: ctx.signal, what: 'a zero-length packet' });
    say(
      'zlp',
      'Sent a zero-length packet (USB; nothing to send on a serial port), in case the modem was waiting for the end of a transfer.',
    );
  } catch (e) {
    if (isCancel(e)) throw e;
    say('zlp', `A zero-length packet could not be sent (${errText(e)}).`);
  }
}

/** Rung 4: does the programmer still answer <nop/>? Its session if so; whether the modem left the bus. */
async function reprobe(
  link: Link,
  ctx: LadderContext,
  say: Say,
): Promise<{ session?: FirehoseSession; gone: boolean }> {
  const { signal, options: o } = ctx;
  const session = sessionOn(link, ctx);
  let alive = false;
  let gone = false;
  try {
    alive = await session.probe(o.probeMs);
  } catch (e) {
    if (isCancel(e)) throw e;
    gone = e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED';
  }
  if (alive) {
    // A late answer to the failed command may still be on its way: it must not answer the next one.
    await drain(link.reader, o.drainQuietMs, o.drainMaxMs, signal);
    say('re-probe', 'The programmer still answers <nop/>: continuing without uploading it again.');
    return { session, gone: false };
  }
  say(
    're-probe',
    gone
      ? 'The modem left the bus while being probed.'
      : `The programmer did not answer <nop/> within ${formatMs(o.probeMs)}.`,
  );
  return { gone };
}

/** Rung 4b: finish a transfer the programmer may still wait for, then probe again. */
async function finishTransfer(
  link: Link,
  ctx: LadderContext,
  say: Say,
): Promise<{ session?: FirehoseSession; gone: boolean }> {
  const { signal, options: o } = ctx;
  const fin = await finishPendingTransfer(link, ctx.maxPendingBytes ?? 0, signal);
  if (fin.answered) {
    await drain(link.reader, o.drainQuietMs, o.drainMaxMs, signal);
    const again = sessionOn(link, ctx);
    let ok = false;
    try {
      ok = await again.probe(o.probeMs);
    } catch (e) {
      if (isCancel(e)) throw e;
    }
    say(
      'finish-transfer',
      `The programmer was still waiting for data of an interrupted transfer: it answered after ${fin.sent} more bytes${ok ? ' and answers <nop/> again' : ', but not <nop/>'}.`,
    );
    if (ok) {
      await drain(link.reader, o.drainQuietMs, o.drainMaxMs, signal);
      return { session: again, gone: fin.gone };
    }
  } else if (fin.sent > 0) {
    say(
      'finish-transfer',
      `Sent ${fin.sent} bytes in case the programmer was waiting for the rest of a transfer; it did not answer.`,
    );
  }
  return { gone: fin.gone };
}

/** Rung 5: ask for a reset and wait (bounded) for the modem to leave the bus; true when it did. */
async function requestReset(link: Link, ctx: LadderContext, say: Say): Promise<boolean> {
  const { signal, options: o } = ctx;
  try {
    await link.pipe.write(
      new TextEncoder().encode('<?xml version="1.0" encoding="UTF-8" ?><data><power value="reset" /></data>'),
      { timeoutMs: 1000, signal, what: 'a reset request' },
    );
  } catch (e) {
    if (isCancel(e)) throw e;
  }
  const waited = await drain(link.reader, o.dropOffMs, o.dropOffMs, signal);
  say(
    'reset',
    waited.gone
      ? 'Asked the modem to restart; it left the bus.'
      : `Asked the modem to restart; it did not leave the bus within ${formatMs(o.dropOffMs)}.`,
  );
  return waited.gone;
}

/** After the rungs: wait (bounded) for the modem to come back in EDL mode, wherever it appears. */
async function reopen(cause: unknown, ctx: LadderContext, say: Say, droppedOff: boolean): Promise<LadderOutcome> {
  const { signal, options: o } = ctx;
  say('re-enumerate', `Waiting up to ${formatMs(o.reEnumerateMs)} for the modem to come back in EDL mode.`);
  let pipe: BulkPipe;
  try {
    pipe = await ctx.opener.open({
      timeoutMs: o.reEnumerateMs,
      ...(signal ? { signal } : {}),
      what: 'the modem coming back in EDL mode',
    });
  } catch (e) {
    if (isCancel(e)) throw e;
    throw needsPowerCycle(
      cause,
      `it did not come back in EDL mode within ${formatMs(o.reEnumerateMs)} (${errText(e)})`,
    );
  }
  say('re-enumerate', `The modem is back: ${pipe.name}.`);
  return { kind: 'reopened', link: { pipe, reader: new PipeReader(pipe) }, droppedOff };
}

/** Recovery by software is over: only cutting the module's power can bring it back. */
export class PowerCycleNeededError extends RescueError {
  /** What software recovery tried last, without the catalogue sentence. */
  readonly why: string;
  constructor(code: ErrorCode, detail: string, why: string, nextStep: string, cause: unknown) {
    super(code, detail, { nextStep, cause });
    this.why = why;
  }
}

/**
 * The error given when recovery is over: what failed first, and that the power must be cycled.
 * `written`: whether the run had erased or written anything yet (the advice differs).
 */
export function needsPowerCycle(cause: unknown, why: string, written = true): PowerCycleNeededError {
  const code: ErrorCode = cause instanceof RescueError ? cause.code : 'DEVICE_TIMEOUT';
  // The new error repeats the catalogue sentence itself: carry only the first error's detail.
  const first = cause instanceof RescueError ? cause.detail : cause instanceof Error ? cause.message : String(cause);
  const nextStep = written
    ? 'Power-cycle the modem (unplug it or cut its power) so it comes back in EDL mode, then run the same flash again: it resumes after the partitions already written and verified.'
    : 'Nothing has been written yet. Power-cycle the modem (unplug it, or suspend and resume the computer once more) so it comes back in EDL mode and greets, then run the flash again.';
  return new PowerCycleNeededError(
    code === 'FIREHOSE_NAK' ? 'FIREHOSE_NAK' : code,
    `${first} Automatic recovery did not help: ${why}.`,
    why,
    nextStep,
    cause,
  );
}

const MIN_FINISH_RATE = 200 * 1024;

/**
 * Write zeros (at most maxBytes) while watching for a Firehose <response>: the end of a transfer
 * an earlier host left unfinished. Stops as soon as the programmer answers or stops taking data.
 */
async function finishPendingTransfer(
  link: Link,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<{ answered: boolean; sent: number; gone: boolean }> {
  const piece = new Uint8Array(16 * 1024);
  let sent = 0;
  let answered = false;
  let gone = false;
  let tail = '';
  const stop = new AbortController();
  const onOuter = (): void => stop.abort();
  signal?.addEventListener('abort', onOuter, { once: true });
  const watcher = (async () => {
    while (!stop.signal.aborted) {
      try {
        const chunk = await link.reader.readSome({ timeoutMs: 60_000, signal: stop.signal, what: 'an answer' });
        tail = (tail + new TextDecoder().decode(chunk)).slice(-4096);
        if (/<response\b/i.test(tail)) {
          answered = true;
          return;
        }
      } catch (e) {
        if (e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED') gone = true;
        return;
      }
    }
  })();
  // Bounded in time too: a modem taking less than MIN_FINISH_RATE bytes/s is not worth waiting for.
  const deadline = Date.now() + Math.max(10_000, (maxBytes / MIN_FINISH_RATE) * 1000);
  try {
    while (sent < maxBytes && !answered && !gone) {
      if (signal?.aborted || Date.now() > deadline) break;
      try {
        await link.pipe.write(piece.subarray(0, Math.min(piece.length, maxBytes - sent)), {
          timeoutMs: 2000,
          ...(signal ? { signal } : {}),
          what: 'the rest of an interrupted transfer',
        });
      } catch (e) {
        if (isCancel(e)) throw e;
        if (e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED') gone = true;
        break;
      }
      sent += Math.min(piece.length, maxBytes - sent);
    }
    // The answer may need a moment after the last bytes.
    for (let i = 0; i < 20 && !answered && !gone && sent > 0; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    stop.abort();
    signal?.removeEventListener('abort', onOuter);
    await watcher;
  }
  return { answered, sent, gone };
}

/** Read and discard until the modem is quiet for quietMs, or maxMs pass; notes a disconnect. */
export async function drain(
  reader: PipeReader,
  quietMs: number,
  maxMs: number,
  signal?: AbortSignal,
): Promise<{ bytes: number; gone: boolean }> {
  let bytes = reader.buffered;
  reader.discardBuffered();
  const end = Date.now() + maxMs;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return { bytes, gone: false };
    try {
      const chunk = await reader.readSome({
        timeoutMs: Math.min(quietMs, left),
        ...(signal ? { signal } : {}),
        what: 'leftover bytes',
      });
      bytes += chunk.length;
    } catch (e) {
      if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') {
        if (quietMs < maxMs) return { bytes, gone: false };
        continue;
      }
      if (e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED') return { bytes, gone: true };
      if (isCancel(e)) throw e;
      return { bytes, gone: false };
    }
  }
}

function isCancel(e: unknown): boolean {
  return e instanceof RescueError && e.code === 'CANCELLED';
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
