// The main process's handle on the engine running in a worker thread. The worker gets one end of
// a MessageChannel; over it main answers device requests (open a pipe, list the USB bus: native
// addons stay on the main thread) and the worker answers API calls and pushes events.
// A worker that dies fails every pending call with a clear error instead of leaving it waiting.

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { ApiEvent, ApiMethod, Params, Result } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { deviceHandlers, type MainDevices } from './device-bridge.js';
import type { Engine } from './engine.js';
import { RpcEndpoint } from './rpc.js';

/** What the worker is started with (workerData). */
export interface WorkerStart {
  port: MessagePort;
  stateDir: string;
}

const DISPOSE_WAIT_MS = 5000;

/** Main side of the engine channel: implements Engine by asking the worker. */
export class EngineClient implements Engine {
  private readonly rpc: RpcEndpoint;
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private crashReason: string | undefined;
  /** True from the moment dispose() starts. */
  disposing = false;

  constructor(
    port: MessagePort,
    devices: MainDevices,
    private readonly stop: () => Promise<void> = async () => undefined,
  ) {
    this.rpc = new RpcEndpoint(
      port,
      deviceHandlers(devices),
      () =>
        new RescueError(
          'INTERNAL',
          `The engine stopped unexpectedly${this.crashReason ? ` (${this.crashReason})` : ''}.`,
        ),
    );
    this.rpc.onEvent((payload) => {
      for (const l of this.listeners) l(payload as ApiEvent);
    });
  }

  get stopped(): boolean {
    return this.rpc.closed;
  }

  async call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    return (await this.rpc.request('call', { method, params })) as Result<M>;
  }

  on(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async allowFolder(folder: string): Promise<void> {
    await this.rpc.request('allowFolder', { folder });
  }

  /** The worker failed: fail what is pending, saying why when known. */
  lost(reason?: string): void {
    this.crashReason ??= reason;
    this.rpc.close();
  }

  /** Ask the engine to shut down (bounded), then stop the worker. */
  async dispose(): Promise<void> {
    this.disposing = true;
    if (!this.rpc.closed) {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), DISPOSE_WAIT_MS);
      await this.rpc.request('dispose', {}, { signal: ctl.signal }).catch(() => undefined);
      clearTimeout(timer);
      this.rpc.close();
    }
    this.listeners.clear();
    await this.stop();
  }
}

export interface EngineWorkerOptions {
  stateDir: string;
  devices: MainDevices;
  /** The worker's script (default: worker-entry.js beside this file). */
  entry?: URL;
  /** Told when the worker dies on its own (an uncaught error): the app logs it. */
  onCrash?: (error: Error | undefined, exitCode: number) => void;
}

/** Start the engine's worker thread and return its client. */
export function startEngineWorker(opts: EngineWorkerOptions): EngineClient {
  const { port1, port2 } = new MessageChannel();
  const start: WorkerStart = { port: port2, stateDir: opts.stateDir };
  const worker = new Worker(opts.entry ?? new URL('./worker-entry.js', import.meta.url), {
    workerData: start,
    transferList: [port2],
  });
  let stopping = false;
  let crash: Error | undefined;
  const client = new EngineClient(port1, opts.devices, async () => {
    stopping = true;
    await worker.terminate();
  });
  worker.on('error', (e) => {
    crash = e;
    client.lost(e.message);
  });
  worker.on('exit', (code) => {
    if (!stopping && !client.disposing) {
      client.lost(`exit code ${code}`);
      opts.onCrash?.(crash, code);
    }
  });
  return client;
}
