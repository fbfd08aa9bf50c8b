// The engine channel between main (EngineClient) and the worker (serveEngine), in one process
// over a MessageChannel: calls, errors as reports, events, devices served from main, dispose.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent, ApiMethod, Params, Result } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { MainDevices } from '../../src-main/app/device-bridge.js';
import { serveEngine, type WorkerDevices } from '../../src-main/app/engine-host.js';
import { EngineClient } from '../../src-main/app/engine-worker.js';
import type { Engine } from '../../src-main/app/engine.js';
import { PathPolicy } from '../../src-main/service/path-policy.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';

class FakeEngine implements Engine {
  listeners = new Set<(e: ApiEvent) => void>();
  disposed = false;
  constructor(readonly devices: WorkerDevices) {}
  async call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> {
    if (method === 'defaultBackupFolder') return '/home/me/backups' as Result<M>;
    if (method === 'inspectPackage')
      throw new RescueError('PACKAGE_NOT_FOUND', `Nothing at ${(params as { path: string }).path}.`);
    if (method === 'enterEdl') {
      // Uses a device that lives in main.
      const pipe = await this.devices.openers.serial('/dev/ttyUSB9').open({ timeoutMs: 500 });
      await pipe.write(new TextEncoder().encode('AT\r'), { timeoutMs: 500 });
      await pipe.close();
      return { edlDevice: pipe.name } as Result<M>;
    }
    throw new Error('boom');
  }
  on(l: (e: ApiEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

const toClose: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c();
});

function setup(): {
  client: EngineClient;
  engine: () => FakeEngine;
  served: Promise<void>;
  device: ReturnType<typeof createMemoryPipePair>;
} {
  const device = createMemoryPipePair({ name: '/dev/ttyUSB9' });
  const devices: MainDevices = {
    opener: () => ({ description: 'pty', open: async () => device.host }),
    enumerator: { availability: async () => ({ available: true }), list: async () => [] },
  };
  const { port1, port2 } = new MessageChannel();
  let fake: FakeEngine | undefined;
  const served = serveEngine(port2, (d) => (fake = new FakeEngine(d)));
  const client = new EngineClient(port1, devices);
  toClose.push(() => client.dispose());
  return { client, engine: () => fake!, served, device };
}

describe('engine over the worker channel', () => {
  it('answers calls and passes errors as RescueErrors with code and detail, never a stack', async () => {
    const { client } = setup();
    expect(await client.call('defaultBackupFolder', {})).toBe('/home/me/backups');
    const e = await client.call('inspectPackage', { path: '/nope' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RescueError);
    expect((e as RescueError).code).toBe('PACKAGE_NOT_FOUND');
    expect((e as RescueError).message).toContain('Nothing at /nope.');
    const internal = (await client.call('finish', {}).catch((x: unknown) => x)) as RescueError;
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).toContain('boom');
    expect(internal.message).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses a method outside the contract', async () => {
    const { client } = setup();
    const e = (await client.call('rm -rf' as ApiMethod, {} as never).catch((x: unknown) => x)) as RescueError;
    expect(e.code).toBe('USAGE');
  });

  it('forwards engine events to main', async () => {
    const { client, engine } = setup();
    const seen: ApiEvent[] = [];
    client.on((e) => seen.push(e));
    await client.call('defaultBackupFolder', {}); // the worker side is up
    for (const l of engine().listeners) l({ type: 'busy', method: 'flash' });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([{ type: 'busy', method: 'flash' }]);
  });

  it('lets the engine open a device that lives in main', async () => {
    const { client, device } = setup();
    const result = await client.call('enterEdl', { deviceId: 'x' });
    expect(result.edlDevice).toContain('/dev/ttyUSB9');
    expect(new TextDecoder().decode(await device.device.read(64, { timeoutMs: 500 }))).toBe('AT\r');
  });

  it('dispose shuts the engine down and ends the worker side', async () => {
    const { client, engine, served } = setup();
    await client.call('defaultBackupFolder', {});
    await client.dispose();
    await served;
    expect(engine().disposed).toBe(true);
    const e = (await client.call('defaultBackupFolder', {}).catch((x: unknown) => x)) as RescueError;
    expect(e.code).toBe('INTERNAL');
  });

  it('fails a pending call when the worker goes away', async () => {
    const { port1, port2 } = new MessageChannel();
    const client = new EngineClient(port1, {
      opener: () => ({ description: '', open: async () => createMemoryPipePair().host }),
      enumerator: { availability: async () => ({ available: true }), list: async () => [] },
    });
    const pending = client.call('getDevices', {});
    port2.close(); // nobody ever answered: the worker died
    const e = (await pending.catch((x: unknown) => x)) as RescueError;
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toContain('engine stopped');
  });

  it('a backup folder picked in the native dialog becomes writable in the worker; outside the home it was refused', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mr-home-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'mr-usb-stick-'));
    try {
      const policy = new PathPolicy({ home });
      const { port1, port2 } = new MessageChannel();
      const devices: MainDevices = {
        opener: () => ({ description: 'none', open: () => Promise.reject(new Error('no device')) }),
        enumerator: { availability: async () => ({ available: true }), list: async () => [] },
      };
      void serveEngine(port2, (d) => new FakeEngine(d), { allowFolder: (f) => policy.choose(f) });
      const client = new EngineClient(port1, devices);
      toClose.push(() => client.dispose());
      await expect(policy.writableFolder(elsewhere, 'backup folder')).rejects.toMatchObject({
        code: 'USAGE',
        message: expect.stringMatching(/outside your home folder/) as unknown,
      });
      await client.allowFolder(elsewhere);
      expect(await policy.writableFolder(elsewhere, 'backup folder')).toBe(elsewhere);
      await expect(client.allowFolder(undefined as unknown as string)).rejects.toMatchObject({ code: 'USAGE' });
    } finally {
      rmSync(home, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
