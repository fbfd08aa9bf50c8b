// Shared helpers of the browser-mode server tests: a fake engine, a renderer folder, raw HTTP
// requests (so Host can be set) and a WebSocket client that collects messages.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ApiEvent, ApiMethod } from '../../shared/api.js';
import type { ApiService } from '../../src-main/web/server.js';

export class FakeService implements ApiService {
  listeners = new Set<(e: ApiEvent) => void>();
  calls: { method: ApiMethod; params: unknown }[] = [];
  handler: (method: ApiMethod, params: unknown) => Promise<unknown> = async (method) => ({ echoed: method });

  call = ((method: ApiMethod, params: unknown) => {
    this.calls.push({ method, params });
    return this.handler(method, params);
  }) as ApiService['call'];

  on(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: ApiEvent): void {
    for (const l of this.listeners) l(e);
  }
}

export async function makeRendererDir(): Promise<{ root: string; dir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'mr-web-'));
  const dir = join(root, 'dist-renderer');
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><title>Modem Rescue</title><script type="module" src="/assets/app.js"></script>',
  );
  await writeFile(join(dir, 'assets', 'app.js'), 'console.log("wizard");');
  await writeFile(join(dir, 'assets', 'app.css'), 'body{margin:0}');
  await writeFile(join(root, 'secret.txt'), 'outside the renderer');
  return { root, dir };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET (or other method) with exactly the headers given, Host included. */
export function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers }, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

export interface OpenedSocket {
  ws: WebSocket;
  messages: unknown[];
  /** Resolves with the next message matching `pred` (already received ones count), within 5 s. */
  next(pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number }>;
}

export function openSocket(url: string, headers: Record<string, string> = {}): Promise<OpenedSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: 5000 });
    const messages: unknown[] = [];
    const waiters: { pred: (m: Record<string, unknown>) => boolean; done: (m: Record<string, unknown>) => void }[] = [];
    const closed = new Promise<{ code: number }>((res) => ws.on('close', (code) => res({ code })));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      messages.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(m);
        }
      }
    });
    const next = (pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
      const found = messages.find((m) => pred(m as Record<string, unknown>));
      if (found) return Promise.resolve(found as Record<string, unknown>);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error('no matching message within 5 s')), 5000);
        waiters.push({
          pred,
          done: (m) => {
            clearTimeout(timer);
            res(m);
          },
        });
      });
    };
    ws.once('open', () => resolve({ ws, messages, next, closed }));
    ws.once('error', reject);
  });
}
