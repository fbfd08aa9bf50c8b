// The IPC handler with Electron mocked: only the main frame of our window showing our page may
// call; methods are checked; errors come back as ErrorReports without a stack; events are pushed.

import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  IPC_CALL,
  IPC_EVENT,
  type ApiEvent,
  type ApiMethod,
  type ApiResponse,
  type Params,
  type Result,
} from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { Engine } from '../../src-main/app/engine.js';
import { FakeBrowserWindow, FakeFrame, FakeWebContents, fakeElectron } from './electron-fakes.js';

const electron = vi.hoisted(() => ({ current: undefined as unknown as ReturnType<typeof fakeElectron> }));
vi.mock('electron', async () => {
  const { fakeElectron: make } = await import('./electron-fakes.js');
  electron.current = make();
  return electron.current;
});

const { registerIpc } = await import('../../src-main/app/ipc.js');
const PAGE = 'app://modem-rescue/index.html';

class FakeEngine implements Engine {
  calls: { method: ApiMethod; params: unknown }[] = [];
  listeners = new Set<(e: ApiEvent) => void>();
  async call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    this.calls.push({ method, params });
    if (method === 'inspectPackage') throw new RescueError('PACKAGE_NO_PROGRAMMER', 'update/firehose/ is empty.');
    if (method === 'flash') throw new TypeError("Cannot read properties of undefined (reading 'x')");
    return '/home/me/backups' as Result<M>;
  }
  on(l: (e: ApiEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async dispose(): Promise<void> {}
}

let win: FakeBrowserWindow;
let engine: FakeEngine;
let logged: string[];
let unregister: () => void;

beforeEach(() => {
  electron.current.ipcMain.handlers.clear();
  win = new FakeBrowserWindow();
  engine = new FakeEngine();
  logged = [];
  unregister = registerIpc({
    win: win as never,
    engine,
    pageUrl: PAGE,
    log: (l) => logged.push(l),
    overrides: { saveReport: async () => ({ path: '/tmp/report.zip' }) },
  });
});

function invoke(
  event: { sender: unknown; senderFrame: unknown },
  method: unknown,
  params: unknown = {},
): Promise<ApiResponse> {
  const h = electron.current.ipcMain.handlers.get(IPC_CALL);
  if (!h) throw new Error('no handler');
  return h(event, method, params) as Promise<ApiResponse>;
}

const ours = (): { sender: unknown; senderFrame: unknown } => ({
  sender: win.webContents,
  senderFrame: win.webContents.mainFrame,
});

describe('IPC call handler', () => {
  it("answers our page's main frame", async () => {
    expect(await invoke(ours(), 'defaultBackupFolder')).toEqual({ ok: true, result: '/home/me/backups' });
    expect(engine.calls).toEqual([{ method: 'defaultBackupFolder', params: {} }]);
  });

  it('accepts a new wrapper object of our main frame (same process and routing id)', async () => {
    const main = win.webContents.mainFrame;
    const again = Object.assign(new FakeFrame(main.url), { processId: main.processId, routingId: main.routingId });
    expect((await invoke({ sender: win.webContents, senderFrame: again }, 'defaultBackupFolder')).ok).toBe(true);
  });

  it('accepts our page with a query or hash, but not another path of the same origin', async () => {
    win.webContents.mainFrame.url = `${PAGE}?step=flash#top`;
    expect((await invoke(ours(), 'defaultBackupFolder')).ok).toBe(true);
    win.webContents.mainFrame.url = 'app://modem-rescue/other.html';
    expect((await invoke(ours(), 'defaultBackupFolder')).ok).toBe(false);
  });

  it.each([
    [
      'a sub-frame of our page',
      () => ({ sender: win.webContents, senderFrame: new FakeFrame(PAGE, win.webContents.mainFrame) }),
    ],
    [
      'a foreign page in our window',
      () => {
        win.webContents.mainFrame.url = 'https://evil.example/index.html';
        return ours();
      },
    ],
    [
      'a look-alike origin',
      () => {
        win.webContents.mainFrame.url = 'app://modem-rescue.evil/index.html';
        return ours();
      },
    ],
    [
      'another window',
      () => {
        const other = new FakeWebContents(PAGE);
        return { sender: other, senderFrame: other.mainFrame };
      },
    ],
    ['another frame at our URL in our window', () => ({ sender: win.webContents, senderFrame: new FakeFrame(PAGE) })],
    ['a frame that is gone', () => ({ sender: win.webContents, senderFrame: null })],
  ])('refuses %s without touching the engine', async (_name, event) => {
    const answer = await invoke(event(), 'flash', { packagePath: '/x', verify: true });
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.error.code).toBe('USAGE');
    expect(engine.calls).toEqual([]);
    expect(logged.join('\n')).toContain('refused an API call');
  });

  it('refuses a method outside the contract', async () => {
    const answer = await invoke(ours(), 'constructor');
    expect(answer.ok).toBe(false);
    if (!answer.ok)
      expect(answer.error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('Unknown method') });
    expect(engine.calls).toEqual([]);
  });

  it('turns engine errors into ErrorReports: code, sentence, next step, and never a stack', async () => {
    const a = await invoke(ours(), 'inspectPackage', { path: '/pkg' });
    expect(a).toEqual({
      ok: false,
      error: {
        code: 'PACKAGE_NO_PROGRAMMER',
        category: 'package',
        message: expect.stringContaining('update/firehose/ is empty.'),
        nextStep: expect.stringContaining('programmer'),
      },
    });
    const b = await invoke(ours(), 'flash', { packagePath: '/x', verify: true });
    expect(b.ok).toBe(false);
    if (!b.ok) {
      expect(b.error.code).toBe('INTERNAL');
      expect(JSON.stringify(b.error)).not.toMatch(/\n\s+at |\.ts:\d+/);
    }
  });

  it('lets main answer saveReport itself', async () => {
    expect(await invoke(ours(), 'saveReport')).toEqual({ ok: true, result: { path: '/tmp/report.zip' } });
    expect(engine.calls).toEqual([]);
  });

  it('pushes engine events to the window, and stops when unregistered', () => {
    const e: ApiEvent = { type: 'busy', method: 'flash' };
    for (const l of engine.listeners) l(e);
    expect(win.webContents.sent).toEqual([{ channel: IPC_EVENT, args: [e] }]);
    unregister();
    expect(engine.listeners.size).toBe(0);
    expect(electron.current.ipcMain.handlers.has(IPC_CALL)).toBe(false);
  });

  it('sends nothing to a destroyed window', () => {
    win.destroyed = true;
    for (const l of engine.listeners) l({ type: 'busy', method: undefined });
    expect(win.webContents.sent).toEqual([]);
  });
});
