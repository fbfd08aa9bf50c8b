// The main window: sandboxed renderer with context isolation and no Node, the narrow preload,
// the CSP, no permissions, no navigation or new windows, and the wizard's page from the app
// scheme. Calm defaults: shown when ready, 1024x700 at least.

import { BrowserWindow, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// Type-only: pulls preload.cts into the build so tsc emits preload.cjs beside this file.
import type {} from './preload.cjs';
import { APP_ORIGIN, PAGE_URL } from './app-protocol.js';
import { hardenContents, hardenSession } from './security.js';

export const MIN_WIDTH = 1024;
export const MIN_HEIGHT = 700;

/** preload.cjs beside the compiled window.js (dist/src-main/app/). */
export function defaultPreloadPath(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'preload.cjs');
}

export interface MainWindowOptions {
  preload?: string;
  pageUrl?: string;
  onRefused?: (what: string, url: string) => void;
}

export function createMainWindow(opts: MainWindowOptions = {}): BrowserWindow {
  const win = new BrowserWindow({
    width: 1180,
    height: 800,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Modem Rescue',
    backgroundColor: '#f6f7f9',
    autoHideMenuBar: true,
    webPreferences: {
      preload: opts.preload ?? defaultPreloadPath(),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  hardenSession(win.webContents.session);
  hardenContents(win.webContents, {
    appOrigin: APP_ORIGIN,
    openExternal: (url) => shell.openExternal(url),
    ...(opts.onRefused ? { onRefused: opts.onRefused } : {}),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.pageUrl ?? PAGE_URL);
  return win;
}
