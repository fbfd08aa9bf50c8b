import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import type { CliIo } from '../../src-main/cli/io.js';
import { makeServeCommand, type ServedEngine } from '../../src-main/cli/commands/serve.js';
import { browserCommand } from '../../src-main/web/open-browser.js';
import { FakeService, makeRendererDir, openSocket, rawRequest } from './helpers.js';

class FakeEngine extends FakeService implements ServedEngine {
  disposed = false;
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

let root: string;
let rendererDir: string;
let engine: FakeEngine;
let stateDirs: string[];
let edlPorts: string[][];
let opened: string[];

beforeEach(async () => {
  ({ root, dir: rendererDir } = await makeRendererDir());
  engine = new FakeEngine();
  stateDirs = [];
  edlPorts = [];
  opened = [];
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function command(dir = rendererDir) {
  return makeServeCommand({
    createService: (opts) => {
      stateDirs.push(opts.stateDir);
      edlPorts.push(opts.edlPorts);
      return engine;
    },
    rendererDir: () => dir,
    openBrowser: (url) => {
      opened.push(url);
      return true;
    },
  });
}

function makeIo(isTTY = false) {
  const controller = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  let firstLine: (line: string) => void = () => undefined;
  const firstLineSeen = new Promise<string>((r) => {
    firstLine = r;
  });
  const io: CliIo = {
    out: (t) => {
      if (out.length === 0) firstLine(t.split('\n')[0] ?? '');
      out.push(t);
    },
    err: (t) => err.push(t),
    isTTY,
    columns: 80,
    signal: controller.signal,
  };
  return { io, controller, out, err, firstLineSeen };
}

describe('modem-rescue serve', () => {
  it('prints the URL with its token first, serves the page there, and stops cleanly on Ctrl-C', async () => {
    const { io, controller, out, err, firstLineSeen } = makeIo();
    const running = command().run(['--demo', '--state', join(root, 'state')], io);
    const url = await firstLineSeen;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(err.join('')).toContain('Open this address in a browser on this computer');
    expect(err.join('')).toContain('Demo mode');
    expect(engine.calls[0]).toEqual({ method: 'setDemoMode', params: { on: true } });
    expect(stateDirs).toEqual([join(root, 'state')]);
    const u = new URL(url);
    const page = await rawRequest(Number(u.port), `${u.pathname}${u.search}`);
    expect(page.status).toBe(200);
    const socket = await openSocket(`ws://${u.host}/api${u.search}`);
    controller.abort(new RescueError('CANCELLED'));
    expect(await running).toBe(0);
    await socket.closed;
    expect(engine.disposed).toBe(true);
    expect(engine.listeners.size).toBe(0);
    expect(out).toHaveLength(1);
    expect(opened).toEqual([]);
    await expect(rawRequest(Number(u.port), '/')).rejects.toThrow();
  });

  it('without --demo leaves demo mode off; on a terminal asks the browser to open, unless --no-open', async () => {
    const first = makeIo(true);
    const running = command().run(['--port', '0'], first.io);
    const url = await first.firstLineSeen;
    first.controller.abort();
    await running;
    expect(engine.calls).toEqual([]);
    expect(opened).toEqual([url]);

    const second = makeIo(true);
    const again = command().run(['--no-open'], second.io);
    await second.firstLineSeen;
    second.controller.abort();
    await again;
    expect(opened).toHaveLength(1);
  });

  it('fails with a clear error naming npm run build when the page is not built, before starting anything', async () => {
    const { io } = makeIo();
    const e = await command(join(root, 'nowhere'))
      .run([], io)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RescueError);
    expect((e as RescueError).message).toContain('index.html');
    expect((e as RescueError).nextStep).toContain('npm run build');
    expect(stateDirs).toEqual([]);
  });

  it('hands each --edl-port to the engine and says where modules in download mode are expected', async () => {
    const { io, controller, err, firstLineSeen } = makeIo();
    const running = command().run(['--edl-port', '/dev/pts/7', '--edl-port', 'COM4'], io);
    await firstLineSeen;
    controller.abort();
    expect(await running).toBe(0);
    expect(edlPorts).toEqual([['/dev/pts/7', 'COM4']]);
    expect(err.join('')).toContain('Modules in download mode are expected on: /dev/pts/7, COM4');
    const twice = await command()
      .run(['--edl-port', '/dev/pts/7', '--edl-port', '/dev/pts/7'], makeIo().io)
      .catch((x: unknown) => x);
    expect((twice as RescueError).code).toBe('USAGE');
    expect((twice as RescueError).message).toMatch(/twice/);
    expect(edlPorts).toHaveLength(1);
  });

  it('rejects a bad --port as a usage error', async () => {
    for (const bad of ['80000', 'abc', '-1']) {
      const e = await command()
        .run(['--port', bad], makeIo().io)
        .catch((x: unknown) => x);
      expect((e as RescueError).code, bad).toBe('USAGE');
    }
    expect(engine.disposed).toBe(false);
  });

  it('disposes the engine when the server cannot start', async () => {
    const blocker = makeIo();
    const running = command().run([], blocker.io);
    const port = new URL(await blocker.firstLineSeen).port;
    const second = new FakeEngine();
    const cmd = makeServeCommand({
      createService: () => second,
      rendererDir: () => rendererDir,
      openBrowser: () => false,
    });
    const e = await cmd.run(['--port', port], makeIo().io).catch((x: unknown) => x);
    expect((e as RescueError).code).toBe('USAGE');
    expect(second.disposed).toBe(true);
    blocker.controller.abort();
    await running;
  });
});

describe('opening a browser', () => {
  it('uses the desktop opener of each system, and nothing on Linux without a display', () => {
    const url = 'http://127.0.0.1:1/?token=ab';
    expect(browserCommand(url, 'darwin', {})).toEqual(['open', [url]]);
    expect(browserCommand(url, 'win32', {})?.[0]).toBe('rundll32');
    expect(browserCommand(url, 'linux', {})).toBeUndefined();
    expect(browserCommand(url, 'linux', { DISPLAY: ':0' })).toEqual(['xdg-open', [url]]);
  });
});
