import { describe, expect, it } from 'vitest';
import type { RescueError } from '../../shared/errors.js';
import { runDoctorFix } from '../../src-main/platform/doctor.js';
import {
  applyFix,
  autosuspendFix,
  holdPowerOn,
  inhibitModemManager,
  udevRuleFix,
  unbindFix,
} from '../../src-main/platform/linux/fixes.js';
import { fakeSystem, modemFiles, ok } from './fake-system.js';

const RULES = '/opt/modem rescue/60-modem-rescue.rules';
const rejection = async (p: Promise<unknown>): Promise<RescueError> => {
  try {
    await p;
  } catch (e) {
    return e as RescueError;
  }
  throw new Error('expected a rejection');
};

describe('fixes build the exact command they will run', () => {
  it('udev rule: pkexec install for a user, plain install for root', () => {
    expect(udevRuleFix(fakeSystem({}), RULES).command).toEqual({
      cmd: 'pkexec',
      args: ['install', '-m', '0644', RULES, '/etc/udev/rules.d/60-modem-rescue.rules'],
    });
    expect(udevRuleFix(fakeSystem({}), RULES).explanation).toContain(
      `pkexec install -m 0644 '${RULES}' /etc/udev/rules.d/60-modem-rescue.rules`,
    );
    expect(udevRuleFix(fakeSystem({ uid: 0 }), RULES)).toMatchObject({
      needsAdmin: false,
      command: { cmd: 'install' },
    });
  });

  it('autosuspend: echo on > power/control, through pkexec only when not writable', async () => {
    const path = '/sys/bus/usb/devices/1-2/power/control';
    expect((await autosuspendFix(fakeSystem({}), '1-2')).command).toEqual({
      cmd: 'pkexec',
      args: ['sh', '-c', `echo on > ${path}`],
    });
    const direct = await autosuspendFix(fakeSystem({ writable: [path] }), '1-2');
    expect(direct).toMatchObject({ needsAdmin: false, command: { cmd: 'sh', args: ['-c', `echo on > ${path}`] } });
  });

  it('unbind: echo IFACE > /sys/bus/usb/drivers/DRIVER/unbind; names that could reach a shell are refused', async () => {
    expect((await unbindFix(fakeSystem({}), '1-2:1.0', 'qcserial')).command.args).toEqual([
      'sh',
      '-c',
      'echo 1-2:1.0 > /sys/bus/usb/drivers/qcserial/unbind',
    ]);
    expect((await rejection(unbindFix(fakeSystem({}), '1-2:1.0; rm -rf /', 'qcserial'))).code).toBe('USAGE');
    expect((await rejection(autosuspendFix(fakeSystem({}), '1-2/../../x'))).code).toBe('USAGE');
  });
});

describe('running a fix reports what went wrong', () => {
  const fix = udevRuleFix(fakeSystem({}), RULES);
  const line = `pkexec install -m 0644 ${RULES} /etc/udev/rules.d/60-modem-rescue.rules`;

  it('succeeds and runs exactly that command', async () => {
    const sys = fakeSystem({ commands: { [line]: ok() } });
    await applyFix(sys, fix);
    expect(sys.ran).toEqual([line]);
  });

  it('pkexec absent: HOST_TOOL_MISSING naming pkexec and the sudo alternative', async () => {
    const e = await rejection(applyFix(fakeSystem({}), fix));
    expect(e.code).toBe('HOST_TOOL_MISSING');
    expect(e.message).toMatch(/pkexec.*not installed.*sudo install/);
  });

  it('prompt dismissed (126): CANCELLED, nothing changed; refused (127): HOST_PERMISSION', async () => {
    const dismissed = await rejection(
      applyFix(fakeSystem({ commands: { [line]: { code: 126, stdout: '', stderr: '' } } }), fix),
    );
    expect(dismissed.code).toBe('CANCELLED');
    expect(dismissed.message).toMatch(/dismissed; nothing was changed/);
    const refused = await rejection(
      applyFix(fakeSystem({ commands: { [line]: { code: 127, stdout: '', stderr: 'Not authorized' } } }), fix),
    );
    expect(refused.code).toBe('HOST_PERMISSION');
    expect(refused.message).toMatch(/exit 127/);
  });

  it('the command itself fails: HOST_IO with its exit code and message', async () => {
    const e = await rejection(
      applyFix(
        fakeSystem({
          commands: {
            [line]: { code: 1, stdout: '', stderr: 'install: cannot create regular file: Read-only file system' },
          },
        }),
        fix,
      ),
    );
    expect(e.code).toBe('HOST_IO');
    expect(e.message).toMatch(/exited with 1: install: cannot create.*Read-only/);
  });

  it('runDoctorFix resolves ids and refuses unknown ones', async () => {
    const sys = fakeSystem({ commands: { 'pkexec sh -c echo on > /sys/bus/usb/devices/1-2/power/control': ok() } });
    await runDoctorFix(sys, 'autosuspend-off:1-2', { rulesSource: RULES });
    expect(sys.ran).toEqual(['pkexec sh -c echo on > /sys/bus/usb/devices/1-2/power/control']);
    expect((await rejection(runDoctorFix(sys, 'format-disk'))).code).toBe('USAGE');
  });
});

describe('held during a run, released after', () => {
  it('power/control=on during the run, "auto" restored after', async () => {
    const m = modemFiles('1-2', { vid: '05c6', pid: '9008', control: 'auto' });
    const path = '/sys/bus/usb/devices/1-2/power/control';
    const sys = fakeSystem({ files: m.files, writable: [path] });
    const held = await holdPowerOn(sys, '1-2');
    expect(await sys.readFile(path)).toBe('on');
    await held.release();
    expect(await sys.readFile(path)).toBe('auto');
  });

  it('power/control not writable: changes nothing and says so', async () => {
    const m = modemFiles('1-2', { vid: '05c6', pid: '9008', control: 'auto' });
    const held = await holdPowerOn(fakeSystem({ files: m.files }), '1-2');
    expect(held.description).toMatch(/without administrator rights.*"auto"/);
  });

  it('mmcli --inhibit-device=UID runs until released', async () => {
    const ran: string[] = [];
    let stopped = false;
    const sys = fakeSystem({});
    sys.run = (cmd, args, o) => {
      ran.push([cmd, ...args].join(' '));
      return new Promise((_, reject) =>
        o.signal?.addEventListener('abort', () => {
          stopped = true;
          reject(new Error('aborted'));
        }),
      );
    };
    const held = await inhibitModemManager(sys, '/sys/devices/pci0000:00/usb1/1-2', { maxMs: 60_000, settleMs: 10 });
    expect(ran).toEqual(['mmcli --inhibit-device=/sys/devices/pci0000:00/usb1/1-2']);
    expect(stopped).toBe(false);
    await held.release();
    expect(stopped).toBe(true);
  });

  it('mmcli absent or refusing: a clear error', async () => {
    expect((await rejection(inhibitModemManager(fakeSystem({}), '/sys/x', { maxMs: 1000, settleMs: 50 }))).code).toBe(
      'HOST_TOOL_MISSING',
    );
    const refusing = fakeSystem({
      commands: { 'mmcli --inhibit-device=/sys/x': { code: 1, stdout: '', stderr: "error: couldn't find device" } },
    });
    const e = await rejection(inhibitModemManager(refusing, '/sys/x', { maxMs: 1000, settleMs: 50 }));
    expect(e.code).toBe('HOST_IO');
    expect(e.message).toMatch(/couldn't find device/);
  });
});
