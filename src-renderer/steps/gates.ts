// Whether a step lets the person on, and why not: checked against the live device state.
// Pure, so the rules are tested without a screen.

import type { DeviceState, DeviceSummary, PackageView, StepId } from '../../shared/api.js';
import { T } from '../text.js';

const G = T.gates;

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
  if (!view) return { ok: false, reason: G.choosePackage };
  if (view.problems.length > 0) return { ok: false, reason: G.packageProblems };
  if (view.moduleMatch === 'no') {
    const word = view.overrideWord ?? '';
    if (word === '' || typed.trim().toUpperCase() !== word.toUpperCase())
      return { ok: false, reason: G.otherModule(word) };
    return { ok: true };
  }
  if (!view.flashable) return { ok: false, reason: G.packageProblems };
  return { ok: true };
}

export function canGoNext(step: StepId, c: GateContext): Gate {
  if (c.busy) return { ok: false, reason: G.busy };
  switch (step) {
    case 'connect':
      if (!c.devices) return { ok: false, reason: G.looking };
      if (!c.devices.usbAvailable && !c.devices.demo) {
        return {
          ok: false,
          reason: c.devices.reason ?? G.noUsb,
        };
      }
      return { ok: true };
    case 'prepare':
      return { ok: true };
    case 'backup':
      if (c.backupDone || c.backupSkipUnderstood) return { ok: true };
      return { ok: false, reason: G.backupFirst };
    case 'enter-edl': {
      const d = edlDevice(c.devices);
      if (!d) return { ok: false, reason: G.noEdl };
      if (d.greeting?.state === 'answered') return { ok: true };
      if (d.greeting?.state === 'silent') return { ok: false, reason: G.edlSilent };
      return { ok: false, reason: G.edlWaiting };
    }
    case 'package': {
      const accepted = packageAccepted(c.packageView, c.overrideTyped);
      if (!accepted.ok) return accepted;
      if (!edlDevice(c.devices)) return { ok: false, reason: G.leftEdl };
      return { ok: true };
    }
    case 'flash':
      if (c.flashOk) return { ok: true };
      return { ok: false, reason: G.flashFirst };
    case 'finish':
      return { ok: false, reason: G.lastStep };
    default:
      return { ok: false, reason: G.unknownStep };
  }
}

/** Whether Flash can start now. */
export function canStartFlash(c: GateContext): Gate {
  if (c.busy) return { ok: false, reason: G.busy };
  if (!packageAccepted(c.packageView, c.overrideTyped).ok) return { ok: false, reason: G.flashablePackage };
  const d = edlDevice(c.devices);
  if (!d) return { ok: false, reason: G.noEdlToFlash };
  if (d.greeting?.state !== 'answered')
    return {
      ok: false,
      reason: d.greeting?.state === 'silent' ? G.flashSilent : G.flashWaiting,
    };
  return { ok: true };
}
