// Browser mode: the RescueApi over the local server's WebSocket at /api?token=<token>.
// Wire format: {id, method, params} -> {id, ok, result | error}; pushed events arrive as {event}.
// Every call is bounded in time; a lost connection fails the calls in flight with a clear report
// and is re-opened with a growing pause (the engine keeps running on the server meanwhile).

import type { ApiEvent, ApiMethod, Params, RescueApi, Result } from '../../shared/api.js';
import { ApiCallError, engineUnreachable, isErrorReport } from './call-error.js';
import { T } from '../text.js';

/** The part of a WebSocket this client uses (the DOM WebSocket fits; tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export const SOCKET_OPEN = 1;

/** How long each call may take before the wizard gives up on an answer. */
export const CALL_TIMEOUTS_MS: Record<ApiMethod, number> = {
  getDevices: 15_000,
  setDemoMode: 30_000,
  platformChecks: 30_000,
  runFix: 120_000,
  defaultBackupFolder: 15_000,
  backup: 15 * 60_000,
  enterEdl: 3 * 60_000,
  demoAction: 30_000,
  powerCycleActions: 30_000,
  runPowerCycle: 10 * 60_000,
  inspectPackage: 5 * 60_000,
  makeDemoPackage: 3 * 60_000,
  flash: 90 * 60_000,
  flashAll: 90 * 60_000,
  snapshotPlan: 5 * 60_000,
  undo: 90 * 60_000,
  cancel: 30_000,
  finish: 5 * 60_000,
  restore: 15 * 60_000,
  saveReport: 60_000,
  pickPath: 10 * 60_000,
  showInFolder: 15_000,
};

export interface WebApiOptions {
  url: string;
  createSocket: (url: string) => SocketLike;
  /** Waiting for the socket to open before a call fails. */
  connectTimeoutMs?: number;
  timeouts?: Partial<Record<ApiMethod, number>>;
  /** Reconnect pauses: first, growth factor, cap. */
  backoff?: { initialMs: number; factor: number; maxMs: number };
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Told when the connection comes and goes (the wizard shows a banner). */
  onConnectionChange?: (connected: boolean) => void;
}

interface Pending {
  method: ApiMethod;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: unknown;
}

/** Largest message the client accepts; a bigger one is a broken server, not data. */
const MAX_MESSAGE_CHARS = 8 * 1024 * 1024;

export function apiUrlFromLocation(loc: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(loc.search).get('token');
  if (!token) throw engineUnreachable(T.errors.noToken);
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/api?token=${encodeURIComponent(token)}`;
}

export class WebSocketApi implements RescueApi {
  private socket: SocketLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly openWaiters = new Set<{ resolve: () => void; reject: (e: unknown) => void; timer: unknown }>();
  private reconnectDelay: number;
  private reconnectTimer: unknown;
  private disposed = false;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (h: unknown) => void;
  private readonly backoff: { initialMs: number; factor: number; maxMs: number };

  constructor(private readonly opts: WebApiOptions) {
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.backoff = opts.backoff ?? { initialMs: 500, factor: 2, maxMs: 10_000 };
    this.reconnectDelay = this.backoff.initialMs;
    this.open();
  }

  get connected(): boolean {
    return this.socket?.readyState === SOCKET_OPEN;
  }

  async call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    if (this.disposed) throw engineUnreachable(T.errors.closed);
    await this.whenOpen();
    const socket = this.socket;
    if (!socket || socket.readyState !== SOCKET_OPEN) throw engineUnreachable(T.errors.notConnected);
    const id = this.nextId++;
    const timeoutMs = this.opts.timeouts?.[method] ?? CALL_TIMEOUTS_MS[method];
    return new Promise<Result<M>>((resolve, reject) => {
      const timer = this.setTimer(() => {
        this.pending.delete(id);
        reject(engineUnreachable(T.errors.noAnswer(method, Math.round(timeoutMs / 1000))));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        socket.send(JSON.stringify({ id, method, params }));
      } catch {
        this.clearTimer(timer);
        this.pending.delete(id);
        reject(engineUnreachable(T.errors.closing(method)));
      }
    });
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.disposed = true;
    if (this.reconnectTimer !== undefined) this.clearTimer(this.reconnectTimer);
    this.failAll(T.errors.closed);
    this.socket?.close(1000, 'bye');
    this.socket = undefined;
  }

  private open(): void {
    if (this.disposed) return;
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.reconnectDelay = this.backoff.initialMs;
      for (const w of this.openWaiters) {
        this.clearTimer(w.timer);
        w.resolve();
      }
      this.openWaiters.clear();
      this.opts.onConnectionChange?.(true);
    };
    socket.onmessage = (ev) => this.handleMessage(ev.data);
    socket.onerror = () => {
      /* onclose follows and does the work */
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failAll(T.errors.lost);
      this.opts.onConnectionChange?.(false);
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer !== undefined) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.backoff.maxMs, Math.round(this.reconnectDelay * this.backoff.factor));
    this.reconnectTimer = this.setTimer(() => {
      this.reconnectTimer = undefined;
      this.open();
    }, delay);
  }

  private whenOpen(): Promise<void> {
    if (this.connected) return Promise.resolve();
    const ms = this.opts.connectTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: this.setTimer(() => {
          this.openWaiters.delete(waiter);
          reject(engineUnreachable(T.errors.connectTimeout(Math.round(ms / 1000))));
        }, ms),
      };
      this.openWaiters.add(waiter);
    });
  }

  private failAll(message: string): void {
    for (const [id, p] of this.pending) {
      this.clearTimer(p.timer);
      this.pending.delete(id);
      p.reject(engineUnreachable(message));
    }
  }

  private handleMessage(data: unknown): void {
    if (typeof data !== 'string' || data.length > MAX_MESSAGE_CHARS) return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { id?: unknown; ok?: unknown; result?: unknown; error?: unknown; event?: unknown };
    if (m.event !== undefined) {
      if (isApiEvent(m.event)) for (const l of [...this.listeners]) l(m.event);
      return;
    }
    if (typeof m.id !== 'number') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.clearTimer(p.timer);
    if (m.ok === true) p.resolve(m.result);
    else if (isErrorReport(m.error)) p.reject(new ApiCallError(m.error));
    else p.reject(engineUnreachable(T.errors.undescribed(p.method)));
  }
}

function isApiEvent(v: unknown): v is ApiEvent {
  if (typeof v !== 'object' || v === null) return false;
  const t = (v as { type?: unknown }).type;
  return t === 'devices' || t === 'engine' || t === 'busy';
}
