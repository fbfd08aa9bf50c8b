// Running a command that may need administrator rights: through pkexec (the desktop's password
// prompt) unless this process is already root, with pkexec's own failures turned into clear errors.

import { RescueError } from '../../../shared/errors.js';
import type { RunResult, SystemProbe } from '../system.js';

export interface PlannedCommand {
  cmd: string;
  args: string[];
}

/** How a command reads in a shell, for showing the user what will run. */
export function showCommand(c: PlannedCommand): string {
  return [c.cmd, ...c.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The command as it will run: wrapped in pkexec unless we are root. */
export function asAdmin(probe: SystemProbe, c: PlannedCommand): PlannedCommand {
  return probe.uid === 0 ? c : { cmd: 'pkexec', args: [c.cmd, ...c.args] };
}

/** A root-only sysfs write as a shell line; callers validate path and value (no quotes, no spaces). */
export function sysfsWriteCommand(path: string, value: string): PlannedCommand {
  if (!/^\/sys\/[\w:./-]+$/.test(path) || !/^[\w:.+-]+$/.test(value)) {
    throw new RescueError('INTERNAL', `Refusing to build a sysfs write to "${path}" of "${value}".`);
  }
  return { cmd: 'sh', args: ['-c', `echo ${value} > ${path}`] };
}

/** Run it, turning "not installed", a dismissed password prompt and a non-zero exit into errors. */
export async function runChecked(
  probe: SystemProbe,
  c: PlannedCommand,
  what: string,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<RunResult> {
  const r = await probe.run(c.cmd, c.args, opts);
  if (r === undefined) {
    throw new RescueError(
      'HOST_TOOL_MISSING',
      c.cmd === 'pkexec'
        ? `${what} needs administrator rights, and pkexec (polkit) is not installed: install the "pkexec" package, or run \`sudo ${showCommand({ cmd: c.args[0] ?? '', args: c.args.slice(1) })}\` yourself.`
        : `${what} needs \`${c.cmd}\`, which is not installed.`,
    );
  }
  if (c.cmd === 'pkexec' && r.code === 126) {
    throw new RescueError(
      'CANCELLED',
      `The administrator password prompt for ${what} was dismissed; nothing was changed.`,
    );
  }
  if (c.cmd === 'pkexec' && r.code === 127) {
    throw new RescueError(
      'HOST_PERMISSION',
      `Administrator rights for ${what} were not granted (pkexec exit 127: refused, or no password agent is running). Run \`sudo ${showCommand({ cmd: c.args[0] ?? '', args: c.args.slice(1) })}\` in a terminal instead.`,
    );
  }
  if (r.code !== 0) {
    const msg = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(0, 3).join(' ').slice(0, 300);
    throw new RescueError(
      'HOST_IO',
      `${what} failed: \`${showCommand(c)}\` exited with ${r.code}${msg ? `: ${msg}` : ''}.`,
    );
  }
  return r;
}
