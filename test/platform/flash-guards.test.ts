import { describe, expect, it } from 'vitest';
import { holdForFlash } from '../../src-main/platform/flash-guards.js';
import { fakeSystem, modemFiles } from './fake-system.js';

describe('what the computer holds while a real modem is flashed', () => {
  it('switches autosuspend off for a modem in EDL and gives the old value back after', async () => {
    const m = modemFiles('1-2', { vid: '05c6', pid: '9008', control: 'auto' });
    const sys = fakeSystem({
      platform: 'linux',
      files: m.files,
      links: m.links,
      dirs: ['/sys/bus/usb/devices'],
      writable: ['/sys/bus/usb/devices/1-2/power/control'],
    });
    const logs: string[] = [];
    const g = await holdForFlash(sys, (e) => e.type === 'log' && logs.push(e.message));
    expect(sys.written['/sys/bus/usb/devices/1-2/power/control']).toMatch(/^on/);
    await g.release();
    expect(sys.written['/sys/bus/usb/devices/1-2/power/control']).toMatch(/^auto/);
    expect(logs.some((l) => l.includes('1-2'))).toBe(true);
  });

  it('holds nothing on other systems or where no modem is in EDL', async () => {
    const win = fakeSystem({ platform: 'win32' });
    await (await holdForFlash(win)).release();
    expect(win.written).toEqual({});
    const m = modemFiles('1-2', { vid: '2c7c', pid: '0125', control: 'auto' });
    const normal = fakeSystem({
      platform: 'linux',
      files: m.files,
      links: m.links,
      dirs: ['/sys/bus/usb/devices'],
      writable: ['/sys/bus/usb/devices/1-2/power/control'],
    });
    await (await holdForFlash(normal)).release();
    expect(normal.written).toEqual({});
  });
});
