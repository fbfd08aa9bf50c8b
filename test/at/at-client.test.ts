// AtClient against a scripted AT device over an in-memory pipe pair: answers, errors, URCs
// interleaved with answers, queueing, timeouts, cancel, disconnect and hostile input.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { AtClient, MAX_RESPONSE_LINES } from '../../src-main/host/at-client.js';
import { sleep } from '../../src-main/util/deadline.js';
import { FakeAtDevice, lines } from './fake-at-device.js';
import { rejection } from '../helpers/rejection.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function setup(
  script: ConstructorParameters<typeof FakeAtDevice>[0],
  opts: { echo?: boolean; timeoutMs?: number; signal?: AbortSignal } = {},
) {
  const device = new FakeAtDevice(script, { echo: opts.echo ?? true });
  const client = new AtClient(device.host, {
    timeoutMs: opts.timeoutMs ?? 1000,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  cleanups.push(async () => {
    await client.close();
    await device.stop();
  });
  return { device, client };
}

const EC25: Record<string, string> = {
  ATI: lines('Quectel', 'EC25', 'Revision: EC25EFAR06A11M4G', 'OK'),
  'AT+QGMR': lines('EC25EFAR06A11M4G_01.001.01.001', 'OK'),
  'AT+CGSN': lines('490154203237518', 'OK'),
  'AT+CFUN?': lines('+CFUN: 1', 'OK'),
  'AT+QCFG="usbnet"': lines('+QCFG: "usbnet",0', 'OK'),
  'AT+CPIN?': lines('+CPIN: SIM PIN', 'OK'),
};

describe('AtClient', () => {
  it("answers the wizard's queries from a module that echoes", async () => {
    const { client } = setup((c) => EC25[c] ?? lines('ERROR'));
    expect(await client.ati()).toEqual({ manufacturer: 'Quectel', model: 'EC25', revision: 'EC25EFAR06A11M4G' });
    expect(await client.qgmr()).toBe('EC25EFAR06A11M4G_01.001.01.001');
    expect(await client.imei()).toBe('490154203237518');
    expect(await client.cfun()).toBe(1);
    expect(await client.usbnet()).toBe(0);
    expect(await client.command('AT+CPIN?')).toEqual({ lines: ['+CPIN: SIM PIN'], final: 'OK' });
  });

  it('works without echo too', async () => {
    const { client } = setup((c) => EC25[c], { echo: false });
    expect((await client.command('ATI')).lines).toEqual(['Quectel', 'EC25', 'Revision: EC25EFAR06A11M4G']);
  });

  it('falls back to AT+CGMR on a module that answers ERROR to AT+QGMR (old EC20)', async () => {
    const { client, device } = setup((c) => (c === 'AT+CGMR' ? lines('EC20CEFAR02A01M4G', 'OK') : lines('ERROR')));
    expect(await client.qgmr()).toBe('EC20CEFAR02A01M4G');
    expect(device.received).toEqual(['AT+QGMR', 'AT+CGMR']);
  });

  it('does not fall back to AT+CGMR when AT+QGMR answered OK with something unreadable', async () => {
    const { client, device } = setup((c) => (c === 'AT+QGMR' ? lines('OK') : lines('EC20CEFAR02A01M4G', 'OK')));
    const e = await rejection(client.qgmr());
    expect(e.code).toBe('AT_ERROR');
    expect(e.message).toMatch(/no firmware version/);
    expect(device.received).toEqual(['AT+QGMR']);
  });

  it('turns +CME ERROR into AT_ERROR carrying its text, and the session goes on', async () => {
    const { client } = setup((c) => (c === 'AT+CPIN?' ? lines('+CME ERROR: 10') : EC25[c]));
    const e = await rejection(client.command('AT+CPIN?'));
    expect(e.code).toBe('AT_ERROR');
    expect(e.message).toContain('+CME ERROR: 10');
    expect(e.message).toContain('SIM not inserted');
    expect(await client.cfun()).toBe(1);
  });

  it('says so when an answer has the wrong shape (a damaged IMEI)', async () => {
    const { client } = setup(() => lines('490154203237519', 'OK'));
    const e = await rejection(client.imei());
    expect(e.code).toBe('AT_ERROR');
    expect(e.message).toMatch(/check digit/);
  });

  it('keeps URCs apart from answers, before, between and inside them', async () => {
    const { client, device } = setup((c) =>
      c === 'ATI'
        ? lines('Quectel', '+QIND: SMS DONE', 'EC25', 'RDY', 'Revision: EC25EFAR06A11M4G', 'OK')
        : c === 'AT+CFUN?'
          ? lines('+CPIN: READY', '+CFUN: 5', 'OK')
          : undefined,
    );
    await device.send(lines('RDY', '+CFUN: 1'));
    expect(await client.ati()).toEqual({ manufacturer: 'Quectel', model: 'EC25', revision: 'EC25EFAR06A11M4G' });
    expect(await client.cfun()).toBe(5);
    await device.send(lines('POWERED DOWN'));
    await expect.poll(() => client.urcs.length).toBe(6);
    // "+CFUN: 1" sent before any command is a URC; "+CFUN: 5" during AT+CFUN? is the answer.
    expect(client.urcs).toEqual(['RDY', '+CFUN: 1', '+QIND: SMS DONE', 'RDY', '+CPIN: READY', 'POWERED DOWN']);
  });

  it('keeps only the newest URCs (bounded)', async () => {
    const device = new FakeAtDevice(() => lines('OK'));
    const client = new AtClient(device.host, { maxUrcs: 3 });
    cleanups.push(async () => {
      await client.close();
      await device.stop();
    });
    await client.command('AT');
    for (let i = 0; i < 10; i++) await device.send(lines(`+QIND: ${i}`));
    await expect.poll(() => client.urcs[2]).toBe('+QIND: 9');
    expect(client.urcs).toEqual(['+QIND: 7', '+QIND: 8', '+QIND: 9']);
  });

  it('sends one command at a time, in order, each after the previous final result', async () => {
    const { client, device } = setup((c) => async (send) => {
      await sleep(c === 'AT+A' ? 30 : 1);
      await send(lines(c.slice(3), 'OK'));
    });
    const results = await Promise.all(['AT+A', 'AT+B', 'AT+C'].map((c) => client.command(c)));
    expect(results.map((r) => r.lines)).toEqual([['A'], ['B'], ['C']]);
    expect(device.received).toEqual(['AT+A', 'AT+B', 'AT+C']);
  });

  it('an answer split byte by byte is still one answer', async () => {
    const { client } = setup(() => async (send) => {
      for (const ch of lines('Quectel', 'EC25', 'Revision: R1', 'OK')) await send(ch);
    });
    expect((await client.ati()).revision).toBe('R1');
  });

  it('times out with DEVICE_TIMEOUT naming the command, and the next command still works', async () => {
    const { client } = setup((c) => (c === 'AT+SLOW' ? undefined : lines('OK')), { timeoutMs: 5000 });
    const e = await rejection(client.command('AT+SLOW', { timeoutMs: 80 }));
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.message).toContain('AT+SLOW');
    expect(await client.command('AT')).toEqual({ lines: [], final: 'OK' });
  });

  it('stops at once when the signal aborts', async () => {
    const controller = new AbortController();
    const { client } = setup(() => undefined, { signal: controller.signal, timeoutMs: 10_000 });
    const p = client.command('AT+NEVER');
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(p)).code).toBe('CANCELLED');
  });

  it('fails the running and every later command with DEVICE_DISCONNECTED when the module drops off', async () => {
    const { client, device } = setup((c) => (c === 'AT+DROP' ? async () => device.pair.disconnect() : lines('OK')));
    expect((await rejection(client.command('AT+DROP'))).code).toBe('DEVICE_DISCONNECTED');
    expect((await rejection(client.command('AT'))).code).toBe('DEVICE_DISCONNECTED');
  });

  it('refuses what is not an AT command before sending anything', async () => {
    const { client, device } = setup(() => lines('OK'));
    expect((await rejection(client.command('ATI\r\nAT+CFUN=0'))).code).toBe('USAGE');
    expect(device.received).toEqual([]);
  });

  it('survives hostile output: an endless line, binary garbage, then a normal answer', async () => {
    const { client, device } = setup((c) =>
      c === 'ATI'
        ? async (send) => {
            await send(new Uint8Array(300_000).fill(0x41));
            await send(Uint8Array.of(0x0d, 0x0a, 0, 0xff, 0x7e, 0x0d, 0x0a));
            await send(lines('OK'));
          }
        : lines('OK'),
    );
    const r = await client.command('ATI');
    expect(r.lines).toHaveLength(2);
    expect(r.lines[0]!.length).toBeLessThan(1100);
    expect(r.lines[1]).toBe('??~');
    await device.send(new Uint8Array(10_000).fill(0x00));
    // The noise is taken in before the next command is sent (a condition, not a fixed sleep).
    await vi.waitFor(() => expect(device.pair.host.unreadBytes).toBe(0), { timeout: 5000, interval: 2 });
    expect(await client.command('AT')).toEqual({ lines: [], final: 'OK' });
  });

  it('gives up on an answer that never ends (not an AT port)', async () => {
    const { client } = setup(() => async (send) => {
      for (let i = 0; i <= MAX_RESPONSE_LINES; i++) await send(`line ${i}\r\n`);
    });
    const e = await rejection(client.command('ATI'));
    expect(e.code).toBe('AT_ERROR');
    expect(e.message).toMatch(/without a final result/);
  });

  it('close() ends a waiting command and the port', async () => {
    const device = new FakeAtDevice(() => undefined);
    const client = new AtClient(device.host, { timeoutMs: 10_000 });
    const p = client.command('AT+WAIT');
    await sleep(10);
    await client.close();
    expect((await rejection(p)).code).toBe('CANCELLED');
    expect(device.host.closed).toBe(true);
    await device.stop();
  });
});
