// Requests, answers and events between the main process and the engine's worker thread, over one
// MessagePort, in both directions. Errors cross as ErrorReports (never a stack). When the other
// side closes or dies, every pending request fails with the given error instead of waiting.

import { MessagePort, type TransferListItem } from 'node:worker_threads';
import { RescueError } from '../../shared/errors.js';
import { cancelledError } from '../util/deadline.js';
import { errorFromReport, toErrorReport } from './wire.js';

/** A handler's answer, with what to transfer along (MessagePorts, ArrayBuffers). */
export interface Answer {
  value: unknown;
  transfer?: TransferListItem[];
}

export type Handler = (params: unknown, signal: AbortSignal) => Promise<Answer>;

type Message =
  | { rpc: 'req'; id: number; method: string; params: unknown }
  | { rpc: 'res'; id: number; ok: true; value: unknown }
  | { rpc: 'res'; id: number; ok: false; error: unknown }
  | { rpc: 'cancel'; id: number }
  | { rpc: 'event'; payload: unknown };

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

export class RpcEndpoint {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly serving = new Map<number, AbortController>();
  private readonly listeners = new Set<(payload: unknown) => void>();
  private closedWith: RescueError | undefined;

  constructor(
    private readonly port: MessagePort,
    private readonly handlers: Record<string, Handler>,
    private readonly lostError: () => RescueError,
  ) {
    port.on('message', (m: unknown) => this.onMessage(m as Message));
    port.on('close', () => this.shutDown(this.lostError()));
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Ask the other side; `signal` cancels (the other side's handler sees its signal abort). */
  request(
    method: string,
    params: unknown,
    opts: { signal?: AbortSignal | undefined; transfer?: TransferListItem[] } = {},
  ): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (opts.signal?.aborted) return Promise.reject(cancelledError(opts.signal.reason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting.delete(id);
        this.send({ rpc: 'cancel', id });
        reject(cancelledError(opts.signal?.reason));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, { resolve, reject, cleanup: () => opts.signal?.removeEventListener('abort', onAbort) });
      this.send({ rpc: 'req', id, method, params }, opts.transfer);
    });
  }

  emit(payload: unknown): void {
    this.send({ rpc: 'event', payload });
  }

  onEvent(listener: (payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.shutDown(this.lostError());
    this.port.close();
  }

  private send(m: Message, transfer?: TransferListItem[]): void {
    if (this.closedWith) return;
    try {
      this.port.postMessage(m, transfer);
    } catch (e) {
      // A value that cannot be cloned must not leave the caller waiting.
      if (m.rpc === 'req')
        this.settle(
          m.id,
          false,
          toErrorReport(
            new RescueError(
              'INTERNAL',
              `The request "${m.method}" could not be sent (${e instanceof Error ? e.message : String(e)}).`,
            ),
          ),
        );
      else if (m.rpc === 'res')
        this.port.postMessage({ rpc: 'res', id: m.id, ok: false, error: toErrorReport(e) } satisfies Message);
    }
  }

  private settle(id: number, ok: boolean, valueOrError: unknown): void {
    const w = this.waiting.get(id);
    if (!w) {
      // An answer nobody waits for any more (the request was cancelled while main was already
      // answering): close any port it carried, so the pipe it serves is released.
      const port =
        ok && typeof valueOrError === 'object' && valueOrError !== null
          ? (valueOrError as { port?: unknown }).port
          : undefined;
      if (port instanceof MessagePort) port.close();
      return;
    }
    this.waiting.delete(id);
    w.cleanup();
    if (ok) w.resolve(valueOrError);
    else w.reject(errorFromReport(valueOrError));
  }

  private onMessage(m: Message): void {
    if (typeof m !== 'object' || m === null) return;
    switch (m.rpc) {
      case 'res':
        this.settle(m.id, m.ok, m.ok ? m.value : m.error);
        break;
      case 'cancel':
        this.serving.get(m.id)?.abort(new RescueError('CANCELLED'));
        break;
      case 'event':
        for (const l of this.listeners) l(m.payload);
        break;
      case 'req': {
        const handler = Object.hasOwn(this.handlers, m.method) ? this.handlers[m.method] : undefined;
        if (!handler) {
          this.send({
            rpc: 'res',
            id: m.id,
            ok: false,
            error: toErrorReport(new RescueError('INTERNAL', `Unknown request "${m.method}".`)),
          });
          return;
        }
        const ctl = new AbortController();
        this.serving.set(m.id, ctl);
        handler(m.params, ctl.signal)
          .then(
            (a) => this.send({ rpc: 'res', id: m.id, ok: true, value: a.value }, a.transfer),
            (e: unknown) => this.send({ rpc: 'res', id: m.id, ok: false, error: toErrorReport(e) }),
          )
          .finally(() => this.serving.delete(m.id));
        break;
      }
    }
  }

  private shutDown(error: RescueError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const c of this.serving.values()) c.abort(error);
    this.serving.clear();
    for (const w of this.waiting.values()) {
      w.cleanup();
      w.reject(error);
    }
    this.waiting.clear();
  }
}
