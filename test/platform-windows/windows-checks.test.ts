import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isRescueError, type RescueError } from '../../shared/errors.js';
import {
  WINDOWS_EDL_CHECK,
  WINDOWS_WINUSB_FIX,
  applyWindowsFix,
  bundledWinUsbInf,
  windowsChecks,
  windowsFixes,
} from '../../src-main/platform/windows/checks.js';
import { parsePowerShellPnpJson } from '../../src-main/platform/windows/pnp-devices.js';
import type { WindowsRun, WindowsRunResult } from '../../src-main/platform/windows/winusb-install.js';
import {
  PNPUTIL_NO_DRIVER,
  PNPUTIL_QDLOADER_NO_COM,
  PS_EC25_RUNNING_DM_MISSING,
  PS_NO_DRIVER,
  PS_QDLOADER,
  PS_WINUSB,
  REG_PORTNAME,
} from './samples.js';

const INF = 'C:\\Program Files\\Modem Rescue\\resources\\windows\\modem-rescue-winusb.inf';
const ok = (stdout: string): WindowsRunResult => ({ code: 0, stdout, stderr: '' });

/** A fake Windows: answers per program; records every call. */
function fakeWindows(answers: Record<string, WindowsRunResult | undefined>): { run: WindowsRun; calls: string[][] } {
  const calls: string[][] = [];
  const run: WindowsRun = async (cmd, args) => {
    calls.push([cmd, ...args]);
    return answers[cmd];
  };
  return { run, calls };
}

describe('windowsFixes: checks with their fixes, from a fed state', () => {
  it('WinUSB and QDLoader are ok, saying which path the engine takes', () => {
    const [usb] = windowsFixes({ devices: parsePowerShellPnpJson(PS_WINUSB) }, { infPath: INF });
    expect(usb).toMatchObject({
      id: WINDOWS_EDL_CHECK,
      state: 'ok',
      detail: expect.stringMatching(/WinUSB driver: ready/),
    });
    expect(usb!.fix).toBeUndefined();
    const [serial] = windowsFixes({ devices: parsePowerShellPnpJson(PS_QDLOADER) }, { infPath: INF });
    expect(serial).toMatchObject({ state: 'ok', detail: expect.stringMatching(/COM port \(COM7\)/) });
  });

  it('no driver: fails, offers the WinUSB install (admin, explained first) and names Zadig', () => {
    const [check] = windowsFixes({ devices: parsePowerShellPnpJson(PS_NO_DRIVER) }, { infPath: INF });
    expect(check!.state).toBe('fail');
    expect(check!.detail).toMatch(/no driver/);
    expect(check!.detail).toMatch(/Zadig/);
    expect(check!.fix).toMatchObject({ id: WINDOWS_WINUSB_FIX, needsAdmin: true });
    expect(check!.fix!.explanation).toMatch(/administrator/);
    expect(check!.fix!.explanation).toMatch(/answer Yes/);
    expect(check!.fix!.explanation).toMatch(/05C6:9008/);
  });

  it('no driver and no driver package shipped: Zadig only, no fix button', () => {
    const [check] = windowsFixes({ devices: parsePowerShellPnpJson(PS_NO_DRIVER) });
    expect(check!.fix).toBeUndefined();
    expect(check!.detail).toMatch(/zadig\.akeo\.ie/);
  });

  it('adds a check for a running module whose DM port has no driver', () => {
    const checks = windowsFixes({ devices: parsePowerShellPnpJson(PS_EC25_RUNNING_DM_MISSING) }, { infPath: INF });
    expect(checks.map((c) => c.state)).toEqual(['unknown', 'warn']);
    expect(checks[1]!.detail).toMatch(/Quectel_Windows_USB_Driver/);
  });
});

describe('windowsChecks(run): reading this Windows machine', () => {
  it('asks Get-PnpDevice first', async () => {
    const w = fakeWindows({ 'powershell.exe': ok(PS_WINUSB) });
    const checks = await windowsChecks(w.run, { infPath: INF });
    expect(checks[0]!.state).toBe('ok');
    expect(w.calls).toHaveLength(1);
    expect(w.calls[0]!.join(' ')).toMatch(/Get-PnpDevice -PresentOnly/);
  });

  it('falls back to pnputil when PowerShell fails, and finds the COM port in the registry', async () => {
    const w = fakeWindows({
      'powershell.exe': { code: 1, stdout: '', stderr: 'Get-PnpDevice : Access denied' },
      'pnputil.exe': ok(PNPUTIL_QDLOADER_NO_COM),
      'reg.exe': ok(REG_PORTNAME),
    });
    const checks = await windowsChecks(w.run);
    expect(checks[0]).toMatchObject({ state: 'ok', detail: expect.stringMatching(/\(COM9\)/) });
    expect(w.calls.map((c) => c[0])).toEqual(['powershell.exe', 'pnputil.exe', 'reg.exe']);
    expect(w.calls[2]).toEqual([
      'reg.exe',
      'query',
      'HKLM\\SYSTEM\\CurrentControlSet\\Enum\\USB\\VID_05C6&PID_9008\\5&2C8F1E3A&0&3\\Device Parameters',
      '/v',
      'PortName',
    ]);
  });

  it('reports no driver from pnputil output', async () => {
    const w = fakeWindows({ 'pnputil.exe': ok(PNPUTIL_NO_DRIVER) });
    const checks = await windowsChecks(w.run, { infPath: INF });
    expect(checks[0]).toMatchObject({ state: 'fail', fix: { id: WINDOWS_WINUSB_FIX } });
  });

  it('says honestly when no tool could list the devices', async () => {
    const w = fakeWindows({ 'pnputil.exe': { code: 87, stdout: 'Invalid command', stderr: '' } });
    const checks = await windowsChecks(w.run);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      state: 'unknown',
      detail: expect.stringMatching(/powershell\.exe was not found.*pnputil \/enum-devices failed \(exit 87/),
    });
  });

  it('is bounded: a tool that never answers does not hang the check', async () => {
    const never: WindowsRun = () => new Promise(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const err = await windowsChecks(never, { signal: ac.signal }).catch((e: unknown) => e);
    expect(isRescueError(err) && (err as RescueError).code).toBe('CANCELLED');
  });
});

describe('applyWindowsFix', () => {
  it('runs the elevated pnputil install', async () => {
    const w = fakeWindows({ 'powershell.exe': ok('') });
    await expect(applyWindowsFix(WINDOWS_WINUSB_FIX, w.run, { infPath: INF, timeoutMs: 1000 })).resolves.toEqual({
      rebootRequired: false,
    });
    expect(w.calls[0]!.at(-1)).toMatch(/Start-Process -FilePath 'pnputil\.exe' .*-Verb RunAs/);
  });

  it('refuses unknown fixes and a missing driver package (pointing to Zadig)', async () => {
    const w = fakeWindows({});
    await expect(applyWindowsFix('nope', w.run, { infPath: INF, timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    await expect(applyWindowsFix(WINDOWS_WINUSB_FIX, w.run, { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'HOST_TOOL_MISSING',
      nextStep: expect.stringMatching(/Zadig/),
    });
    expect(w.calls).toHaveLength(0);
  });
});

describe('bundledWinUsbInf', () => {
  it("prefers the installed app's resources, then a source checkout, else none", () => {
    const present = new Set([INF, 'C:\\src\\modem-rescue\\assets\\windows\\modem-rescue-winusb.inf']);
    const exists = (p: string): boolean => present.has(p);
    expect(
      bundledWinUsbInf(
        { resourcesPath: 'C:\\Program Files\\Modem Rescue\\resources', appRoot: 'C:\\src\\modem-rescue' },
        exists,
      ),
    ).toBe(INF);
    expect(bundledWinUsbInf({ resourcesPath: 'C:\\elsewhere', appRoot: 'C:\\src\\modem-rescue' }, exists)).toBe(
      'C:\\src\\modem-rescue\\assets\\windows\\modem-rescue-winusb.inf',
    );
    expect(bundledWinUsbInf({ resourcesPath: 'C:\\elsewhere' }, exists)).toBeUndefined();
  });

  it('the INF the packaging ships is where a source checkout finds it', () => {
    const root = new URL('../..', import.meta.url).pathname;
    expect(bundledWinUsbInf({ appRoot: root }, (p) => existsSync(p.replace(/\\/g, '/')))).toBeDefined();
  });
});
