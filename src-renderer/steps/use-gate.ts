import { useDevices } from '../store/devices.js';
import { isBusy, useRun } from '../store/run.js';
import type { GateContext } from './gates.js';

/** The live facts the step gates are decided on. */
export function useGateContext(): GateContext {
  const devices = useDevices((s) => s.state);
  const busy = useRun((s) => isBusy(s));
  const backupDone = useRun((s) => s.backup !== undefined);
  const backupSkipUnderstood = useRun((s) => s.backupSkipUnderstood);
  const packageView = useRun((s) => s.packageView);
  const overrideTyped = useRun((s) => s.overrideTyped);
  const flashOk = useRun((s) => s.flash !== undefined);
  return { devices, busy, backupDone, backupSkipUnderstood, packageView, overrideTyped, flashOk };
}
