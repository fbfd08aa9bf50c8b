// What the desktop does while a flash runs: keeps the computer from sleeping (power-save
// blocker), shows the progress on the taskbar/dock, and tells the quit guard a flash is running.
// Driven by the engine's events: busy (which long operation runs) and the flash's progress.

import type { ApiEvent, ApiMethod } from '../../shared/api.js';

/** The operations during which quitting or sleeping would leave the modem half-written. */
export const CRITICAL_METHODS: ReadonlySet<ApiMethod> = new Set<ApiMethod>(['flash', 'flashAll']);

export interface ActivityHost {
  startBlocker(): number;
  stopBlocker(id: number): void;
  /** progress 0..1, or -1 to remove the bar; mode 'error' turns it red. */
  setProgress(progress: number, mode?: 'normal' | 'indeterminate' | 'error'): void;
}

export class FlashActivity {
  private busy: ApiMethod | undefined;
  private blocker: number | undefined;
  private failed = false;

  constructor(private readonly host: ActivityHost) {}

  /** True while an operation that must not be interrupted runs. */
  get critical(): boolean {
    return this.busy !== undefined && CRITICAL_METHODS.has(this.busy);
  }

  get running(): ApiMethod | undefined {
    return this.busy;
  }

  onEvent(e: ApiEvent): void {
    if (e.type === 'busy') {
      const was = this.critical;
      this.busy = e.method;
      if (this.critical && !was) this.begin();
      else if (!this.critical && was) this.end();
      return;
    }
    if (e.type !== 'engine' || !this.critical) return;
    const ev = e.event;
    // Several modules at once (flashAll): no one module's figure stands for the run; the bar stays indeterminate.
    if (ev.type === 'progress' && ev.totalBytes > 0 && e.module === undefined) {
      this.host.setProgress(Math.min(1, Math.max(0, ev.totalBytesDone / ev.totalBytes)), 'normal');
    } else if (ev.type === 'result' && !ev.ok) {
      this.failed = true;
      this.host.setProgress(1, 'error');
    }
  }

  /** Release everything (the app quits). */
  dispose(): void {
    if (this.blocker !== undefined) this.host.stopBlocker(this.blocker);
    this.blocker = undefined;
  }

  private begin(): void {
    this.failed = false;
    if (this.blocker === undefined) this.blocker = this.host.startBlocker();
    this.host.setProgress(0, 'indeterminate');
  }

  private end(): void {
    if (this.blocker !== undefined) this.host.stopBlocker(this.blocker);
    this.blocker = undefined;
    // A failed flash leaves the red bar until the next run; otherwise the bar goes away.
    if (!this.failed) this.host.setProgress(-1);
  }
}
