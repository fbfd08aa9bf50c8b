// DiagClient over a real serial byte stream: a socat pseudo-terminal pair, where frames arrive
// split and merged arbitrarily, and the port can vanish under pending requests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagClient } from '../../src-main/host/diag-client.js';
import { RescueError } from '../../shared/errors.js';
import { findSocat, startSocatPair, type SocatPair } from '../../src-main/sim/socat.js';
import { SerialPipe, openSerialPort } from '../../src-main/transport/serial.js';
import { newFakeState, scriptedModem, serveFakeDiag } from './fake-diag.js';

const socat = findSocat();
if (!socat) console.warn('SKIPPING DIAG pty tests: socat is not installed (apt-get install socat).');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function ptyPair(): Promise<{ host: SerialPipe; device: SerialPipe; socat: SocatPair }> {
  const dir = mkdtempSync(join(tmpdir(), 'diag-pty-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const pair = await startSocatPair(join(dir, 'dm-host'), join(dir, 'dm-device'));
  cleanups.push(() => pair.stop());
  const host = new SerialPipe(await openSerialPort(join(dir, 'dm-host'), 115200, 2000));
  const device = new SerialPipe(await openSerialPort(join(dir, 'dm-device'), 115200, 2000));
  cleanups.push(
    () => host.close(),
    () => device.close(),
  );
  return { host, device, socat: pair };
}

describe.skipIf(!socat)('DiagClient over a pty pair (socat)', () => {
  it('pipelined NV reads and an EFS file round trip over a byte stream', async () => {
    const { host, device } = await ptyPair();
    const state = newFakeState();
    const served = serveFakeDiag(device, scriptedModem(state));
    cleanups.push(() => served.stop());
    const c = new DiagClient(host, { timeoutMs: 2000, maxInFlight: 8 });
    for (let i = 0; i < 50; i += 2) state.nv.set(`${i}/0/0`, Uint8Array.of(i, 0x7e, 0x7d));
    const reads = await Promise.all(Array.from({ length: 50 }, (_, i) => c.nvRead(i)));
    expect(reads.map((r) => r.status)).toEqual(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 0 : 5)));
    expect(Array.from(reads[10]!.data.subarray(0, 3))).toEqual([10, 0x7e, 0x7d]);
    const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
    await c.efs.writeFile('/nv/item_files/test', data);
    expect(Array.from(await c.efs.readFile('/nv/item_files/test'))).toEqual(Array.from(data));
    await c.close();
  });

  it('the port vanishing under pending requests rejects them with DEVICE_DISCONNECTED', async () => {
    const { host, socat: pair } = await ptyPair();
    const c = new DiagClient(host, { timeoutMs: 5000 });
    const pending = Promise.allSettled([c.nvRead(1), c.nvRead(2), c.version()]);
    await new Promise((r) => setTimeout(r, 50));
    await pair.stop();
    const results = await pending;
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect((r.reason as RescueError).code).toBe('DEVICE_DISCONNECTED');
    }
  });
});
