// Binding Windows' own WinUSB driver to a modem in EDL: `pnputil /add-driver <inf> /install`,
// run elevated through PowerShell's Start-Process -Verb RunAs (the Windows administrator prompt,
// UAC). Builds the exact command line, runs it through an injected runner with a bounded wait,
// and turns a declined prompt or a refused package into a clear error that points to Zadig.

import { RescueError } from '../../../shared/errors.js';
import { bounded } from '../../util/deadline.js';

export interface WindowsRunResult {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs a program; undefined when it does not exist on this computer. */
export type WindowsRun = (
  cmd: string,
  args: string[],
  opts?: { timeoutMs: number; signal?: AbortSignal | undefined },
) => Promise<WindowsRunResult | undefined>;

export interface PlannedWindowsCommand {
  cmd: string;
  args: string[];
}

/** What the user reads before the administrator prompt appears. */
export const ADMIN_PROMPT_EXPLANATION =
  'Windows has no driver for the modem in download mode (EDL), so Modem Rescue cannot reach it. ' +
  'Modem Rescue can bind WinUSB, the USB driver that comes with Windows, to this one device (USB ID 05C6:9008): ' +
  'nothing is downloaded and no other device is changed. Installing a driver needs administrator rights, so ' +
  'Windows will ask "Do you want to allow this app to make changes to your device?" for "PnP Utility" (pnputil); ' +
  'answer Yes. If you answer No, nothing is changed and Zadig can do the same by hand.';

export const ZADIG_STEPS =
  'Zadig (https://zadig.akeo.ie/) does the same by hand: start it, choose Options > List All Devices, pick the ' +
  'device with USB ID 05C6 9008 (often "QUSB__BULK"), choose WinUSB as the driver and click Install Driver; ' +
  'then check again here. The full steps are in zadig-instructions.txt beside the driver package.';

/**
 * The INF path is embedded in a single-quoted PowerShell literal: there only the quote characters
 * are special. ASCII apostrophes (a user folder like C:\Users\O'Brien) are doubled; the
 * typographic single quotes PowerShell also treats as quotes, double quotes and control
 * characters are refused, as is anything but an absolute drive-letter path to an .inf file.
 */
function quoteInfPath(infPath: string): string {
  if (!/^[A-Za-z]:\\[^"\u2018\u2019\u201a\u201b\r\n\0<>|?*]+\.inf$/i.test(infPath) || infPath.length > 400) {
    throw new RescueError(
      'INTERNAL',
      `Refusing to install the driver package from "${infPath.slice(0, 200)}": not a plain absolute .inf path.`,
    );
  }
  return infPath.replace(/'/g, "''");
}

/**
 * The command that installs the INF elevated and passes pnputil's exit code back:
 *   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "<script>"
 * Start-Process joins ArgumentList with spaces, so the path travels inside double quotes.
 */
export function winUsbInstallCommand(infPath: string): PlannedWindowsCommand {
  const quoted = quoteInfPath(infPath);
  const script =
    `$p = Start-Process -FilePath 'pnputil.exe' -ArgumentList '/add-driver', '"${quoted}"', '/install' ` +
    '-Verb RunAs -Wait -PassThru -WindowStyle Hidden; exit $p.ExitCode';
  return {
    cmd: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', script],
  };
}

/** pnputil exit codes that mean the package is installed. */
const SUCCESS = new Set([0, 3010 /* ERROR_SUCCESS_REBOOT_REQUIRED */]);
/** 0xE000022F as PowerShell reports it (signed 32-bit): the package has no signed catalog. */
const UNSIGNED_CODES = new Set([0xe000022f, 0xe000022f - 0x1_0000_0000]);
/** ERROR_NO_MORE_ITEMS: installed to the driver store, but no connected device took it. */
const NO_DEVICE_UPDATED = 259;

export interface InstallOutcome {
  rebootRequired: boolean;
}

/** Run the elevated install; resolves when pnputil reports success, else a RescueError naming Zadig. */
export async function installWinUsbDriver(
  run: WindowsRun,
  infPath: string,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<InstallOutcome> {
  const c = winUsbInstallCommand(infPath);
  const r = await bounded((signal) => run(c.cmd, c.args, { timeoutMs: opts.timeoutMs, signal }), {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    what: 'the driver installation (the administrator prompt may still be open)',
    code: 'HOST_PERMISSION',
  });
  if (r === undefined) {
    throw new RescueError(
      'HOST_TOOL_MISSING',
      'Installing the driver needs Windows PowerShell (powershell.exe), which was not found.',
      { nextStep: ZADIG_STEPS },
    );
  }
  const text = `${r.stderr}\n${r.stdout}`;
  if (r.code !== 0 && /canceled by the user|cancelled by the user|\b1223\b/i.test(text)) {
    throw new RescueError(
      'HOST_PERMISSION',
      'The administrator prompt was declined, so no driver was installed and nothing was changed.',
      { nextStep: `Click the fix again and answer Yes, or: ${ZADIG_STEPS}` },
    );
  }
  if (SUCCESS.has(r.code)) return { rebootRequired: r.code === 3010 };
  if (UNSIGNED_CODES.has(r.code)) {
    throw new RescueError(
      'HOST_PERMISSION',
      'Windows refused the driver package because it is not signed (pnputil: no signed catalog), so no driver was installed.',
      { nextStep: ZADIG_STEPS },
    );
  }
  if (r.code === NO_DEVICE_UPDATED) {
    throw new RescueError(
      'HOST_PERMISSION',
      'The WinUSB driver package was added, but no connected device took it: is the modem still in download mode (05C6:9008)?',
      { nextStep: `Put the modem back into EDL and check again; if it still has no driver: ${ZADIG_STEPS}` },
    );
  }
  const msg = (r.stderr.trim() || r.stdout.trim()).split(/\r?\n/).slice(0, 2).join(' ').slice(0, 240);
  throw new RescueError(
    'HOST_PERMISSION',
    `Installing the WinUSB driver failed: pnputil exited with ${r.code}${msg ? ` (${msg})` : ''}.`,
    { nextStep: ZADIG_STEPS },
  );
}
