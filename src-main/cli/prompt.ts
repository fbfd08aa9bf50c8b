// A yes/no question on the terminal, bounded: no answer within the time limit, Ctrl-C, or a
// closed stdin all count as "no". Only asked when stdin is a terminal.

import { createInterface } from 'node:readline';

export function stdinIsTerminal(): boolean {
  return Boolean(process.stdin.isTTY);
}

export function askYesNo(
  question: string,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    let done = false;
    const finish = (yes: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      rl.close();
      resolve(yes);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => {
      process.stderr.write(`\nNo answer within ${Math.round(opts.timeoutMs / 1000)} s: taken as no.\n`);
      finish(false);
    }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    rl.on('close', () => finish(false));
    rl.question(`${question} [y/N] `, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)));
  });
}
