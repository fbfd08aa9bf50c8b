// The two ways of picking a path (shared/api.ts PathPicker). Electron: the native dialogs of the
// main process, through the API's pickPath / showInFolder calls. Browser mode: the files chosen
// or dropped in the page go to the local server, one POST /upload each (the page's token, and a
// header a cross-site form cannot send), into a private folder whose path the server returns.

import type { PathPicker, PickKind, RescueApi, UploadFile } from '../../shared/api.js';
import { ApiCallError, engineUnreachable, isErrorReport } from './call-error.js';
import { T } from '../text.js';

export function dialogPicker(api: RescueApi): PathPicker {
  return {
    kind: 'dialog',
    async choose(what, as, defaultPath) {
      const r = await api.call('pickPath', {
        what,
        ...(as !== undefined ? { as } : {}),
        ...(defaultPath ? { defaultPath } : {}),
      });
      return r.path;
    },
    upload() {
      return Promise.reject(engineUnreachable(T.errors.desktopDialogs));
    },
    async reveal(path) {
      return (await api.call('showInFolder', { path })).shown;
    },
  };
}

/** What the upload picker needs of the page: its address (for the token) and fetch. */
export interface UploadHost {
  search: string;
  fetch: (
    url: string,
    init: { method: string; headers: Record<string, string>; body: Blob },
  ) => Promise<{
    status: number;
    json(): Promise<unknown>;
  }>;
  randomId: () => string;
}

/** The order files go in: by name, so a retried upload sends them the same way. */
export function uploadOrder(files: readonly UploadFile[]): UploadFile[] {
  return [...files].sort((a, b) => a.relativePath.localeCompare(b.relativePath));
}

export function uploadPicker(host: UploadHost): PathPicker {
  const token = new URLSearchParams(host.search).get('token') ?? '';
  return {
    kind: 'upload',
    choose() {
      return Promise.resolve(undefined);
    },
    async upload(what: PickKind, files: readonly UploadFile[], onProgress?: (sent: number) => void) {
      if (files.length === 0) throw engineUnreachable(T.errors.noFile);
      const batch = host.randomId();
      let path = '';
      let sent = 0;
      for (const f of uploadOrder(files)) {
        const q = new URLSearchParams({ what, batch, name: f.relativePath, token });
        let res;
        try {
          res = await host.fetch(`/upload?${q.toString()}`, {
            method: 'POST',
            headers: { 'X-Modem-Rescue-Upload': '1', 'Content-Type': 'application/octet-stream' },
            body: f.body,
          });
        } catch {
          throw engineUnreachable(T.errors.notSent(f.relativePath));
        }
        const answer = (await res.json().catch(() => undefined)) as
          { ok?: boolean; path?: unknown; error?: unknown } | undefined;
        if (answer?.ok === true && typeof answer.path === 'string') path = answer.path;
        else if (isErrorReport(answer?.error)) throw new ApiCallError(answer.error);
        else throw engineUnreachable(T.errors.notTaken(f.relativePath, res.status));
        sent += f.size;
        onProgress?.(sent);
      }
      return path;
    },
    reveal() {
      return Promise.resolve(false);
    },
  };
}

/** A random batch id of 24 lowercase hex digits. */
export function randomBatchId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
