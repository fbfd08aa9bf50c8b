// The bounded wait every opener does: look for the device, open it when it is there, keep looking
// (a modem re-enumerates, a COM port comes back) until the timeout; a device that is there but
// refuses to open is retried briefly (udev may still be applying permissions), then its error is
// the answer.

import { RescueError } from '../../shared/errors.js';
import { sleep, throwIfAborted } from '../util/deadline.js';
import type { BulkPipe, IoOptions } from './transport.js';

export interface WaitOpenPolicy {
  /** How often to look again. */
  pollMs: number;
  /** How long a present device may keep refusing to open before its error is final. */
  openRetryMs: number;
}

/**
 * attempt(leftMs) opens the device and returns its pipe, returns undefined while the device is
 * absent, or throws the RescueError of a device that is there but will not open (DEVICE_NOT_FOUND
 * from it means it vanished meanwhile: keep waiting). notFound() is the error after the timeout.
 */
export async function waitAndOpen(
  io: IoOptions,
  policy: WaitOpenPolicy,
  attempt: (leftMs: number) => Promise<BulkPipe | undefined>,
  notFound: () => RescueError,
): Promise<BulkPipe> {
  const deadline = Date.now() + io.timeoutMs;
  let firstFailureAt: number | undefined;
  let lastError: RescueError | undefined;
  for (;;) {
    throwIfAborted(io.signal);
    try {
      const pipe = await attempt(Math.max(1, deadline - Date.now()));
      if (pipe) return pipe;
    } catch (e) {
      if (!(e instanceof RescueError) || e.code === 'CANCELLED') throw e;
      lastError = e;
      if (e.code !== 'DEVICE_NOT_FOUND') {
        firstFailureAt ??= Date.now();
        if (Date.now() - firstFailureAt >= policy.openRetryMs) throw e;
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      if (lastError && lastError.code !== 'DEVICE_NOT_FOUND') throw lastError;
      throw notFound();
    }
    await sleep(Math.min(policy.pollMs, left), io.signal);
  }
}
