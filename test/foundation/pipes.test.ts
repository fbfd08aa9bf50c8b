import { describe, expect, it } from 'vitest';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import { RescueError } from '../../shared/errors.js';

const io = { timeoutMs: 200 };

describe('in-memory pipe pair', () => {
  it('keeps transfer boundaries and sends a ZLP after a packet-multiple transfer', async () => {
    const { host, device } = createMemoryPipePair({ maxPacketSize: 512 });
    await host.write(new Uint8Array(1024), io);
    await host.write(new Uint8Array(100), io);
    expect((await device.read(4096, io)).length).toBe(1024);
    expect((await device.read(4096, io)).length).toBe(0); // the ZLP
    expect((await device.read(4096, io)).length).toBe(100);
  });

  it('sends no ZLP when the host is not ZLP-aware', async () => {
    const { host, device } = createMemoryPipePair({ maxPacketSize: 512, hostSendsZlp: false });
    await host.write(new Uint8Array(512), io);
    await host.write(new Uint8Array(3), io);
    expect((await device.read(4096, io)).length).toBe(512);
    expect((await device.read(4096, io)).length).toBe(3);
  });

  it('times out a read with DEVICE_TIMEOUT and honours abort', async () => {
    const { host } = createMemoryPipePair();
    await expect(host.read(10, { timeoutMs: 20, what: 'a HELLO' })).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    const ac = new AbortController();
    const p = host.read(10, { timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('fails pending and later I/O on disconnect', async () => {
    const pair = createMemoryPipePair();
    const p = pair.host.read(10, { timeoutMs: 5000 });
    pair.disconnect();
    await expect(p).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await expect(pair.host.write(new Uint8Array(1), io)).rejects.toBeInstanceOf(RescueError);
  });

  it('hands written buffers over without copying them', async () => {
    const { host, device } = createMemoryPipePair();
    const buf = new Uint8Array([1, 2, 3]);
    await host.write(buf, io);
    const got = await device.read(10, io);
    expect(got).toBe(buf);
  });
});

describe('PipeReader', () => {
  it('reads exact lengths across transfers and keeps the rest', async () => {
    const { host, device } = createMemoryPipePair({ maxPacketSize: 4 });
    const r = new PipeReader(host);
    await device.write(new Uint8Array([1, 2, 3]), io);
    await device.write(new Uint8Array([4, 5, 6, 7, 8]), io);
    expect([...(await r.readExact(4, io))]).toEqual([1, 2, 3, 4]);
    expect([...(await r.readExact(2, io))]).toEqual([5, 6]);
    r.unread(new Uint8Array([0]));
    expect([...(await r.readSome(io))]).toEqual([0]);
    expect([...(await r.readSome(io))]).toEqual([7, 8]);
  });

  it('skips ZLPs and bounds the whole exact read', async () => {
    const { host, device } = createMemoryPipePair({ maxPacketSize: 2 });
    const r = new PipeReader(host);
    await device.write(new Uint8Array([1, 2]), io); // followed by a ZLP
    await expect(r.readExact(3, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
  });
});

describe('in-memory pipe back-pressure', () => {
  it('makes the sender wait while the receiver does not read, and time out if it never does', async () => {
    const { host, device } = createMemoryPipePair({ highWaterBytes: 1000 });
    await host.write(new Uint8Array(1000), io); // fills the endpoint
    const blocked = host.write(new Uint8Array(10), { timeoutMs: 2000 });
    let done = false;
    void blocked.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    await device.read(4096, io);
    await blocked;
    await host.write(new Uint8Array(1000), io);
    await expect(host.write(new Uint8Array(1), { timeoutMs: 30, what: 'raw data' })).rejects.toMatchObject({
      code: 'DEVICE_TIMEOUT',
    });
  });
});

describe('PipeReader across buffered pieces', () => {
  it('assembles an exact read from several buffered chunks', async () => {
    const { host } = createMemoryPipePair();
    const r = new PipeReader(host);
    r.unread(new Uint8Array(50).fill(2));
    r.unread(new Uint8Array(8).fill(1));
    const got = await r.readExact(58, io);
    expect(got.length).toBe(58);
    expect(got[7]).toBe(1);
    expect(got[8]).toBe(2);
    expect(r.buffered).toBe(0);
  });
});
