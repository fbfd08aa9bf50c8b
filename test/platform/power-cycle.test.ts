import { describe, expect, it } from 'vitest';
import type { RescueError } from '../../shared/errors.js';
import {
  hubPortDir,
  listPowerCycleActions,
  runPowerCycleAction,
  waitForModem,
  type PowerCycleAction,
} from '../../src-main/platform/power-cycle.js';
import { fakeSystem, modemFiles, ok, type FakeState } from './fake-system.js';

const rejection = async (p: Promise<unknown>): Promise<RescueError> => {
  try {
    await p;
  } catch (e) {
    return e as RescueError;
  }
  throw new Error('expected a rejection');
};
const byId = (a: PowerCycleAction[], id: PowerCycleAction['id']): PowerCycleAction => a.find((x) => x.id === id)!;
const AUTH = '/sys/bus/usb/devices/1-2/authorized';

function state(extra: FakeState = {}): FakeState {
  const m = modemFiles('1-2', { vid: '2c7c', pid: '0125' });
  return {
    installed: ['rtcwake', 'pkexec', 'systemctl'],
    ...extra,
    files: { '/sys/power/state': 'freeze mem disk\n', ...m.files, ...(extra.files ?? {}) },
    links: m.links,
  };
}

describe('suspend and wake', () => {
  it('rtcwake present, user: pkexec rtcwake -m mem -s N, needs admin', async () => {
    const a = byId(await listPowerCycleActions(fakeSystem(state()), { suspendSeconds: 7 }), 'suspend-wake');
    expect(a).toMatchObject({ available: true, needsAdmin: true });
    expect(a.commands).toEqual([{ cmd: 'pkexec', args: ['rtcwake', '-m', 'mem', '-s', '7'] }]);
    expect(a.explanation).toMatch(/cuts power.*after 7 seconds.*pkexec rtcwake -m mem -s 7/);
  });

  it('root: rtcwake without pkexec', async () => {
    const a = byId(await listPowerCycleActions(fakeSystem(state({ uid: 0 }))), 'suspend-wake');
    expect(a).toMatchObject({
      available: true,
      needsAdmin: false,
      commands: [{ cmd: 'rtcwake', args: ['-m', 'mem', '-s', '5'] }],
    });
  });

  it('/sys/power/state lacks mem: not available, says why and how by hand', async () => {
    const a = byId(
      await listPowerCycleActions(fakeSystem(state({ files: { '/sys/power/state': 'freeze disk\n' } }))),
      'suspend-wake',
    );
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(/cannot suspend to RAM.*"freeze disk".*By hand/);
  });

  it('rtcwake absent: systemd with the RTC wake alarm; neither: not available', async () => {
    const sd = byId(
      await listPowerCycleActions(
        fakeSystem(state({ installed: ['pkexec', 'systemctl'], files: { '/sys/class/rtc/rtc0/wakealarm': '' } })),
      ),
      'suspend-wake',
    );
    expect(sd.available).toBe(true);
    expect(sd.commands).toEqual([
      {
        cmd: 'pkexec',
        args: ['sh', '-c', 'echo 0 > /sys/class/rtc/rtc0/wakealarm && echo +5 > /sys/class/rtc/rtc0/wakealarm'],
      },
      { cmd: 'systemctl', args: ['suspend'] },
    ]);
    const none = byId(await listPowerCycleActions(fakeSystem(state({ installed: ['pkexec'] }))), 'suspend-wake');
    expect(none.available).toBe(false);
    expect(none.reason).toMatch(/Neither rtcwake/);
  });

  it('needs admin but pkexec absent: not available, suggests sudo', async () => {
    const a = byId(await listPowerCycleActions(fakeSystem(state({ installed: ['rtcwake'] }))), 'suspend-wake');
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(/pkexec is not installed.*sudo rtcwake -m mem -s 5/);
  });

  it('another platform: not available, with the way by hand', async () => {
    const a = byId(await listPowerCycleActions(fakeSystem({ platform: 'win32' })), 'suspend-wake');
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(/Linux only.*By hand/);
  });

  it('a silly suspend time is a usage error', async () => {
    expect((await rejection(listPowerCycleActions(fakeSystem(state()), { suspendSeconds: 100000 }))).code).toBe(
      'USAGE',
    );
  });
});

describe('USB re-enumeration and port power', () => {
  it('authorized writable: runs directly, no admin', async () => {
    const a = byId(
      await listPowerCycleActions(fakeSystem(state({ writable: [AUTH] })), { busPath: '1-2' }),
      'usb-reauthorize',
    );
    expect(a).toMatchObject({ available: true, needsAdmin: false });
    expect(a.commands).toEqual([{ cmd: 'sh', args: ['-c', `echo 0 > ${AUTH} && sleep 1 && echo 1 > ${AUTH}`] }]);
  });

  it('authorized not writable: through pkexec; without pkexec not available', async () => {
    const a = byId(await listPowerCycleActions(fakeSystem(state()), { busPath: '1-2' }), 'usb-reauthorize');
    expect(a).toMatchObject({ available: true, needsAdmin: true });
    expect(a.commands[0]?.cmd).toBe('pkexec');
    const b = byId(
      await listPowerCycleActions(fakeSystem(state({ installed: ['rtcwake'] })), { busPath: '1-2' }),
      'usb-reauthorize',
    );
    expect(b.available).toBe(false);
    expect(b.reason).toMatch(/administrator rights.*unplug the modem/);
  });

  it('no modem: the USB actions say so', async () => {
    const a = await listPowerCycleActions(fakeSystem(state()));
    expect(byId(a, 'usb-reauthorize').available).toBe(false);
    expect(byId(a, 'port-power').reason).toMatch(/No modem on USB/);
  });

  it('port power: the hub port path, offered only where the hub exposes disable', async () => {
    expect(hubPortDir('1-2')).toBe('/sys/bus/usb/devices/1-0:1.0/usb1-port2');
    expect(hubPortDir('3-1.4')).toBe('/sys/bus/usb/devices/3-1:1.0/3-1-port4');
    const port = '/sys/bus/usb/devices/1-0:1.0/usb1-port2/disable';
    const a = byId(
      await listPowerCycleActions(fakeSystem(state({ files: { [port]: '0\n' }, writable: [port] })), {
        busPath: '1-2',
      }),
      'port-power',
    );
    expect(a.commands).toEqual([{ cmd: 'sh', args: ['-c', `echo 1 > ${port} && sleep 2 && echo 0 > ${port}`] }]);
    const none = byId(await listPowerCycleActions(fakeSystem(state()), { busPath: '1-2' }), 'port-power');
    expect(none.reason).toMatch(/does not let its port power be switched/);
  });
});

describe('running an action', () => {
  it('runs its commands; a dismissed prompt is CANCELLED; an unavailable one is refused', async () => {
    const sys = fakeSystem(state({ commands: { 'pkexec rtcwake -m mem -s 5': ok() } }));
    const a = byId(await listPowerCycleActions(sys), 'suspend-wake');
    await runPowerCycleAction(sys, a);
    expect(sys.ran.at(-1)).toBe('pkexec rtcwake -m mem -s 5');
    const dismissed = fakeSystem(
      state({ commands: { 'pkexec rtcwake -m mem -s 5': { code: 126, stdout: '', stderr: '' } } }),
    );
    expect((await rejection(runPowerCycleAction(dismissed, a))).code).toBe('CANCELLED');
    const off = byId(
      await listPowerCycleActions(fakeSystem(state({ files: { '/sys/power/state': 'disk' } }))),
      'suspend-wake',
    );
    expect((await rejection(runPowerCycleAction(sys, off))).code).toBe('USAGE');
  });

  it('cancelled before it starts: nothing runs', async () => {
    const sys = fakeSystem(state());
    const a = byId(await listPowerCycleActions(sys), 'suspend-wake');
    const before = sys.ran.length;
    const ac = new AbortController();
    ac.abort();
    expect((await rejection(runPowerCycleAction(sys, a, ac.signal))).code).toBe('CANCELLED');
    expect(sys.ran.length).toBe(before);
  });

  it('waits for the modem to come back and reports its mode; times out clearly', async () => {
    const edl = modemFiles('1-3', { vid: '05c6', pid: '9008' });
    const back = await waitForModem(fakeSystem({ files: edl.files }), { timeoutMs: 100, pollMs: 10 });
    expect(back.mode).toBe('05c6:9008 at USB 1-3, download mode (EDL)');
    const e = await rejection(
      waitForModem(fakeSystem({ dirs: ['/sys/bus/usb/devices'] }), { timeoutMs: 50, pollMs: 10 }),
    );
    expect(e.code).toBe('DEVICE_NOT_FOUND');
    expect(e.message).toMatch(/came back/);
  });
});
