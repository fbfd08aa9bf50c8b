import { describe, expect, it } from 'vitest';
import { DEVICE_RECEIVE_BUFFER_BYTES, MemoryBus } from '../../src-main/sim/memory-bus.js';

const io = { timeoutMs: 500 };
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('in-memory USB bus', () => {
  it('open waits for the device to plug in, and gives up with DEVICE_NOT_FOUND', async () => {
    const bus = new MemoryBus();
    await expect(bus.opener.open({ timeoutMs: 30 })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    const opening = bus.opener.open({ timeoutMs: 1000 });
    const dev = await bus.plugIn();
    const host = await opening;
    await host.write(bytes(1, 2, 3), io);
    expect(await dev.read(16, io)).toEqual(bytes(1, 2, 3));
    await dev.write(bytes(9), io);
    expect(await host.read(16, io)).toEqual(bytes(9));
  });

  it('an aborted open stops waiting', async () => {
    const bus = new MemoryBus();
    const ac = new AbortController();
    const opening = bus.opener.open({ timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    await expect(opening).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('refuses a second handle while one is open', async () => {
    const bus = new MemoryBus();
    await bus.plugIn();
    await bus.opener.open(io);
    await expect(bus.opener.open(io)).rejects.toMatchObject({ code: 'DEVICE_OPEN_FAILED' });
  });

  it('unplugging fails pending and future I/O on both ends', async () => {
    const bus = new MemoryBus();
    const dev = await bus.plugIn();
    const host = await bus.opener.open(io);
    const pending = host.read(16, { timeoutMs: 2000 });
    await bus.unplug();
    await expect(pending).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await expect(dev.read(16, io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    expect(dev.closed).toBe(true);
    // A new enumeration is a new link; the old device end stays dead.
    const dev2 = await bus.plugIn();
    const host2 = await bus.opener.open(io);
    await host2.write(bytes(7), io);
    expect(await dev2.read(16, io)).toEqual(bytes(7));
    await expect(dev.write(bytes(1), io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });

  it('a host closing its handle does not reset the device: its pending read moves to the next handle', async () => {
    const bus = new MemoryBus();
    const dev = await bus.plugIn();
    const first = await bus.opener.open(io);
    const pending = dev.read(16, { timeoutMs: 2000 });
    await first.close();
    await expect(first.write(bytes(1), io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    const second = await bus.opener.open(io);
    await second.write(bytes(5, 6), io);
    expect(await pending).toEqual(bytes(5, 6));
  });

  it('passes ZLPs from a ZLP-aware host and not from one that is not', async () => {
    for (const hostSendsZlp of [true, false]) {
      const bus = new MemoryBus({ maxPacketSize: 512, hostSendsZlp });
      const dev = await bus.plugIn();
      const host = await bus.opener.open(io);
      await host.write(new Uint8Array(1024), io);
      await host.write(bytes(1), io);
      expect((await dev.read(4096, io)).length).toBe(1024);
      expect((await dev.read(4096, io)).length).toBe(hostSendsZlp ? 0 : 1);
    }
  });

  it('a device that stops reading makes host writes time out, like a stalled bulk OUT endpoint', async () => {
    const bus = new MemoryBus();
    const dev = await bus.plugIn();
    const host = await bus.opener.open(io);
    const piece = new Uint8Array(16 * 1024);
    let refused: unknown;
    let accepted = 0;
    for (let i = 0; i < 64 && !refused; i++) {
      await host.write(piece, { timeoutMs: 50, what: 'program data' }).then(
        () => accepted++,
        (e: unknown) => (refused = e),
      );
    }
    expect(refused).toMatchObject({ code: 'DEVICE_TIMEOUT' });
    // The module buffers a few transfers, not megabytes.
    expect(accepted * piece.length).toBeLessThanOrEqual(DEVICE_RECEIVE_BUFFER_BYTES);
    // Once the device reads again, the host may go on.
    const later = host.write(piece, { timeoutMs: 1000 });
    expect((await dev.read(piece.length, io)).length).toBe(piece.length);
    await later;
    let blocked: Promise<void> | undefined;
    for (let i = 0; i < 64 && !blocked; i++) {
      const w = host.write(piece, { timeoutMs: 2000 });
      // A write with room settles within microtasks; one without waits for room. setImmediate
      // runs after every pending microtask, however loaded the machine is.
      const settled = await Promise.race([w.then(() => true), new Promise((r) => setImmediate(() => r(false)))]);
      if (!settled) blocked = w;
    }
    await bus.unplug();
    await expect(blocked!).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });
});
