// The doctor as the wizard's Prepare step and `modem-rescue doctor` show it, on fed systems.

import { describe, expect, it } from 'vitest';
import { makeDoctorCommand } from '../../src-main/cli/commands/doctor.js';
import type { UsbAvailability, UsbEnumerator } from '../../src-main/platform/usb-enumerator.js';
import { platformChecks, runFix } from '../../src-main/service/platform-checks.js';
import { fakeSystem, modemFiles, ok, type FakeState } from './fake-system.js';
import { textIo } from '../helpers/cli-io.js';

const bus = (avail: UsbAvailability): UsbEnumerator =>
  ({ availability: () => Promise.resolve(avail), list: () => Promise.resolve([]) }) as unknown as UsbEnumerator;

function qcserialEdl(extra: FakeState = {}): FakeState {
  const m = modemFiles('1-2', { vid: '05c6', pid: '9008', control: 'auto', drivers: { '1-2:1.0': 'qcserial' } });
  return { files: { ...m.files, '/dev/bus/usb/001/005': '' }, links: m.links, ...extra };
}

describe('Prepare step checks', () => {
  it("USB visible: the doctor's checks follow, with their fixes", async () => {
    const checks = await platformChecks(bus({ available: true }), 'linux', fakeSystem(qcserialEdl()));
    expect(checks[0]).toMatchObject({ id: 'usb', state: 'ok' });
    expect(checks.filter((c) => c.id === 'usb')).toHaveLength(1);
    expect(checks.find((c) => c.id.startsWith('drivers'))?.fix?.id).toBe('unbind:qcserial:1-2:1.0');
    expect(checks.find((c) => c.id.startsWith('permissions'))).toMatchObject({
      state: 'fail',
      fix: { id: 'udev-rule', needsAdmin: true },
    });
    expect(checks.find((c) => c.id.startsWith('autosuspend'))?.state).toBe('warn');
  });

  it('no USB: the rest are unknown, say what was found, and offer no fix', async () => {
    const checks = await platformChecks(bus({ available: false, reason: 'no /sys/bus/usb' }), 'linux', fakeSystem({}));
    expect(checks[0]).toMatchObject({ id: 'usb', state: 'fail' });
    expect(checks.slice(1).map((c) => c.id)).toEqual(['modemmanager', 'udev-rule']);
    for (const c of checks.slice(1)) {
      expect(c.state).toBe('unknown');
      expect(c.fix).toBeUndefined();
    }
    // What was found, in words: no internal state names on screen.
    expect(checks[2]!.detail).toMatch(/it may need attention.*No Modem Rescue udev rule/);
    expect(checks.map((c) => c.detail).join(' ')).not.toMatch(/found: |\b(warn|fail|ok)\)/);
    // The problem without a fix says what to do by hand.
    expect(checks[0]!.manual).toMatch(/computer the modem is plugged into/);
  });

  it('runFix runs the fix through the system, then checks again', async () => {
    const line = 'pkexec sh -c echo on > /sys/bus/usb/devices/1-2/power/control';
    const sys = fakeSystem(qcserialEdl({ commands: { [line]: ok() } }));
    const checks = await runFix('autosuspend-off:1-2', bus({ available: true }), sys);
    expect(sys.ran).toContain(line);
    expect(checks[0]?.id).toBe('usb');
  });
});

describe('modem-rescue doctor', () => {
  it('one line per check with its state, and the fix to run', async () => {
    const o = textIo();
    expect(await makeDoctorCommand(() => fakeSystem(qcserialEdl())).run([], o)).toBe(0);
    const text = o.text();
    expect(text).toMatch(/^ok {7}USB subsystem/m);
    expect(text).toMatch(/^FAIL {5}This user can open 05c6:9008 at USB 1-2/m);
    expect(text).toMatch(/^WARN {5}Kernel drivers on 05c6:9008/m);
    expect(text).toContain('modem-rescue doctor --fix udev-rule');
    expect(text).toMatch(/\d checks need attention\./);
  });

  it('says "no USB subsystem here" and prints JSON with --json', async () => {
    const o = textIo();
    await makeDoctorCommand(() => fakeSystem({})).run(['--json'], o);
    const checks = JSON.parse(o.text()) as { id: string; state: string; detail: string }[];
    expect(checks[0]).toMatchObject({ id: 'usb', state: 'fail' });
    expect(checks[0]!.detail).toMatch(/No USB subsystem here/);
  });

  it('--fix describes the fix before running it', async () => {
    const line = 'pkexec sh -c echo 1-2:1.0 > /sys/bus/usb/drivers/qcserial/unbind';
    const sys = fakeSystem(qcserialEdl({ commands: { [line]: ok() } }));
    const o = textIo();
    await makeDoctorCommand(() => sys).run(['--fix', 'unbind:qcserial:1-2:1.0'], o);
    expect(o.errText()).toMatch(
      /Detach the qcserial driver: .*Runs: pkexec sh -c 'echo 1-2:1\.0 > \/sys\/bus\/usb\/drivers\/qcserial\/unbind'/,
    );
    expect(sys.ran).toContain(line);
  });
});
