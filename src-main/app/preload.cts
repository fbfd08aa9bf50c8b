// The preload of the sandboxed window: exposes exactly the RescueApi contract (shared/api.ts) as
// window.modemRescue, and nothing else. A sandboxed preload runs as a CommonJS script that may
// require only 'electron' (no local files), so this file is a .cts that tsc compiles to
// preload.cjs on its own, with the contract's method names kept here and checked against
// shared/api.ts at compile time (and by a unit test).

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, ApiMethod, ApiResponse, Params, RescueApi, Result } from '../../shared/api.js';
import type { ErrorReport } from '../../shared/errors.js';

const IPC_CALL = 'modem-rescue:call';
const IPC_EVENT = 'modem-rescue:event';

/** The contract's methods (API_METHODS in shared/api.ts). */
export const PRELOAD_METHODS = [
  'getDevices',
  'setDemoMode',
  'platformChecks',
  'runFix',
  'defaultBackupFolder',
  'backup',
  'enterEdl',
  'demoAction',
  'powerCycleActions',
  'runPowerCycle',
  'inspectPackage',
  'makeDemoPackage',
  'flash',
  'flashAll',
  'snapshotPlan',
  'undo',
  'cancel',
  'finish',
  'restore',
  'saveReport',
  'pickPath',
  'showInFolder',
] as const satisfies readonly ApiMethod[];
// Every ApiMethod is listed (a new one in the contract fails to compile here until added).
type Missing = Exclude<ApiMethod, (typeof PRELOAD_METHODS)[number]>;
const everyMethodListed: [Missing] extends [never] ? true : Missing = true;
void everyMethodListed;

export const PRELOAD_CHANNELS = { call: IPC_CALL, event: IPC_EVENT } as const;

function isMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && (PRELOAD_METHODS as readonly string[]).includes(m);
}

/**
 * A failed call as an Error carrying its ErrorReport as JSON in the message: only an Error's
 * message reliably crosses the context bridge; the page takes the report back out
 * (src-renderer/api/call-error.ts).
 */
function reportError(report: Partial<ErrorReport> | undefined): Error {
  const r: ErrorReport = {
    code: report?.code ?? 'INTERNAL',
    category: report?.category ?? 'internal',
    message:
      typeof report?.message === 'string' ? report.message : 'Modem Rescue ran into a problem it did not expect.',
    nextStep:
      typeof report?.nextStep === 'string'
        ? report.nextStep
        : 'Save a report and send it to us; the modem is no worse off than before the failed step.',
  };
  return new Error(JSON.stringify(r));
}

interface IpcSlice {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
}

/** The object exposed as window.modemRescue. */
export function createRescueApi(ipc: IpcSlice): RescueApi {
  return {
    async call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> {
      if (!isMethod(method))
        throw reportError({
          code: 'USAGE',
          category: 'usage',
          message: `Unknown method "${String(method).slice(0, 60)}".`,
          nextStep: 'This is a bug in the wizard; save a report.',
        });
      const answer = (await ipc.invoke(IPC_CALL, method, params ?? {})) as ApiResponse<M> | undefined;
      if (!answer || typeof answer !== 'object')
        throw reportError({
          message: 'Modem Rescue ran into a problem it did not expect (the engine gave no answer).',
        });
      if (answer.ok) return answer.result;
      throw reportError(answer.error);
    },
    onEvent(listener: (e: ApiEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function.');
      // Only the event itself reaches the page, never the IPC event object (it holds the sender).
      const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as ApiEvent);
      ipc.on(IPC_EVENT, wrapped);
      return () => void ipc.removeListener(IPC_EVENT, wrapped);
    },
  };
}

contextBridge.exposeInMainWorld('modemRescue', createRescueApi(ipcRenderer));
