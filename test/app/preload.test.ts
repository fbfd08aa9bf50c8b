// The preload, with Electron faked: it exposes exactly { call, onEvent } as window.modemRescue,
// checks method names before anything reaches IPC, and hands the page reports, not stacks.
// It is compiled here the way tsc builds it (CommonJS) and run as a sandboxed preload runs:
// `require` gives 'electron' and nothing else.

import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, IPC_CALL, IPC_EVENT } from '../../shared/api.js';
import type { ErrorReport } from '../../shared/errors.js';
import { fakeElectron } from './electron-fakes.js';

type PreloadModule = typeof import('../../src-main/app/preload.cjs');

const electron = fakeElectron();
const required: string[] = [];

function loadPreload(): PreloadModule {
  const source = readFileSync(new URL('../../src-main/app/preload.cts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName: 'preload.cts',
  });
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id !== 'electron') throw new Error(`A sandboxed preload cannot require "${id}".`);
    return electron;
  };
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'exports', 'module', outputText)(sandboxRequire, module.exports, module);
  return module.exports as unknown as PreloadModule;
}

const { createRescueApi, PRELOAD_CHANNELS, PRELOAD_METHODS } = loadPreload();

function ipc() {
  return { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() };
}

async function reportOf(p: Promise<unknown>): Promise<ErrorReport> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(Error);
  return JSON.parse((e as Error).message) as ErrorReport;
}

describe('preload', () => {
  it('exposes exactly call and onEvent as window.modemRescue, once', () => {
    expect(required).toEqual(['electron']);
    const calls = electron.contextBridge.exposeInMainWorld.mock.calls;
    expect(calls.length).toBe(1);
    expect(calls[0]?.[0]).toBe('modemRescue');
    expect(Object.keys(calls[0]?.[1] as object).sort()).toEqual(['call', 'onEvent']);
  });

  it('knows the same methods and channels as the contract', () => {
    expect([...PRELOAD_METHODS]).toEqual([...API_METHODS]);
    expect(PRELOAD_CHANNELS).toEqual({ call: IPC_CALL, event: IPC_EVENT });
  });

  it('calls over the invoke channel and returns the result', async () => {
    const r = ipc();
    r.invoke.mockResolvedValue({ ok: true, result: '/home/me/backups' });
    expect(await createRescueApi(r).call('defaultBackupFolder', {})).toBe('/home/me/backups');
    expect(r.invoke.mock.calls).toEqual([[IPC_CALL, 'defaultBackupFolder', {}]]);
  });

  it('refuses a method outside the contract before IPC', async () => {
    const r = ipc();
    const report = await reportOf(createRescueApi(r).call('__proto__' as never, {} as never));
    expect(report.code).toBe('USAGE');
    expect(r.invoke).not.toHaveBeenCalled();
  });

  it('rejects with the ErrorReport from main, readable by the page', async () => {
    const r = ipc();
    const error: ErrorReport = {
      code: 'DEVICE_NOT_FOUND',
      category: 'device',
      message: 'No modem in download mode (EDL, 05c6:9008) was found.',
      nextStep: 'Put the modem into EDL mode.',
    };
    r.invoke.mockResolvedValue({ ok: false, error });
    expect(await reportOf(createRescueApi(r).call('enterEdl', { deviceId: 'x' }))).toEqual(error);
    r.invoke.mockResolvedValue(undefined);
    expect((await reportOf(createRescueApi(r).call('getDevices', {}))).code).toBe('INTERNAL');
  });

  it('gives listeners the event only (not the IPC event with its sender) and unsubscribes', () => {
    const r = ipc();
    const seen: unknown[] = [];
    const off = createRescueApi(r).onEvent((e) => seen.push(e));
    const [channel, wrapped] = r.on.mock.calls[0] as [string, (ev: unknown, payload: unknown) => void];
    expect(channel).toBe(IPC_EVENT);
    wrapped({ sender: 'secret' }, { type: 'busy', method: 'flash' });
    expect(seen).toEqual([{ type: 'busy', method: 'flash' }]);
    off();
    expect(r.removeListener.mock.calls).toEqual([[IPC_EVENT, wrapped]]);
  });
});
