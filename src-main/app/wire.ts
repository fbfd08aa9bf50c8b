// Small helpers for moving data between the main process and the engine's worker thread:
// errors cross as ErrorReports and come back as RescueErrors, and bytes cross as transferred
// ArrayBuffers (moved, not copied) whenever the view owns its whole buffer.

import { ERRORS, RescueError, toErrorReport, type ErrorCode, type ErrorReport } from '../../shared/errors.js';

export { toErrorReport };

/** Rebuild a RescueError from its report, keeping the code, the detail and the next step. */
export function errorFromReport(report: unknown): RescueError {
  const r = (report ?? {}) as Partial<ErrorReport>;
  const code: ErrorCode = typeof r.code === 'string' && Object.hasOwn(ERRORS, r.code) ? r.code : 'INTERNAL';
  const sentence: string = ERRORS[code].sentence;
  const message = typeof r.message === 'string' ? r.message : '';
  const detail = message.startsWith(sentence) ? message.slice(sentence.length).trim() : message;
  const nextStep = typeof r.nextStep === 'string' ? r.nextStep : undefined;
  return new RescueError(code, detail || undefined, nextStep !== undefined ? { nextStep } : undefined);
}

/** Below this size a transfer is copied: cheap, and safe for small buffers a caller keeps and reuses. */
export const MIN_TRANSFER_BYTES = 64 * 1024;

/**
 * An ArrayBuffer holding exactly `data`, safe to transfer. Large data: the view's own buffer when
 * the view covers all of it (the caller handed it over; it is moved, not copied). Otherwise a
 * copy: a subarray of a larger buffer the caller still uses must not be detached, and small
 * buffers (command packets, constants a caller may send again) are cheaper to copy.
 */
export function transferable(data: Uint8Array): ArrayBuffer {
  const buf = data.buffer;
  if (
    buf instanceof ArrayBuffer &&
    data.byteLength >= MIN_TRANSFER_BYTES &&
    data.byteOffset === 0 &&
    data.byteLength === buf.byteLength
  )
    return buf;
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return copy;
}

export function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return v instanceof ArrayBuffer;
}
