// The `modem-rescue` command: dispatch to one file per command, turn errors into a sentence, a
// next step and an exit code that tells package problems from device problems and cancels.

import { EXIT_CODES, RescueError, toErrorReport } from '../../shared/errors.js';
import type { CliIo, CommandSpec } from './io.js';
import { COMMANDS } from './commands/index.js';

export function helpText(): string {
  const lines = ['modem-rescue: bring Qualcomm/Quectel modems back from "bricked" to "working".', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  modem-rescue ${c.usage}`, `      ${c.summary}`);
  lines.push('', 'Exit codes: 0 ok, 2 usage, 3 package problem, 4 device problem, 5 this computer, 130 cancelled, 1 unexpected.');
  return lines.join('\n');
}

export function findCommand(args: string[]): { spec: CommandSpec; rest: string[] } | undefined {
  // Two-word commands ("package inspect", "sim make-package") win over one-word ones.
  if (args.length >= 2) {
    const two = COMMANDS.find((c) => c.name === `${args[0]} ${args[1]}`);
    if (two) return { spec: two, rest: args.slice(2) };
  }
  const one = COMMANDS.find((c) => c.name === args[0]);
  return one ? { spec: one, rest: args.slice(1) } : undefined;
}

export function reportError(e: unknown, io: Pick<CliIo, 'err'>): number {
  const r = toErrorReport(e);
  io.err(`error ${r.code}: ${r.message}\n  what to do: ${r.nextStep}\n`);
  if (r.code === 'INTERNAL' && e instanceof Error && process.env.MODEM_RESCUE_DEBUG) io.err(`${e.stack}\n`);
  return EXIT_CODES[r.category];
}

export async function main(argv: string[], ioOverride?: Partial<CliIo>): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_CODES.cancelled);
    controller.abort(new RescueError('CANCELLED', 'Stopped by the user.'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns || 80,
    signal: controller.signal,
    ...ioOverride,
  };
  try {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.out(`${helpText()}\n`);
      return argv.length === 0 ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    const found = findCommand(argv);
    if (!found) throw new RescueError('USAGE', `Unknown command "${argv.join(' ')}".`);
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      io.out(`usage: modem-rescue ${found.spec.usage}\n${found.spec.summary}\n`);
      return EXIT_CODES.ok;
    }
    return await found.spec.run(found.rest, io);
  } catch (e) {
    return reportError(e, io);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
