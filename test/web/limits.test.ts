// The browser-mode server under a flood from a local process (loopback only, bounded loops): idle
// TCP connections without a token are capped and closed within seconds, refused requests do not
// keep their connection, API sockets are capped, and a socket that stops answering pings is
// dropped. The server keeps serving throughout.

import { connect, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_LIMITS, startWebServer, type ServerLimits, type WebServer } from '../../src-main/web/server.js';
import { FakeService, makeRendererDir, openSocket, rawRequest, type OpenedSocket } from './helpers.js';

let server: WebServer | undefined;
let root: string | undefined;
const sockets: Socket[] = [];
const wss: OpenedSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of wss.splice(0)) s.ws.terminate();
  await server?.close();
  server = undefined;
  if (root) await rm(root, { recursive: true, force: true });
});

async function start(limits: Partial<ServerLimits> = {}): Promise<WebServer> {
  const made = await makeRendererDir();
  root = made.root;
  server = await startWebServer({ service: new FakeService(), rendererDir: made.dir, limits });
  return server;
}

/** Open `count` raw TCP connections that never send a byte; `closed()` counts the ones the server closed. */
async function idleConnections(port: number, count: number): Promise<{ closed(): number }> {
  let closed = 0;
  const opened: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    s.on('error', () => undefined);
    s.once('close', () => closed++);
    opened.push(new Promise((r) => s.once('connect', () => r()).once('close', () => r())));
  }
  await Promise.all(opened);
  return { closed: () => closed };
}

/** Poll until `check` holds; fail after `ms`, saying what was awaited. */
async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

describe('connection limits', () => {
  it('1000 idle connections without a token: all but the cap closed at once, the rest within the idle time', async () => {
    const s = await start();
    const t0 = Date.now();
    const conns = await idleConnections(s.port, 1000);
    const cap = DEFAULT_SERVER_LIMITS.maxConnections;
    await until(`all but ${cap} of 1000 connections to be closed`, () => conns.closed() >= 1000 - cap, 10_000);
    await until('the idle ones to be closed too', () => conns.closed() === 1000, DEFAULT_SERVER_LIMITS.idleMs + 10_000);
    expect(Date.now() - t0).toBeLessThan(DEFAULT_SERVER_LIMITS.idleMs + 10_000);
    // The server still serves.
    expect((await rawRequest(s.port, `/?token=${s.token}`)).status).toBe(200);
  });

  it('with a cap of 20 and 3 s of idleness: 180 of 200 connections closed at once, the last 20 when idle', async () => {
    const s = await start({ maxConnections: 20, idleMs: 3000 });
    const t0 = Date.now();
    const conns = await idleConnections(s.port, 200);
    await until('180 of 200 to be closed', () => conns.closed() >= 180, 10_000);
    expect(Date.now() - t0, 'closed by the cap, not by the idle timeout').toBeLessThan(2500);
    expect(conns.closed()).toBe(180);
    await until('the last 20 to time out', () => conns.closed() === 200, 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2900);
    expect((await rawRequest(s.port, `/?token=${s.token}`)).status).toBe(200);
  });

  it('a request dribbling its headers is cut off by the header timeout', async () => {
    const s = await start({ idleMs: 2000 });
    const sock = connect(s.port, '127.0.0.1');
    sockets.push(sock);
    sock.on('error', () => undefined);
    let closed = false;
    sock.once('close', () => (closed = true));
    await new Promise((r) => sock.once('connect', r));
    sock.write(`GET /?token=${s.token} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`);
    // One header byte every 300 ms: never idle, never done. Bounded: 40 bytes at most.
    for (let i = 0; i < 40 && !closed; i++) {
      sock.write('X');
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(closed, 'closed by the 5 s header timeout (checked every second)').toBe(true);
  });

  it('a refused request (no token) does not keep its connection alive', async () => {
    const s = await start();
    const sock = connect(s.port, '127.0.0.1');
    sockets.push(sock);
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    await new Promise((r) => sock.once('connect', r));
    sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: keep-alive\r\n\r\n`);
    await closed;
    expect(text).toMatch(/^HTTP\/1\.1 403/);
    expect(text).toMatch(/Connection: close/i);
  });
});

describe('API socket limits', () => {
  it('caps the number of API sockets; a slot frees when one closes', async () => {
    const s = await start({ maxSockets: 3 });
    const url = `ws://127.0.0.1:${s.port}/api?token=${s.token}`;
    for (let i = 0; i < 3; i++) wss.push(await openSocket(url));
    await expect(openSocket(url)).rejects.toThrow(/503/);
    const first = wss.shift()!;
    first.ws.close();
    await first.closed;
    // The server sees the close a moment later: bounded retries.
    let again: OpenedSocket | undefined;
    for (let i = 0; i < 40 && !again; i++) {
      again = await openSocket(url).catch(() => undefined);
      if (!again) await new Promise((r) => setTimeout(r, 50));
    }
    expect(again).toBeDefined();
    wss.push(again!);
  });

  it('drops a socket that stops answering pings', async () => {
    const s = await start({ pingMs: 200 });
    const sock = connect(s.port, '127.0.0.1');
    sockets.push(sock);
    sock.on('error', () => undefined);
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    await new Promise((r) => sock.once('connect', r));
    // A WebSocket handshake by hand; afterwards this client never answers a ping.
    sock.write(
      `GET /api?token=${s.token} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const t0 = Date.now();
    await Promise.race([
      closed,
      new Promise((_, rej) => setTimeout(() => rej(new Error('not dropped within 5 s')), 5000)),
    ]);
    expect(text).toMatch(/^HTTP\/1\.1 101/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  });
});
