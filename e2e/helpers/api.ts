// A second client of the server's WebSocket API, from the test itself, for what the wizard has no
// button for (e.g. arming a fault in the virtual modem). Speaks the documented wire format:
// {id, method, params} -> {id, ok, result | error}; pushed events {event}.

import WebSocket from 'ws';
import type { ApiMethod, Params, Result } from '../../shared/api.js';

const CALL_TIMEOUT_MS = 15_000;

export function apiSocketUrl(pageUrl: string): string {
  const page = new URL(pageUrl);
  const token = page.searchParams.get('token');
  if (!token) throw new Error(`The page URL carries no token: ${pageUrl}`);
  return `ws://${page.host}/api?token=${encodeURIComponent(token)}`;
}

export async function apiCall<M extends ApiMethod>(pageUrl: string, method: M, params: Params<M>): Promise<Result<M>> {
  const page = new URL(pageUrl);
  const socket = new WebSocket(apiSocketUrl(pageUrl), { origin: page.origin, handshakeTimeout: CALL_TIMEOUT_MS });
  try {
    return await new Promise<Result<M>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`API ${method}: no answer within ${CALL_TIMEOUT_MS} ms`)),
        CALL_TIMEOUT_MS,
      );
      const done = (err: Error | undefined, result?: Result<M>): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result as Result<M>);
      };
      const id = 1;
      socket.once('error', (err) => done(new Error(`API ${method}: ${err.message}`)));
      socket.once('close', (code) => done(new Error(`API ${method}: socket closed (${code}) before the answer`)));
      socket.once('open', () => socket.send(JSON.stringify({ id, method, params })));
      socket.on('message', (data) => {
        let msg: { id?: unknown; ok?: boolean; result?: unknown; error?: { code?: string; message?: string } };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          return done(new Error(`API ${method}: the server sent something that is not JSON`));
        }
        if (msg.id !== id) return; // a pushed event
        if (msg.ok) done(undefined, msg.result as Result<M>);
        else
          done(
            new Error(
              `API ${method} failed: ${msg.error?.code ?? '?'}: ${msg.error?.message ?? JSON.stringify(msg.error)}`,
            ),
          );
      });
    });
  } finally {
    socket.terminate();
  }
}
