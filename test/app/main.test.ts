// The app's wiring (main.ts) with Electron and the engine worker mocked: one instance, the window
// with the IPC handler, the quit guard on the real close/quit events, the power-save blocker and
// the taskbar progress driven by the engine's events.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ApiEvent } from '../../shared/api.js';
import { IPC_CALL } from '../../shared/api.js';
import { FakeBrowserWindow, FakeWebContents, fakeElectron } from './electron-fakes.js';

const shared = vi.hoisted(() => ({
  electron: undefined as unknown as ReturnType<typeof fakeElectron>,
  appHandlers: new Map<string, (...args: unknown[]) => void>(),
  engineListeners: new Set<(e: ApiEvent) => void>(),
  engineCalls: [] as string[],
  dir: '',
}));

vi.mock('electron', async () => {
  const { fakeElectron: make } = await import('./electron-fakes.js');
  const e = make();
  e.app.on.mockImplementation((name: string, h: (...args: unknown[]) => void) => shared.appHandlers.set(name, h));
  e.app.getPath.mockImplementation(() => shared.dir);
  shared.electron = e;
  return e;
});

vi.mock('../../src-main/app/engine-worker.js', () => ({
  startEngineWorker: () => ({
    call: async (method: string) => {
      shared.engineCalls.push(method);
      if (method === 'cancel') {
        // The engine stops the flash at a safe point and says it is no longer busy.
        setTimeout(() => {
          for (const l of shared.engineListeners) l({ type: 'busy', method: undefined });
        }, 20);
        return { cancelled: true };
      }
      return '/home/me/backups';
    },
    on: (l: (e: ApiEvent) => void) => {
      shared.engineListeners.add(l);
      return () => shared.engineListeners.delete(l);
    },
    dispose: async () => undefined,
  }),
}));

shared.dir = mkdtempSync(path.join(tmpdir(), 'mr-main-'));
await import('../../src-main/app/main.js');
await vi.waitFor(() => expect(FakeBrowserWindow.created.length).toBe(1));
const win = FakeBrowserWindow.created[0]!;

function emit(e: ApiEvent): void {
  for (const l of shared.engineListeners) l(e);
}

function closeWindow(): boolean {
  let prevented = false;
  win.emit('close', { preventDefault: () => (prevented = true) });
  return prevented;
}

describe('main process wiring', () => {
  it('takes the single-instance lock, registers the app scheme and the IPC handler, and writes a run log', async () => {
    const e = shared.electron;
    expect(e.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(e.protocol.registerSchemesAsPrivileged.mock.calls[0]?.[0]).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(e.protocol.handle.mock.calls[0]?.[0]).toBe('app');
    expect(e.ipcMain.handlers.has(IPC_CALL)).toBe(true);
    expect(win.loaded).toEqual(['app://modem-rescue/index.html']);
    const logs = readdirSync(shared.dir).filter((n) => /^run-.*\.log$/.test(n));
    expect(logs.length).toBe(1);
    expect(readFileSync(path.join(shared.dir, logs[0]!), 'utf8')).toContain('Modem Rescue 0.1.0 starting');
  });

  it('hardens every web contents the app ever creates, not only its window', () => {
    const created = shared.appHandlers.get('web-contents-created');
    expect(created).toBeDefined();
    const stray = new FakeWebContents('about:blank');
    created!({}, stray);
    expect(stray.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let prevented = false;
    stray.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    let webview = false;
    stray.emit('will-attach-webview', { preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
    // The window's own contents are hardened once, not twice.
    created!({}, win.webContents);
    expect(win.webContents.listenerCount('will-navigate')).toBe(1);
  });

  it('closes without asking when nothing is flashing', () => {
    expect(closeWindow()).toBe(false);
    expect(shared.electron.dialog.showMessageBox).not.toHaveBeenCalled();
  });

  it('while flashing: blocks sleep, shows progress, asks before closing; "keep flashing" keeps going', async () => {
    const e = shared.electron;
    e.dialog.showMessageBox.mockResolvedValue({ response: 0 });
    emit({ type: 'busy', method: 'flash' });
    expect(e.powerSaveBlocker.start).toHaveBeenCalledWith('prevent-app-suspension');
    emit({
      type: 'engine',
      event: {
        type: 'progress',
        index: 1,
        stepBytesDone: 5,
        stepBytes: 10,
        totalBytesDone: 50,
        totalBytes: 200,
        bytesPerSecond: 10,
        etaSeconds: 15,
      },
    });
    expect(win.progress.at(-1)).toEqual({ value: 0.25, options: { mode: 'normal' } });
    expect(closeWindow()).toBe(true);
    await vi.waitFor(() => expect(e.dialog.showMessageBox).toHaveBeenCalledTimes(1));
    const [, options] = e.dialog.showMessageBox.mock.calls[0] as [unknown, { buttons: string[]; defaultId: number }];
    expect(options.buttons[options.defaultId]).toBe('Keep flashing');
    await new Promise((r) => setTimeout(r, 20));
    expect(shared.engineCalls).not.toContain('cancel');
    expect(e.app.quit).not.toHaveBeenCalled();
  });

  it('"stop safely and quit" cancels the flash, releases the blocker and quits', async () => {
    const e = shared.electron;
    e.dialog.showMessageBox.mockResolvedValue({ response: 1 });
    let prevented = false;
    shared.appHandlers.get('before-quit')!({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await vi.waitFor(() => expect(e.app.quit).toHaveBeenCalled(), { timeout: 3000 });
    expect(shared.engineCalls).toContain('cancel');
    expect(e.powerSaveBlocker.stop).toHaveBeenCalledWith(7);
    expect(win.progress.at(-1)).toEqual({ value: -1, options: undefined });
  });
});
