// Stand-ins for the Electron objects the main process touches, recording what was done to them.
// Used from vi.mock('electron') factories in the app tests.

import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

let nextRoutingId = 1;

export class FakeFrame {
  processId = 1;
  routingId = nextRoutingId++;
  constructor(
    public url: string,
    public parent: FakeFrame | null = null,
  ) {}
  get top(): FakeFrame {
    return this.parent ? this.parent.top : this;
  }
}

export class FakeSession {
  headersListener:
    | ((
        details: { url: string; resourceType: string; responseHeaders?: Record<string, string[]> },
        cb: (r: unknown) => void,
      ) => void)
    | undefined;
  permissionRequest: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined | null;
  permissionCheck: ((wc: unknown, permission: string) => boolean) | undefined | null;
  webRequest = {
    onHeadersReceived: (l: FakeSession['headersListener']): void => {
      this.headersListener = l;
    },
  };
  setPermissionRequestHandler(h: FakeSession['permissionRequest']): void {
    this.permissionRequest = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheck']): void {
    this.permissionCheck = h;
  }
}

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly session = new FakeSession();
  readonly mainFrame: FakeFrame;
  openHandler: ((d: { url: string }) => { action: string }) | undefined;
  sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  constructor(url = 'app://modem-rescue/index.html') {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(h: FakeWebContents['openHandler']): void {
    this.openHandler = h;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loaded: string[] = [];
  progress: { value: number; options: unknown }[] = [];
  destroyed = false;
  constructor(readonly options: Record<string, unknown> = {}) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
  }
  async loadFile(file: string): Promise<void> {
    this.loaded.push(`file://${file}`);
  }
  setProgressBar(value: number, options?: unknown): void {
    this.progress.push({ value, options });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  show(): void {}
  focus(): void {}
}

/** The 'electron' module as the app tests see it. */
export function fakeElectron() {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  return {
    BrowserWindow: FakeBrowserWindow,
    shell: { openExternal: vi.fn(async (_url: string) => undefined) },
    ipcMain: {
      handlers,
      handle: vi.fn((channel: string, h: (event: unknown, ...args: unknown[]) => unknown) => {
        if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
        handlers.set(channel, h);
      }),
      removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
    },
    ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
    contextBridge: { exposeInMainWorld: vi.fn() },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    powerSaveBlocker: { start: vi.fn(() => 7), stop: vi.fn(), isStarted: vi.fn(() => false) },
    dialog: { showMessageBox: vi.fn(), showSaveDialog: vi.fn() },
    app: {
      on: vi.fn(),
      once: vi.fn(),
      whenReady: vi.fn(async () => undefined),
      requestSingleInstanceLock: vi.fn(() => true),
      quit: vi.fn(),
      exit: vi.fn(),
      getPath: vi.fn(() => '/tmp'),
      getVersion: () => '0.1.0',
      getName: () => 'Modem Rescue',
      isPackaged: false,
    },
  };
}
