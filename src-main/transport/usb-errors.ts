// libusb errors turned into errors a person can act on. libusb reports failures of calls as
// negative LIBUSB_ERROR_* numbers and failures of transfers as positive LIBUSB_TRANSFER_* statuses.

import { RescueError } from '../../shared/errors.js';
import { LIBUSB } from './usb-api.js';

export interface UsbErrorContext {
  /** The device, "USB 3-1 05c6:9008". */
  name: string;
  platform: NodeJS.Platform;
  /** True while opening/claiming (some errors mean "no driver" there, "gone" later). */
  opening?: boolean;
  /** Builds the timeout error of the operation that failed. */
  timeoutError?: () => RescueError;
}

function errnoOf(e: unknown): number | undefined {
  const n = (e as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' ? n : undefined;
}

function libusbName(errno: number | undefined, fallback: string): string {
  if (errno === undefined) return fallback;
  const entry = Object.entries(LIBUSB).find(([, v]) => v === errno);
  return entry ? `LIBUSB_${entry[0]}` : `libusb error ${errno}`;
}

export function permissionAdvice(platform: NodeJS.Platform): string {
  if (platform === 'linux') {
    return 'Linux needs a udev rule that gives you access to 05c6:9008 (TAG+="uaccess"), and qcserial must let go of it: run `modem-rescue doctor` to install the rule.';
  }
  if (platform === 'win32') {
    return 'On Windows libusb can only open the modem when the WinUSB driver is bound to 05c6:9008: run `modem-rescue doctor` for the guided driver step (or use the QDLoader COM port instead).';
  }
  return 'Run `modem-rescue doctor` to check access to USB devices.';
}

export function mapUsbError(e: unknown, ctx: UsbErrorContext): RescueError {
  if (e instanceof RescueError) return e;
  const errno = errnoOf(e);
  const raw = e instanceof Error ? e.message : String(e);
  const what = libusbName(errno, raw);
  switch (errno) {
    case LIBUSB.ERROR_TIMEOUT:
    case LIBUSB.TRANSFER_TIMED_OUT:
      return (
        ctx.timeoutError?.() ??
        new RescueError('DEVICE_TIMEOUT', `${ctx.name} did not answer in time (${what}).`, { cause: e })
      );
    case LIBUSB.TRANSFER_CANCELLED:
      // Cancelled by someone other than this transfer's caller: the handle is going away.
      return new RescueError(
        'DEVICE_DISCONNECTED',
        `The transfer on ${ctx.name} was cancelled because the device was closed.`,
        { cause: e },
      );
    case LIBUSB.ERROR_NO_DEVICE:
    case LIBUSB.TRANSFER_NO_DEVICE:
      return new RescueError('DEVICE_DISCONNECTED', `${ctx.name} dropped off the USB bus (${what}).`, { cause: e });
    case LIBUSB.ERROR_IO:
    case LIBUSB.ERROR_PIPE:
    case LIBUSB.TRANSFER_ERROR:
    case LIBUSB.TRANSFER_STALL:
      if (ctx.opening)
        return new RescueError('DEVICE_OPEN_FAILED', `${ctx.name} could not be opened (${what}).`, { cause: e });
      return new RescueError(
        'DEVICE_DISCONNECTED',
        `A USB transfer on ${ctx.name} failed (${what}): the modem was unplugged, reset or stopped responding on the bus.`,
        { cause: e },
      );
    case LIBUSB.ERROR_ACCESS:
      return new RescueError(
        'HOST_PERMISSION',
        `Opening ${ctx.name} was refused (${what}). ${permissionAdvice(ctx.platform)}`,
        { cause: e },
      );
    case LIBUSB.ERROR_BUSY:
      return new RescueError('DEVICE_OPEN_FAILED', `${ctx.name} is held by another program or driver (${what}).`, {
        cause: e,
        nextStep:
          'Close QPST, QFlash, ModemManager or an earlier flasher that holds the modem, then try again; `modem-rescue doctor` shows what holds it.',
      });
    case LIBUSB.ERROR_NOT_FOUND:
    case LIBUSB.ERROR_NOT_SUPPORTED:
      if (ctx.platform === 'win32') {
        return new RescueError(
          'HOST_PERMISSION',
          `Windows has no WinUSB driver bound to ${ctx.name} (${what}). ${permissionAdvice('win32')}`,
          { cause: e },
        );
      }
      if (ctx.opening)
        return new RescueError('DEVICE_OPEN_FAILED', `${ctx.name} could not be opened (${what}).`, { cause: e });
      return new RescueError('DEVICE_DISCONNECTED', `${ctx.name} is no longer usable (${what}).`, { cause: e });
    case LIBUSB.ERROR_OVERFLOW:
    case LIBUSB.TRANSFER_OVERFLOW:
      return new RescueError(
        'DEVICE_DISCONNECTED',
        `${ctx.name} sent more data than a transfer can hold (${what}); the link is out of step.`,
        { cause: e },
      );
    default:
      if (ctx.opening) return new RescueError('DEVICE_OPEN_FAILED', `${ctx.name}: ${raw}`, { cause: e });
      return new RescueError('DEVICE_DISCONNECTED', `A USB transfer on ${ctx.name} failed: ${raw}.`, { cause: e });
  }
}
