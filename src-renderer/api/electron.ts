// Electron: the preload exposes exactly the RescueApi as window.modemRescue (contextBridge).
// Failures are turned into ApiCallError so the wizard always has an ErrorReport to show.

import type { ApiEvent, ApiMethod, Params, RescueApi, Result } from '../../shared/api.js';
import { ApiCallError, toReport } from './call-error.js';

export function electronApi(host: unknown): RescueApi | undefined {
  const bridge = (host as { modemRescue?: Partial<RescueApi> } | undefined)?.modemRescue;
  if (!bridge || typeof bridge.call !== 'function' || typeof bridge.onEvent !== 'function') return undefined;
  const call = bridge.call.bind(bridge);
  const onEvent = bridge.onEvent.bind(bridge);
  return {
    async call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> {
      try {
        return await call(method, params);
      } catch (e) {
        throw new ApiCallError(toReport(e));
      }
    },
    onEvent(listener: (e: ApiEvent) => void): () => void {
      return onEvent(listener);
    },
  };
}
