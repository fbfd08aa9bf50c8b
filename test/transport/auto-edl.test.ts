// The EDL opener the wizard and the CLI share: the serial port a driver made of the module when
// there is one, else USB; polling, bounded, until 05c6:9008 shows.

import { describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { AutoEdlOpener, type EdlSighting, type NativeOpeners } from '../../src-main/transport/auto-edl.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { rejection } from '../helpers/rejection.js';

function natives(): NativeOpeners & { used: string[] } {
  const used: string[] = [];
  const opener = (name: string): PipeOpener => ({
    description: name,
    open: async () => {
      used.push(name);
      return createMemoryPipePair({ name }).host;
    },
  });
  return { used, serial: (p) => opener(`serial ${p}`), usbEdl: () => opener('usb') };
}

describe('AutoEdlOpener', () => {
  it('opens the tty a driver made of the EDL interface', async () => {
    const n = natives();
    const pipe = await new AutoEdlOpener(async () => ({ usbAvailable: true, edl: { tty: '/dev/ttyUSB0' } }), n).open({
      timeoutMs: 1000,
    });
    expect(pipe.name).toBe('serial /dev/ttyUSB0 (host side)');
    expect(n.used).toEqual(['serial /dev/ttyUSB0']);
  });

  it('goes over USB when no driver bound it, or when the bus cannot be listed here', async () => {
    const n = natives();
    await new AutoEdlOpener(async () => ({ usbAvailable: true, edl: {} }), n).open({ timeoutMs: 1000 });
    await new AutoEdlOpener(async () => ({ usbAvailable: false }), n).open({ timeoutMs: 1000 });
    expect(n.used).toEqual(['usb', 'usb']);
  });

  it('waits for the module to appear, and says so when it never does', async () => {
    const n = natives();
    let looks = 0;
    const later = async (): Promise<EdlSighting> =>
      ++looks >= 3 ? { usbAvailable: true, edl: { tty: 'COM7' } } : { usbAvailable: true };
    expect((await new AutoEdlOpener(later, n).open({ timeoutMs: 5000 })).name).toBe('serial COM7 (host side)');
    expect(looks).toBe(3);
    const never = await rejection(new AutoEdlOpener(async () => ({ usbAvailable: true }), n).open({ timeoutMs: 300 }));
    expect(never).toBeInstanceOf(RescueError);
    expect((never as RescueError).code).toBe('DEVICE_NOT_FOUND');
  });

  it('a look that fails is a look that found nothing; cancel ends the wait', async () => {
    const n = natives();
    const ctl = new AbortController();
    const waiting = new AutoEdlOpener(async () => {
      throw new Error('sysfs went away');
    }, n).open({ timeoutMs: 10_000, signal: ctl.signal });
    ctl.abort();
    expect(((await rejection(waiting)) as RescueError).code).toBe('CANCELLED');
  });
});
