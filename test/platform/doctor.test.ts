import { describe, expect, it } from 'vitest';
import type { PlatformCheck } from '../../shared/api.js';
import { runDoctor } from '../../src-main/platform/doctor.js';
import { realSystem } from '../../src-main/platform/system.js';
import { fakeSystem, modemFiles, ok, type FakeState } from './fake-system.js';

const RULES = '/opt/modem-rescue/assets/60-modem-rescue.rules';
const find = (checks: PlatformCheck[], prefix: string): PlatformCheck => {
  const c = checks.find((x) => x.id === prefix || x.id.startsWith(`${prefix}:`));
  if (!c) throw new Error(`no check ${prefix} in ${checks.map((x) => x.id).join(', ')}`);
  return c;
};

function edlModem(extra: Partial<Parameters<typeof modemFiles>[1]> = {}, state: FakeState = {}): FakeState {
  const m = modemFiles('1-2', { vid: '05c6', pid: '9008', ...extra });
  return {
    ...state,
    files: { ...m.files, '/dev/bus/usb/001/005': '', ...(state.files ?? {}) },
    links: { ...m.links, ...(state.links ?? {}) },
    writable: state.writable ?? ['/dev/bus/usb/001/005'],
  };
}

describe('doctor: ModemManager', () => {
  const mm = (version: string | undefined, active: string) =>
    fakeSystem({
      dirs: ['/sys/bus/usb/devices'],
      commands: {
        'systemctl is-active ModemManager': { code: active === 'active' ? 0 : 3, stdout: `${active}\n`, stderr: '' },
        ...(version ? { 'mmcli --version': ok(`mmcli ${version}\nCopyright (2011 - 2023) Aleksander Morgado\n`) } : {}),
      },
    });

  it('1.20 running: warns that it probes download mode, says which version', async () => {
    const c = find(await runDoctor(mm('1.20.4', 'active'), { rulesSource: RULES }), 'modemmanager');
    expect(c.state).toBe('warn');
    expect(c.detail).toContain('1.20.4');
    expect(c.detail).toMatch(/before 1\.24/);
  });

  it('1.24 running: ok, it ignores 9008', async () => {
    const c = find(await runDoctor(mm('1.24.0', 'active'), { rulesSource: RULES }), 'modemmanager');
    expect(c.state).toBe('ok');
    expect(c.detail).toMatch(/1\.24\.0.*ignores/);
  });

  it('absent: ok, nothing to grab the ports', async () => {
    const c = find(
      await runDoctor(fakeSystem({ dirs: ['/sys/bus/usb/devices'] }), { rulesSource: RULES }),
      'modemmanager',
    );
    expect(c.state).toBe('ok');
    expect(c.detail).toMatch(/not installed/);
  });

  it('installed but stopped: ok, says it is not running', async () => {
    const c = find(await runDoctor(mm('1.20.4', 'inactive'), { rulesSource: RULES }), 'modemmanager');
    expect(c).toMatchObject({ state: 'ok' });
    expect(c.detail).toMatch(/not running/);
  });
});

describe('doctor: the system and the modem', () => {
  it('no /sys/bus/usb: "no USB subsystem here" fails, no device checks', async () => {
    const checks = await runDoctor(fakeSystem({}), { rulesSource: RULES });
    expect(find(checks, 'usb')).toMatchObject({ state: 'fail' });
    expect(find(checks, 'usb').detail).toMatch(/No USB subsystem here/);
    expect(checks.some((c) => c.id.startsWith('permissions'))).toBe(false);
  });

  it('USB but no modem: warns that the modem checks wait for one', async () => {
    const checks = await runDoctor(fakeSystem({ dirs: ['/sys/bus/usb/devices'] }), { rulesSource: RULES });
    expect(find(checks, 'usb').state).toBe('warn');
    expect(find(checks, 'usb').detail).toMatch(/no Qualcomm/);
  });

  it('udev rule missing: warns and offers the pkexec install with its exact command', async () => {
    const c = find(await runDoctor(fakeSystem(edlModem()), { rulesSource: RULES }), 'udev-rule');
    expect(c.state).toBe('warn');
    expect(c.fix).toMatchObject({ id: 'udev-rule', needsAdmin: true });
    expect(c.fix?.explanation).toContain(`pkexec install -m 0644 ${RULES} /etc/udev/rules.d/60-modem-rescue.rules`);
  });

  it('udev rule present (in /etc or /lib): ok, no fix', async () => {
    for (const f of ['/etc/udev/rules.d/60-modem-rescue.rules', '/lib/udev/rules.d/60-modem-rescue.rules']) {
      const c = find(
        await runDoctor(fakeSystem(edlModem({}, { files: { [f]: '' } })), { rulesSource: RULES }),
        'udev-rule',
      );
      expect(c.state).toBe('ok');
      expect(c.detail).toContain(f);
      expect(c.fix).toBeUndefined();
    }
  });

  it('device node not writable: permissions fail with the udev fix', async () => {
    const c = find(await runDoctor(fakeSystem(edlModem({}, { writable: [] })), { rulesSource: RULES }), 'permissions');
    expect(c.state).toBe('fail');
    expect(c.detail).toContain('/dev/bus/usb/001/005');
    expect(c.fix?.id).toBe('udev-rule');
  });

  it('device node writable: permissions ok', async () => {
    const c = find(await runDoctor(fakeSystem(edlModem()), { rulesSource: RULES }), 'permissions');
    expect(c.state).toBe('ok');
  });

  it('qcserial bound to 9008: warns and offers the unbind with its exact command', async () => {
    const c = find(
      await runDoctor(fakeSystem(edlModem({ drivers: { '1-2:1.0': 'qcserial' } })), { rulesSource: RULES }),
      'drivers',
    );
    expect(c.state).toBe('warn');
    expect(c.detail).toMatch(/qcserial.*1-2:1\.0/);
    expect(c.fix?.id).toBe('unbind:qcserial:1-2:1.0');
    expect(c.fix?.explanation).toContain("pkexec sh -c 'echo 1-2:1.0 > /sys/bus/usb/drivers/qcserial/unbind'");
  });

  it('nothing bound to 9008: drivers ok', async () => {
    const c = find(await runDoctor(fakeSystem(edlModem()), { rulesSource: RULES }), 'drivers');
    expect(c.state).toBe('ok');
    expect(c.fix).toBeUndefined();
  });

  it('autosuspend on (power/control=auto): warns with the power/control=on fix', async () => {
    const c = find(await runDoctor(fakeSystem(edlModem({ control: 'auto' })), { rulesSource: RULES }), 'autosuspend');
    expect(c.state).toBe('warn');
    expect(c.detail).toMatch(/"auto".*2000 ms/);
    expect(c.fix?.explanation).toContain("pkexec sh -c 'echo on > /sys/bus/usb/devices/1-2/power/control'");
    const on = find(await runDoctor(fakeSystem(edlModem({ control: 'on' })), { rulesSource: RULES }), 'autosuspend');
    expect(on.state).toBe('ok');
  });

  it('USB 2 link ok, USB 3 link warns', async () => {
    expect(find(await runDoctor(fakeSystem(edlModem({ speed: '480' })), { rulesSource: RULES }), 'link').state).toBe(
      'ok',
    );
    const u3 = find(await runDoctor(fakeSystem(edlModem({ speed: '5000' })), { rulesSource: RULES }), 'link');
    expect(u3.state).toBe('warn');
    expect(u3.detail).toMatch(/USB 3.*USB 2 port/);
  });

  it('another platform: says the Linux checks do not apply', async () => {
    const checks = await runDoctor(fakeSystem({ platform: 'darwin' }));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: 'platform', state: 'unknown' });
  });
});

describe('doctor on this machine', () => {
  it('runs and reports honestly (no USB subsystem here when /sys/bus/usb is missing)', async () => {
    const probe = realSystem();
    const checks = await runDoctor(probe);
    expect(checks.length).toBeGreaterThan(0);
    if (probe.platform === 'linux' && !(await probe.exists('/sys/bus/usb'))) {
      expect(find(checks, 'usb')).toMatchObject({ state: 'fail' });
    }
    for (const c of checks) expect(['ok', 'warn', 'fail', 'unknown']).toContain(c.state);
  });
});

describe('doctor: ModemManager without systemd', () => {
  it('mmcli present but no systemctl: unknown, says it cannot tell', async () => {
    const sys = fakeSystem({ dirs: ['/sys/bus/usb/devices'], commands: { 'mmcli --version': ok('mmcli 1.20.0\n') } });
    const c = find(await runDoctor(sys, { rulesSource: RULES }), 'modemmanager');
    expect(c.state).toBe('unknown');
    expect(c.detail).toMatch(/1\.20\.0.*cannot tell whether it is running/);
  });
});
