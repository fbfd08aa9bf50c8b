// The `modem-rescue` command: dispatch to one file per command, turn errors into a sentence, a
// next step and an exit code that tells package problems from device problems and cancels.

import { EXIT_CODES, RescueError, toErrorReport } from '../../shared/errors.js';
import { removeTempDirsSync } from '../util/temp-dir.js';
import type { CliIo, CommandSpec } from './io.js';
import { COMMANDS } from './commands/index.js';
import { processOutput } from './output.js';

/**
 * After Ctrl-C or SIGTERM a command gets this long to end by itself (every wait and read honours
 * the cancel); then its temporary folders are removed and the process ends anyway. A second
 * Ctrl-C ends it at once.
 */
export const CANCEL_GRACE_MS = 900;

function forceExit(code: number = EXIT_CODES.cancelled): never {
  removeTempDirsSync();
  process.exit(code);
}

export function helpText(): string {
  const lines = ['modem-rescue: bring Qualcomm/Quectel modems back from "bricked" to "working".', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  modem-rescue ${c.usage}`, `      ${c.summary}`);
  lines.push(
    '',
    'Exit codes: 0 ok, 2 usage, 3 package problem, 4 device problem, 5 this computer, 130 cancelled, 1 unexpected.',
  );
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
  let finished: number | undefined;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) forceExit();
    controller.abort(new RescueError('CANCELLED', 'Stopped by the user.'));
    // Unref'd: a process that ends by itself never waits for it.
    setTimeout(() => forceExit(finished), CANCEL_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that goes away (`| head`) ends the command quietly.
  const output = processOutput(() =>
    controller.abort(new RescueError('CANCELLED', 'The output was closed by its reader.')),
  );
  const io: CliIo = {
    out: output.out,
    err: output.err,
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
    finished = await found.spec.run(found.rest, io);
    return finished;
  } catch (e) {
    finished = output.stdoutClosed() && !ioOverride?.out ? EXIT_CODES.ok : reportError(e, io);
    return finished;
  } finally {
    output.release();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
