// Bounded waits. Every wait in the engine goes through these: a timeout, an AbortSignal, and an
// error that says what was being waited for.

import { RescueError, type ErrorCode } from '../../shared/errors.js';

export function cancelledError(reason?: unknown): RescueError {
  if (reason instanceof RescueError) return reason;
  return new RescueError('CANCELLED');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelledError(signal.reason);
}

/** Sleep for ms, rejecting with CANCELLED if the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelledError(signal.reason));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(cancelledError(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Error code used on timeout (default DEVICE_TIMEOUT). */
  code?: ErrorCode;
  /** What was being waited for, e.g. "the programmer's answer to <configure>". */
  what: string;
}

/**
 * Race `work` against a timeout and an abort. `work` receives a signal that aborts when the wait
 * ends for any reason, so it can release what it holds.
 */
export async function bounded<T>(work: (signal: AbortSignal) => Promise<T>, opts: WaitOptions): Promise<T> {
  throwIfAborted(opts.signal);
  const inner = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new RescueError(
        opts.code ?? 'DEVICE_TIMEOUT',
        `Waited ${formatMs(opts.timeoutMs)} for ${opts.what}.`,
      );
      inner.abort(err);
      reject(err);
    }, opts.timeoutMs);
    onAbort = (): void => {
      const err = cancelledError(opts.signal?.reason);
      inner.abort(err);
      reject(err);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(inner.signal), guard]);
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    if (!inner.signal.aborted) inner.abort();
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
