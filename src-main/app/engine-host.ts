// The worker thread's side of the engine: answers the main process's "call" and "dispose"
// requests with the engine and pushes every engine event back. The engine gets its devices from
// main (RemoteOpener, RemoteEnumerator over the same channel).

import type { MessagePort } from 'node:worker_threads';
import { isApiMethod, type ApiEvent, type ApiMethod, type Params } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { RemoteEnumerator, RemoteOpener } from './device-bridge.js';
import type { Engine } from './engine.js';
import { RpcEndpoint } from './rpc.js';

/** What the engine is built from inside the worker: devices that live in main. */
export interface WorkerDevices {
  enumerator: RemoteEnumerator;
  openers: { serial(path: string): RemoteOpener; usbEdl(opts?: { busPath?: string }): RemoteOpener };
}

/** What main may ask of the worker besides the API: a folder the person picked in a native dialog. */
export interface WorkerHooks {
  allowFolder?(folder: string): void;
}

/** Serve `makeEngine(devices)` to main over `port`; resolves when main asked to dispose or went away. */
export function serveEngine(
  port: MessagePort,
  makeEngine: (devices: WorkerDevices) => Engine,
  hooks: WorkerHooks = {},
): Promise<void> {
  return new Promise<void>((resolveDone) => {
    const state: { engine?: Engine; unsubscribe?: () => void } = {};
    let disposing: Promise<void> | undefined;
    const dispose = (): Promise<void> => {
      disposing ??= (async () => {
        state.unsubscribe?.();
        await state.engine?.dispose().catch(() => undefined);
        resolveDone();
      })();
      return disposing;
    };
    const rpc: RpcEndpoint = new RpcEndpoint(
      port,
      {
        async call(params) {
          const p = (params ?? {}) as { method?: unknown; params?: unknown };
          if (!isApiMethod(p.method)) throw new RescueError('USAGE', `Unknown method "${String(p.method)}".`);
          if (!state.engine) throw new RescueError('INTERNAL', 'The engine is not running.');
          const method: ApiMethod = p.method;
          return { value: await state.engine.call(method, (p.params ?? {}) as Params<typeof method>) };
        },
        async dispose() {
          await dispose();
          return { value: true };
        },
        allowFolder(params) {
          const folder = (params as { folder?: unknown } | undefined)?.folder;
          if (typeof folder !== 'string' || !hooks.allowFolder)
            return Promise.reject(new RescueError('USAGE', 'No folder to allow.'));
          hooks.allowFolder(folder);
          return Promise.resolve({ value: true });
        },
      },
      () => {
        void dispose();
        return new RescueError('INTERNAL', 'The main process closed the engine channel.');
      },
    );
    const devices: WorkerDevices = {
      enumerator: new RemoteEnumerator(rpc),
      openers: {
        serial: (path) => new RemoteOpener(rpc, { kind: 'serial', path }),
        usbEdl: (opts) =>
          new RemoteOpener(rpc, opts?.busPath ? { kind: 'usb-edl', busPath: opts.busPath } : { kind: 'usb-edl' }),
      },
    };
    const engine = makeEngine(devices);
    state.engine = engine;
    state.unsubscribe = engine.on((e: ApiEvent) => rpc.emit(e));
  });
}
