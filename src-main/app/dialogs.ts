// The desktop app's pickers: the native open dialog for a firmware package (its folder or its
// .zip), a folder for backups, a QCN file to restore; and "show in folder" for a saved file. Both
// run in the main process, asked for by the page through the API (ipc.ts checks the sender first).

import type { BrowserWindow, OpenDialogOptions } from 'electron';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { PickKind } from '../../shared/api.js';
import { isPickKind } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';

/**
 * The dialog's options for `what`. A package may be a folder or a .zip: Windows and Linux dialogs
 * cannot offer both at once, so there the package dialog picks a folder or a file depending on
 * `packageAs` (the page has a button for each); macOS takes both in one dialog.
 */
export function openDialogOptions(
  what: PickKind,
  platform: NodeJS.Platform,
  defaultPath?: string,
  packageAs: 'folder' | 'zip' = 'folder',
): OpenDialogOptions {
  const base: OpenDialogOptions = defaultPath ? { defaultPath } : {};
  switch (what) {
    case 'package':
      if (platform === 'darwin')
        return {
          ...base,
          title: 'Choose the firmware package (its folder or its .zip)',
          properties: ['openFile', 'openDirectory'],
          filters: [{ name: 'Firmware package (.zip)', extensions: ['zip'] }],
        };
      return packageAs === 'zip'
        ? {
            ...base,
            title: 'Choose the firmware package (.zip)',
            properties: ['openFile'],
            filters: [{ name: 'Firmware package (.zip)', extensions: ['zip'] }],
          }
        : { ...base, title: 'Choose the unpacked firmware package folder', properties: ['openDirectory'] };
    case 'backup-folder':
      return {
        ...base,
        title: 'Choose the folder for the QCN backup',
        buttonLabel: 'Save the backup here',
        properties: ['openDirectory', 'createDirectory'],
      };
    case 'qcn':
      return {
        ...base,
        title: 'Choose the QCN backup of this modem',
        properties: ['openFile'],
        filters: [{ name: 'QCN backup', extensions: ['qcn', 'xqcn'] }],
      };
  }
}

export interface DialogDeps {
  win: BrowserWindow;
  showOpenDialog(win: BrowserWindow, o: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  showItemInFolder(fullPath: string): void;
  platform?: NodeJS.Platform;
}

/** The main process's answers to pickPath and showInFolder (ipc.ts overrides). */
export function dialogHandlers(deps: DialogDeps): {
  pickPath: (p: { what: PickKind; as?: 'folder' | 'zip'; defaultPath?: string }) => Promise<{ path?: string }>;
  showInFolder: (p: { path: string }) => Promise<{ shown: boolean }>;
} {
  const platform = deps.platform ?? process.platform;
  return {
    pickPath: async (p) => {
      if (!isPickKind(p.what)) throw new RescueError('USAGE', 'Unknown kind of file to choose.');
      const start = typeof p.defaultPath === 'string' && path.isAbsolute(p.defaultPath) ? p.defaultPath : undefined;
      const as = p.as === 'zip' ? 'zip' : 'folder';
      const r = await deps.showOpenDialog(deps.win, openDialogOptions(p.what, platform, start, as));
      const chosen = r.filePaths[0];
      return r.canceled || !chosen ? {} : { path: chosen };
    },
    showInFolder: async (p) => {
      if (typeof p.path !== 'string' || !path.isAbsolute(p.path)) return { shown: false };
      // Only something that exists is shown (a file manager opened on nothing helps nobody).
      const exists = await stat(p.path).then(
        () => true,
        () => false,
      );
      if (!exists) return { shown: false };
      deps.showItemInFolder(p.path);
      return { shown: true };
    },
  };
}
