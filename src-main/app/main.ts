// The desktop app's main process: one instance, one hardened window showing the wizard from the
// app scheme, the engine in a worker thread with USB and serial served from here, a log file per
// run, and while flashing: no sleep, progress on the taskbar, a question before quitting.

import { app, BrowserWindow, dialog, powerSaveBlocker, protocol, shell, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUsbEnumerator } from '../platform/usb-enumerator.js';
import { SerialOpener } from '../transport/serial.js';
import { UsbEdlOpener } from '../transport/usb.js';
import { APP_ORIGIN, APP_SCHEME, appResponse, PAGE_URL } from './app-protocol.js';
import type { MainDevices } from './device-bridge.js';
import { startEngineWorker } from './engine-worker.js';
import { FlashActivity } from './flash-activity.js';
import { dialogHandlers } from './dialogs.js';
import type { Engine } from './engine.js';
import { registerIpc, type Overrides } from './ipc.js';
import { QuitGuard } from './quit-guard.js';
import { saveAppReport } from './report.js';
import { hardenContents } from './security.js';
import { RunLog } from './run-log.js';
import { createMainWindow } from './window.js';

/** dist-renderer/ at the top of the app (dist/src-main/app/main.js is three levels down). */
const RENDERER_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist-renderer');

// Before 'ready': the app scheme is a secure, standard origin.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

function mainDevices(): MainDevices {
  return {
    opener: (t) =>
      t.kind === 'serial' ? new SerialOpener(t.path) : new UsbEdlOpener(t.busPath ? { busPath: t.busPath } : {}),
    enumerator: createUsbEnumerator(),
  };
}

/** The calls main answers itself: the native dialogs, and the report with the app's own files. */
function mainOverrides(win: BrowserWindow, engine: Engine, log: RunLog): Overrides {
  const dialogs = dialogHandlers({
    win,
    showOpenDialog: (w, o) => dialog.showOpenDialog(w, o),
    showItemInFolder: (p) => shell.showItemInFolder(p),
  });
  return {
    // A backup folder picked in the native dialog is writable even outside the home.
    pickPath: async (p) => {
      const picked = await dialogs.pickPath(p);
      if (p.what === 'backup-folder' && picked.path) await engine.allowFolder?.(picked.path);
      return picked;
    },
    showInFolder: dialogs.showInFolder,
    saveReport: () =>
      saveAppReport({
        engine,
        logFile: log.file,
        app: {
          name: app.getName(),
          version: app.getVersion(),
          versions: { ...process.versions },
          packaged: app.isPackaged,
        },
      }),
  };
}

async function run(): Promise<void> {
  await app.whenReady();
  const log = new RunLog({ dir: app.getPath('logs') });
  log.info(
    `Modem Rescue ${app.getVersion()} starting (Electron ${process.versions.electron ?? '?'}, ${process.platform} ${process.arch})`,
  );
  protocol.handle(APP_SCHEME, (request) => appResponse(RENDERER_ROOT, request));
  // App-wide: every web contents that is ever created gets the window's rules (no navigation,
  // window.open or webview), whoever created it.
  const refused = (what: string, url: string): void => log.warn(`refused ${what} to ${url}`);
  app.on('web-contents-created', (_event: unknown, contents: WebContents) =>
    hardenContents(contents, {
      appOrigin: APP_ORIGIN,
      openExternal: (url) => shell.openExternal(url),
      onRefused: refused,
    }),
  );

  const engine = startEngineWorker({
    stateDir: path.join(app.getPath('userData'), 'state'),
    devices: mainDevices(),
    onCrash: (e, code) => log.error(`the engine stopped unexpectedly (${e?.message ?? `exit code ${code}`})`),
  });
  const win: BrowserWindow = createMainWindow({ onRefused: refused });

  const activity = new FlashActivity({
    startBlocker: () => powerSaveBlocker.start('prevent-app-suspension'),
    stopBlocker: (id) => powerSaveBlocker.stop(id),
    setProgress: (p, mode) => {
      if (!win.isDestroyed()) win.setProgressBar(p, mode ? { mode } : undefined);
    },
  });
  engine.on((e) => {
    activity.onEvent(e);
    if (e.type === 'busy') log.info(e.method ? `started ${e.method}` : 'idle');
    else if (e.type === 'devices')
      log.info(
        `devices: ${e.state.devices.map((d) => `${d.vidPid} ${d.mode}${d.demo ? ' (demo)' : ''}`).join(', ') || 'none'}${e.state.usbAvailable ? '' : ` (USB unavailable: ${e.state.reason ?? '?'})`}`,
      );
    else if (e.type === 'engine' && e.event.type !== 'progress')
      log.write(
        e.event.type === 'log' ? e.event.level : 'info',
        JSON.stringify(e.module !== undefined ? { module: e.module, ...e.event } : e.event),
      );
  });

  const unregister = registerIpc({
    win,
    engine,
    pageUrl: PAGE_URL,
    log: (line) => log.warn(line),
    overrides: mainOverrides(win, engine, log),
  });

  const guard = new QuitGuard({
    isCritical: () => activity.critical,
    confirmQuit: async () => {
      const { response } = await dialog.showMessageBox(win, {
        type: 'warning',
        title: 'A flash is running',
        message: 'The modem is being flashed. Quitting now would stop it halfway.',
        detail:
          'Keep flashing and quit when it is done. If you must quit, Modem Rescue stops the flash at a safe point first; run the flash again later and it continues where it stopped.',
        buttons: ['Keep flashing', 'Stop safely and quit'],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
      });
      return response === 1;
    },
    cancelFlash: async () => void (await engine.call('cancel', {})),
    quit: () => app.quit(),
    log: (line) => log.info(line),
  });
  win.on('close', (event: { preventDefault(): void }) => {
    if (guard.shouldHold()) event.preventDefault();
  });
  app.on('before-quit', (event: { preventDefault(): void }) => {
    if (guard.shouldHold()) event.preventDefault();
  });
  app.on('window-all-closed', () => app.quit());
  let shutDown = false;
  app.on('will-quit', (event: { preventDefault(): void }) => {
    if (shutDown) return;
    event.preventDefault();
    shutDown = true;
    unregister();
    activity.dispose();
    log.info('quitting');
    void engine.dispose().finally(() => app.quit());
  });
  app.on('second-instance', () => {
    if (win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  run().catch((e: unknown) => {
    // Nothing to show the person yet: say it on the console and leave.
    console.error(`Modem Rescue could not start: ${e instanceof Error ? e.message : String(e)}`);
    app.exit(1);
  });
}
