import { rm, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { startWebServer, type WebServer } from '../../src-main/web/server.js';
import { FakeService, makeRendererDir, openSocket, rawRequest } from './helpers.js';

let service: FakeService;
let server: WebServer;
let root: string;

beforeEach(async () => {
  const made = await makeRendererDir();
  root = made.root;
  service = new FakeService();
  server = await startWebServer({ service, rendererDir: made.dir, port: 0 });
});

afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const wsUrl = (token = server.token): string => `ws://127.0.0.1:${server.port}/api?token=${token}`;

describe('web server: the page', () => {
  it('listens on 127.0.0.1 only and prints a URL with a 64-hex-digit token', () => {
    expect(server.address()?.address).toBe('127.0.0.1');
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('refuses the page without the token (403 naming modem-rescue serve) and serves it with it', async () => {
    const without = await rawRequest(server.port, '/');
    expect(without.status).toBe(403);
    expect(without.body).toContain('modem-rescue serve');
    expect(without.body).not.toContain('wizard');
    const wrong = await rawRequest(server.port, `/?token=${'0'.repeat(64)}`);
    expect(wrong.status).toBe(403);
    const short = await rawRequest(server.port, `/?token=${server.token.slice(0, 63)}`);
    expect(short.status).toBe(403);
    const ok = await rawRequest(server.port, `/?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.body).toContain('/assets/app.js');
  });

  it('sends a strict CSP and the hardening headers', async () => {
    const ok = await rawRequest(server.port, `/?token=${server.token}`);
    const csp = String(ok.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['referrer-policy']).toBe('no-referrer');
    expect(ok.headers['cache-control']).toBe('no-store');
  });

  it("lets the page's assets load with the cookie the token-bearing page set, not without it", async () => {
    const page = await rawRequest(server.port, `/?token=${server.token}`);
    const setCookie = page.headers['set-cookie'];
    expect(setCookie).toBeDefined();
    const cookie = String(setCookie?.[0]);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const cookiePair = cookie.split(';')[0] ?? '';
    expect((await rawRequest(server.port, '/assets/app.js')).status).toBe(403);
    const js = await rawRequest(server.port, '/assets/app.js', { cookie: cookiePair });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log("wizard");');
    const css = await rawRequest(server.port, `/assets/app.css?token=${server.token}`);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('refuses directory traversal in every spelling', async () => {
    const t = `token=${server.token}`;
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/assets/%00app.js',
      '/%E0%A4%A',
    ]) {
      const res = await rawRequest(server.port, `${path}?${t}`);
      expect(res.status, path).not.toBe(200);
      expect(res.body, path).not.toContain('outside the renderer');
    }
  });

  it('does not follow a symlink out of the renderer folder', async () => {
    await symlink(join(root, 'secret.txt'), join(root, 'dist-renderer', 'assets', 'link.txt'));
    const res = await rawRequest(server.port, `/assets/link.txt?token=${server.token}`);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('outside the renderer');
  });

  it('refuses a foreign Host header (DNS rebinding), accepts localhost:PORT', async () => {
    const evil = await rawRequest(server.port, `/?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(evil.status).toBe(403);
    const otherPort = await rawRequest(server.port, `/?token=${server.token}`, { host: '127.0.0.1:1' });
    expect(otherPort.status).toBe(403);
    const local = await rawRequest(server.port, `/?token=${server.token}`, { host: `localhost:${server.port}` });
    expect(local.status).toBe(200);
  });

  it('serves only GET and HEAD; HEAD has no body', async () => {
    const post = await rawRequest(server.port, `/?token=${server.token}`, {}, 'POST');
    expect(post.status).toBe(405);
    const head = await rawRequest(server.port, `/?token=${server.token}`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });

  it('answers an unknown file with 404', async () => {
    expect((await rawRequest(server.port, `/nothing.js?token=${server.token}`)).status).toBe(404);
  });

  it('reports a port already in use as a usage error with a next step', async () => {
    const err = await startWebServer({ service, rendererDir: root, port: server.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RescueError);
    expect((err as RescueError).code).toBe('USAGE');
    expect((err as RescueError).message).toContain(String(server.port));
  });

  it('closes with sockets still open', async () => {
    const s = await openSocket(wsUrl());
    await server.close();
    expect((await s.closed).code).toBeGreaterThan(0);
    await expect(rawRequest(server.port, '/')).rejects.toThrow();
  });

  it('survives garbage on the raw TCP connection', async () => {
    await new Promise<void>((resolve) => {
      const sock = connect(server.port, '127.0.0.1', () => sock.end('\x00\x01 not http at all\r\n\r\n'));
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
      sock.resume();
    });
    expect((await rawRequest(server.port, `/?token=${server.token}`)).status).toBe(200);
  });
});
