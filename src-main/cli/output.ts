// The command's way to the terminal or pipe. A reader that goes away (`modem-rescue qcn dump F |
// head -5`) closes stdout: the next write fails with EPIPE, which Node reports as an 'error' event
// that would end the process with a stack trace. Here it is handled once for every command: the
// output is marked closed, further writes are dropped, and the running command is told (it is
// cancelled and the command line ends quietly with exit code 0).

interface OutputState {
  stdoutClosed: boolean;
  /** Called once when stdout closes while a command runs. */
  onClosed: (() => void) | undefined;
}

const state: OutputState = { stdoutClosed: false, onClosed: undefined };
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  // Any error of stdout (EPIPE, EIO of a vanished terminal) means nobody reads any more.
  process.stdout.on('error', () => {
    if (state.stdoutClosed) return;
    state.stdoutClosed = true;
    const notify = state.onClosed;
    state.onClosed = undefined;
    notify?.();
  });
  // Nowhere left to report a failing stderr: its errors are dropped.
  process.stderr.on('error', () => undefined);
}

export interface ProcessOutput {
  out(text: string): void;
  err(text: string): void;
  /** True once stdout was closed by its reader. */
  stdoutClosed(): boolean;
  /** Stop telling this command (it ended). */
  release(): void;
}

/** stdout/stderr of this process for one command; `onClosed` runs if stdout closes meanwhile. */
export function processOutput(onClosed: () => void): ProcessOutput {
  install();
  state.onClosed = onClosed;
  return {
    out: (t) => {
      if (!state.stdoutClosed && !process.stdout.destroyed) process.stdout.write(t);
    },
    err: (t) => {
      if (!process.stderr.destroyed) process.stderr.write(t);
    },
    stdoutClosed: () => state.stdoutClosed,
    release: () => {
      if (state.onClosed === onClosed) state.onClosed = undefined;
    },
  };
}
