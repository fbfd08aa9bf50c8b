// The BulkPipe over a MessagePort, in plain Node (worker_threads' MessageChannel; no Electron):
// the engine's side (PortPipe) against the main side (servePipe) wrapping an in-memory USB link.

import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { PortPipe, servePipe } from '../../src-main/app/pipe-bridge.js';
import { RpcEndpoint } from '../../src-main/app/rpc.js';
import { deviceHandlers, RemoteEnumerator, RemoteOpener, type OpenTarget } from '../../src-main/app/device-bridge.js';
import { MIN_TRANSFER_BYTES } from '../../src-main/app/wire.js';
import { createMemoryPipePair, type MemoryPipePair } from '../../src-main/transport/memory.js';
import type { BulkPipe, PipeOpener } from '../../src-main/transport/transport.js';
import { rejection } from '../helpers/rejection.js';

const io = { timeoutMs: 1000 };
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function bridged(opts: { maxPacketSize?: number; graceMs?: number } = {}): { pair: MemoryPipePair; pipe: PortPipe } {
  const pair = createMemoryPipePair({ maxPacketSize: opts.maxPacketSize ?? 512 });
  const { port1, port2 } = new MessageChannel();
  servePipe(pair.host, port1);
  const pipe = new PortPipe(
    port2,
    { name: pair.host.name, maxPacketSize: pair.host.maxPacketSize, needsZlp: pair.host.needsZlp },
    opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {},
  );
  cleanups.push(() => void pipe.close());
  return { pair, pipe };
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Byte equality without a per-element diff (fast for large buffers). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('PortPipe over servePipe', () => {
  it('moves every byte value both ways with transfer boundaries kept', async () => {
    const { pair, pipe } = bridged();
    const big = pattern(300_000, 7);
    const expected = big.slice();
    await pipe.write(big, io);
    expect(same(await pair.device.read(1 << 20, io), expected)).toBe(true);
    const small = pattern(256, 3);
    await pipe.write(small, io);
    expect(await pair.device.read(1 << 20, io)).toEqual(pattern(256, 3));
    expect(small.length).toBe(256); // small buffers are copied: the caller may send them again

    const all = new Uint8Array(256).map((_, i) => i);
    await pair.device.write(all.slice(), io);
    await pair.device.write(pattern(10, 1), io);
    expect(await pipe.read(4096, io)).toEqual(all);
    expect(await pipe.read(4096, io)).toEqual(pattern(10, 1));
  });

  it('moves a large whole buffer instead of copying it, and copies a subarray', async () => {
    const { pair, pipe } = bridged();
    const whole = pattern(MIN_TRANSFER_BYTES, 9);
    await pipe.write(whole, io);
    expect(whole.byteLength).toBe(0); // detached: transferred to the main side
    expect(same(await pair.device.read(1 << 20, io), pattern(MIN_TRANSFER_BYTES, 9))).toBe(true);
    expect((await pair.device.read(1 << 20, io)).length).toBe(0); // its ZLP

    const backing = pattern(MIN_TRANSFER_BYTES * 2, 4);
    await pipe.write(backing.subarray(0, MIN_TRANSFER_BYTES), io);
    expect(backing.byteLength).toBe(MIN_TRANSFER_BYTES * 2); // the caller's buffer stays usable
    expect(
      same(await pair.device.read(1 << 20, io), pattern(MIN_TRANSFER_BYTES * 2, 4).subarray(0, MIN_TRANSFER_BYTES)),
    ).toBe(true);
  });

  it('keeps a zero-length packet as a zero-length transfer in both directions', async () => {
    const { pair, pipe } = bridged();
    await pair.device.write(new Uint8Array(0), io);
    const zlp = await pipe.read(512, io);
    expect(zlp.length).toBe(0);

    // A write that ends on a packet boundary gets exactly one ZLP, added by the real pipe.
    await pipe.write(pattern(1024, 2), io);
    expect((await pair.device.read(4096, io)).length).toBe(1024);
    expect((await pair.device.read(4096, io)).length).toBe(0);
    await pipe.write(new Uint8Array(0), io);
    expect((await pair.device.read(4096, io)).length).toBe(0);
  });

  it("reports the real pipe's read timeout as DEVICE_TIMEOUT and keeps working afterwards", async () => {
    const { pair, pipe } = bridged();
    const e = await rejection(pipe.read(512, { timeoutMs: 30, what: 'the HELLO packet' }));
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.message).toContain('the HELLO packet');
    await pair.device.write(pattern(5, 5), io);
    expect(await pipe.read(512, io)).toEqual(pattern(5, 5));
  });

  it('times out on its own when the main side never answers', async () => {
    const { port2 } = new MessageChannel(); // nobody serves port1
    const pipe = new PortPipe(port2, { name: 'silent', maxPacketSize: 512, needsZlp: true }, { graceMs: 10 });
    cleanups.push(() => void pipe.close());
    const e = await rejection(pipe.read(512, { timeoutMs: 20 }));
    expect(e.code).toBe('DEVICE_TIMEOUT');
  });

  it('cancels a pending read with CANCELLED and hands bytes that arrive late to the next read', async () => {
    const { pair, pipe } = bridged();
    const ctl = new AbortController();
    const pending = pipe.read(512, { timeoutMs: 5000, signal: ctl.signal });
    ctl.abort();
    expect((await rejection(pending)).code).toBe('CANCELLED');
    await pair.device.write(pattern(7, 8), io);
    expect(await pipe.read(512, io)).toEqual(pattern(7, 8));
  });

  it('turns a device that drops off the bus into DEVICE_DISCONNECTED, for pending and later calls', async () => {
    const { pair, pipe } = bridged();
    const pending = pipe.read(512, { timeoutMs: 5000 });
    pair.disconnect();
    expect((await rejection(pending)).code).toBe('DEVICE_DISCONNECTED');
    expect((await rejection(pipe.write(pattern(4, 1), io))).code).toBe('DEVICE_DISCONNECTED');
    // Waits on the condition (bounded), not a fixed sleep a loaded machine can outlast.
    await vi.waitFor(() => expect(pipe.closed && pair.host.closed).toBe(true), { timeout: 5000, interval: 5 });
  });

  it('fails pending calls with DEVICE_DISCONNECTED when the main side goes away', async () => {
    const pair = createMemoryPipePair();
    const { port1, port2 } = new MessageChannel();
    servePipe(pair.host, port1);
    const pipe = new PortPipe(port2, { name: 'x', maxPacketSize: 512, needsZlp: true });
    const pending = pipe.read(512, { timeoutMs: 5000 });
    port1.close();
    expect((await rejection(pending)).code).toBe('DEVICE_DISCONNECTED');
    expect(pipe.closed).toBe(true);
  });

  it('closing the worker side closes the real pipe', async () => {
    const { pair, pipe } = bridged();
    await pipe.close();
    await vi.waitFor(() => expect(pair.host.closed).toBe(true), { timeout: 5000, interval: 5 });
    expect((await rejection(pipe.read(1, io))).code).toBe('DEVICE_DISCONNECTED');
  });
});

describe('device requests from the worker', () => {
  function endpoints(opener: (t: OpenTarget) => PipeOpener): { worker: RpcEndpoint; opened: OpenTarget[] } {
    const { port1, port2 } = new MessageChannel();
    const opened: OpenTarget[] = [];
    const lost = (): RescueError => new RescueError('INTERNAL', 'lost');
    const main = new RpcEndpoint(
      port1,
      deviceHandlers({
        opener: (t) => {
          opened.push(t);
          return opener(t);
        },
        enumerator: {
          availability: async () => ({ available: false, reason: 'no /sys/bus/usb' }),
          list: async () => [],
        },
      }),
      lost,
    );
    const worker = new RpcEndpoint(port2, {}, lost);
    cleanups.push(() => {
      worker.close();
      main.close();
    });
    return { worker, opened };
  }

  it('opens a serial port in main and moves bytes over the pipe it hands back', async () => {
    const pair = createMemoryPipePair({ name: '/dev/ttyUSB0' });
    const { worker, opened } = endpoints(() => ({ description: 'test', open: async () => pair.host as BulkPipe }));
    const pipe = await new RemoteOpener(worker, { kind: 'serial', path: '/dev/ttyUSB0' }).open(io);
    cleanups.push(() => void pipe.close());
    expect(opened).toEqual([{ kind: 'serial', path: '/dev/ttyUSB0' }]);
    expect(pipe.name).toContain('/dev/ttyUSB0');
    await pipe.write(pattern(100, 1), io);
    expect(await pair.device.read(512, io)).toEqual(pattern(100, 1));
  });

  it("passes the opener's DEVICE_NOT_FOUND through with its message", async () => {
    const { worker } = endpoints(() => ({
      description: 'edl',
      open: async () => {
        throw new RescueError('DEVICE_NOT_FOUND', 'Waited 1 s for a USB device 05c6:9008.');
      },
    }));
    const e = await rejection(new RemoteOpener(worker, { kind: 'usb-edl' }).open(io));
    expect(e.code).toBe('DEVICE_NOT_FOUND');
    expect(e.message).toContain('Waited 1 s');
  });

  it('answers USB availability from main', async () => {
    const { worker } = endpoints(() => ({ description: '', open: async () => createMemoryPipePair().host }));
    expect(await new RemoteEnumerator(worker).availability()).toEqual({ available: false, reason: 'no /sys/bus/usb' });
  });
});

describe('an open cancelled while main is answering', () => {
  it('releases the device main opened', async () => {
    const pair = createMemoryPipePair();
    let opened!: () => void;
    const gate = new Promise<void>((r) => (opened = r));
    const { port1, port2 } = new MessageChannel();
    const lost = (): RescueError => new RescueError('INTERNAL', 'lost');
    const main = new RpcEndpoint(
      port1,
      deviceHandlers({
        // Opens, and answers, regardless of the cancel (like a device open that cannot be interrupted).
        opener: () => ({ description: 'slow', open: async () => (await gate, pair.host) }),
        enumerator: { availability: async () => ({ available: true }), list: async () => [] },
      }),
      lost,
    );
    const worker = new RpcEndpoint(port2, {}, lost);
    cleanups.push(() => {
      worker.close();
      main.close();
    });
    const ctl = new AbortController();
    const pending = new RemoteOpener(worker, { kind: 'usb-edl' }).open({ timeoutMs: 1000, signal: ctl.signal });
    ctl.abort();
    expect((await rejection(pending)).code).toBe('CANCELLED');
    opened();
    await vi.waitFor(() => expect(pair.host.closed).toBe(true));
  });
});
