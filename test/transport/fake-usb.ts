// A fake of the libusb slice (usb-api.ts) that behaves like libusb: transfers complete
// asynchronously, IN transfers wait for data the "device" sends, timeouts and cancellation
// complete with the matching LIBUSB_TRANSFER_* status. Every call is logged for assertions.

import type {
  UsbApi,
  UsbDeviceHandle,
  UsbError,
  UsbInterfaceInfo,
  UsbTransferDone,
  UsbTransferHandle,
} from '../../src-main/transport/usb-api.js';
import { LIBUSB, usbError } from '../../src-main/transport/usb-api.js';

export interface FakeTransfer {
  endpoint: number;
  /** Bytes sent (OUT) or the size asked for (IN). */
  length: number;
  data: Uint8Array | undefined;
  cancelled: boolean;
}

interface PendingIn {
  buffer: Buffer;
  done: UsbTransferDone;
  timer: ReturnType<typeof setTimeout>;
  transfer: FakeTransfer;
}

export function edlInterfaces(maxPacketSize = 512): UsbInterfaceInfo[] {
  return [
    {
      number: 0,
      alternate: 0,
      class: 0xff,
      subclass: 0xff,
      protocol: 0x10,
      endpoints: [
        { address: 0x81, direction: 'in', transferType: 'bulk', maxPacketSize },
        { address: 0x01, direction: 'out', transferType: 'bulk', maxPacketSize },
      ],
    },
  ];
}

export class FakeUsbDevice implements UsbDeviceHandle {
  readonly calls: string[] = [];
  readonly transfers: FakeTransfer[] = [];
  kernelDriverActive = true;
  /** Make a call fail with this libusb error. */
  failOn: Partial<Record<'open' | 'claim' | 'detach' | 'interfaces', UsbError>> = {};
  /** When set, OUT transfers complete with this error instead of succeeding. */
  outError: UsbError | undefined;
  /** When set, OUT transfers never complete (until cancelled or timed out). */
  outStalls = false;
  private readonly incoming: Uint8Array[] = [];
  private pendingIn: PendingIn | undefined;
  private ifaces: UsbInterfaceInfo[];

  constructor(
    readonly vendorId = 0x05c6,
    readonly productId = 0x9008,
    readonly busNumber = 3,
    readonly portNumbers: readonly number[] = [1, 2],
    readonly deviceAddress = 7,
    interfaces: UsbInterfaceInfo[] = edlInterfaces(),
  ) {
    this.ifaces = interfaces;
  }

  /** The device sends one transfer to the host (an empty array is a ZLP). */
  sendToHost(data: Uint8Array): void {
    this.incoming.push(data);
    this.deliver();
  }

  /** The device drops off the bus: pending transfers complete with NO_DEVICE. */
  unplug(): void {
    const p = this.pendingIn;
    this.pendingIn = undefined;
    if (p) {
      clearTimeout(p.timer);
      setImmediate(() => p.done(usbError(LIBUSB.TRANSFER_NO_DEVICE), 0));
    }
    this.outError = usbError(LIBUSB.TRANSFER_NO_DEVICE);
  }

  get outTransfers(): FakeTransfer[] {
    return this.transfers.filter((t) => (t.endpoint & 0x80) === 0);
  }

  get inTransfers(): FakeTransfer[] {
    return this.transfers.filter((t) => (t.endpoint & 0x80) !== 0);
  }

  interfaces(): UsbInterfaceInfo[] {
    if (this.failOn.interfaces) throw this.failOn.interfaces;
    return this.ifaces;
  }
  open(): void {
    this.calls.push('open');
    if (this.failOn.open) throw this.failOn.open;
  }
  close(): void {
    this.calls.push('close');
  }
  isKernelDriverActive(n: number): boolean {
    this.calls.push(`isKernelDriverActive(${n})`);
    return this.kernelDriverActive;
  }
  detachKernelDriver(n: number): void {
    this.calls.push(`detachKernelDriver(${n})`);
    if (this.failOn.detach) throw this.failOn.detach;
    this.kernelDriverActive = false;
  }
  attachKernelDriver(n: number): void {
    this.calls.push(`attachKernelDriver(${n})`);
    this.kernelDriverActive = true;
  }
  claimInterface(n: number): void {
    this.calls.push(`claimInterface(${n})`);
    if (this.failOn.claim) throw this.failOn.claim;
  }
  async releaseInterface(n: number): Promise<void> {
    this.calls.push(`releaseInterface(${n})`);
  }
  async clearHalt(ep: number): Promise<void> {
    this.calls.push(`clearHalt(${ep})`);
  }

  submit(endpoint: number, buffer: Buffer, timeoutMs: number, done: UsbTransferDone): UsbTransferHandle {
    const transfer: FakeTransfer = { endpoint, length: buffer.length, data: undefined, cancelled: false };
    this.transfers.push(transfer);
    if ((endpoint & 0x80) === 0) {
      transfer.data = Uint8Array.from(buffer);
      if (this.outStalls) {
        let finished = false;
        const finish = (status: number): void => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          setImmediate(() => done(usbError(status), 0));
        };
        const timer = setTimeout(() => finish(LIBUSB.TRANSFER_TIMED_OUT), timeoutMs);
        return {
          cancel: () => {
            transfer.cancelled = true;
            finish(LIBUSB.TRANSFER_CANCELLED);
          },
        };
      }
      const err = this.outError;
      setImmediate(() => (err ? done(err, 0) : done(undefined, buffer.length)));
      return { cancel: () => undefined };
    }
    if (this.pendingIn) throw new Error('fake: two IN transfers at once');
    const timer = setTimeout(() => {
      if (this.pendingIn?.transfer !== transfer) return;
      this.pendingIn = undefined;
      done(usbError(LIBUSB.TRANSFER_TIMED_OUT), 0);
    }, timeoutMs);
    this.pendingIn = { buffer, done, timer, transfer };
    this.deliver();
    return {
      cancel: () => {
        if (this.pendingIn?.transfer !== transfer) return;
        transfer.cancelled = true;
        clearTimeout(timer);
        this.pendingIn = undefined;
        setImmediate(() => done(usbError(LIBUSB.TRANSFER_CANCELLED), 0));
      },
    };
  }

  private deliver(): void {
    const p = this.pendingIn;
    const data = this.incoming[0];
    if (!p || data === undefined) return;
    this.incoming.shift();
    this.pendingIn = undefined;
    clearTimeout(p.timer);
    if (data.length > p.buffer.length) {
      setImmediate(() => p.done(usbError(LIBUSB.TRANSFER_OVERFLOW), 0));
      return;
    }
    p.buffer.set(data);
    setImmediate(() => p.done(undefined, data.length));
  }
}

export class FakeUsbApi implements UsbApi {
  listCalls = 0;
  /** Devices present; a function lets a test make one appear after some scans. */
  constructor(
    private readonly present: FakeUsbDevice[] | ((scan: number) => FakeUsbDevice[]),
    readonly platform: NodeJS.Platform = 'linux',
  ) {}

  async listDevices(): Promise<UsbDeviceHandle[]> {
    this.listCalls++;
    return typeof this.present === 'function' ? this.present(this.listCalls) : this.present;
  }
}
