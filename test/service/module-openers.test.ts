// The two ways the service reaches a module's ports: the real computer's and the demo module's.

import { describe, expect, it } from 'vitest';
import type { DeviceSummary } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import { summarizeNamedPort } from '../../src-main/service/edl-ports.js';
import { demoOpeners, realOpeners } from '../../src-main/service/module-openers.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';

const opener = (description: string): PipeOpener => ({
  description,
  open: () => Promise.reject(new Error('not in this test')),
});
const EC25: DeviceSummary = {
  id: '1-1.2',
  mode: 'normal',
  name: 'Quectel EC25',
  vidPid: '2c7c:0125',
  explanation: '',
  ports: { dm: '/dev/ttyUSB0', at: '/dev/ttyUSB2' },
  demo: false,
};
const noSwitch = () => Promise.resolve({ text: 'nothing here' });
const portPower = {
  kind: 'port-power' as const,
  description: "Switching the demo modem's USB port off and on",
  cutsPower: true,
  cycle: () => Promise.resolve(),
};
const noUsb = { availability: async () => ({ available: false as const, reason: 'none' }), list: async () => [] };

describe('module openers', () => {
  it('real: the DM and AT ttys the driver made, the EDL device wherever it shows', () => {
    const asked: string[] = [];
    const real = realOpeners(
      noUsb,
      {
        serial: (p) => (asked.push(p), opener(`serial ${p}`)),
        usbEdl: () => opener('usb'),
      },
      noSwitch,
    );
    expect(real.dm(EC25).description).toBe('serial /dev/ttyUSB0');
    expect(real.at(EC25).description).toBe('serial /dev/ttyUSB2');
    expect(asked).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB2']);
    expect(real.edl().description).toMatch(/EDL \(05c6:9008\) on a serial port or over USB/);
  });

  it('real: each module in EDL at its own port: the tty a driver (or --edl-port) gave it, else libusb at its bus path', async () => {
    const usb: (string | undefined)[] = [];
    const real = realOpeners(
      noUsb,
      { serial: (p) => opener(`serial ${p}`), usbEdl: (o) => (usb.push(o?.busPath), opener('usb')) },
      noSwitch,
    );
    const edl = { ...EC25, mode: 'edl' as const, vidPid: '05c6:9008' };
    expect(real.edlAt({ ...edl, id: '1-1.4', ports: { edl: '/dev/ttyUSB5' } }).description).toBe('serial /dev/ttyUSB5');
    expect(real.edlAt({ ...edl, id: '1-1.5', ports: {} }).description).toBe('usb');
    expect(usb).toEqual(['1-1.5']);
    const port = summarizeNamedPort('/dev/pts/7');
    expect(real.edlAt(port).description).toBe('serial /dev/pts/7');
    // A named port's USB port is not known: its power is cut by hand, and the platform is not asked.
    const choice = await real.powerSwitch(port, { portOnly: true });
    expect(choice.powerSwitch).toBeUndefined();
    expect(choice.text).toMatch(/\/dev\/pts\/7 was named by hand.*power-cycle it by hand/);
  });

  it('real: a module without a DM port says so, naming it', () => {
    const real = realOpeners(noUsb, { serial: (p) => opener(p), usbEdl: () => opener('usb') }, noSwitch);
    const e = (() => {
      try {
        real.dm({ ...EC25, ports: {} });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(RescueError);
    expect((e as RescueError).code).toBe('PORT_NOT_FOUND');
    expect((e as RescueError).message).toMatch(/Quectel EC25 at USB 1-1.2 shows no DM\/DIAG serial port/);
  });

  it('demo: the demo module its own buses', () => {
    const demo = demoOpeners({
      dmOpener: opener('demo dm'),
      atOpener: opener('demo at'),
      edlOpener: opener('demo edl'),
      portPower,
    });
    expect([
      demo.dm(EC25).description,
      demo.at(EC25).description,
      demo.edl().description,
      demo.edlAt(EC25).description,
    ]).toEqual(['demo dm', 'demo at', 'demo edl', 'demo edl']);
  });

  it('power: the demo module its port switch; the real computer what its platform offers for the module', async () => {
    const demo = demoOpeners({
      dmOpener: opener('demo dm'),
      atOpener: opener('demo at'),
      edlOpener: opener('demo edl'),
      portPower,
    });
    const d = await demo.powerSwitch(undefined);
    expect(d.powerSwitch).toBe(portPower);
    expect(d.text).toMatch(/If the modem hangs: switching the demo modem's usb port off and on/i);
    const asked: (string | undefined)[] = [];
    const real = realOpeners(noUsb, { serial: (p) => opener(p), usbEdl: () => opener('usb') }, (m) => {
      asked.push(m?.id);
      return Promise.resolve({ text: 'nothing here' });
    });
    expect((await real.powerSwitch(EC25)).powerSwitch).toBeUndefined();
    expect(asked).toEqual(['1-1.2']);
  });
});
