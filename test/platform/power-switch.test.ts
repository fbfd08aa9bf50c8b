// The power switch a flash run may use by itself: the hub port's power first, suspend-and-wake
// otherwise, never a USB re-enumeration; 'ask' asks before each use; the doctor says what exists.

import { describe, expect, it } from 'vitest';
import { choosePowerSwitch, powerCycleCheck } from '../../src-main/platform/power-switch.js';
import { fakeSystem, modemFiles, ok, type FakeState } from './fake-system.js';

const PORT = '/sys/bus/usb/devices/1-0:1.0/usb1-port2/disable';
const PORT_SCRIPT = `sh -c echo 1 > ${PORT} && sleep 2 && echo 0 > ${PORT}`;

function state(extra: FakeState = {}): FakeState {
  const m = modemFiles('1-2', { vid: '05c6', pid: '9008' });
  return {
    installed: ['rtcwake', 'pkexec'],
    ...extra,
    files: { '/sys/power/state': 'freeze mem\n', ...m.files, ...(extra.files ?? {}) },
    links: m.links,
  };
}

describe('choosing the power switch', () => {
  it('a hub that switches its port: port power, run directly when the file is writable', async () => {
    const sys = fakeSystem(state({ files: { [PORT]: '0\n' }, writable: [PORT], commands: { [PORT_SCRIPT]: ok() } }));
    const c = await choosePowerSwitch(sys, '1-2');
    expect(c.powerSwitch).toMatchObject({ kind: 'port-power', cutsPower: true });
    expect(c.text).toMatch(/switch the modem's usb port off and on/i);
    await c.powerSwitch!.cycle({ timeoutMs: 5000 });
    expect(sys.ran.at(-1)).toBe(PORT_SCRIPT);
  });

  it('no port switching: suspend and wake (it cuts a mini-PCIe slot), through pkexec', async () => {
    const c = await choosePowerSwitch(fakeSystem(state()), '1-2');
    expect(c.powerSwitch).toMatchObject({ kind: 'suspend-wake', cutsPower: true });
    expect(c.text).toMatch(/administrator password/);
  });

  it('neither: no switch, and the reasons say how to do it by hand; re-enumeration is never chosen', async () => {
    const sys = fakeSystem(state({ installed: [], files: { '/sys/power/state': 'freeze\n' } }));
    const c = await choosePowerSwitch(sys, '1-2');
    expect(c.powerSwitch).toBeUndefined();
    expect(c.text).toMatch(/No way to cut the modem's power from here.*cannot suspend to RAM.*By hand/);
  });

  it("'ask': a declined prompt runs nothing and fails the cycle", async () => {
    const sys = fakeSystem(state({ files: { [PORT]: '0\n' }, writable: [PORT] }));
    const asked: string[] = [];
    const c = await choosePowerSwitch(sys, '1-2', (a) => {
      asked.push(a.label);
      return Promise.resolve(false);
    });
    const before = sys.ran.length;
    await expect(c.powerSwitch!.cycle({ timeoutMs: 5000 })).rejects.toThrow(/declined/);
    expect(asked).toHaveLength(1);
    expect(sys.ran.slice(before)).toEqual([]);
  });

  it('not Linux: no switch, by hand', async () => {
    const c = await choosePowerSwitch(fakeSystem({ platform: 'darwin' }), undefined);
    expect(c.powerSwitch).toBeUndefined();
    expect(c.text).toMatch(/Linux only/);
  });
});

describe("the doctor's power-cycle line", () => {
  it('says what can cut the power here, and that re-enumeration does not restart a hung modem', async () => {
    const yes = await powerCycleCheck(fakeSystem(state({ files: { [PORT]: '0\n' }, writable: [PORT] })), '1-2');
    expect(yes.state).toBe('ok');
    expect(yes.detail).toMatch(/can be restarted from here/);
    expect(yes.detail).toMatch(/does not restart a hung modem/);
    const no = await powerCycleCheck(fakeSystem(state({ installed: [], files: { '/sys/power/state': '' } })), '1-2');
    expect(no.state).toBe('warn');
    expect(no.detail).toMatch(/by hand/);
  });
});
