// One browser tab's WebSocket to the engine: requests {id, method, params} are answered with
// {id, ok: true, result} or {id, ok: false, error: ErrorReport}; the engine's events are pushed
// as {event}. Whatever arrives (not JSON, a binary frame, an unknown method, a flood of calls),
// the tab gets an error reply or the socket is closed: the server never crashes or grows
// without bound.

import type { WebSocket } from 'ws';
import { isApiMethod, type ApiMethod, type Params } from '../../shared/api.js';
import { RescueError, toErrorReport, type ErrorReport } from '../../shared/errors.js';
import type { ApiService } from '../service/guarded-service.js';

/** What the socket needs of the engine (RescueService has this shape). */
export type { ApiService };

/** Largest message a tab may send; the ws library closes the socket (1009) above it. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Calls of one tab still running at once; more get an error reply. */
export const MAX_CALLS_IN_FLIGHT = 32;
/** Unsent bytes we keep for a tab that stopped reading; beyond this the socket is closed. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export type RequestId = string | number | null;

export type WireReply = { id: RequestId; ok: true; result: unknown } | { id: RequestId; ok: false; error: ErrorReport };

interface Request {
  id: RequestId;
  method: ApiMethod;
  params: Record<string, unknown>;
}

function preview(value: unknown): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

function validId(id: unknown): id is string | number {
  return (typeof id === 'string' && id.length <= 128) || (typeof id === 'number' && Number.isFinite(id));
}

/** Turn one text message into a request, or a reply explaining what is wrong with it. */
export function parseRequest(text: string): Request | { id: RequestId; error: RescueError } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { id: null, error: new RescueError('USAGE', 'The message is not valid JSON.') };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return { id: null, error: new RescueError('USAGE', 'A message must be an object {id, method, params}.') };
  }
  const { id, method, params } = msg as Record<string, unknown>;
  if (!validId(id))
    return { id: null, error: new RescueError('USAGE', 'A request needs an "id" (a number or a short string).') };
  if (!isApiMethod(method)) return { id, error: new RescueError('USAGE', `Unknown method ${preview(method)}.`) };
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    return { id, error: new RescueError('USAGE', `The params of ${method} must be an object.`) };
  }
  return { id, method, params: (params ?? {}) as Record<string, unknown> };
}

function dataLength(data: unknown): number {
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return data.reduce((n: number, b: Buffer) => n + b.length, 0);
  if (data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

function dataText(data: unknown): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return '';
}

/** Serve the API on one accepted socket until it closes. */
export function serveApiSocket(ws: WebSocket, service: ApiService): void {
  let inFlight = 0;
  let open = true;

  const send = (payload: unknown): void => {
    if (!open || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      // The tab stopped reading: drop it rather than queue without end.
      ws.terminate();
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(payload);
    } catch (e) {
      const id = (payload as { id?: RequestId }).id ?? null;
      text = JSON.stringify({
        id,
        ok: false,
        error: toErrorReport(new RescueError('INTERNAL', 'The answer could not be encoded.', { cause: e })),
      });
    }
    ws.send(text);
  };
  const reply = (r: WireReply): void => send(r);
  const fail = (id: RequestId, e: unknown): void => reply({ id, ok: false, error: toErrorReport(e) });

  const unsubscribe = service.on((event) => send({ event }));

  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      fail(null, new RescueError('USAGE', 'Binary messages are not understood; send JSON text.'));
      return;
    }
    if (dataLength(data) > MAX_MESSAGE_BYTES) {
      ws.close(1009, 'message too big');
      return;
    }
    const req = parseRequest(dataText(data));
    if ('error' in req) {
      fail(req.id, req.error);
      return;
    }
    if (inFlight >= MAX_CALLS_IN_FLIGHT) {
      fail(
        req.id,
        new RescueError(
          'USAGE',
          `Too many calls at once (${MAX_CALLS_IN_FLIGHT}); wait for answers before sending more.`,
        ),
      );
      return;
    }
    inFlight++;
    let pending: Promise<unknown>;
    try {
      pending = service.call(req.method, req.params as Params<typeof req.method>);
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending
      .then(
        (result) => reply({ id: req.id, ok: true, result: result === undefined ? null : result }),
        (e: unknown) => fail(req.id, e),
      )
      .finally(() => {
        inFlight--;
      });
  });

  // Errors of one socket (bad frames, too-big messages) end that socket, never the server.
  ws.on('error', () => {
    ws.terminate();
  });
  ws.on('close', () => {
    open = false;
    unsubscribe();
  });
}
