// What the computer holds while a real modem is flashed, and gives back afterwards (Linux): USB
// autosuspend off (power/control=on) for each modem in download mode, and ModemManager told to
// leave it alone (mmcli --inhibit-device). Each hold is logged; one that cannot be taken is a
// warning, not a failure (the flash itself decides); release() restores everything, bounded.

import type { EventSink } from '../../shared/events.js';
import { findModems } from './linux/modems.js';
import { holdPowerOn, inhibitModemManager, type Held } from './linux/fixes.js';
import type { SystemProbe } from './system.js';

export interface FlashGuards {
  release(): Promise<void>;
}

const NOTHING: FlashGuards = { release: () => Promise.resolve() };

/** Longest a ModemManager inhibition may last (a flash of a few hundred MiB over USB 2 and its retries). */
const INHIBIT_MAX_MS = 2 * 60 * 60_000;

export async function holdForFlash(probe: SystemProbe, onEvent?: EventSink): Promise<FlashGuards> {
  if (probe.platform !== 'linux') return NOTHING;
  const say = (message: string, level: 'info' | 'warn' = 'info'): void => onEvent?.({ type: 'log', level, message });
  let modems;
  try {
    modems = (await findModems(probe)).filter((m) => m.edl);
  } catch {
    return NOTHING;
  }
  const held: Held[] = [];
  for (const m of modems) {
    try {
      const h = await holdPowerOn(probe, m.busPath);
      say(`USB ${m.busPath}: ${h.description}`);
      held.push(h);
    } catch (e) {
      say(
        `USB ${m.busPath}: autosuspend could not be switched off (${e instanceof Error ? e.message : String(e)}); if the flash stalls, run \`modem-rescue doctor\`.`,
        'warn',
      );
    }
    try {
      const h = await inhibitModemManager(probe, `/sys/bus/usb/devices/${m.busPath}`, { maxMs: INHIBIT_MAX_MS });
      say(`USB ${m.busPath}: ${h.description}`);
      held.push(h);
    } catch {
      // No ModemManager, or it refuses: nothing to hold. The doctor reports it.
    }
  }
  return {
    release: async () => {
      for (const h of held.reverse()) await h.release().catch(() => {});
    },
  };
}
