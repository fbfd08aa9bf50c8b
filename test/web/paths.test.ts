// Paths in browser-mode API calls: only absolute ones; packages and QCN files only when they are
// regular files (a package also a folder), never a device or a FIFO; backups only into folders
// under the home (links followed) or a folder chosen in this session. The engine never sees a
// refused call. Then the real engine: `restore /dev/zero` (dry run) through one API call ends at
// once with a clear error, with or without the policy in front.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ApiMethod } from '../../shared/api.js';
import { PathPolicy } from '../../src-main/service/path-policy.js';
import { startWebServer, type ApiService, type WebServer } from '../../src-main/web/server.js';
import { closeAll, makeService } from '../service/harness.js';
import { FakeService, makeRendererDir, openSocket, type OpenedSocket } from './helpers.js';

const posix = process.platform !== 'win32';
const base = mkdtempSync(path.join(tmpdir(), 'mr-web-paths-'));
const home = path.join(base, 'home');
const outside = path.join(base, 'elsewhere');
mkdirSync(path.join(home, 'backups'), { recursive: true });
mkdirSync(outside);
symlinkSync(outside, path.join(home, 'link-out'));
const fifo = path.join(home, 'pipe.qcn');
if (posix) execFileSync('mkfifo', [fifo]);
afterAll(() => rmSync(base, { recursive: true, force: true }));

let server: WebServer | undefined;
let socket: OpenedSocket | undefined;
afterEach(async () => {
  socket?.ws.terminate();
  socket = undefined;
  await server?.close();
  server = undefined;
  await closeAll();
});

let nextId = 0;
async function call(method: ApiMethod, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = ++nextId;
  socket!.ws.send(JSON.stringify({ id, method, params }));
  return socket!.next((m) => m.id === id);
}

async function serve(service: ApiService, chosenFolders: string[] = []): Promise<void> {
  const made = await makeRendererDir();
  server = await startWebServer({ service, rendererDir: made.dir, paths: new PathPolicy({ home, chosenFolders }) });
  socket = await openSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
}

function refusal(reply: Record<string, unknown>): { code: string; message: string; nextStep: string } {
  expect(reply.ok, JSON.stringify(reply)).toBe(false);
  return reply.error as { code: string; message: string; nextStep: string };
}

describe.runIf(posix)('paths in API calls', () => {
  it('relative paths are refused for every method that takes one, with a full-path next step', async () => {
    const fake = new FakeService();
    await serve(fake);
    for (const [method, params] of [
      ['backup', { deviceId: 'demo', folder: 'backups' }],
      ['inspectPackage', { path: 'pkg/EC25' }],
      ['flash', { packagePath: './pkg.zip', verify: true }],
      ['flashAll', { packagePath: 'pkg.zip', verify: true }],
      ['restore', { deviceId: 'demo', file: '../b.qcn', dryRun: true }],
    ] as const) {
      const e = refusal(await call(method, params));
      expect(e.code).toBe('USAGE');
      expect(e.message).toMatch(/is a relative path; the .* must be given as a full path/);
      expect(e.nextStep).toMatch(/full path/);
    }
    expect(fake.calls).toEqual([]);
  });

  it('backups: under the home yes (new folders too); outside it, or out through a link, no', async () => {
    const fake = new FakeService();
    await serve(fake);
    expect((await call('backup', { deviceId: 'demo', folder: path.join(home, 'backups') })).ok).toBe(true);
    expect((await call('backup', { deviceId: 'demo', folder: path.join(home, 'new', 'deeper') })).ok).toBe(true);
    for (const folder of [
      outside,
      path.join(home, 'link-out'),
      path.join(home, 'link-out', 'sub'),
      path.join(home, '..', 'elsewhere'),
      '/etc/cron.d',
      '/dev',
    ]) {
      const e = refusal(await call('backup', { deviceId: 'demo', folder }));
      expect(e.code, folder).toBe('USAGE');
      expect(e.message).toMatch(/is outside your home folder/);
      expect(e.nextStep).toContain(home);
    }
    const e = refusal(await call('backup', { deviceId: 'demo', folder: fifo }));
    expect(e.code).toBe('NOT_A_FILE');
    expect(e.message).toMatch(/pipe \(FIFO\), not a folder/);
    expect(fake.calls.map((c) => (c.params as { folder: string }).folder)).toEqual([
      path.join(home, 'backups'),
      path.join(home, 'new', 'deeper'),
    ]);
  });

  it('a folder chosen in this session is writable although outside the home', async () => {
    const fake = new FakeService();
    await serve(fake, [outside]);
    expect((await call('backup', { deviceId: 'demo', folder: path.join(outside, 'b') })).ok).toBe(true);
  });

  it('packages and QCN files: devices and FIFOs are refused, folders only for packages', async () => {
    const fake = new FakeService();
    await serve(fake);
    const cases: [ApiMethod, Record<string, unknown>, RegExp][] = [
      [
        'inspectPackage',
        { path: '/dev/zero' },
        /\/dev\/zero is a character device, not a package folder or a \.zip file/,
      ],
      ['inspectPackage', { path: fifo }, /pipe \(FIFO\), not a package folder/],
      ['flash', { packagePath: '/dev/zero', verify: true }, /character device/],
      [
        'restore',
        { deviceId: 'demo', file: '/dev/zero', dryRun: true },
        /\/dev\/zero is a character device, not a regular file/,
      ],
      ['restore', { deviceId: 'demo', file: fifo, dryRun: true }, /pipe \(FIFO\), not a regular file/],
      ['restore', { deviceId: 'demo', file: home, dryRun: true }, /is a folder, not a regular file/],
    ];
    for (const [method, params, message] of cases) {
      const e = refusal(await call(method, params));
      expect(e.code).toBe('NOT_A_FILE');
      expect(e.message).toMatch(message);
    }
    expect(fake.calls).toEqual([]);
    expect((await call('inspectPackage', { path: home })).ok).toBe(true);
  });
});

describe.runIf(posix)('the real engine behind the policy', () => {
  it('a backup into a folder under the home goes through, as the wizard makes it', async () => {
    const h = makeService();
    await h.service.call('setDemoMode', { on: true });
    await h.waitDevices((s) => s.devices.some((d) => d.demo && d.mode === 'normal'));
    await serve(h.service);
    const folder = path.join(home, 'wizard-backups');
    const reply = await call('backup', { deviceId: 'demo', folder });
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    expect((reply.result as { path: string }).path.startsWith(folder + path.sep)).toBe(true);
    expect(readdirSync(folder).some((f) => f.endsWith('.qcn'))).toBe(true);
  });

  it('restore /dev/zero (dry run) ends at once with NOT_A_FILE, through the policy and inside the engine itself', async () => {
    const h = makeService();
    await h.service.call('setDemoMode', { on: true });
    await h.waitDevices((s) => s.devices.some((d) => d.demo && d.mode === 'normal'));
    await serve(h.service);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    const e = refusal(await call('restore', { deviceId: 'demo', file: '/dev/zero', dryRun: true }));
    expect(e.code).toBe('NOT_A_FILE');
    // Without the policy (as the Electron app calls it), the engine refuses it as well.
    await expect(
      h.service.call('restore', { deviceId: 'demo', file: '/dev/zero', dryRun: true }),
    ).rejects.toMatchObject({ code: 'NOT_A_FILE' });
    await expect(h.service.call('restore', { deviceId: 'demo', file: fifo, dryRun: true })).rejects.toMatchObject({
      code: 'NOT_A_FILE',
    });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);
  });
});
