// The narrow slice of libusb that Modem Rescue uses, as an interface: list devices, read their
// descriptors, open, detach/claim, and submit bulk transfers that can be cancelled. usb.ts is
// written against this interface, so it is tested against a fake; libusbApi() is the real thing
// (the `usb` package, loaded on first use so that code paths without USB never load the addon).

import { RescueError } from '../../shared/errors.js';

export interface UsbEndpointInfo {
  address: number;
  direction: 'in' | 'out';
  transferType: 'control' | 'isochronous' | 'bulk' | 'interrupt';
  /** Bytes per packet (wMaxPacketSize bits 0-10). */
  maxPacketSize: number;
}

export interface UsbInterfaceInfo {
  number: number;
  alternate: number;
  class: number;
  subclass: number;
  protocol: number;
  endpoints: UsbEndpointInfo[];
}

/** An error from libusb: errno is a LIBUSB_ERROR_* (negative) or a LIBUSB_TRANSFER_* status (positive). */
export type UsbError = Error & { errno?: number };

export interface UsbTransferHandle {
  /** Ask libusb to cancel; the completion callback still runs (with the CANCELLED status). */
  cancel(): void;
}

export type UsbTransferDone = (error: UsbError | undefined, actualLength: number) => void;

export interface UsbDeviceHandle {
  readonly vendorId: number;
  readonly productId: number;
  readonly busNumber: number;
  readonly deviceAddress: number;
  /** Port numbers from the root hub down (empty when the platform does not say). */
  readonly portNumbers: readonly number[];
  /** Interfaces (alternate setting 0) of the active configuration; works without opening. */
  interfaces(): UsbInterfaceInfo[];
  open(): void;
  close(): void;
  isKernelDriverActive(interfaceNumber: number): boolean;
  detachKernelDriver(interfaceNumber: number): void;
  attachKernelDriver(interfaceNumber: number): void;
  claimInterface(interfaceNumber: number): void;
  releaseInterface(interfaceNumber: number): Promise<void>;
  /** Submit one bulk transfer on an endpoint (IN: fills buffer; OUT: sends it; empty = ZLP). */
  submit(endpointAddress: number, buffer: Buffer, timeoutMs: number, done: UsbTransferDone): UsbTransferHandle;
  clearHalt(endpointAddress: number): Promise<void>;
}

export interface UsbApi {
  readonly platform: NodeJS.Platform;
  listDevices(): Promise<UsbDeviceHandle[]>;
}

// libusb numbers (stable ABI values), used to map errors without loading the addon.
export const LIBUSB = {
  ERROR_IO: -1,
  ERROR_INVALID_PARAM: -2,
  ERROR_ACCESS: -3,
  ERROR_NO_DEVICE: -4,
  ERROR_NOT_FOUND: -5,
  ERROR_BUSY: -6,
  ERROR_TIMEOUT: -7,
  ERROR_OVERFLOW: -8,
  ERROR_PIPE: -9,
  ERROR_INTERRUPTED: -10,
  ERROR_NO_MEM: -11,
  ERROR_NOT_SUPPORTED: -12,
  ERROR_OTHER: -99,
  TRANSFER_ERROR: 1,
  TRANSFER_TIMED_OUT: 2,
  TRANSFER_CANCELLED: 3,
  TRANSFER_STALL: 4,
  TRANSFER_NO_DEVICE: 5,
  TRANSFER_OVERFLOW: 6,
} as const;

/** An error carrying a libusb errno, as the real binding throws them (for fakes and tests). */
export function usbError(errno: number, message?: string): UsbError {
  const name = Object.entries(LIBUSB).find(([, v]) => v === errno)?.[0];
  return Object.assign(new Error(message ?? (name ? `LIBUSB_${name}` : `libusb error ${errno}`)), { errno });
}

// ---- the real implementation over the `usb` package ------------------------------------------

type UsbModule = typeof import('usb').usb;
type LibusbDevice = InstanceType<UsbModule['Device']>;

let loaded: Promise<UsbModule> | undefined;

async function loadUsb(): Promise<UsbModule> {
  loaded ??= import('usb').then(
    (m) => m.usb,
    (e: unknown) => {
      loaded = undefined;
      throw new RescueError(
        'HOST_TOOL_MISSING',
        `The USB library (libusb through the "usb" package) could not be loaded: ${e instanceof Error ? e.message : String(e)}.`,
        {
          cause: e,
          nextStep: 'Reinstall Modem Rescue; on Linux make sure libudev is installed.',
        },
      );
    },
  );
  return loaded;
}

const TRANSFER_TYPES = ['control', 'isochronous', 'bulk', 'interrupt'] as const;

class LibusbDeviceHandle implements UsbDeviceHandle {
  constructor(
    private readonly usb: UsbModule,
    private readonly dev: LibusbDevice,
  ) {}

  get vendorId(): number {
    return this.dev.deviceDescriptor.idVendor;
  }
  get productId(): number {
    return this.dev.deviceDescriptor.idProduct;
  }
  get busNumber(): number {
    return this.dev.busNumber;
  }
  get deviceAddress(): number {
    return this.dev.deviceAddress;
  }
  get portNumbers(): readonly number[] {
    return this.dev.portNumbers ?? [];
  }

  interfaces(): UsbInterfaceInfo[] {
    const config = this.dev.configDescriptor;
    if (!config) return [];
    const out: UsbInterfaceInfo[] = [];
    for (const alts of config.interfaces) {
      const d = alts.find((a) => a.bAlternateSetting === 0) ?? alts[0];
      if (!d) continue;
      out.push({
        number: d.bInterfaceNumber,
        alternate: d.bAlternateSetting,
        class: d.bInterfaceClass,
        subclass: d.bInterfaceSubClass,
        protocol: d.bInterfaceProtocol,
        endpoints: d.endpoints.map((e) => ({
          address: e.bEndpointAddress,
          direction: (e.bEndpointAddress & 0x80) !== 0 ? ('in' as const) : ('out' as const),
          transferType: TRANSFER_TYPES[e.bmAttributes & 0x03]!,
          maxPacketSize: e.wMaxPacketSize & 0x7ff,
        })),
      });
    }
    return out;
  }

  open(): void {
    this.dev.open();
  }
  close(): void {
    this.dev.close();
  }
  isKernelDriverActive(n: number): boolean {
    return this.dev.__isKernelDriverActive(n);
  }
  detachKernelDriver(n: number): void {
    this.dev.__detachKernelDriver(n);
  }
  attachKernelDriver(n: number): void {
    this.dev.__attachKernelDriver(n);
  }
  claimInterface(n: number): void {
    this.dev.__claimInterface(n);
  }
  releaseInterface(n: number): Promise<void> {
    return new Promise((resolve, reject) => this.dev.__releaseInterface(n, (e) => (e ? reject(e) : resolve())));
  }
  submit(endpointAddress: number, buffer: Buffer, timeoutMs: number, done: UsbTransferDone): UsbTransferHandle {
    const t = new this.usb.Transfer(
      this.dev,
      endpointAddress,
      this.usb.LIBUSB_TRANSFER_TYPE_BULK,
      timeoutMs,
      (error, _buf, actual) => {
        done(error ?? undefined, actual);
      },
    );
    t.submit(buffer);
    return { cancel: () => void t.cancel() };
  }
  clearHalt(endpointAddress: number): Promise<void> {
    return new Promise((resolve, reject) => this.dev.__clearHalt(endpointAddress, (e) => (e ? reject(e) : resolve())));
  }
}

/** The real libusb, through the `usb` package. */
export function libusbApi(): UsbApi {
  return {
    platform: process.platform,
    async listDevices() {
      const usb = await loadUsb();
      return usb.getDeviceList().map((d) => new LibusbDeviceHandle(usb, d));
    },
  };
}
