// What a command gets from the outside world: output streams, whether it talks to a terminal,
// and the signal that Ctrl-C aborts.

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (progress bars); false for pipes and --json. */
  isTTY: boolean;
  /** Columns of the terminal (80 when unknown). */
  columns: number;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

export type Command = (args: string[], io: CliIo) => Promise<number>;

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  run: Command;
}
