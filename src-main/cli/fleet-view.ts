// How the command line shows several modules worked on at once (flash --port A --port B, --all;
// backup --all): in a terminal, one live line per module (its index and port, its step, its
// progress, speed and ETA), with warnings and recoveries printed above them; in a pipe, one line
// per step of each module, prefixed with the module; with --json, each event as one JSON line
// tagged with its module ({"module":"/dev/ttyUSB0", ...event}). At the end, a summary table.

import type { EngineEvent } from '../../shared/events.js';
import { maskImei } from '../../shared/api.js';
import type { BackupOutcome } from '../flows/backup-many.js';
import type { ModuleOutcome } from '../flows/flash-many.js';
import { formatBytes, formatDuration, type ViewMode } from './event-view.js';
import type { CliIo } from './io.js';

/** The live lines are redrawn at most this often (ms). */
const REDRAW_MS = 250;

interface ModuleLine {
  prefix: string;
  text: string;
}

export class FleetView {
  private readonly lines: ModuleLine[];
  private drawn = 0;
  private lastDraw = 0;

  constructor(
    private readonly io: CliIo,
    private readonly mode: ViewMode,
    modules: readonly string[],
    private readonly verbose = false,
    /** What progress counts: bytes written (flash) or DIAG requests answered (backup). */
    private readonly unit: 'bytes' | 'requests' = 'bytes',
  ) {
    this.lines = modules.map((m, i) => ({ prefix: `[${i + 1} ${m}]`, text: 'waiting' }));
  }

  /** The sink of module `index`. */
  event(index: number, module: string, e: EngineEvent): void {
    if (this.mode === 'json') {
      this.io.out(`${JSON.stringify({ module, ...e })}\n`);
      return;
    }
    const line = this.lines[index]!;
    const above = this.describe(line, e);
    if (above !== undefined) this.print(`${line.prefix} ${above}`);
    if (this.mode === 'tty') this.redraw(e.type === 'result' || e.type === 'step-start');
  }

  /** An event about the computer rather than one module (--json: tagged "module": null). */
  general(e: EngineEvent): void {
    if (this.mode === 'json') this.io.out(`${JSON.stringify({ module: null, ...e })}\n`);
    else if (e.type === 'log' && (e.level === 'warn' || e.level === 'error' || e.level === 'info' || this.verbose))
      this.print(`${e.level === 'warn' || e.level === 'error' ? `${e.level}: ` : ''}${e.message}`);
  }

  /** What the event changes in the module's live line; a line to print above the block, if any. */
  private describe(line: ModuleLine, e: EngineEvent): string | undefined {
    const lines = this.mode === 'lines';
    switch (e.type) {
      case 'phase':
        line.text = e.message;
        return lines && e.phase !== 'program' && e.phase !== 'erase' && e.phase !== 'verify' ? e.message : undefined;
      case 'step-start':
        line.text = `[${e.index + 1}/${e.total}] ${e.operation} ${e.label}`;
        return lines && e.operation === 'program' ? `${line.text} (${formatBytes(e.bytes)})` : undefined;
      case 'progress': {
        if (this.unit === 'requests') {
          line.text = `${e.stepBytesDone}/${e.stepBytes} requests  ${Math.round(e.bytesPerSecond)}/s  ETA ${formatDuration(e.etaSeconds)}`;
          return undefined;
        }
        const all = e.totalBytes ? Math.floor((e.totalBytesDone / e.totalBytes) * 100) : 0;
        const step = line.text.replace(/ {2}all .*$/, '');
        line.text = `${step}  all ${all}%  ${e.stalled ? 'stalled: no data moving' : `${formatBytes(e.bytesPerSecond)}/s  ETA ${formatDuration(e.etaSeconds)}`}`;
        return undefined;
      }
      case 'log':
        if (e.level === 'warn' || e.level === 'error') return `${e.level}: ${e.message}`;
        return this.verbose ? e.message : undefined;
      case 'recovery':
        return `recovery: ${e.message}`;
      case 'result':
        line.text = e.ok ? `done in ${e.seconds.toFixed(1)} s` : `FAILED: ${e.error.message}`;
        return lines || !e.ok ? line.text : undefined;
      default:
        return undefined;
    }
  }

  private print(text: string): void {
    this.clearBlock();
    this.io.out(`${text}\n`);
    if (this.mode === 'tty') this.redraw(true);
  }

  private clearBlock(): void {
    if (this.drawn === 0) return;
    this.io.out(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private redraw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.clearBlock();
    const width = Math.max(20, this.io.columns - 1);
    for (const l of this.lines) this.io.out(`${`${l.prefix} ${l.text}`.slice(0, width)}\n`);
    this.drawn = this.lines.length;
  }

  /** The summary table after every flash ended (not in --json, where each module's result event says it). */
  summary(outcomes: readonly ModuleOutcome[]): void {
    this.table(
      ['module', 'serial', 'result', 'seconds', 'verification'],
      outcomes.map((o) => [
        `${o.index + 1} ${o.module}`,
        o.serial ?? '?',
        o.ok ? 'OK' : `FAILED (${o.error?.code ?? 'error'})`,
        o.seconds.toFixed(1),
        o.result ? o.result.verified : '-',
      ]),
      `${outcomes.filter((o) => o.ok).length} of ${outcomes.length} modules flashed.`,
      outcomes,
    );
  }

  /** The summary table after every backup ended: model, masked IMEI, result, seconds, file. */
  backupSummary(outcomes: readonly BackupOutcome[]): void {
    this.table(
      ['module', 'model', 'IMEI', 'result', 'seconds', 'file'],
      outcomes.map((o) => [
        `${o.index + 1} ${o.module}`,
        o.result?.manifest.module.model ?? '?',
        o.result ? maskImei(o.result.manifest.imei) : '?',
        o.ok ? 'OK (verified)' : `FAILED (${o.error?.code ?? 'error'})`,
        o.seconds.toFixed(1),
        o.result?.path ?? '-',
      ]),
      `${outcomes.filter((o) => o.ok).length} of ${outcomes.length} modules backed up.`,
      outcomes,
    );
  }

  private table(
    head: string[],
    rows: string[][],
    footer: string,
    outcomes: readonly { ok: boolean; index: number; module: string; error?: { message: string; nextStep: string } }[],
  ): void {
    if (this.mode === 'json') return;
    if (this.mode === 'tty') this.redraw(true);
    const secondsCol = head.indexOf('seconds');
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const fmt = (r: string[]): string =>
      r
        .map((x, c) => (c === secondsCol ? x.padStart(widths[c]!) : x.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd();
    this.io.out(`\n${fmt(head)}\n${rows.map(fmt).join('\n')}\n`);
    this.io.out(`${footer}\n`);
    for (const o of outcomes)
      if (!o.ok && o.error)
        this.io.out(`\n[${o.index + 1} ${o.module}] ${o.error.message}\n  what to do: ${o.error.nextStep}\n`);
  }
}
