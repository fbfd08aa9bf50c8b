// Engine events as tests feed them to the stores and the desktop shell: progress of one step that is
// the whole plan, and a failed result.

import type { EngineEvent } from '../../shared/events.js';

/** `done` of `total` bytes written (one step, the whole plan); `stalled` when no data moves. */
export function progressEvent(done: number, total: number, stalled = false): EngineEvent {
  return {
    type: 'progress',
    index: 0,
    stepBytesDone: done,
    stepBytes: total,
    totalBytesDone: done,
    totalBytes: total,
    bytesPerSecond: 1000,
    etaSeconds: 1,
    ...(stalled ? { stalled } : {}),
  };
}

/** A run that ended with the module stalled. */
export function stalledResult(seconds = 3): EngineEvent {
  return {
    type: 'result',
    ok: false,
    seconds,
    error: { code: 'DEVICE_STALLED', category: 'device', message: 'm', nextStep: 'n' },
  };
}
