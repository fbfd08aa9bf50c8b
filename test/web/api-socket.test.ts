import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceState } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { MAX_CALLS_IN_FLIGHT } from '../../src-main/web/api-socket.js';
import { startWebServer, type WebServer } from '../../src-main/web/server.js';
import { FakeService, makeRendererDir, openSocket } from './helpers.js';

let service: FakeService;
let server: WebServer;
let root: string;

beforeEach(async () => {
  const made = await makeRendererDir();
  root = made.root;
  service = new FakeService();
  server = await startWebServer({ service, rendererDir: made.dir });
});

afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const wsUrl = (token = server.token): string => `ws://127.0.0.1:${server.port}/api?token=${token}`;
const deviceState: DeviceState = { usbAvailable: true, devices: [], demo: true, updatedAt: 1 };
const hasId =
  (id: unknown) =>
  (m: Record<string, unknown>): boolean =>
    m.id === id;

describe('web server: the API socket', () => {
  it('refuses a socket without the token, with a wrong one, or on another path', async () => {
    await expect(openSocket(`ws://127.0.0.1:${server.port}/api`)).rejects.toThrow(/403/);
    await expect(openSocket(wsUrl('f'.repeat(64)))).rejects.toThrow(/403/);
    await expect(openSocket(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).rejects.toThrow(/404/);
    expect(service.listeners.size).toBe(0);
  });

  it('refuses a foreign Origin or Host, accepts our own page as Origin', async () => {
    await expect(openSocket(wsUrl(), { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(openSocket(wsUrl(), { origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow(/403/);
    await expect(openSocket(wsUrl(), { host: `evil.example:${server.port}` })).rejects.toThrow(/403/);
    const ok = await openSocket(wsUrl(), { origin: `http://localhost:${server.port}` });
    ok.ws.close();
  });

  it("answers a call with the service's result, passing the params through", async () => {
    service.handler = async (method, params) =>
      method === 'setDemoMode' ? { ...deviceState, demo: (params as { on: boolean }).on } : null;
    const s = await openSocket(wsUrl());
    s.ws.send(JSON.stringify({ id: 7, method: 'setDemoMode', params: { on: false } }));
    const reply = await s.next(hasId(7));
    expect(reply).toEqual({ id: 7, ok: true, result: { ...deviceState, demo: false } });
    expect(service.calls).toEqual([{ method: 'setDemoMode', params: { on: false } }]);
    s.ws.send(JSON.stringify({ id: 'b', method: 'getDevices' }));
    expect(await s.next(hasId('b'))).toEqual({ id: 'b', ok: true, result: null });
    expect(service.calls[1]).toEqual({ method: 'getDevices', params: {} });
    s.ws.close();
  });

  it('turns a failed call into an ErrorReport without a stack', async () => {
    service.handler = async (method) => {
      if (method === 'flash') throw new RescueError('DEVICE_TIMEOUT', 'No answer for 5 s.');
      throw new TypeError('boom');
    };
    const s = await openSocket(wsUrl());
    s.ws.send(JSON.stringify({ id: 1, method: 'flash', params: { packagePath: root, verify: true } }));
    const r1 = await s.next(hasId(1));
    expect(r1.ok).toBe(false);
    expect(r1.error).toEqual({
      code: 'DEVICE_TIMEOUT',
      category: 'device',
      message: 'The modem stopped answering. No answer for 5 s.',
      nextStep: expect.stringContaining('replug'),
    });
    s.ws.send(JSON.stringify({ id: 2, method: 'finish', params: {} }));
    const r2 = await s.next(hasId(2));
    expect((r2.error as { code: string }).code).toBe('INTERNAL');
    for (const text of s.messages.map((m) => JSON.stringify(m))) {
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(text).not.toContain('stack');
    }
    s.ws.close();
  });

  it('answers unknown methods, malformed JSON, bad ids, bad params and binary frames with USAGE errors', async () => {
    const s = await openSocket(wsUrl());
    s.ws.send(JSON.stringify({ id: 1, method: 'rmRf', params: {} }));
    const unknown = await s.next(hasId(1));
    expect(unknown.ok).toBe(false);
    expect(unknown.error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('rmRf') });
    s.ws.send(JSON.stringify({ id: 2, method: 'backup', params: [1, 2] }));
    expect((await s.next(hasId(2))).error).toMatchObject({ code: 'USAGE' });
    s.ws.send('{not json');
    s.ws.send(JSON.stringify({ id: { nested: true }, method: 'getDevices' }));
    s.ws.send(JSON.stringify([1, 2, 3]));
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    s.ws.send(JSON.stringify({ id: 3, method: 'getDevices' }));
    await s.next(hasId(3));
    const nullReplies = s.messages.filter((m) => (m as { id: unknown }).id === null);
    expect(nullReplies).toHaveLength(4);
    for (const r of nullReplies) expect(r).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(service.calls.map((c) => c.method)).toEqual(['getDevices']);
    s.ws.close();
  });

  it('closes a socket that sends more than 1 MiB in one message, and keeps serving others', async () => {
    const big = await openSocket(wsUrl());
    const other = await openSocket(wsUrl());
    big.ws.send(JSON.stringify({ id: 1, method: 'inspectPackage', params: { path: 'x'.repeat(1024 * 1024 + 10) } }));
    expect((await big.closed).code).toBe(1009);
    expect(service.calls).toHaveLength(0);
    other.ws.send(JSON.stringify({ id: 9, method: 'getDevices' }));
    expect((await other.next(hasId(9))).ok).toBe(true);
    other.ws.close();
  });

  it('refuses calls beyond the in-flight limit instead of queueing them without end', async () => {
    const releases: (() => void)[] = [];
    service.handler = () => new Promise((resolve) => releases.push(() => resolve('done')));
    const s = await openSocket(wsUrl());
    for (let i = 0; i <= MAX_CALLS_IN_FLIGHT; i++) s.ws.send(JSON.stringify({ id: i, method: 'getDevices' }));
    const refused = await s.next(hasId(MAX_CALLS_IN_FLIGHT));
    expect(refused.error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('Too many calls') });
    for (const r of releases) r();
    expect((await s.next(hasId(0))).result).toBe('done');
    s.ws.close();
  });

  it('pushes events to every socket and unsubscribes on close', async () => {
    const a = await openSocket(wsUrl());
    const b = await openSocket(wsUrl());
    expect(service.listeners.size).toBe(2);
    service.emit({ type: 'devices', state: deviceState });
    service.emit({ type: 'busy', method: 'flash' });
    expect(await a.next((m) => 'event' in m)).toEqual({ event: { type: 'devices', state: deviceState } });
    expect(await b.next((m) => (m.event as { type?: string } | undefined)?.type === 'busy')).toEqual({
      event: { type: 'busy', method: 'flash' },
    });
    a.ws.close();
    await a.closed;
    await expect.poll(() => service.listeners.size).toBe(1);
    b.ws.terminate();
    await b.closed;
    await expect.poll(() => service.listeners.size).toBe(0);
    service.emit({ type: 'busy', method: undefined });
  });

  it('drops the answer of a call whose socket closed meanwhile', async () => {
    let release: (() => void) | undefined;
    service.handler = (method) =>
      method === 'flash'
        ? new Promise((resolve) => {
            release = () => resolve('late');
          })
        : Promise.resolve('now');
    const s = await openSocket(wsUrl());
    s.ws.send(JSON.stringify({ id: 1, method: 'flash', params: { packagePath: root, verify: true } }));
    await expect.poll(() => release !== undefined).toBe(true);
    s.ws.close();
    await s.closed;
    release?.();
    const again = await openSocket(wsUrl());
    again.ws.send(JSON.stringify({ id: 2, method: 'getDevices' }));
    expect((await again.next(hasId(2))).ok).toBe(true);
    again.ws.close();
  });
});
