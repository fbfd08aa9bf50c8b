// The real USB transport: find the modem in EDL mode by VID:PID (again after every
// re-enumeration, never by a remembered bus path), claim its vendor-specific bulk interface and
// move bytes as bulk transfers, with the ZLP rule, timeouts, cancellation and errors a person
// can act on. All libusb calls go through usb-api.ts.

import { EDL_IDS, hex4, type UsbIdentity } from '../../shared/devices.js';
import { RescueError } from '../../shared/errors.js';
import { cancelledError, formatMs, sleep, throwIfAborted } from '../util/deadline.js';
import { needsZlpAfter, type BulkPipe, type IoOptions, type PipeOpener } from './transport.js';
import {
  LIBUSB,
  libusbApi,
  type UsbApi,
  type UsbDeviceHandle,
  type UsbInterfaceInfo,
  type UsbTransferHandle,
} from './usb-api.js';
import { mapUsbError } from './usb-errors.js';
import { waitAndOpen } from './wait-open.js';

/** Largest single transfer: big enough for full bus speed, small enough to bound memory. */
export const MAX_TRANSFER_BYTES = 4 * 1024 * 1024;

/** "3-1.2": bus number, then the port chain, as Linux names USB devices in sysfs. */
export function busPathOf(dev: { busNumber: number; portNumbers: readonly number[] }): string {
  return dev.portNumbers.length > 0 ? `${dev.busNumber}-${dev.portNumbers.join('.')}` : `${dev.busNumber}`;
}

function idText(d: UsbIdentity): string {
  return `${hex4(d.vendorId)}:${hex4(d.productId)}`;
}

export interface BulkInterfaceChoice {
  interfaceNumber: number;
  inEndpoint: number;
  outEndpoint: number;
  /** wMaxPacketSize of the OUT endpoint. */
  maxPacketSize: number;
}

/** The vendor-specific (class 0xff) interface with exactly one bulk IN and one bulk OUT endpoint. */
export function findBulkInterface(interfaces: readonly UsbInterfaceInfo[]): BulkInterfaceChoice | undefined {
  for (const i of interfaces) {
    if (i.class !== 0xff) continue;
    const bulkIn = i.endpoints.filter((e) => e.transferType === 'bulk' && e.direction === 'in');
    const bulkOut = i.endpoints.filter((e) => e.transferType === 'bulk' && e.direction === 'out');
    if (bulkIn.length !== 1 || bulkOut.length !== 1) continue;
    const out = bulkOut[0]!;
    return {
      interfaceNumber: i.number,
      inEndpoint: bulkIn[0]!.address,
      outEndpoint: out.address,
      maxPacketSize: out.maxPacketSize > 0 ? out.maxPacketSize : 512,
    };
  }
  return undefined;
}

interface InFlight {
  handle: UsbTransferHandle;
  /** Settle the caller's promise with this error (close, unplug). */
  abandon: (e: RescueError) => void;
  /** Resolves when libusb has called back (the buffer is free again). */
  finished: Promise<void>;
}

export class UsbBulkPipe implements BulkPipe {
  readonly needsZlp = true;
  readonly maxPacketSize: number;
  private failure: RescueError | undefined;
  private closedByUs = false;
  private leftover: Uint8Array | undefined;
  private readonly inflight = new Set<InFlight>();

  constructor(
    private readonly device: UsbDeviceHandle,
    private readonly choice: BulkInterfaceChoice,
    readonly name: string,
    private readonly platform: NodeJS.Platform,
    /** Whether open() detached a kernel driver that close() should re-attach. */
    private readonly detachedDriver: boolean,
  ) {
    this.maxPacketSize = choice.maxPacketSize;
  }

  get closed(): boolean {
    return this.closedByUs || this.failure !== undefined;
  }

  async read(maxLength: number, opts: IoOptions): Promise<Uint8Array> {
    throwIfAborted(opts.signal);
    const max = Math.max(1, maxLength);
    if (this.leftover) return this.takeLeftover(max);
    this.checkUsable();
    const mps = this.maxPacketSize;
    const size = Math.min(MAX_TRANSFER_BYTES, Math.ceil(max / mps) * mps);
    const buffer = Buffer.allocUnsafe(size);
    const got = await this.transfer(this.choice.inEndpoint, buffer, opts, 'in');
    const data = buffer.subarray(0, got);
    if (data.length <= max) return data;
    this.leftover = data.subarray(max);
    return data.subarray(0, max);
  }

  async write(data: Uint8Array, opts: IoOptions): Promise<void> {
    throwIfAborted(opts.signal);
    this.checkUsable();
    const deadline = Date.now() + opts.timeoutMs;
    const whole = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // Chunks are whole packets, so the device sees one continuous transfer.
    const chunk = MAX_TRANSFER_BYTES - (MAX_TRANSFER_BYTES % this.maxPacketSize);
    let offset = 0;
    do {
      const part = whole.subarray(offset, offset + chunk);
      const sent = await this.transfer(
        this.choice.outEndpoint,
        part,
        { ...opts, timeoutMs: this.left(deadline, opts) },
        'out',
      );
      if (sent !== part.length) {
        throw new RescueError('DEVICE_DISCONNECTED', `${this.name} took only ${sent} of ${part.length} bytes.`);
      }
      offset += part.length;
    } while (offset < whole.length);
    if (needsZlpAfter(data.length, this.maxPacketSize)) {
      await this.transfer(
        this.choice.outEndpoint,
        Buffer.alloc(0),
        { ...opts, timeoutMs: this.left(deadline, opts) },
        'out',
      );
    }
  }

  async close(): Promise<void> {
    if (this.closedByUs) return;
    this.closedByUs = true;
    this.leftover = undefined;
    const gone = new RescueError('DEVICE_DISCONNECTED', `${this.name} was closed.`);
    const pending = [...this.inflight];
    for (const t of pending) {
      t.abandon(gone);
      try {
        t.handle.cancel();
      } catch {
        // already finished
      }
    }
    // libusb must hand the buffers back before the interface is released.
    await Promise.race([Promise.all(pending.map((t) => t.finished)), sleep(1000)]);
    const n = this.choice.interfaceNumber;
    try {
      await Promise.race([this.device.releaseInterface(n), sleep(1000)]);
    } catch {
      // the device may be gone already
    }
    if (this.detachedDriver) {
      try {
        this.device.attachKernelDriver(n);
      } catch {
        // best effort: the driver comes back on the next enumeration anyway
      }
    }
    try {
      this.device.close();
    } catch {
      // already closed or gone
    }
  }

  private checkUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closedByUs) throw new RescueError('DEVICE_DISCONNECTED', `${this.name} was closed.`);
  }

  private left(deadline: number, opts: IoOptions): number {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new RescueError(
        'DEVICE_TIMEOUT',
        `${this.name} did not take the data within ${formatMs(opts.timeoutMs)}${opts.what ? ` (${opts.what})` : ''}.`,
      );
    return left;
  }

  private takeLeftover(max: number): Uint8Array {
    const l = this.leftover!;
    if (l.length <= max) {
      this.leftover = undefined;
      return l;
    }
    this.leftover = l.subarray(max);
    return l.subarray(0, max);
  }

  /** One libusb transfer, bounded by opts.timeoutMs and opts.signal; resolves with the bytes moved. */
  private transfer(endpoint: number, buffer: Buffer, opts: IoOptions, direction: 'in' | 'out'): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      let markFinished!: () => void;
      const finished = new Promise<void>((r) => (markFinished = r));
      const timeoutMs = Math.max(1, Math.ceil(opts.timeoutMs));
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const timeoutError = (): RescueError =>
        direction === 'in'
          ? new RescueError(
              'DEVICE_TIMEOUT',
              `No data from ${this.name} for ${formatMs(timeoutMs)}${opts.what ? ` (waiting for ${opts.what})` : ''}.`,
            )
          : new RescueError(
              'DEVICE_TIMEOUT',
              `${this.name} did not take ${buffer.length} bytes within ${formatMs(timeoutMs)}${opts.what ? ` (${opts.what})` : ''}.`,
            );
      let handle: UsbTransferHandle;
      const entry: InFlight = {
        handle: { cancel: () => handle?.cancel() },
        abandon: (e) => settle(() => reject(e)),
        finished,
      };
      const onAbort = (): void => {
        settle(() => reject(cancelledError(opts.signal?.reason)));
        try {
          handle?.cancel();
        } catch {
          // already finished
        }
      };
      // libusb enforces the timeout; this guard only catches a binding that never calls back.
      const guard = setTimeout(() => {
        settle(() => reject(timeoutError()));
        try {
          handle?.cancel();
        } catch {
          // already finished
        }
      }, timeoutMs + 2000);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        handle = this.device.submit(endpoint, buffer, timeoutMs, (error, actual) => {
          this.inflight.delete(entry);
          markFinished();
          if (error?.errno === LIBUSB.TRANSFER_CANCELLED && settled && this.platform === 'darwin') {
            // macOS leaves a cancelled endpoint halted.
            this.device.clearHalt(endpoint).catch(() => undefined);
          }
          if (!error) return settle(() => resolve(actual));
          // A read that timed out after some bytes arrived returns those bytes.
          if (
            direction === 'in' &&
            actual > 0 &&
            (error.errno === LIBUSB.TRANSFER_TIMED_OUT || error.errno === LIBUSB.ERROR_TIMEOUT)
          ) {
            return settle(() => resolve(actual));
          }
          const mapped = mapUsbError(error, { name: this.name, platform: this.platform, timeoutError });
          if (
            mapped.code === 'DEVICE_DISCONNECTED' &&
            (error.errno === LIBUSB.TRANSFER_NO_DEVICE || error.errno === LIBUSB.ERROR_NO_DEVICE)
          ) {
            this.failure ??= mapped;
          }
          settle(() => reject(mapped));
        });
      } catch (e) {
        markFinished();
        const mapped = mapUsbError(e, { name: this.name, platform: this.platform, timeoutError });
        if (mapped.code === 'DEVICE_DISCONNECTED') this.failure ??= mapped;
        return settle(() => reject(mapped));
      }
      if (!settled) this.inflight.add(entry);
    });
  }
}

export interface UsbEdlOpenerOptions {
  /** Which VID:PIDs count as the EDL device (default shared/devices.ts EDL_IDS). */
  ids?: readonly UsbIdentity[];
  /** How often to rescan the bus while waiting (ms, default 250). */
  pollMs?: number;
  /** Only this USB port ("3-1.2"); default any port. */
  busPath?: string;
  /** Keep retrying a device that is present but refuses to open for this long (ms, default 1500). */
  openRetryMs?: number;
  /** The libusb slice to use (tests pass a fake). */
  api?: UsbApi;
}

export class UsbEdlOpener implements PipeOpener {
  readonly description: string;
  private readonly ids: readonly UsbIdentity[];
  private readonly pollMs: number;
  private readonly busPath: string | undefined;
  private readonly openRetryMs: number;
  private readonly api: UsbApi;

  constructor(options: UsbEdlOpenerOptions = {}) {
    this.ids = options.ids ?? EDL_IDS;
    this.pollMs = options.pollMs ?? 250;
    this.busPath = options.busPath;
    this.openRetryMs = options.openRetryMs ?? 1500;
    this.api = options.api ?? libusbApi();
    this.description = `EDL device ${this.ids.map(idText).join(' or ')} on ${this.busPath ? `USB port ${this.busPath}` : 'any USB port'}`;
  }

  open(opts: IoOptions): Promise<BulkPipe> {
    return waitAndOpen(
      opts,
      { pollMs: this.pollMs, openRetryMs: this.openRetryMs },
      async () => {
        const candidates = (await this.api.listDevices()).filter(
          (d) =>
            this.ids.some((id) => id.vendorId === d.vendorId && id.productId === d.productId) &&
            (this.busPath === undefined || busPathOf(d) === this.busPath),
        );
        let lastError: RescueError | undefined;
        for (const dev of candidates) {
          try {
            return this.openDevice(dev);
          } catch (e) {
            lastError =
              e instanceof RescueError
                ? e
                : mapUsbError(e, { name: this.nameOf(dev), platform: this.api.platform, opening: true });
          }
        }
        if (lastError) throw lastError;
        return undefined;
      },
      () =>
        new RescueError(
          'DEVICE_NOT_FOUND',
          `Waited ${formatMs(opts.timeoutMs)} for a USB device ${this.ids.map(idText).join(' or ')}${this.busPath ? ` on port ${this.busPath}` : ''}.`,
        ),
    );
  }

  private nameOf(dev: UsbDeviceHandle): string {
    return `USB ${busPathOf(dev)} ${hex4(dev.vendorId)}:${hex4(dev.productId)}`;
  }

  private openDevice(dev: UsbDeviceHandle): UsbBulkPipe {
    const name = this.nameOf(dev);
    const ctx = { name, platform: this.api.platform, opening: true };
    let choice: BulkInterfaceChoice | undefined;
    try {
      choice = findBulkInterface(dev.interfaces());
    } catch (e) {
      throw mapUsbError(e, ctx);
    }
    if (!choice) {
      throw new RescueError(
        'DEVICE_OPEN_FAILED',
        `${name} has no vendor-specific interface with one bulk IN and one bulk OUT endpoint; it is not a Qualcomm download-mode device.`,
      );
    }
    try {
      dev.open();
    } catch (e) {
      throw mapUsbError(e, ctx);
    }
    const n = choice.interfaceNumber;
    let detached = false;
    try {
      // On Linux qcserial (or option) binds the interface and turns it into /dev/ttyUSBn: take it over.
      if (this.api.platform === 'linux' && dev.isKernelDriverActive(n)) {
        dev.detachKernelDriver(n);
        detached = true;
      }
      dev.claimInterface(n);
    } catch (e) {
      if (detached) {
        try {
          dev.attachKernelDriver(n);
        } catch {
          // best effort
        }
      }
      try {
        dev.close();
      } catch {
        // best effort
      }
      throw mapUsbError(e, ctx);
    }
    return new UsbBulkPipe(dev, choice, name, this.api.platform, detached);
  }
}

export interface ListedUsbDevice {
  vendorId: number;
  productId: number;
  busNumber: number;
  /** Port chain from the root hub, "1.2" (empty when unknown). */
  portPath: string;
  deviceAddress: number;
}

/** Every USB device libusb sees, for detection on systems without sysfs. */
export async function listUsbDevices(api: UsbApi = libusbApi()): Promise<ListedUsbDevice[]> {
  return (await api.listDevices()).map((d) => ({
    vendorId: d.vendorId,
    productId: d.productId,
    busNumber: d.busNumber,
    portPath: d.portNumbers.join('.'),
    deviceAddress: d.deviceAddress,
  }));
}
