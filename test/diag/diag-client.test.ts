import { afterEach, describe, expect, test, vi } from 'vitest';
import { DiagClient, DiagError } from '../../src-main/host/diag-client.js';
import { RescueError } from '../../shared/errors.js';
import { hdlcEncode } from '../../src-main/protocol/hdlc.js';
import { DIAG_CMD, encodeDiagErrorResponse, encodeNvPacket, matchKey } from '../../src-main/protocol/diag.js';
import { newFakeState, nvKey, scriptedModem, startFakeDiag, type FakeDiag, type Handler } from './fake-diag.js';
import { rejection } from '../helpers/rejection.js';

const logFrame = Uint8Array.of(0x10, 0x00, 0x12, 0x00, 0x7e, 0x7d, 0x01, 0x02);
const msgFrame = Uint8Array.of(0x79, 0x00, 0x01, 0x02, 0x03);
const eventFrame = Uint8Array.of(0x60, 0x00, 0x05);

let fakes: FakeDiag[] = [];
afterEach(() => {
  for (const f of fakes) f.stop();
  fakes = [];
});
function fake(handler: Handler, opts: Parameters<typeof startFakeDiag>[1] = {}): FakeDiag {
  const f = startFakeDiag(handler, opts);
  fakes.push(f);
  return f;
}

describe('DiagClient commands against a scripted modem', () => {
  test('version, build id, feature mask, SPC, control, EDL switch', async () => {
    const state = newFakeState();
    const f = fake(scriptedModem(state));
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    const v = await c.version();
    expect(v).toMatchObject({ compDate: 'Nov 28 2026', compTime: '12:00:00', verDir: 'EC25EF', model: 0xb5 });
    expect(v.raw[0]).toBe(0x00);
    expect(await c.extBuildId()).toEqual({
      msmHwVersion: 0x9607e1,
      mobileModelId: 0x2f,
      build: 'MPSS.JO.2.0.2.c1.1-00046',
      model: 'EC25EFAR06A08M4G',
    });
    expect(Array.from(await c.featureQuery())).toEqual([0xff, 0x7e, 0x7d, 0x01]);
    expect(await c.spc('123456')).toBe(false);
    expect(await c.spc()).toBe(true);
    await c.control(1);
    await c.switchToEdl();
    expect(Array.from(f.received.at(-1)!)).toEqual([0x4b, 0x65, 0x01, 0x00]);
    await c.close();
  });

  test('NV read/write in the default context (133 bytes) and SIM 1 (4B 30), multi-entry index in data[0]', async () => {
    const state = newFakeState();
    state.multiEntry.add(1234);
    const f = fake(scriptedModem(state));
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    const imei = Uint8Array.of(0x08, 0x3a, 0x65, 0x87);
    expect(await c.nvWrite(550, imei)).toBe(0);
    expect(await c.nvWrite(550, Uint8Array.of(0x08, 0x9a), { context: 1 })).toBe(0);
    const r0 = await c.nvRead(550);
    expect(r0.status).toBe(0);
    expect(r0.data).toHaveLength(128);
    expect(Array.from(r0.data.subarray(0, 4))).toEqual(Array.from(imei));
    expect(Array.from((await c.nvRead(550, { context: 1 })).data.subarray(0, 2))).toEqual([0x08, 0x9a]);
    expect((await c.nvRead(551)).status).toBe(5);
    expect(f.received[0]).toHaveLength(133);
    expect(f.received[1]).toHaveLength(138);
    expect(Array.from(f.received[1]!.subarray(0, 8))).toEqual([0x4b, 0x30, 0x02, 0x00, 0x26, 0x02, 0x01, 0x00]);
    // Multi-entry: entry 3 is addressed by data[0] = 3.
    state.nv.set(nvKey(1234, 0, 3), Uint8Array.of(3, 0xaa));
    const multi = await c.nvRead(1234, { index: 3 });
    expect(multi.status).toBe(0);
    expect(multi.data[1]).toBe(0xaa);
    await c.close();
  });

  test('log, message and event frames interleaved with answers are dropped', async () => {
    const state = newFakeState();
    const modem = scriptedModem(state);
    const f = fake((req) => [logFrame, msgFrame, ...modem(req), eventFrame, logFrame]);
    const logs: string[] = [];
    const c = new DiagClient(f.host, { timeoutMs: 1000, onLog: (m) => logs.push(m) });
    await c.nvWrite(10, Uint8Array.of(1, 2, 3));
    const reads = await Promise.all([10, 11, 10].map((i) => c.nvRead(i)));
    expect(reads.map((r) => r.status)).toEqual([0, 5, 0]);
    expect((await c.version()).model).toBe(0xb5);
    expect(c.dropped).toBe(0);
    expect(logs).toEqual([]);
    await c.close();
  });

  test('error responses become DiagError with a sentence and the code, matched to the refused request', async () => {
    const state = newFakeState();
    state.spcItems.add(5);
    const f = fake(scriptedModem(state));
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    const bad = await rejection(c.request(Uint8Array.of(0x3f, 0x01)));
    expect(bad).toBeInstanceOf(DiagError);
    expect((bad as DiagError).diagCode).toBe(DIAG_CMD.BAD_CMD);
    expect(bad.code).toBe('DIAG_ERROR');
    expect(bad.message).toMatch(/does not support this command \(BAD_CMD\)/);
    // While two reads are in flight, the refusal of the SPC-protected one goes to that one only.
    const [okRead, spcRead] = await Promise.allSettled([c.nvRead(6), c.nvRead(5)]);
    expect(okRead.status).toBe('fulfilled');
    expect(spcRead.status).toBe('rejected');
    if (spcRead.status === 'rejected') {
      expect((spcRead.reason as DiagError).diagCode).toBe(0x42);
      expect((spcRead.reason as Error).message).toMatch(/NV item 5 was refused: the modem needs the SPC code first/);
    }
    await c.close();
  });

  test('an error response with a truncated or empty echo still settles the oldest matching request', async () => {
    const f = fake((req) => [encodeDiagErrorResponse(DIAG_CMD.BAD_PARM, req, 2)]);
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    const e = await rejection(c.nvRead(300));
    expect(e.message).toMatch(/bad parameters/);
    const f2 = fake(() => [Uint8Array.of(DIAG_CMD.BAD_LEN)]);
    const c2 = new DiagClient(f2.host, { timeoutMs: 1000 });
    expect((await rejection(c2.control(4))).message).toMatch(/length/);
    await c.close();
    await c2.close();
  });
});

describe('pipelining', () => {
  test('maxInFlight requests go out before the first answer comes back', async () => {
    const state = newFakeState();
    const f = fake(scriptedModem(state), { holdUntil: 6 });
    const c = new DiagClient(f.host, { timeoutMs: 1000, maxInFlight: 6 });
    const reads = await Promise.all(Array.from({ length: 12 }, (_, i) => c.nvRead(100 + i)));
    expect(reads).toHaveLength(12);
    expect(f.received.map((p) => p[1]! | (p[2]! << 8))).toEqual(Array.from({ length: 12 }, (_, i) => 100 + i));
    await c.close();
  });

  test('never more than maxInFlight requests are outstanding', async () => {
    const f = fake(() => [], {});
    // Nothing answers and no request times out during the test: a fourth request could only go
    // out if the client broke its limit. Waits on the condition, not on a fixed sleep.
    const c = new DiagClient(f.host, { timeoutMs: 10_000, maxInFlight: 3 });
    const all = Promise.allSettled(Array.from({ length: 5 }, (_, i) => c.nvRead(i)));
    await vi.waitFor(() => expect(f.received).toHaveLength(3), { timeout: 5000, interval: 5 });
    await new Promise((r) => setImmediate(r));
    expect(f.received).toHaveLength(3);
    await c.close();
    await all;
  });

  test('with maxInFlight 1 a device that answers only after 2 requests times out (control for the test above: the fake really holds its answers)', async () => {
    const f = fake(scriptedModem(newFakeState()), { holdUntil: 2 });
    const c = new DiagClient(f.host, { timeoutMs: 200, maxInFlight: 1 });
    const e = await rejection(c.nvRead(1));
    expect(e.code).toBe('DEVICE_TIMEOUT');
  });

  test('requests admitted together share one transfer (a batch of answers releases a batch of requests)', async () => {
    const f = fake(scriptedModem(newFakeState()), { holdUntil: 8, coalesce: true });
    let writes = 0;
    const counting = Object.create(f.host) as typeof f.host;
    counting.write = (data, io) => {
      writes++;
      return f.host.write(data, io);
    };
    const c = new DiagClient(counting, { timeoutMs: 1000, maxInFlight: 8 });
    const reads = await Promise.all(Array.from({ length: 16 }, (_, i) => c.nvRead(i)));
    expect(reads).toHaveLength(16);
    expect(writes).toBe(2);
    await c.close();
  });

  test('answers out of order are paired by NV item', async () => {
    const held: Uint8Array[] = [];
    const f = fake((req) => {
      held.push(req);
      if (held.length < 3) return [];
      return held
        .reverse()
        .map((q) => encodeNvPacket({ op: 'read', item: q[1]! | (q[2]! << 8), data: Uint8Array.of(q[1]!), status: 0 }));
    });
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    const r = await Promise.all([c.nvRead(7), c.nvRead(8), c.nvRead(9)]);
    expect(r.map((x) => x.data[0])).toEqual([7, 8, 9]);
    await c.close();
  });
});

describe('bounded waits, cancellation and disconnects', () => {
  test('a request nobody answers fails with DEVICE_TIMEOUT naming the command', async () => {
    const f = fake(() => []);
    const c = new DiagClient(f.host, { timeoutMs: 150 });
    const e = await rejection(c.nvRead(550));
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.message).toMatch(/NV_READ of NV item 550/);
    const e2 = await rejection(c.request(Uint8Array.of(0x7c), { timeoutMs: 50 }));
    expect(e2.message).toMatch(/EXT_BUILD_ID/);
    await c.close();
  });

  test('a modem that stops answering fails the whole queue after a few silent timeouts, not one timeout per request', async () => {
    const f = fake(() => []);
    const c = new DiagClient(f.host, { timeoutMs: 100, maxInFlight: 2 });
    const t0 = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => c.nvRead(i)));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(results.every((r) => r.status === 'rejected' && (r.reason as RescueError).code === 'DEVICE_TIMEOUT')).toBe(
      true,
    );
    expect(f.received.length).toBeLessThanOrEqual(4);
    const last = results.at(-1)!;
    if (last.status === 'rejected')
      expect((last.reason as Error).message).toMatch(/3 DIAG requests in a row got no answer/);
    await c.close();
  });

  test('requests ignored while others are answered time out alone (even several in a row); the client keeps working', async () => {
    const modem = scriptedModem(newFakeState());
    const ignored = [13, 14, 16, 17];
    const f = fake((req) => (req[0] === 0x26 && ignored.includes(req[1]!) ? [] : modem(req)));
    const c = new DiagClient(f.host, { timeoutMs: 150, maxInFlight: 8 });
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => c.nvRead(i)));
    expect(results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []))).toEqual(ignored);
    expect((await c.nvRead(1)).status).toBe(5);
    await c.close();
  });

  test('a disconnect rejects every pending and queued request with DEVICE_DISCONNECTED, and later ones too', async () => {
    const f = fake(() => []);
    const c = new DiagClient(f.host, { timeoutMs: 5000, maxInFlight: 2 });
    const pending = Array.from({ length: 4 }, (_, i) => c.nvRead(i));
    // Two in flight, two queued, then the modem leaves the bus.
    await vi.waitFor(() => expect(f.received).toHaveLength(2), { timeout: 5000, interval: 5 });
    f.disconnect();
    const results = await Promise.allSettled(pending);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect((r.reason as RescueError).code).toBe('DEVICE_DISCONNECTED');
    }
    expect((await rejection(c.version())).code).toBe('DEVICE_DISCONNECTED');
  });

  test('aborting the signal rejects pending requests with CANCELLED at once', async () => {
    const f = fake(() => []);
    const ac = new AbortController();
    const c = new DiagClient(f.host, { timeoutMs: 5000, signal: ac.signal });
    const p = c.nvRead(1);
    setTimeout(() => ac.abort(), 20);
    const t0 = Date.now();
    expect((await rejection(p)).code).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await rejection(c.nvRead(2))).code).toBe('CANCELLED');
  });

  test('close() rejects pending requests and closes the pipe', async () => {
    const f = fake(() => []);
    const c = new DiagClient(f.host, { timeoutMs: 5000 });
    const p = c.version();
    await c.close();
    expect((await rejection(p)).code).toBe('DEVICE_DISCONNECTED');
    expect(f.host.closed).toBe(true);
  });
});

describe('hostile replies', () => {
  test('garbage and huge frames before the answer are dropped and logged; the answer still arrives', async () => {
    const state = newFakeState();
    const modem = scriptedModem(state);
    const huge = new Uint8Array(200 * 1024).fill(0x55);
    const f = fake((req) => [{ raw: huge }, { raw: Uint8Array.of(0x7e, 0x01, 0x02, 0x03, 0x04, 0x7e) }, ...modem(req)]);
    const logs: string[] = [];
    const c = new DiagClient(f.host, { timeoutMs: 2000, onLog: (m) => logs.push(m) });
    expect((await c.nvRead(3)).status).toBe(5);
    expect(c.dropped).toBeGreaterThanOrEqual(2);
    expect(logs.some((l) => /longer than/.test(l))).toBe(true);
    expect(logs.some((l) => /bad CRC/.test(l))).toBe(true);
    await c.close();
  });

  test('a flood of bad frames is counted, but only the first few are logged one by one', async () => {
    const modem = scriptedModem(newFakeState());
    const bad = new Uint8Array(3000);
    for (let i = 0; i < 1000; i++) bad.set([0x01, 0x02, 0x7e], i * 3);
    const f = fake((req) => [{ raw: bad }, ...modem(req)]);
    const logs: string[] = [];
    const c = new DiagClient(f.host, { timeoutMs: 2000, onLog: (m) => logs.push(m) });
    expect((await c.nvRead(3)).status).toBe(5);
    expect(c.dropped).toBe(1000);
    expect(logs.length).toBe(21);
    expect(logs.at(-1)).toMatch(/1000 frames dropped so far/);
    await c.close();
  });

  test('a request too large for DIAG is refused before anything is sent', async () => {
    const f = fake(() => []);
    const c = new DiagClient(f.host, { timeoutMs: 500 });
    const e = await rejection(c.request(new Uint8Array(3000).fill(0x4b)));
    expect(e.message).toMatch(/3000 bytes; a DIAG request carries at most 2048/);
    expect(f.received).toHaveLength(0);
    await c.close();
  });

  test('a truncated NV answer is a clear DIAG_ERROR, not a crash', async () => {
    const f = fake((req) => [req.subarray(0, 20)]);
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    const e = await rejection(c.nvRead(550));
    expect(e.code).toBe('DIAG_ERROR');
    expect(e.message).toMatch(/read of NV item 550 is unreadable: .*truncated/);
    await c.close();
  });

  test('a one-byte NV answer is paired by command byte and reported as unreadable', async () => {
    const f = fake(() => [Uint8Array.of(0x26)]);
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    expect((await rejection(c.nvRead(550))).message).toMatch(/truncated/);
    await c.close();
  });

  test('an answer for another NV item is not accepted as this one', async () => {
    const f = fake(() => [encodeNvPacket({ op: 'read', item: 999, status: 0 })]);
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    expect((await rejection(c.nvRead(550))).message).toMatch(/for item 999/);
    await c.close();
  });

  test('a wrong feature mask length and a short version answer are reported', async () => {
    const f = fake((req) => (req[0] === 0x51 ? [Uint8Array.of(0x51, 0xff, 0xff, 0x01)] : [Uint8Array.of(0x00, 0x41)]));
    const c = new DiagClient(f.host, { timeoutMs: 1000 });
    expect((await rejection(c.featureQuery())).message).toMatch(/announces 65535 bytes/);
    expect((await rejection(c.version())).message).toMatch(/truncated/);
    await c.close();
  });

  test('unexpected answers are dropped and logged, never delivered to the wrong request', async () => {
    const modem = scriptedModem(newFakeState());
    const f = fake((req) => [Uint8Array.of(0x41, 0x01), ...modem(req)]);
    const logs: string[] = [];
    const c = new DiagClient(f.host, { timeoutMs: 1000, onLog: (m) => logs.push(m) });
    expect((await c.nvRead(1)).status).toBe(5);
    expect(logs.join('\n')).toMatch(/nobody asked for/);
    await c.close();
  });
});

test('requests are sent as HDLC frames (several may share one transfer) and matchKey pairs NV by item', async () => {
  expect(matchKey(encodeNvPacket({ op: 'read', item: 550 }))).not.toBe(
    matchKey(encodeNvPacket({ op: 'read', item: 551 })),
  );
  expect(matchKey(encodeNvPacket({ op: 'read', item: 550, context: 1 }))).not.toBe(
    matchKey(encodeNvPacket({ op: 'read', item: 550 })),
  );
  const f = fake(scriptedModem(newFakeState()));
  await f.inject(hdlcEncode(logFrame));
  const c = new DiagClient(f.host, { timeoutMs: 1000 });
  await Promise.all([c.nvRead(1), c.nvRead(2), c.version()]);
  expect(f.received.map((p) => p[0])).toEqual([0x26, 0x26, 0x00]);
  await c.close();
});
