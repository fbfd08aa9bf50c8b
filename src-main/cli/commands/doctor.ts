// modem-rescue doctor [--json] [--fix ID]: what on this computer stands between Modem Rescue and
// the modem, one line per check with its state; --fix runs a fix the doctor offered, saying first
// what it will do.

import type { PlatformCheck } from '../../../shared/api.js';
import { EXIT_CODES } from '../../../shared/errors.js';
import { runDoctor, runDoctorFix } from '../../platform/doctor.js';
import { realSystem, type SystemProbe } from '../../platform/system.js';
import { parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

const LABEL: Record<PlatformCheck['state'], string> = {
  ok: 'ok     ',
  warn: 'WARN   ',
  fail: 'FAIL   ',
  unknown: 'unknown',
};

export function formatChecks(checks: PlatformCheck[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${LABEL[c.state]}  ${c.title}`);
    lines.push(`         ${c.detail}`);
    if (c.fix)
      lines.push(
        `         fix: ${c.fix.label} (modem-rescue doctor --fix ${c.fix.id})${c.fix.needsAdmin ? ', needs the administrator password' : ''}`,
      );
  }
  const bad = checks.filter((c) => c.state === 'fail' || c.state === 'warn').length;
  lines.push('');
  lines.push(
    bad === 0
      ? 'Nothing on this computer stands in the way.'
      : `${bad} check${bad > 1 ? 's' : ''} need${bad > 1 ? '' : 's'} attention.`,
  );
  return `${lines.join('\n')}\n`;
}

export function makeDoctorCommand(probe: () => SystemProbe): CommandSpec {
  return {
    name: 'doctor',
    summary: 'Check this computer: USB, ModemManager, drivers, permissions, udev rule, autosuspend, link',
    usage: 'doctor [--json] [--fix ID]',
    run: async (args: string[], io: CliIo): Promise<number> => {
      const { values } = parse(args, { json: { type: 'boolean' }, fix: { type: 'string' } }, false);
      const system = probe();
      if (typeof values.fix === 'string') {
        const offered = (await runDoctor(system)).map((c) => c.fix).find((f) => f?.id === values.fix);
        if (offered) io.err(`${offered.label}: ${offered.explanation}\n`);
        await runDoctorFix(system, values.fix, { signal: io.signal });
        io.err('Done.\n');
      }
      const checks = await runDoctor(system);
      io.out(values.json ? `${JSON.stringify(checks)}\n` : formatChecks(checks));
      return EXIT_CODES.ok;
    },
  };
}

export const doctorCommand: CommandSpec = makeDoctorCommand(realSystem);
