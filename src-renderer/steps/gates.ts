// Whether a step lets the person on, and why not: checked against the live device state.
// Pure, so the rules are tested without a screen.

import type { DeviceState, DeviceSummary, PackageView, StepId } from '../../shared/api.js';

export interface GateContext {
  devices: DeviceState | undefined;
  busy: boolean;
  backupDone: boolean;
  backupSkipUnderstood: boolean;
  packageView: PackageView | undefined;
  /** What the person typed to flash a package made for another module. */
  overrideTyped: string;
  flashOk: boolean;
}

export type Gate = { ok: true } | { ok: false; reason: string };

export function edlDevice(s: DeviceState | undefined): DeviceSummary | undefined {
  return s?.devices.find((d) => d.mode === 'edl');
}

/** In download mode and talking: its boot ROM (or a running programmer) answered. */
export function answeringEdlDevice(s: DeviceState | undefined): DeviceSummary | undefined {
  const d = edlDevice(s);
  return d?.greeting?.state === 'answered' ? d : undefined;
}

export function normalDevice(s: DeviceState | undefined): DeviceSummary | undefined {
  return s?.devices.find((d) => d.mode === 'normal');
}

/** The package may be flashed: nothing wrong with it, and made for this module or typed for. */
export function packageAccepted(view: PackageView | undefined, typed: string): Gate {
  if (!view) return { ok: false, reason: 'Choose a package and check it first.' };
  if (view.problems.length > 0)
    return { ok: false, reason: 'This package cannot be flashed: see the problems listed.' };
  if (view.moduleMatch === 'no') {
    const word = view.overrideWord ?? '';
    if (word === '' || typed.trim().toUpperCase() !== word.toUpperCase())
      return {
        ok: false,
        reason: `This package is for another module. To flash it anyway, type ${word} in the box below.`,
      };
    return { ok: true };
  }
  if (!view.flashable) return { ok: false, reason: 'This package cannot be flashed: see the problems listed.' };
  return { ok: true };
}

export function canGoNext(step: StepId, c: GateContext): Gate {
  if (c.busy) return { ok: false, reason: 'Wait until the current action has finished.' };
  switch (step) {
    case 'connect':
      if (!c.devices) return { ok: false, reason: 'Looking for modems…' };
      if (!c.devices.usbAvailable && !c.devices.demo) {
        return {
          ok: false,
          reason:
            c.devices.reason ??
            'This computer gives no access to USB devices. Turn on the demo modem to try the wizard.',
        };
      }
      return { ok: true };
    case 'prepare':
      return { ok: true };
    case 'backup':
      if (c.backupDone || c.backupSkipUnderstood) return { ok: true };
      return { ok: false, reason: 'Back up the QCN first, or tick "I understand" to go on without a backup.' };
    case 'enter-edl': {
      const d = edlDevice(c.devices);
      if (!d) return { ok: false, reason: 'Waiting for the modem to appear in download mode (05c6:9008).' };
      if (d.greeting?.state === 'answered') return { ok: true };
      if (d.greeting?.state === 'silent')
        return { ok: false, reason: 'The modem is in download mode but does not answer yet: see above.' };
      return { ok: false, reason: 'The modem is in download mode; waiting for it to answer…' };
    }
    case 'package': {
      const accepted = packageAccepted(c.packageView, c.overrideTyped);
      if (!accepted.ok) return accepted;
      if (!edlDevice(c.devices))
        return { ok: false, reason: 'The modem left download mode: go back and enter EDL again.' };
      return { ok: true };
    }
    case 'flash':
      if (c.flashOk) return { ok: true };
      return { ok: false, reason: 'Flash the package first.' };
    case 'finish':
      return { ok: false, reason: 'This is the last step.' };
    default:
      return { ok: false, reason: 'Unknown step.' };
  }
}

/** Whether Flash can start now. */
export function canStartFlash(c: GateContext): Gate {
  if (c.busy) return { ok: false, reason: 'Wait until the current action has finished.' };
  if (!packageAccepted(c.packageView, c.overrideTyped).ok)
    return { ok: false, reason: 'Choose a flashable package first.' };
  const d = edlDevice(c.devices);
  if (!d)
    return { ok: false, reason: 'No modem in download mode (05c6:9008): go back to "Enter EDL", or power-cycle it.' };
  if (d.greeting?.state !== 'answered')
    return {
      ok: false,
      reason:
        d.greeting?.state === 'silent'
          ? 'The modem is in download mode but does not answer: power-cycle it once more.'
          : 'The modem is back in download mode; waiting for it to answer…',
    };
  return { ok: true };
}
