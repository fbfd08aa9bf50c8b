// Picks the API the page runs with: the Electron preload's bridge when present, else the
// browser mode's WebSocket to the local server that served this page.

import type { RescueApi } from '../../shared/api.js';
import { electronApi } from './electron.js';
import { apiUrlFromLocation, WebSocketApi, type SocketLike } from './web.js';

export type ApiKind = 'electron' | 'web';

export function createApi(onConnectionChange: (connected: boolean) => void): { api: RescueApi; kind: ApiKind } {
  const fromPreload = electronApi(window);
  if (fromPreload) {
    onConnectionChange(true);
    return { api: fromPreload, kind: 'electron' };
  }
  const url = apiUrlFromLocation(window.location);
  const api = new WebSocketApi({
    url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    onConnectionChange,
  });
  return { api, kind: 'web' };
}
