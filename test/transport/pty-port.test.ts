// The virtual modem's pseudo-terminal port: plug in, unplug, plug in again at the same path.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import { findSocat } from '../../src-main/sim/socat.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';

const socat = findSocat();
if (!socat) console.warn('SKIPPING PtyPort tests: socat is not installed (apt-get install socat).');

const io = { timeoutMs: 5000 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function exchange(host: BulkPipe, device: BulkPipe, payload: number[]): Promise<void> {
  await device.write(new Uint8Array(payload), io);
  expect([...(await new PipeReader(host).readExact(payload.length, io))]).toEqual(payload);
  const back = payload.map((b) => b ^ 0xff);
  await host.write(new Uint8Array(back), io);
  expect([...(await new PipeReader(device).readExact(back.length, io))]).toEqual(back);
}

describe.skipIf(!socat)('PtyPort', () => {
  it('plugs in on a fresh tty path under the temp folder and moves bytes both ways', async () => {
    const port = new PtyPort();
    cleanups.push(() => port.dispose());
    expect(port.hostPath.startsWith(tmpdir())).toBe(true);
    expect(port.description).toContain(port.hostPath);
    expect(existsSync(port.hostPath)).toBe(false);
    const device = await port.plugIn();
    expect(existsSync(port.hostPath)).toBe(true);
    const host = await port.opener.open({ timeoutMs: 2000 });
    cleanups.push(() => host.close());
    await exchange(host, device, [0x01, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x7e, 0xff]);
  });

  it('unplug makes the host tty vanish and its reads fail; plugIn brings the same path back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pty-port-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const hostPath = join(dir, 'ttyEDL');
    const port = new PtyPort({ hostPath });
    cleanups.push(() => port.dispose());
    expect(port.hostPath).toBe(hostPath);

    const device1 = await port.plugIn();
    const host1 = await port.opener.open({ timeoutMs: 2000 });
    cleanups.push(() => host1.close());
    await exchange(host1, device1, [1, 2, 3]);

    const pendingHostRead = expect(host1.read(64, { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'DEVICE_DISCONNECTED',
    });
    await port.unplug();
    await pendingHostRead;
    expect(existsSync(hostPath)).toBe(false);
    expect(device1.closed).toBe(true);
    await expect(device1.write(new Uint8Array([1]), io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await port.unplug(); // idempotent

    // The host waits for the port to come back, as after a re-enumeration.
    const reopening = port.opener.open({ timeoutMs: 5000 });
    const device2 = await port.plugIn();
    const host2 = await reopening;
    cleanups.push(() => host2.close());
    expect(host2.name).toBe(hostPath);
    await exchange(host2, device2, [4, 5, 6, 0]);
  });

  it('a second plugIn without unplug replaces the link (the old device end is gone)', async () => {
    const port = new PtyPort();
    cleanups.push(() => port.dispose());
    const first = await port.plugIn();
    const second = await port.plugIn();
    expect(first.closed).toBe(true);
    const host = await port.opener.open({ timeoutMs: 2000 });
    cleanups.push(() => host.close());
    await exchange(host, second, [9, 8, 7]);
  });
});

describe('PtyPort without socat', () => {
  it('says which tool to install', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = '';
    const port = new PtyPort();
    try {
      await expect(port.plugIn()).rejects.toMatchObject({
        code: 'HOST_TOOL_MISSING',
        nextStep: expect.stringContaining('apt-get install socat'),
      });
    } finally {
      process.env.PATH = savedPath;
      await port.dispose();
    }
  });
});
