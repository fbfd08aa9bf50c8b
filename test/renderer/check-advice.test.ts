// Every Problem on the Prepare step has a fix button or a sentence saying what to do by hand;
// Connect never says "go on" while its Next is disabled.

import { describe, expect, it } from 'vitest';
import type { DeviceState, PlatformCheck } from '../../shared/api.js';
import { adviceFor, GENERIC_MANUAL } from '../../src-renderer/steps/check-advice.js';
import { canGoNext, type GateContext } from '../../src-renderer/steps/gates.js';
import { T } from '../../src-renderer/text.js';

const base: PlatformCheck = { id: 'x', title: 'X', state: 'fail', detail: 'Something is wrong.' };

describe('check advice', () => {
  it('offers the fix when there is one, else the check’s own advice, else the generic sentence', () => {
    const fix = { id: 'f', label: 'Fix it', explanation: 'Does this.', needsAdmin: false };
    expect(adviceFor({ ...base, fix })).toEqual({ kind: 'fix', fix });
    expect(adviceFor({ ...base, manual: 'Plug it in.' })).toEqual({ kind: 'manual', text: 'Plug it in.' });
    expect(adviceFor(base)).toEqual({ kind: 'manual', text: GENERIC_MANUAL });
    expect(adviceFor({ ...base, state: 'warn' })).toEqual({ kind: 'manual', text: GENERIC_MANUAL });
    expect(adviceFor({ ...base, state: 'ok' })).toBeUndefined();
  });
});

describe('Connect with no modem', () => {
  const ctx = (devices: DeviceState): GateContext => ({
    devices,
    busy: false,
    backupDone: false,
    backupSkipUnderstood: false,
    packageView: undefined,
    overrideTyped: '',
    flashOk: false,
  });
  it('says "go on" only when Next is enabled', () => {
    const noUsb = ctx({ usbAvailable: false, reason: 'no USB', devices: [], demo: false, updatedAt: 0 });
    const usb = ctx({ usbAvailable: true, devices: [], demo: false, updatedAt: 0 });
    expect(canGoNext('connect', noUsb).ok).toBe(false);
    expect(canGoNext('connect', usb).ok).toBe(true);
    expect(T.connect.noneBlocked).not.toMatch(/go on/i);
    expect(T.connect.noneGoOn).toMatch(/go on/);
  });
});
