// The slice of Electron's API this app uses. The `electron` npm package cannot be installed on the
// build machines (its install script downloads the runtime from the internet and fails), so its
// types are declared here by hand, for exactly the calls made in src-main/app. Unit tests mock the
// module (vi.mock('electron')). Names and signatures follow Electron's documented API.

declare module 'electron' {
  type Listener = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

  interface EventEmitterLike {
    on(event: string, listener: Listener): this;
    once(event: string, listener: Listener): this;
    removeListener(event: string, listener: Listener): this;
  }

  export interface HeadersReceivedDetails {
    url: string;
    resourceType: string;
    responseHeaders?: Record<string, string[]>;
  }
  export interface HeadersReceivedResponse {
    cancel?: boolean;
    responseHeaders?: Record<string, string[] | string>;
  }

  export interface Session {
    webRequest: {
      onHeadersReceived(
        listener: (details: HeadersReceivedDetails, callback: (response: HeadersReceivedResponse) => void) => void,
      ): void;
    };
    setPermissionRequestHandler(
      handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null,
    ): void;
    setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string) => boolean) | null): void;
  }

  export interface WebFrameMain {
    readonly url: string;
    readonly parent: WebFrameMain | null;
    readonly top: WebFrameMain | null;
    readonly processId: number;
    readonly routingId: number;
  }

  export interface WindowOpenHandlerDetails {
    url: string;
  }

  export interface WebContents extends EventEmitterLike {
    readonly id: number;
    readonly session: Session;
    readonly mainFrame: WebFrameMain;
    send(channel: string, ...args: unknown[]): void;
    setWindowOpenHandler(
      handler: (details: WindowOpenHandlerDetails) => { action: 'deny' } | { action: 'allow' },
    ): void;
    isDestroyed(): boolean;
    getURL(): string;
  }

  export interface WebPreferences {
    preload?: string;
    sandbox?: boolean;
    contextIsolation?: boolean;
    nodeIntegration?: boolean;
    nodeIntegrationInWorker?: boolean;
    nodeIntegrationInSubFrames?: boolean;
    webSecurity?: boolean;
    allowRunningInsecureContent?: boolean;
    webviewTag?: boolean;
    spellcheck?: boolean;
  }

  export interface BrowserWindowConstructorOptions {
    width?: number;
    height?: number;
    minWidth?: number;
    minHeight?: number;
    show?: boolean;
    title?: string;
    backgroundColor?: string;
    autoHideMenuBar?: boolean;
    webPreferences?: WebPreferences;
  }

  export class BrowserWindow implements EventEmitterLike {
    constructor(options?: BrowserWindowConstructorOptions);
    readonly webContents: WebContents;
    on(event: string, listener: Listener): this;
    once(event: string, listener: Listener): this;
    removeListener(event: string, listener: Listener): this;
    loadURL(url: string): Promise<void>;
    loadFile(filePath: string): Promise<void>;
    setProgressBar(
      progress: number,
      options?: { mode?: 'none' | 'normal' | 'indeterminate' | 'error' | 'paused' },
    ): void;
    isDestroyed(): boolean;
    isMinimized(): boolean;
    restore(): void;
    show(): void;
    focus(): void;
    close(): void;
    destroy(): void;
  }

  export interface IpcMainInvokeEvent {
    sender: WebContents;
    senderFrame: WebFrameMain | null;
  }

  export const ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
  };

  export interface IpcRendererEvent {
    sender: unknown;
  }

  export const ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown;
  };

  export const contextBridge: {
    exposeInMainWorld(apiKey: string, api: unknown): void;
  };

  export const shell: {
    openExternal(url: string): Promise<void>;
    showItemInFolder(fullPath: string): void;
  };

  export interface MessageBoxOptions {
    type?: 'none' | 'info' | 'error' | 'question' | 'warning';
    title?: string;
    message: string;
    detail?: string;
    buttons?: string[];
    defaultId?: number;
    cancelId?: number;
    noLink?: boolean;
  }

  export interface SaveDialogOptions {
    title?: string;
    defaultPath?: string;
    filters?: { name: string; extensions: string[] }[];
  }

  export interface OpenDialogOptions {
    title?: string;
    defaultPath?: string;
    buttonLabel?: string;
    filters?: { name: string; extensions: string[] }[];
    properties?: ('openFile' | 'openDirectory' | 'createDirectory' | 'dontAddToRecent')[];
  }

  export const dialog: {
    showOpenDialog(
      window: BrowserWindow,
      options: OpenDialogOptions,
    ): Promise<{ canceled: boolean; filePaths: string[] }>;
    showMessageBox(window: BrowserWindow, options: MessageBoxOptions): Promise<{ response: number }>;
    showSaveDialog(
      window: BrowserWindow,
      options: SaveDialogOptions,
    ): Promise<{ canceled: boolean; filePath?: string }>;
  };

  export const powerSaveBlocker: {
    start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number;
    stop(id: number): void;
    isStarted(id: number): boolean;
  };

  export interface CustomScheme {
    scheme: string;
    privileges?: {
      standard?: boolean;
      secure?: boolean;
      supportFetchAPI?: boolean;
      corsEnabled?: boolean;
      stream?: boolean;
    };
  }

  export const protocol: {
    registerSchemesAsPrivileged(schemes: CustomScheme[]): void;
    handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
  };

  export const app: {
    on(event: string, listener: Listener): unknown;
    once(event: string, listener: Listener): unknown;
    whenReady(): Promise<void>;
    requestSingleInstanceLock(): boolean;
    quit(): void;
    exit(code?: number): void;
    getPath(name: 'logs' | 'userData' | 'documents' | 'temp'): string;
    getVersion(): string;
    getName(): string;
    readonly isPackaged: boolean;
  };
}
