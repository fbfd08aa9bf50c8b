import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiEvent, ApiMethod, PackageView, RescueApi } from '../../shared/api.js';
import { ApiCallError } from '../../src-renderer/api/call-error.js';
import * as actions from '../../src-renderer/store/actions.js';
import { useDevices } from '../../src-renderer/store/devices.js';
import { stepAfter, useRun } from '../../src-renderer/store/run.js';
import { useSettings } from '../../src-renderer/store/settings.js';
import { EMPTY_PROGRESS } from '../../src-renderer/store/flash-progress.js';
import { verificationWords } from '../../src-renderer/format.js';

const VIEW: PackageView = {
  root: '/tmp/unpacked',
  version: 'EC25EFAR06A12M4G',
  moduleMatch: 'yes',
  rawprogram: 'rawprogram.xml',
  rawprogramReason: 'update',
  partitions: [],
  totalBytes: 10,
  warnings: [],
  problems: [],
  flashable: true,
  keepsCalibration: true,
};

function fakeApi(answers: Partial<Record<ApiMethod, (params: unknown) => unknown>>) {
  const calls: { method: ApiMethod; params: unknown }[] = [];
  let listener: ((e: ApiEvent) => void) | undefined;
  const api: RescueApi = {
    call: (async (method: ApiMethod, params: unknown) => {
      calls.push({ method, params });
      const a = answers[method];
      if (!a) throw new Error(`unexpected ${method}`);
      return a(params);
    }) as RescueApi['call'],
    onEvent: (l) => {
      listener = l;
      return () => (listener = undefined);
    },
  };
  return { api, calls, push: (e: ApiEvent) => listener?.(e) };
}

beforeEach(() => {
  useRun.setState({
    step: 'connect',
    pending: undefined,
    engineBusy: undefined,
    lastError: undefined,
    packagePath: '',
    packageView: undefined,
    flash: undefined,
    progress: EMPTY_PROGRESS,
    backupFolder: '',
  });
  useDevices.setState({ state: undefined });
  useSettings.setState({ verify: true, demoSilent: false, powerCycleConsent: false });
});

describe('wizard actions', () => {
  it('flashes the package the person chose, with their verify choice', async () => {
    const f = fakeApi({ flash: () => ({ seconds: 1, bytesWritten: 10, verified: 'digest', resumed: false }) });
    actions.attachApi(f.api);
    useRun.getState().patch({ packagePath: ' /home/me/fw.zip ', packageView: VIEW });
    useSettings.getState().setVerify(false);
    await actions.startFlash();
    expect(f.calls).toEqual([
      { method: 'flash', params: { packagePath: '/home/me/fw.zip', verify: false, powerCycle: false } },
    ]);
    useSettings.getState().setPowerCycleConsent(true);
    await actions.startFlash();
    expect(f.calls[1]).toEqual({
      method: 'flash',
      params: { packagePath: '/home/me/fw.zip', verify: false, powerCycle: true },
    });
    expect(useRun.getState().flash?.verified).toBe('digest');
    expect(useRun.getState().pending).toBeUndefined();
  });

  it('a failed call lands on the error card as its report and the page is no longer busy', async () => {
    const report = {
      code: 'PACKAGE_MISSING_FILE',
      category: 'package',
      message: 'A file is missing.',
      nextStep: 'Download again.',
    } as const;
    const f = fakeApi({
      inspectPackage: () => {
        throw new ApiCallError(report);
      },
    });
    actions.attachApi(f.api);
    useRun.getState().patch({ packagePath: '/broken' });
    await actions.inspectPackage();
    expect(useRun.getState().lastError).toEqual(report);
    expect(useRun.getState().packageView).toBeUndefined();
    expect(useRun.getState().pending).toBeUndefined();
  });

  it('checking an empty path explains what to do without calling the engine', async () => {
    const f = fakeApi({});
    actions.attachApi(f.api);
    await actions.inspectPackage();
    expect(f.calls).toEqual([]);
    expect(useRun.getState().lastError?.code).toBe('PACKAGE_NOT_FOUND');
  });

  it('the demo package is made, filled in and checked in one go', async () => {
    const f = fakeApi({ makeDemoPackage: () => '/tmp/demo-pkg', inspectPackage: () => VIEW });
    actions.attachApi(f.api);
    await actions.makeDemoPackage();
    expect(useRun.getState().packagePath).toBe('/tmp/demo-pkg');
    expect(f.calls.map((c) => c.method)).toEqual(['makeDemoPackage', 'inspectPackage']);
    expect(useRun.getState().packageView).toEqual(VIEW);
  });

  it('the silent demo choice goes with turning the demo modem on', async () => {
    const f = fakeApi({ setDemoMode: () => ({ usbAvailable: false, devices: [], demo: true, updatedAt: 1 }) });
    actions.attachApi(f.api);
    useSettings.getState().setDemoSilent(true);
    await actions.setDemoMode(true);
    await actions.setDemoMode(false);
    expect(f.calls.map((c) => c.params)).toEqual([{ on: true, silent: true }, { on: false }]);
  });

  it('pushed events feed the device, busy and flash stores; an older device picture never replaces a newer one', () => {
    const f = fakeApi({});
    actions.attachApi(f.api);
    f.push({ type: 'devices', state: { usbAvailable: true, devices: [], demo: false, updatedAt: 20 } });
    f.push({ type: 'devices', state: { usbAvailable: true, devices: [], demo: true, updatedAt: 10 } });
    expect(useDevices.getState().state?.updatedAt).toBe(20);
    f.push({ type: 'busy', method: 'flash' });
    expect(useRun.getState().engineBusy).toBe('flash');
    f.push({ type: 'engine', event: { type: 'recovery', action: 'resend', message: 'device stalled, resending' } });
    expect(useRun.getState().progress.recovery?.message).toBe('device stalled, resending');
  });

  it('steps go forward and back within the seven', () => {
    expect(stepAfter('connect', -1)).toBe('connect');
    expect(stepAfter('enter-edl', 1)).toBe('package');
    expect(stepAfter('finish', 1)).toBe('finish');
  });
});

describe('rescue another modem', () => {
  it('goes back to Connect with nothing of the last run kept', () => {
    useRun.getState().patch({
      step: 'finish',
      packagePath: '/p',
      packageView: VIEW,
      overrideTyped: 'EG25',
      flashStarted: true,
      flash: { seconds: 1, bytesWritten: 1, verified: 'digest', resumed: false },
    });
    actions.startOver();
    const s = useRun.getState();
    expect(s.step).toBe('connect');
    expect([s.packagePath, s.packageView, s.overrideTyped, s.flash, s.flashStarted, s.backup]).toEqual([
      '',
      undefined,
      '',
      undefined,
      false,
      undefined,
    ]);
  });
});

describe('verification in words', () => {
  it('says what each method proved', () => {
    expect(verificationWords('digest')).toMatch(
      /SHA-256 fingerprint of every partition written, and each matched the package/,
    );
    expect(verificationWords('read-back')).toMatch(/read back .* byte for byte/);
    expect(verificationWords('skipped')).toMatch(/^not checked/);
  });
});
