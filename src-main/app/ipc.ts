// The IPC face of the engine: one invoke channel for every API call, one event channel pushed to
// the window. Only the main frame of our own window, showing our own page, may call; anything
// else is refused. Answers are ApiResponses: the result, or an ErrorReport (code, sentence, next
// step), never a stack.

import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { ipcMain } from 'electron';
import {
  IPC_CALL,
  IPC_EVENT,
  isApiMethod,
  type ApiMethod,
  type ApiResponse,
  type Params,
  type Result,
} from '../../shared/api.js';
import { RescueError, toErrorReport } from '../../shared/errors.js';
import type { Engine } from './engine.js';

/** Methods main answers itself (e.g. saveReport adds the app's own files to the engine's report). */
export type Overrides = { [M in ApiMethod]?: (params: Params<M>) => Promise<Result<M>> };

export interface IpcOptions {
  win: BrowserWindow;
  engine: Engine;
  /** The page allowed to call, e.g. app://modem-rescue/index.html. */
  pageUrl: string;
  overrides?: Overrides;
  /** Told about refused senders and failed calls (the app logs them). */
  log?: (line: string) => void;
}

/** Whether the call comes from the main frame of `win` showing `pageUrl` (query and hash aside). */
export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow, pageUrl: string): boolean {
  if (win.isDestroyed() || event.sender !== win.webContents) return false;
  const frame = event.senderFrame;
  const main = win.webContents.mainFrame;
  if (!frame || frame.parent !== null) return false;
  // The same frame: the same object, or (should Electron hand out a new wrapper) the same ids.
  if (frame !== main && (frame.processId !== main.processId || frame.routingId !== main.routingId)) return false;
  let url: URL;
  let page: URL;
  try {
    url = new URL(frame.url);
    page = new URL(pageUrl);
  } catch {
    return false;
  }
  return url.protocol === page.protocol && url.host === page.host && url.pathname === page.pathname;
}

/** Register the handlers; returns the function that removes them again. */
export function registerIpc(opts: IpcOptions): () => void {
  const { win, engine, pageUrl } = opts;
  const log = opts.log ?? (() => undefined);
  ipcMain.handle(IPC_CALL, async (event, method: unknown, params: unknown): Promise<ApiResponse> => {
    if (!isTrustedSender(event, win, pageUrl)) {
      log(`refused an API call from ${event.senderFrame?.url ?? 'a frame that is gone'}`);
      return { ok: false, error: toErrorReport(new RescueError('USAGE', 'This page may not use Modem Rescue.')) };
    }
    if (!isApiMethod(method)) {
      log(`refused an unknown API method ${JSON.stringify(String(method).slice(0, 60))}`);
      return {
        ok: false,
        error: toErrorReport(new RescueError('USAGE', `Unknown method "${String(method).slice(0, 60)}".`)),
      };
    }
    const m: ApiMethod = method;
    const p = (typeof params === 'object' && params !== null ? params : {}) as Params<typeof m>;
    try {
      const override = opts.overrides?.[m] as ((p: Params<typeof m>) => Promise<Result<typeof m>>) | undefined;
      const result = override ? await override(p) : await engine.call(m, p);
      return { ok: true, result };
    } catch (e) {
      const error = toErrorReport(e);
      log(`${m} failed: ${error.code}: ${error.message}`);
      return { ok: false, error };
    }
  });
  const unsubscribe = engine.on((e) => {
    if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(IPC_EVENT, e);
  });
  return () => {
    ipcMain.removeHandler(IPC_CALL);
    unsubscribe();
  };
}
