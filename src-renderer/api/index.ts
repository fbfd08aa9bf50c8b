// Picks the API the page runs with: the Electron preload's bridge when present, else the
// browser mode's WebSocket to the local server that served this page; and the matching way of
// picking paths (native dialogs, or uploads to that server).

import type { WizardApi } from '../../shared/api.js';
import { electronApi } from './electron.js';
import { dialogPicker, randomBatchId, uploadPicker } from './picker.js';
import { apiUrlFromLocation, WebSocketApi, type SocketLike } from './web.js';

export type ApiKind = 'electron' | 'web';

export function createApi(onConnectionChange: (connected: boolean) => void): WizardApi & { kind: ApiKind } {
  const fromPreload = electronApi(window);
  if (fromPreload) {
    onConnectionChange(true);
    return { api: fromPreload, picker: dialogPicker(fromPreload), kind: 'electron' };
  }
  const url = apiUrlFromLocation(window.location);
  const api = new WebSocketApi({
    url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    onConnectionChange,
  });
  const picker = uploadPicker({
    search: window.location.search,
    fetch: (u, init) => window.fetch(u, { ...init, credentials: 'same-origin' }),
    randomId: randomBatchId,
  });
  return { api, picker, kind: 'web' };
}
