// Opening a real module in EDL the way this computer offers it: through the serial port a driver
// (qcserial on Linux, the Qualcomm driver on Windows) made of the download interface when there
// is one, else straight over USB (libusb). It waits, bounded, for 05c6:9008 to appear.

import { RescueError } from '../../shared/errors.js';
import { detectDevices } from '../flows/detect.js';
import type { UsbEnumerator } from '../platform/usb-enumerator.js';
import type { BulkPipe, IoOptions, PipeOpener } from '../transport/transport.js';
import { formatMs, sleep, throwIfAborted } from '../util/deadline.js';

/** Where native transports come from (the Electron main process can bridge its own in). */
export interface NativeOpeners {
  serial(path: string): PipeOpener;
  usbEdl(): PipeOpener;
}

const POLL_MS = 250;

export class AutoEdlOpener implements PipeOpener {
  readonly description = 'the module in EDL (05c6:9008) on a serial port or over USB';

  constructor(
    private readonly enumerator: UsbEnumerator,
    private readonly native: NativeOpeners,
  ) {}

  async open(io: IoOptions): Promise<BulkPipe> {
    const deadline = Date.now() + io.timeoutMs;
    for (;;) {
      throwIfAborted(io.signal);
      const left = deadline - Date.now();
      const found = await detectDevices(this.enumerator).catch(() => undefined);
      // A bus that cannot be listed here: let libusb look for the device itself.
      if (found && !found.usbAvailable) return this.native.usbEdl().open({ ...io, timeoutMs: Math.max(1, left) });
      const edl = found?.devices.find((d) => d.mode === 'edl');
      if (edl) {
        const opener = edl.edlTty ? this.native.serial(edl.edlTty) : this.native.usbEdl();
        return opener.open({ ...io, timeoutMs: Math.max(1000, left) });
      }
      if (left <= 0) throw new RescueError('DEVICE_NOT_FOUND', `Nothing appeared as 05c6:9008 within ${formatMs(io.timeoutMs)}.`);
      await sleep(Math.min(POLL_MS, left), io.signal);
    }
  }
}
