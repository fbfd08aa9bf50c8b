// A failed API call as the wizard shows it: an ErrorReport (code, plain sentence, next step),
// never a stack trace. Both API implementations reject with ApiCallError.

import type { ErrorReport } from '../../shared/errors.js';
import { T } from '../text.js';

export class ApiCallError extends Error {
  readonly report: ErrorReport;
  constructor(report: ErrorReport) {
    super(report.message);
    this.name = 'ApiCallError';
    this.report = report;
  }
}

const CODE_RE = /^[A-Z][A-Z0-9_]{1,40}$/;

/** Whether a value from the wire looks like an ErrorReport (the server is trusted, but not blindly). */
export function isErrorReport(v: unknown): v is ErrorReport {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.code === 'string' &&
    CODE_RE.test(r.code) &&
    typeof r.message === 'string' &&
    typeof r.nextStep === 'string'
  );
}

/** The engine could not be reached or did not answer: the wizard's own failure, with a way out. */
export function engineUnreachable(message: string): ApiCallError {
  return new ApiCallError({
    code: 'HOST_IO',
    category: 'host',
    message,
    nextStep: T.errors.restartEngine,
  });
}

/** Anything thrown turned into a report fit for the error card (no stack, ever). */
export function toReport(e: unknown): ErrorReport {
  if (e instanceof ApiCallError) return e.report;
  if (isErrorReport(e)) return e;
  if (typeof e === 'object' && e !== null && isErrorReport((e as { report?: unknown }).report))
    return (e as { report: ErrorReport }).report;
  // Electron's ipcRenderer.invoke wraps a rejection as "Error invoking remote method '...': Error: <message>".
  const raw = e instanceof Error ? e.message : String(e);
  const message = raw.replace(/^Error invoking remote method '[^']*': (Error: )?/, '').split('\n')[0] ?? raw;
  const embedded = parseEmbeddedReport(message);
  if (embedded) return embedded;
  return {
    code: 'INTERNAL',
    category: 'internal',
    message: T.errors.unexpected(message.slice(0, 300)),
    nextStep: T.errors.unexpectedNext,
  };
}

/** A preload may serialise the report as JSON into an Error message; take it back out. */
function parseEmbeddedReport(message: string): ErrorReport | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const v: unknown = JSON.parse(message.slice(start));
    return isErrorReport(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
