// Quitting while a flash runs would leave the modem half-written: ask first. "Keep flashing" is
// the default; "Stop safely and quit" cancels the flash through the engine (which stops at a safe
// point and keeps its resume journal), waits for it to end (bounded), then quits.

export interface QuitGuardHost {
  /** True while quitting would interrupt a flash. */
  isCritical(): boolean;
  /** Ask the person; true = stop the flash and quit. */
  confirmQuit(): Promise<boolean>;
  /** Ask the engine to cancel the running flash. */
  cancelFlash(): Promise<void>;
  /** Quit for real (the guard lets it through). */
  quit(): void;
  /** How long to wait for the flash to stop before quitting anyway (ms). */
  stopWaitMs?: number;
  log?: (line: string) => void;
}

export class QuitGuard {
  private allowed = false;
  private asking = false;

  constructor(private readonly host: QuitGuardHost) {}

  /**
   * Call from the window's 'close' and the app's 'before-quit' handlers. Returns true when the
   * quit must be held back (the caller calls event.preventDefault()).
   */
  shouldHold(): boolean {
    if (this.allowed || !this.host.isCritical()) return false;
    if (!this.asking) void this.ask();
    return true;
  }

  private async ask(): Promise<void> {
    this.asking = true;
    try {
      const stop = await this.host.confirmQuit();
      if (!stop) {
        this.host.log?.('quit refused: the flash keeps running');
        return;
      }
      this.host.log?.('quit confirmed during a flash: cancelling it first');
      await this.host.cancelFlash().catch(() => undefined);
      const until = Date.now() + (this.host.stopWaitMs ?? 15_000);
      while (this.host.isCritical() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      this.allowed = true;
      this.host.quit();
    } finally {
      this.asking = false;
    }
  }
}
