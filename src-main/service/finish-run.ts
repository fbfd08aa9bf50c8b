// After the flash: the module resets; wait (bounded) for it to come back in normal mode, then ask
// its AT port for the firmware version (AT+QGMR) and the radio state (AT+CFUN?).

import type { DeviceSummary, FinishView } from '../../shared/api.js';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { AtClient } from '../host/at-client.js';
import type { PipeOpener } from '../transport/transport.js';
import { formatMs, sleep, throwIfAborted } from '../util/deadline.js';

export interface FinishTarget {
  /** The devices that count (the demo module, or the real ones). */
  look(): Promise<DeviceSummary[]>;
  atOpener(d: DeviceSummary): PipeOpener;
}

export interface FinishOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  pollMs?: number;
  /** Per AT command (default 5 s). */
  atTimeoutMs?: number;
}

/**
 * How often the bus is looked at while the module boots. The module is back when it is back: a
 * long interval only adds to the wait (250 ms cost up to that much on every rescue; measured in
 * `npm run bench`, section 5).
 */
const NORMAL_POLL_MS = 50;

/** +CFUN: 5 is how these modules report a radio without calibration. */
export const CFUN_NO_CALIBRATION = 5;

export async function waitForNormal(target: FinishTarget, opts: FinishOptions): Promise<FinishView> {
  const log = (level: 'info' | 'warn', message: string): void => opts.onEvent?.({ type: 'log', level, message });
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let lastMode: DeviceSummary['mode'] | undefined;
  let module: DeviceSummary | undefined;
  log('info', 'Waiting for the module to restart in normal mode...');
  for (;;) {
    throwIfAborted(opts.signal);
    const devices = await target.look();
    module = devices.find((d) => d.mode === 'normal' && d.ports.at !== undefined);
    if (module) break;
    lastMode = devices[0]?.mode;
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(opts.pollMs ?? NORMAL_POLL_MS, left), opts.signal);
  }
  if (!module) {
    if (lastMode === 'edl')
      throw new RescueError(
        'DEVICE_STILL_IN_EDL',
        `It was still in EDL (05c6:9008) ${formatMs(opts.timeoutMs)} after the flash.`,
      );
    if (lastMode !== undefined) return { mode: lastMode };
    throw new RescueError(
      'DEVICE_TIMEOUT',
      `The module did not come back on the bus within ${formatMs(opts.timeoutMs)} after the flash.`,
      {
        nextStep:
          'Unplug and replug the module (or power-cycle it) and look at the device list; if it shows in EDL, flash again.',
      },
    );
  }
  log('info', `The module is back in normal mode (${module.name}); asking its firmware version.`);
  const atTimeoutMs = opts.atTimeoutMs ?? 5000;
  const open = {
    timeoutMs: Math.max(2000, deadline - Date.now()),
    ...(opts.signal ? { signal: opts.signal } : {}),
    what: 'the AT port',
  };
  const pipe = await target.atOpener(module).open(open);
  const at = new AtClient(pipe, { timeoutMs: atTimeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    // A module fresh from boot may not answer its first command yet: a few tries, bounded.
    let firmware: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        firmware = await at.qgmr();
        break;
      } catch (e) {
        if (!(e instanceof RescueError) || e.code !== 'DEVICE_TIMEOUT' || attempt >= 3) throw e;
      }
    }
    const cfun = await at.cfun();
    const radioOk = cfun !== CFUN_NO_CALIBRATION;
    log(
      radioOk ? 'info' : 'warn',
      `Firmware ${firmware}; radio state +CFUN: ${cfun}${radioOk ? '' : ' (no calibration: restore the QCN backup)'}.`,
    );
    return { mode: 'normal', firmware, radioOk };
  } finally {
    await at.close().catch(() => undefined);
  }
}
