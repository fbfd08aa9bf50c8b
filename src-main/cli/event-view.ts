// How the command line shows engine events: in a terminal, a live progress bar for the current
// partition and the whole run with speed and ETA; in a pipe, one line per step; with --json, one
// JSON event per line.

import type { EngineEvent } from '../../shared/events.js';
import type { CliIo } from './io.js';

export type ViewMode = 'tty' | 'lines' | 'json';

export function chooseViewMode(io: CliIo, json: boolean): ViewMode {
  return json ? 'json' : io.isTTY ? 'tty' : 'lines';
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export class EventView {
  private current = '';
  private total = 0;
  private liveLine = false;

  constructor(
    private readonly io: CliIo,
    private readonly mode: ViewMode,
    private readonly verbose = false,
  ) {}

  readonly sink = (e: EngineEvent): void => {
    if (this.mode === 'json') {
      this.io.out(`${JSON.stringify(e)}\n`);
      return;
    }
    switch (e.type) {
      case 'phase':
        if (e.phase !== 'program' && e.phase !== 'erase' && e.phase !== 'verify' && e.phase !== 'patch')
          this.line(`== ${e.message}`);
        break;
      case 'step-start':
        this.total = e.total;
        this.current = `[${e.index + 1}/${e.total}] ${e.operation} ${e.label}`;
        if (this.mode === 'lines' || e.operation !== 'program')
          this.line(`${this.current}${e.bytes ? ` (${formatBytes(e.bytes)})` : ''}`);
        break;
      case 'progress':
        if (this.mode === 'tty') this.live(e);
        break;
      case 'step-done':
        if (this.mode === 'tty' && e.operation === 'program')
          this.line(`${this.current}  done in ${e.seconds.toFixed(1)} s`);
        break;
      case 'log':
        if (e.level === 'warn' || e.level === 'error') this.line(`${e.level}: ${e.message}`);
        else if (e.level === 'info' || this.verbose)
          this.line(`  ${e.level === 'device' ? 'device: ' : ''}${e.message}`);
        break;
      case 'recovery':
        this.line(`recovery: ${e.message}`);
        break;
      case 'result':
        if (e.ok) this.line(`OK: ${e.summary} in ${e.seconds.toFixed(1)} s`);
        break;
    }
  };

  private live(e: Extract<EngineEvent, { type: 'progress' }>): void {
    const width = Math.max(10, Math.min(30, this.io.columns - 70));
    const stepFrac = e.stepBytes ? e.stepBytesDone / e.stepBytes : 0;
    const totalFrac = e.totalBytes ? e.totalBytesDone / e.totalBytes : 0;
    const text = `${this.current.slice(0, 28).padEnd(28)} ${bar(stepFrac, width)} ${String(Math.floor(stepFrac * 100)).padStart(3)}%  all ${String(Math.floor(totalFrac * 100)).padStart(3)}%  ${e.stalled ? 'stalled: no data moving' : `${formatBytes(e.bytesPerSecond)}/s  ETA ${formatDuration(e.etaSeconds)}`}`;
    this.io.out(`\r${text.slice(0, this.io.columns - 1)}\x1b[K`);
    this.liveLine = true;
  }

  line(text: string): void {
    if (this.mode === 'json') return;
    if (this.liveLine) {
      this.io.out('\r\x1b[K');
      this.liveLine = false;
    }
    this.io.out(`${text}\n`);
  }
}
