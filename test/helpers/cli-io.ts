// A command's terminal for tests: not a TTY (so no live lines), everything it prints kept.

import type { CliIo } from '../../src-main/cli/io.js';

export interface TextIo extends CliIo {
  /** stdout, or stdout and stderr together when made with `merged`. */
  text(): string;
  errText(): string;
}

export function textIo(opts: { merged?: boolean; columns?: number } = {}): TextIo {
  let out = '';
  let err = '';
  return {
    out: (t) => (out += t),
    err: (t) => {
      if (opts.merged) out += t;
      else err += t;
    },
    isTTY: false,
    columns: opts.columns ?? 80,
    signal: new AbortController().signal,
    text: () => out,
    errText: () => err,
  };
}
