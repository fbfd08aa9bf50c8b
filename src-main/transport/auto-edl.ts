// Opening a real module in EDL the way this computer offers it: through the serial port a driver
// (qcserial on Linux, the Qualcomm driver on Windows) made of the download interface when there
// is one, else straight over USB (libusb). It waits, bounded, for 05c6:9008 to appear. Where to
// look is told by `locate` (flows/detect.ts reads the USB bus); this file only chooses and opens.

import { RescueError } from '../../shared/errors.js';
import type { BulkPipe, IoOptions, PipeOpener } from './transport.js';
import { formatMs, sleep, throwIfAborted } from '../util/deadline.js';

/** Where native transports come from (the Electron main process can bridge its own in). */
export interface NativeOpeners {
  serial(path: string): PipeOpener;
  /** The EDL device over libusb: the one at busPath, or the first one found. */
  usbEdl(opts?: { busPath?: string }): PipeOpener;
}

/** One look at the bus: whether it can be listed, and the EDL device on it (with its tty, if a driver made one). */
export interface EdlSighting {
  usbAvailable: boolean;
  edl?: { tty?: string };
}

const POLL_MS = 250;

export class AutoEdlOpener implements PipeOpener {
  readonly description = 'the module in EDL (05c6:9008) on a serial port or over USB';

  constructor(
    private readonly locate: () => Promise<EdlSighting>,
    private readonly native: NativeOpeners,
  ) {}

  async open(io: IoOptions): Promise<BulkPipe> {
    const deadline = Date.now() + io.timeoutMs;
    for (;;) {
      throwIfAborted(io.signal);
      const left = deadline - Date.now();
      const found = await this.locate().catch(() => undefined);
      // A bus that cannot be listed here: let libusb look for the device itself.
      if (found && !found.usbAvailable) return this.native.usbEdl().open({ ...io, timeoutMs: Math.max(1, left) });
      if (found?.edl) {
        const opener = found.edl.tty ? this.native.serial(found.edl.tty) : this.native.usbEdl();
        return opener.open({ ...io, timeoutMs: Math.max(1000, left) });
      }
      if (left <= 0)
        throw new RescueError('DEVICE_NOT_FOUND', `Nothing appeared as 05c6:9008 within ${formatMs(io.timeoutMs)}.`);
      await sleep(Math.min(POLL_MS, left), io.signal);
    }
  }
}
