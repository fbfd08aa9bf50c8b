// Devices for the engine's worker thread, from the main process that owns USB and serial (native
// addons are not loaded in the worker). The worker asks main to open a pipe (EDL over libusb, or
// a serial port by path) and gets a MessagePort served by servePipe(); it asks main what is on the
// USB bus through the same channel.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { RescueError } from '../../shared/errors.js';
import type { EnumeratedDevice, UsbAvailability, UsbEnumerator } from '../platform/usb-enumerator.js';
import type { BulkPipe, IoOptions, PipeOpener } from '../transport/transport.js';
import { PortPipe, servePipe, type PipeInfo } from './pipe-bridge.js';
import type { Handler, RpcEndpoint } from './rpc.js';

/** Which device to open. */
export type OpenTarget = { kind: 'usb-edl'; busPath?: string } | { kind: 'serial'; path: string };

/** How main opens real devices (tests pass in-memory ones). */
export interface MainDevices {
  opener(target: OpenTarget): PipeOpener;
  enumerator: UsbEnumerator;
}

function describe(t: OpenTarget): string {
  return t.kind === 'serial'
    ? `serial port ${t.path}`
    : `EDL device 05c6:9008 on ${t.busPath ? `USB port ${t.busPath}` : 'any USB port'}`;
}

function parseTarget(v: unknown): OpenTarget {
  const t = (v ?? {}) as { kind?: unknown; path?: unknown; busPath?: unknown };
  if (t.kind === 'serial' && typeof t.path === 'string' && t.path.length > 0 && t.path.length < 4096)
    return { kind: 'serial', path: t.path };
  if (t.kind === 'usb-edl')
    return typeof t.busPath === 'string' && t.busPath.length < 256
      ? { kind: 'usb-edl', busPath: t.busPath }
      : { kind: 'usb-edl' };
  throw new RescueError('INTERNAL', 'The engine asked to open a device it did not describe.');
}

/** Main side: the requests the worker may make about devices. */
export function deviceHandlers(devices: MainDevices): Record<string, Handler> {
  return {
    async open(params, signal) {
      const p = (params ?? {}) as { target?: unknown; timeoutMs?: unknown };
      const target = parseTarget(p.target);
      const timeoutMs = typeof p.timeoutMs === 'number' && p.timeoutMs > 0 ? p.timeoutMs : 1000;
      const pipe: BulkPipe = await devices.opener(target).open({ timeoutMs, signal });
      if (signal.aborted) {
        await pipe.close().catch(() => undefined);
        throw new RescueError('CANCELLED');
      }
      const { port1, port2 } = new MessageChannel();
      servePipe(pipe, port1);
      const info: PipeInfo = { name: pipe.name, maxPacketSize: pipe.maxPacketSize, needsZlp: pipe.needsZlp };
      return { value: { port: port2, info }, transfer: [port2] };
    },
    async usbAvailability() {
      return { value: await devices.enumerator.availability() };
    },
    async usbList() {
      return { value: await devices.enumerator.list() };
    },
  };
}

/** Worker side: opens a device through main. */
export class RemoteOpener implements PipeOpener {
  readonly description: string;

  constructor(
    private readonly rpc: RpcEndpoint,
    private readonly target: OpenTarget,
  ) {
    this.description = describe(target);
  }

  async open(opts: IoOptions): Promise<BulkPipe> {
    // main bounds the open by timeoutMs; the answer itself is awaited until main answers or the worker's channel closes.
    const answer = (await this.rpc.request(
      'open',
      { target: this.target, timeoutMs: opts.timeoutMs },
      opts.signal ? { signal: opts.signal } : {},
    )) as {
      port: MessagePort;
      info: PipeInfo;
    };
    return new PortPipe(answer.port, answer.info);
  }
}

/** Worker side: what is on the USB bus, asked of main. */
export class RemoteEnumerator implements UsbEnumerator {
  constructor(private readonly rpc: RpcEndpoint) {}

  async availability(): Promise<UsbAvailability> {
    return (await this.rpc.request('usbAvailability', {})) as UsbAvailability;
  }

  async list(): Promise<EnumeratedDevice[]> {
    return (await this.rpc.request('usbList', {})) as EnumeratedDevice[];
  }
}
