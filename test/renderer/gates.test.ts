import { describe, expect, it } from 'vitest';
import { canGoNext, canStartFlash, type GateContext } from '../../src-renderer/steps/gates.js';
import type { DeviceState, DeviceSummary, PackageView } from '../../shared/api.js';

function device(
  mode: DeviceSummary['mode'],
  greeting: 'answered' | 'silent' | 'checking' | 'none' = 'answered',
): DeviceSummary {
  return {
    id: `dev-${mode}`,
    mode,
    name: 'Quectel EC25',
    vidPid: mode === 'edl' ? '05c6:9008' : '2c7c:0125',
    explanation: '',
    ports: {},
    demo: true,
    ...(mode === 'edl' && greeting !== 'none' ? { greeting: { state: greeting, detail: greeting } } : {}),
  };
}

function state(devices: DeviceSummary[], extra: Partial<DeviceState> = {}): DeviceState {
  return { usbAvailable: true, devices, demo: false, updatedAt: 1, ...extra };
}

const pkg = (flashable: boolean): PackageView => ({
  root: '/p',
  moduleMatch: 'yes',
  rawprogram: 'rawprogram.xml',
  rawprogramReason: '',
  partitions: [],
  totalBytes: 0,
  warnings: [],
  problems: flashable ? [] : [{ code: 'PACKAGE_MISSING_FILE', message: 'missing' }],
  flashable,
  keepsCalibration: true,
});

function ctx(p: Partial<GateContext>): GateContext {
  return {
    devices: state([]),
    busy: false,
    backupDone: false,
    backupSkipUnderstood: false,
    packageView: undefined,
    overrideTyped: '',
    flashOk: false,
    ...p,
  };
}

describe('step gates', () => {
  it('Connect waits for the first device picture and refuses a computer without USB unless the demo modem is on', () => {
    expect(canGoNext('connect', ctx({ devices: undefined })).ok).toBe(false);
    const noUsb = canGoNext(
      'connect',
      ctx({ devices: state([], { usbAvailable: false, reason: 'no USB subsystem' }) }),
    );
    expect(noUsb).toEqual({ ok: false, reason: 'no USB subsystem' });
    expect(canGoNext('connect', ctx({ devices: state([], { usbAvailable: false, demo: true }) })).ok).toBe(true);
    // A silent modem shows nothing, yet the person must reach the manual EDL path.
    expect(canGoNext('connect', ctx({ devices: state([]) })).ok).toBe(true);
  });

  it('Backup lets on only after a backup or an explicit "I understand"', () => {
    expect(canGoNext('backup', ctx({})).ok).toBe(false);
    expect(canGoNext('backup', ctx({ backupDone: true })).ok).toBe(true);
    expect(canGoNext('backup', ctx({ backupSkipUnderstood: true })).ok).toBe(true);
  });

  it('Enter EDL lets on only when a modem in download mode is present and answers', () => {
    expect(canGoNext('enter-edl', ctx({ devices: state([device('normal')]) })).ok).toBe(false);
    expect(canGoNext('enter-edl', ctx({ devices: state([device('memory-dump')]) })).ok).toBe(false);
    expect(canGoNext('enter-edl', ctx({ devices: state([device('edl')]) })).ok).toBe(true);
    // 05c6:9008 on the bus is not enough: its boot ROM must have greeted.
    const silent = canGoNext('enter-edl', ctx({ devices: state([device('edl', 'silent')]) }));
    expect(silent).toEqual({ ok: false, reason: expect.stringMatching(/does not answer yet/) as unknown });
    expect(canGoNext('enter-edl', ctx({ devices: state([device('edl', 'checking')]) })).ok).toBe(false);
    expect(canGoNext('enter-edl', ctx({ devices: state([device('edl', 'none')]) })).ok).toBe(false);
  });

  it('after a failure, Resume waits until the modem is back in download mode and answers', () => {
    const go = (d: DeviceSummary[]) => canStartFlash(ctx({ devices: state(d), packageView: pkg(true) }));
    expect(go([])).toMatchObject({ ok: false, reason: expect.stringMatching(/No modem in download mode/) as unknown });
    expect(go([device('edl', 'checking')])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/waiting for it to answer/) as unknown,
    });
    expect(go([device('edl', 'silent')])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/power-cycle it once more/) as unknown,
    });
    expect(go([device('edl', 'answered')]).ok).toBe(true);
  });

  it('Package lets on only with a flashable package and the modem still in EDL', () => {
    const edl = state([device('edl')]);
    expect(canGoNext('package', ctx({ devices: edl })).ok).toBe(false);
    expect(canGoNext('package', ctx({ devices: edl, packageView: pkg(false) })).ok).toBe(false);
    expect(canGoNext('package', ctx({ devices: edl, packageView: pkg(true) })).ok).toBe(true);
    expect(canGoNext('package', ctx({ devices: state([]), packageView: pkg(true) })).ok).toBe(false);
  });

  it('a package for another module: refused until its model is typed, and still never with problems', () => {
    const edl = state([device('edl')]);
    const other: PackageView = { ...pkg(true), moduleMatch: 'no', flashable: false, overrideWord: 'EG25' };
    const refused = canGoNext('package', ctx({ devices: edl, packageView: other }));
    expect(refused).toEqual({
      ok: false,
      reason: 'This package is for another module. To flash it anyway, type EG25 in the box below.',
    });
    expect(canGoNext('package', ctx({ devices: edl, packageView: other, overrideTyped: 'EG2' })).ok).toBe(false);
    expect(canGoNext('package', ctx({ devices: edl, packageView: other, overrideTyped: ' eg25 ' })).ok).toBe(true);
    expect(canStartFlash(ctx({ devices: edl, packageView: other })).ok).toBe(false);
    expect(canStartFlash(ctx({ devices: edl, packageView: other, overrideTyped: 'EG25' })).ok).toBe(true);
    const broken: PackageView = { ...pkg(false), moduleMatch: 'no', overrideWord: 'EG25' };
    expect(canGoNext('package', ctx({ devices: edl, packageView: broken, overrideTyped: 'EG25' })).ok).toBe(false);
  });

  it('Flash starts only with a flashable package and an EDL device, and lets on only after success', () => {
    const edl = state([device('edl')]);
    expect(canStartFlash(ctx({ devices: edl, packageView: pkg(true) })).ok).toBe(true);
    expect(canStartFlash(ctx({ devices: state([device('normal')]), packageView: pkg(true) })).ok).toBe(false);
    expect(canStartFlash(ctx({ devices: edl, packageView: pkg(false) })).ok).toBe(false);
    expect(canGoNext('flash', ctx({})).ok).toBe(false);
    expect(canGoNext('flash', ctx({ flashOk: true })).ok).toBe(true);
  });

  it('nothing moves on while something runs', () => {
    const edl = state([device('edl')]);
    expect(canGoNext('enter-edl', ctx({ devices: edl, busy: true })).ok).toBe(false);
    expect(canStartFlash(ctx({ devices: edl, packageView: pkg(true), busy: true })).ok).toBe(false);
    expect(canGoNext('finish', ctx({})).ok).toBe(false);
  });
});
