// The libusb transport against a fake of the libusb slice (there is no USB hardware here).

import { describe, expect, it } from 'vitest';
import {
  UsbEdlOpener,
  busPathOf,
  findBulkInterface,
  listUsbDevices,
  MAX_TRANSFER_BYTES,
} from '../../src-main/transport/usb.js';
import { LIBUSB, libusbApi, usbError } from '../../src-main/transport/usb-api.js';
import { mapUsbError } from '../../src-main/transport/usb-errors.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { FakeUsbApi, FakeUsbDevice, edlInterfaces } from './fake-usb.js';

const io = { timeoutMs: 2000 };

async function openFake(
  options: { mps?: number; platform?: NodeJS.Platform; device?: FakeUsbDevice } = {},
): Promise<{ pipe: BulkPipe; dev: FakeUsbDevice }> {
  const dev = options.device ?? new FakeUsbDevice(0x05c6, 0x9008, 3, [1, 2], 7, edlInterfaces(options.mps ?? 512));
  const opener = new UsbEdlOpener({ api: new FakeUsbApi([dev], options.platform ?? 'linux'), pollMs: 10 });
  return { pipe: await opener.open(io), dev };
}

describe('UsbBulkPipe', () => {
  it('is named after its port and ID and takes wMaxPacketSize from the OUT endpoint', async () => {
    const { pipe } = await openFake();
    expect(pipe.name).toBe('USB 3-1.2 05c6:9008');
    expect(pipe.maxPacketSize).toBe(512);
    expect(pipe.needsZlp).toBe(true);
    const { pipe: usb3 } = await openFake({ mps: 1024 });
    expect(usb3.maxPacketSize).toBe(1024);
  });

  it('follows a write that ends on a 512-byte packet boundary with a ZLP, and no other write', async () => {
    const { pipe, dev } = await openFake({ mps: 512 });
    await pipe.write(new Uint8Array(1024), io);
    await pipe.write(new Uint8Array(1000), io);
    await pipe.write(new Uint8Array(512), io);
    await pipe.write(new Uint8Array(1), io);
    expect(dev.outTransfers.map((t) => t.length)).toEqual([1024, 0, 1000, 512, 0, 1]);
  });

  it('uses the 1024-byte packet size of a USB 3 port for the ZLP rule', async () => {
    const { pipe, dev } = await openFake({ mps: 1024 });
    await pipe.write(new Uint8Array(512), io);
    await pipe.write(new Uint8Array(1536), io);
    await pipe.write(new Uint8Array(2048), io);
    expect(dev.outTransfers.map((t) => t.length)).toEqual([512, 1536, 2048, 0]);
  });

  it('sends big writes in multi-megabyte transfers, intact, with one ZLP at the very end', async () => {
    const { pipe, dev } = await openFake();
    const data = new Uint8Array(2 * MAX_TRANSFER_BYTES + 4096);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    await pipe.write(data, io);
    const outs = dev.outTransfers;
    expect(outs.map((t) => t.length)).toEqual([MAX_TRANSFER_BYTES, MAX_TRANSFER_BYTES, 4096, 0]);
    const joined = Buffer.concat(outs.map((t) => t.data!));
    expect(Buffer.compare(joined, Buffer.from(data))).toBe(0);
  });

  it('reads whole packets: asks for maxLength rounded up to the packet size and returns what arrived', async () => {
    const { pipe, dev } = await openFake();
    dev.sendToHost(new Uint8Array([1, 2, 3]));
    expect([...(await pipe.read(100, io))]).toEqual([1, 2, 3]);
    dev.sendToHost(new Uint8Array(0));
    expect((await pipe.read(1000, io)).length).toBe(0); // a ZLP
    expect(dev.inTransfers.map((t) => t.length)).toEqual([512, 1024]);
  });

  it('never returns more than maxLength: the rest of a transfer comes with the next read', async () => {
    const { pipe, dev } = await openFake();
    const sent = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    dev.sendToHost(sent);
    const a = await pipe.read(100, io);
    const b = await pipe.read(1000, io);
    expect(a.length).toBe(100);
    expect([...a, ...b]).toEqual([...sent]);
    expect(dev.inTransfers).toHaveLength(1);
  });

  it('maps a read timeout to DEVICE_TIMEOUT naming what it waited for', async () => {
    const { pipe } = await openFake();
    await expect(pipe.read(64, { timeoutMs: 30, what: 'the HELLO packet' })).rejects.toMatchObject({
      code: 'DEVICE_TIMEOUT',
      message: expect.stringContaining('the HELLO packet'),
    });
    expect(pipe.closed).toBe(false);
  });

  it('maps a write that the device never takes to DEVICE_TIMEOUT', async () => {
    const { pipe, dev } = await openFake();
    dev.outStalls = true;
    await expect(pipe.write(new Uint8Array(10), { timeoutMs: 30 })).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
  });

  it('aborting a read cancels the transfer and rejects with CANCELLED', async () => {
    const { pipe, dev } = await openFake();
    const ac = new AbortController();
    const p = pipe.read(64, { timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(dev.inTransfers[0]!.cancelled).toBe(true);
    // The pipe keeps working.
    dev.sendToHost(new Uint8Array([42]));
    expect([...(await pipe.read(64, io))]).toEqual([42]);
  });

  it('aborting a write cancels it with CANCELLED', async () => {
    const { pipe, dev } = await openFake();
    dev.outStalls = true;
    const ac = new AbortController();
    const p = pipe.write(new Uint8Array(10), { timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(dev.outTransfers[0]!.cancelled).toBe(true);
  });

  it('an unplugged device fails the pending read and every later op with DEVICE_DISCONNECTED', async () => {
    const { pipe, dev } = await openFake();
    const pending = expect(pipe.read(64, io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    dev.unplug();
    await pending;
    const submitted = dev.transfers.length;
    await expect(pipe.read(64, io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await expect(pipe.write(new Uint8Array(4), io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    expect(dev.transfers.length).toBe(submitted); // nothing more was sent to a vanished device
    expect(pipe.closed).toBe(true);
  });

  it('maps IO errors and stalls during transfers to DEVICE_DISCONNECTED', async () => {
    const { pipe, dev } = await openFake();
    dev.outError = usbError(LIBUSB.TRANSFER_STALL);
    await expect(pipe.write(new Uint8Array(4), io)).rejects.toMatchObject({
      code: 'DEVICE_DISCONNECTED',
      message: expect.stringContaining('STALL'),
    });
    dev.outError = usbError(LIBUSB.ERROR_IO);
    await expect(pipe.write(new Uint8Array(4), io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });

  it('close() fails a pending read, cancels it, releases the interface and is idempotent', async () => {
    const { pipe, dev } = await openFake({ platform: 'win32' });
    const pending = expect(pipe.read(64, io)).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await pipe.close();
    await pending;
    await pipe.close();
    expect(dev.inTransfers[0]!.cancelled).toBe(true);
    expect(dev.calls.filter((c) => c.startsWith('releaseInterface'))).toEqual(['releaseInterface(0)']);
    expect(dev.calls.filter((c) => c === 'close')).toHaveLength(1);
    expect(pipe.closed).toBe(true);
  });
});

describe('opening the EDL device', () => {
  it('on Linux detaches an active kernel driver (qcserial) before claiming, and re-attaches it on close', async () => {
    const { pipe, dev } = await openFake({ platform: 'linux' });
    expect(dev.calls).toEqual(['open', 'isKernelDriverActive(0)', 'detachKernelDriver(0)', 'claimInterface(0)']);
    await pipe.close();
    expect(dev.calls.slice(4)).toEqual(['releaseInterface(0)', 'attachKernelDriver(0)', 'close']);
  });

  it('does not detach when no kernel driver is bound, nor on other systems', async () => {
    const idle = new FakeUsbDevice();
    idle.kernelDriverActive = false;
    const { pipe } = await openFake({ platform: 'linux', device: idle });
    expect(idle.calls).not.toContain('detachKernelDriver(0)');
    await pipe.close();
    expect(idle.calls).not.toContain('attachKernelDriver(0)');
    const win = new FakeUsbDevice();
    await openFake({ platform: 'win32', device: win });
    expect(win.calls).toEqual(['open', 'claimInterface(0)']);
  });

  it('rescans until the device appears, ignoring other devices', async () => {
    const normal = new FakeUsbDevice(0x2c7c, 0x0125, 3, [1, 2], 5);
    const edl = new FakeUsbDevice(0x05c6, 0x9008, 3, [1, 4], 9);
    const api = new FakeUsbApi((scan) => (scan < 4 ? [normal] : [normal, edl]));
    const pipe = await new UsbEdlOpener({ api, pollMs: 5 }).open(io);
    expect(api.listCalls).toBe(4);
    expect(pipe.name).toBe('USB 3-1.4 05c6:9008');
    expect(normal.calls).toEqual([]);
  });

  it('times out with DEVICE_NOT_FOUND naming the IDs it looked for', async () => {
    const api = new FakeUsbApi([new FakeUsbDevice(0x2c7c, 0x0125)]);
    const opener = new UsbEdlOpener({ api, pollMs: 5 });
    expect(opener.description).toContain('05c6:9008');
    await expect(opener.open({ timeoutMs: 60 })).rejects.toMatchObject({
      code: 'DEVICE_NOT_FOUND',
      message: expect.stringContaining('05c6:9008'),
    });
    expect(api.listCalls).toBeGreaterThan(2);
  });

  it('stops waiting with CANCELLED when aborted', async () => {
    const ac = new AbortController();
    const p = new UsbEdlOpener({ api: new FakeUsbApi([]), pollMs: 5 }).open({ timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('only takes the device on the requested port when a busPath is given', async () => {
    const a = new FakeUsbDevice(0x05c6, 0x9008, 1, [3], 2);
    const b = new FakeUsbDevice(0x05c6, 0x9008, 2, [1, 1], 4);
    const pipe = await new UsbEdlOpener({ api: new FakeUsbApi([a, b]), busPath: '2-1.1', pollMs: 5 }).open(io);
    expect(pipe.name).toBe('USB 2-1.1 05c6:9008');
    expect(a.calls).toEqual([]);
  });

  it('a refused open is HOST_PERMISSION with the Linux udev advice, after a short retry', async () => {
    const dev = new FakeUsbDevice();
    dev.failOn.open = usbError(LIBUSB.ERROR_ACCESS);
    const api = new FakeUsbApi([dev], 'linux');
    const err = await new UsbEdlOpener({ api, pollMs: 5, openRetryMs: 30 })
      .open({ timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOST_PERMISSION', message: expect.stringMatching(/udev/) });
    expect(api.listCalls).toBeGreaterThan(1); // it retried while udev might still be working
  });

  it('a permission problem on Windows points at the WinUSB driver', async () => {
    const dev = new FakeUsbDevice();
    dev.failOn.open = usbError(LIBUSB.ERROR_NOT_SUPPORTED);
    const err = await new UsbEdlOpener({ api: new FakeUsbApi([dev], 'win32'), pollMs: 5, openRetryMs: 0 })
      .open(io)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HOST_PERMISSION', message: expect.stringContaining('WinUSB') });
  });

  it('a busy interface is DEVICE_OPEN_FAILED and the detached driver is given back', async () => {
    const dev = new FakeUsbDevice();
    dev.failOn.claim = usbError(LIBUSB.ERROR_BUSY);
    const err = await new UsbEdlOpener({ api: new FakeUsbApi([dev], 'linux'), pollMs: 5, openRetryMs: 0 })
      .open(io)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEVICE_OPEN_FAILED' });
    expect(dev.calls).toEqual([
      'open',
      'isKernelDriverActive(0)',
      'detachKernelDriver(0)',
      'claimInterface(0)',
      'attachKernelDriver(0)',
      'close',
    ]);
  });

  it('refuses a device without a vendor-specific bulk interface', async () => {
    const odd = new FakeUsbDevice(0x05c6, 0x9008, 1, [1], 2, [
      { number: 0, alternate: 0, class: 0x02, subclass: 0, protocol: 0, endpoints: [] },
    ]);
    const err = await new UsbEdlOpener({ api: new FakeUsbApi([odd]), pollMs: 5, openRetryMs: 0 })
      .open(io)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEVICE_OPEN_FAILED', message: expect.stringContaining('bulk') });
  });
});

describe('helpers', () => {
  it('finds the class 0xff interface with one bulk IN and one bulk OUT', () => {
    const interrupt = {
      number: 0,
      alternate: 0,
      class: 0xff,
      subclass: 0,
      protocol: 0,
      endpoints: [{ address: 0x83, direction: 'in' as const, transferType: 'interrupt' as const, maxPacketSize: 8 }],
    };
    const edl = edlInterfaces(1024)[0]!;
    expect(findBulkInterface([interrupt, { ...edl, number: 2 }])).toEqual({
      interfaceNumber: 2,
      inEndpoint: 0x81,
      outEndpoint: 0x01,
      maxPacketSize: 1024,
    });
    expect(findBulkInterface([interrupt])).toBeUndefined();
  });

  it('names bus paths like Linux does', () => {
    expect(busPathOf({ busNumber: 3, portNumbers: [1, 2] })).toBe('3-1.2');
    expect(busPathOf({ busNumber: 1, portNumbers: [] })).toBe('1');
  });

  it('maps libusb errors by number, for calls and for transfer statuses', () => {
    const ctx = { name: 'USB 1-1 05c6:9008', platform: 'linux' as const };
    expect(mapUsbError(usbError(LIBUSB.ERROR_TIMEOUT), ctx).code).toBe('DEVICE_TIMEOUT');
    expect(mapUsbError(usbError(LIBUSB.TRANSFER_TIMED_OUT), ctx).code).toBe('DEVICE_TIMEOUT');
    expect(mapUsbError(usbError(LIBUSB.ERROR_NO_DEVICE), ctx).code).toBe('DEVICE_DISCONNECTED');
    expect(mapUsbError(usbError(LIBUSB.TRANSFER_NO_DEVICE), ctx).code).toBe('DEVICE_DISCONNECTED');
    expect(mapUsbError(usbError(LIBUSB.ERROR_PIPE), ctx).code).toBe('DEVICE_DISCONNECTED');
    expect(mapUsbError(usbError(LIBUSB.ERROR_IO), ctx).code).toBe('DEVICE_DISCONNECTED');
    expect(mapUsbError(usbError(LIBUSB.ERROR_ACCESS), ctx).code).toBe('HOST_PERMISSION');
    expect(mapUsbError(usbError(LIBUSB.ERROR_ACCESS), ctx).message).toContain('qcserial');
    expect(mapUsbError(usbError(LIBUSB.ERROR_ACCESS), { ...ctx, platform: 'win32' }).message).toContain('WinUSB');
    expect(mapUsbError(usbError(LIBUSB.ERROR_BUSY), ctx).code).toBe('DEVICE_OPEN_FAILED');
    expect(mapUsbError(usbError(LIBUSB.ERROR_IO), { ...ctx, opening: true }).code).toBe('DEVICE_OPEN_FAILED');
    expect(mapUsbError(new Error('weird'), ctx).code).toBe('DEVICE_DISCONNECTED');
  });

  it('lists devices with bus and port path', async () => {
    const list = await listUsbDevices(new FakeUsbApi([new FakeUsbDevice(0x2c7c, 0x0125, 1, [4, 2], 11)]));
    expect(list).toEqual([{ vendorId: 0x2c7c, productId: 0x0125, busNumber: 1, portPath: '4.2', deviceAddress: 11 }]);
  });

  it("the real libusb loads and lists this machine's USB devices without crashing (none here)", async () => {
    const list = await listUsbDevices(libusbApi());
    expect(Array.isArray(list)).toBe(true);
  });
});
