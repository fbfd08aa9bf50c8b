// The app's log: one file per run under the logs folder, one line per entry with its time and
// level, every IMEI-looking number masked before it reaches the disk. Old runs are pruned, and a
// run's file stops growing at a cap (a log flood must not fill the disk).

import { appendFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { maskImei } from '../../shared/api.js';

export type RunLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'device';

/** Every run of 14 to 17 digits (an IMEI with or without its check digit, an IMEISV) masked. */
export function maskImeisInLine(text: string): string {
  return text.replace(/(?<!\d)\d{14,17}(?!\d)/g, (m) => maskImei(m));
}

export interface RunLogOptions {
  dir: string;
  now?: () => number;
  /** Largest size of one run's file (default 20 MiB). */
  maxBytes?: number;
  /** Runs kept, this one included (default 20). */
  keepRuns?: number;
}

function fileStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d+)Z$/, '-$1Z')
    .replace('T', '-');
}

export class RunLog {
  readonly file: string;
  private bytes = 0;
  private full = false;
  private readonly now: () => number;
  private readonly maxBytes: number;

  constructor(opts: RunLogOptions) {
    this.now = opts.now ?? Date.now;
    this.maxBytes = opts.maxBytes ?? 20 * 1024 * 1024;
    mkdirSync(opts.dir, { recursive: true });
    this.file = path.join(opts.dir, `run-${fileStamp(this.now())}-${process.pid}.log`);
    prune(opts.dir, (opts.keepRuns ?? 20) - 1);
  }

  write(level: RunLogLevel, message: string): void {
    if (this.full) return;
    const clean = maskImeisInLine(message.replace(/[\r\n]+/g, ' ⏎ '));
    let line = `${new Date(this.now()).toISOString()} ${level.toUpperCase().padEnd(6)} ${clean}\n`;
    if (this.bytes + Buffer.byteLength(line) > this.maxBytes) {
      line = `${new Date(this.now()).toISOString()} WARN   The log reached ${this.maxBytes} bytes; later lines of this run are not kept.\n`;
      this.full = true;
    }
    try {
      appendFileSync(this.file, line);
      this.bytes += Buffer.byteLength(line);
    } catch {
      // A log that cannot be written must not stop a flash.
    }
  }

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  error(message: string): void {
    this.write('error', message);
  }
}

/** Keep the newest `keep` run files in `dir` (names sort by time). */
function prune(dir: string, keep: number): void {
  try {
    const runs = readdirSync(dir)
      .filter((n) => /^run-.*\.log$/.test(n))
      .sort();
    for (const old of runs.slice(0, Math.max(0, runs.length - Math.max(0, keep))))
      rmSync(path.join(dir, old), { force: true });
  } catch {
    // pruning is best effort
  }
}
