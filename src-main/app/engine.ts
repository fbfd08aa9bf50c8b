// What the Electron main process needs from the rescue engine: the API contract's calls, its
// pushed events, and a way to shut it down. RescueService (src-main/service) fits it; so does the
// client of the engine's worker thread (engine-worker.ts), and the fakes of the unit tests.

import type { ApiEvent, ApiMethod, Params, Result } from '../../shared/api.js';

export interface Engine {
  call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>>;
  /** Subscribe to pushed events; returns the unsubscribe function. */
  on(listener: (e: ApiEvent) => void): () => void;
  dispose(): Promise<void>;
  /**
   * A folder the person picked in a native dialog becomes writable for the session (the path
   * policy refuses backups outside the home otherwise). Only main calls it, never the page.
   */
  allowFolder?(folder: string): Promise<void>;
}
