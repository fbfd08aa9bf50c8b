// Is ModemManager running, and is it new enough (1.24+) to leave 05c6:9008 alone?

import type { PlatformCheck } from '../../../shared/api.js';
import type { SystemProbe } from '../system.js';

const TIMEOUT_MS = 5000;

export function parseMmVersion(text: string): [number, number, number] | undefined {
  const m = /mmcli\s+(\d+)\.(\d+)(?:\.(\d+))?/.exec(text) ?? /\b(\d+)\.(\d+)(?:\.(\d+))?\b/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export async function checkModemManager(probe: SystemProbe): Promise<PlatformCheck> {
  const title = 'ModemManager leaves the modem alone';
  const active = await probe
    .run('systemctl', ['is-active', 'ModemManager'], { timeoutMs: TIMEOUT_MS })
    .catch(() => undefined);
  const version = await probe.run('mmcli', ['--version'], { timeoutMs: TIMEOUT_MS }).catch(() => undefined);
  const running = active?.stdout.trim() === 'active';
  const v = version && version.code === 0 ? parseMmVersion(version.stdout) : undefined;
  const vText = v ? v.join('.') : undefined;
  if (!version && !running) {
    return {
      id: 'modemmanager',
      title,
      state: 'ok',
      detail: "ModemManager is not installed, so nothing will grab the modem's ports.",
    };
  }
  if (!active && !running) {
    return {
      id: 'modemmanager',
      title,
      state: 'unknown',
      detail: `ModemManager${vText ? ` ${vText}` : ''} is installed; without systemctl Modem Rescue cannot tell whether it is running. If it is older than 1.24, stop it before a flash.`,
    };
  }
  if (!running) {
    return {
      id: 'modemmanager',
      title,
      state: 'ok',
      detail: `ModemManager${vText ? ` ${vText}` : ''} is installed but not running${active ? ` (systemctl says "${active.stdout.trim() || active.code}")` : ''}.`,
    };
  }
  const newEnough = v !== undefined && (v[0] > 1 || (v[0] === 1 && v[1] >= 24));
  if (newEnough) {
    return {
      id: 'modemmanager',
      title,
      state: 'ok',
      detail: `ModemManager ${vText} is running; since 1.24 it ignores modems in download mode (05c6:9008). Modem Rescue still inhibits it for the modem during a run.`,
    };
  }
  return {
    id: 'modemmanager',
    title,
    state: 'warn',
    detail: `ModemManager ${vText ?? '(version unknown)'} is running; versions before 1.24 probe modems in download mode and can eat the greeting the flash needs. Modem Rescue inhibits it for the modem during a run (mmcli --inhibit-device); the udev rule also tells it to stay away, or stop it with \`sudo systemctl stop ModemManager\`.`,
  };
}
