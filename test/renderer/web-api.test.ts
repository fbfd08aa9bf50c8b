import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiUrlFromLocation, SOCKET_OPEN, WebSocketApi, type SocketLike } from '../../src-renderer/api/web.js';
import { ApiCallError } from '../../src-renderer/api/call-error.js';
import type { ApiEvent, DeviceState } from '../../shared/api.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { id: number; method: string; params: unknown }[] = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data) as { id: number; method: string; params: unknown });
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.readyState = SOCKET_OPEN;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  reply(msg: unknown): void {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }
}

const STATE: DeviceState = { usbAvailable: true, devices: [], demo: true, updatedAt: 5 };

describe('browser-mode API client', () => {
  let sockets: FakeSocket[];
  let api: WebSocketApi;
  const connection: boolean[] = [];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    connection.length = 0;
    api = new WebSocketApi({
      url: 'ws://127.0.0.1:1/api?token=t',
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      connectTimeoutMs: 2_000,
      timeouts: { getDevices: 1_000 },
      backoff: { initialMs: 100, factor: 2, maxMs: 400 },
      onConnectionChange: (c) => connection.push(c),
    });
  });

  afterEach(() => {
    api.dispose();
    vi.useRealTimers();
  });

  it('waits for the socket, sends {id, method, params} and resolves with the matching answer only', async () => {
    const p = api.call('getDevices', {});
    expect(sockets[0]?.sent).toEqual([]);
    sockets[0]!.open();
    await vi.advanceTimersByTimeAsync(0);
    const sent = sockets[0]!.sent[0]!;
    expect(sent).toMatchObject({ method: 'getDevices', params: {} });
    sockets[0]!.reply({ id: sent.id + 100, ok: true, result: 'not mine' });
    sockets[0]!.reply({ id: sent.id, ok: true, result: STATE });
    await expect(p).resolves.toEqual(STATE);
    expect(connection).toEqual([true]);
  });

  it('an error answer rejects with its ErrorReport (code, sentence, next step)', async () => {
    sockets[0]!.open();
    const p = api.call('inspectPackage', { path: '/nope' });
    await vi.advanceTimersByTimeAsync(0);
    const report = { code: 'PACKAGE_NOT_FOUND', category: 'package', message: 'not found', nextStep: 'check the path' };
    sockets[0]!.reply({ id: sockets[0]!.sent[0]!.id, ok: false, error: report });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).report).toEqual(report);
  });

  it('a call nobody answers fails after its time limit, naming the method', async () => {
    sockets[0]!.open();
    const p = api.call('getDevices', {});
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_001);
    const err = (await caught) as ApiCallError;
    expect(err.report.code).toBe('HOST_IO');
    expect(err.report.message).toMatch(/did not answer "getDevices" within 1 s/);
    // A late answer is ignored, not a crash.
    sockets[0]!.reply({ id: sockets[0]!.sent[0]!.id, ok: true, result: STATE });
  });

  it('a server that never comes up fails the call within the connect limit', async () => {
    const caught = api.call('getDevices', {}).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_001);
    expect(((await caught) as ApiCallError).report.message).toMatch(/Could not connect/);
  });

  it('a dropped connection fails the calls in flight and reconnects with growing pauses', async () => {
    sockets[0]!.open();
    const caught = api.call('flash', { packagePath: '/p', verify: true }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.drop();
    expect(((await caught) as ApiCallError).report.message).toMatch(/connection to Modem Rescue was lost/);
    expect(connection).toEqual([true, false]);

    await vi.advanceTimersByTimeAsync(99);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop(); // refused again: next pause is longer
    await vi.advanceTimersByTimeAsync(199);
    expect(sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(3);
    sockets[2]!.open();
    expect(connection.at(-1)).toBe(true);
    // After a success the pause starts small again.
    sockets[2]!.drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(sockets).toHaveLength(4);
  });

  it('delivers pushed events and ignores junk from the wire', async () => {
    sockets[0]!.open();
    const seen: ApiEvent[] = [];
    const off = api.onEvent((e) => seen.push(e));
    sockets[0]!.reply('not json {');
    sockets[0]!.reply({ event: { type: 'mystery' } });
    sockets[0]!.reply(42);
    sockets[0]!.reply({ event: { type: 'devices', state: STATE } });
    off();
    sockets[0]!.reply({ event: { type: 'busy', method: undefined } });
    expect(seen).toEqual([{ type: 'devices', state: STATE }]);
  });

  it('an error answer without a proper report still gives the person a clear message', async () => {
    sockets[0]!.open();
    const p = api.call('backup', { deviceId: 'd', folder: '/f' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.reply({ id: sockets[0]!.sent[0]!.id, ok: false, error: { stack: 'Error: x\n    at y (z.js:1:1)' } });
    const err = (await p) as ApiCallError;
    expect(err.report.message).toMatch(/answered "backup" with an error it did not describe/);
    expect(JSON.stringify(err.report)).not.toMatch(/at y/);
  });
});

describe('API address from the page location', () => {
  it('carries the page token to the WebSocket', () => {
    expect(apiUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:8080', search: '?token=ab%2Bc' })).toBe(
      'ws://127.0.0.1:8080/api?token=ab%2Bc',
    );
  });

  it('without a token says so instead of trying', () => {
    expect(() => apiUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:8080', search: '' })).toThrow(
      /without its access token/,
    );
  });
});
