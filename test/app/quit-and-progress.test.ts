// While flashing: the quit guard asks (and only then), cancelling stops the flash before the app
// quits; the power-save blocker and the taskbar progress follow the engine's events.

import { describe, expect, it, vi } from 'vitest';
import type { ApiEvent } from '../../shared/api.js';
import { FlashActivity, type ActivityHost } from '../../src-main/app/flash-activity.js';
import { QuitGuard } from '../../src-main/app/quit-guard.js';
import { progressEvent, stalledResult } from '../helpers/events.js';

function host() {
  const progress: [number, string | undefined][] = [];
  const blockers = { started: 0, stopped: [] as number[] };
  const h: ActivityHost = {
    startBlocker: () => ++blockers.started,
    stopBlocker: (id) => blockers.stopped.push(id),
    setProgress: (p, mode) => progress.push([p, mode]),
  };
  return { h, progress, blockers };
}

const engineProgress = (done: number, total: number): ApiEvent => ({
  type: 'engine',
  event: progressEvent(done, total),
});

describe('flash activity', () => {
  it('blocks sleep and shows progress during a flash only', () => {
    const { h, progress, blockers } = host();
    const a = new FlashActivity(h);
    a.onEvent({ type: 'busy', method: 'backup' });
    a.onEvent(engineProgress(1, 2));
    expect(a.critical).toBe(false);
    expect(blockers.started).toBe(0);
    expect(progress).toEqual([]);

    a.onEvent({ type: 'busy', method: 'flash' });
    expect(a.critical).toBe(true);
    expect(blockers.started).toBe(1);
    a.onEvent(engineProgress(25, 100));
    a.onEvent(engineProgress(100, 100));
    a.onEvent({ type: 'busy', method: undefined });
    expect(a.critical).toBe(false);
    expect(blockers.stopped).toEqual([1]);
    expect(progress).toEqual([
      [0, 'indeterminate'],
      [0.25, 'normal'],
      [1, 'normal'],
      [-1, undefined],
    ]);
  });

  it('several modules at once (flashAll): sleep blocked, the bar indeterminate, a module that fails turns it red', () => {
    const { h, progress, blockers } = host();
    const a = new FlashActivity(h);
    a.onEvent({ type: 'busy', method: 'flashAll' });
    expect(a.critical).toBe(true);
    expect(blockers.started).toBe(1);
    // No one module's figure stands for the run.
    a.onEvent({ ...engineProgress(90, 100), module: 'demo-1' } as ApiEvent);
    a.onEvent({ ...engineProgress(10, 100), module: 'demo-2' } as ApiEvent);
    expect(progress).toEqual([[0, 'indeterminate']]);
    a.onEvent({
      type: 'engine',
      module: 'demo-2',
      event: stalledResult(),
    });
    a.onEvent({ type: 'busy', method: undefined });
    expect(blockers.stopped).toEqual([1]);
    expect(progress.at(-1)).toEqual([1, 'error']);
  });

  it('leaves a red bar after a failed flash', () => {
    const { h, progress } = host();
    const a = new FlashActivity(h);
    a.onEvent({ type: 'busy', method: 'flash' });
    a.onEvent({
      type: 'engine',
      event: stalledResult(),
    });
    a.onEvent({ type: 'busy', method: undefined });
    expect(progress.at(-1)).toEqual([1, 'error']);
  });
});

describe('quit guard', () => {
  function guard(critical: { value: boolean }, answer: boolean) {
    const quit = vi.fn();
    const confirmQuit = vi.fn(async () => answer);
    const cancelFlash = vi.fn(async () => {
      setTimeout(() => (critical.value = false), 30); // the engine stops at a safe point a bit later
    });
    const g = new QuitGuard({ isCritical: () => critical.value, confirmQuit, cancelFlash, quit, stopWaitMs: 2000 });
    return { g, quit, confirmQuit, cancelFlash };
  }

  it('lets the app quit without asking when no flash runs', () => {
    const { g, confirmQuit } = guard({ value: false }, true);
    expect(g.shouldHold()).toBe(false);
    expect(confirmQuit).not.toHaveBeenCalled();
  });

  it('holds the quit and asks while flashing; "keep flashing" keeps it running', async () => {
    const critical = { value: true };
    const { g, quit, confirmQuit, cancelFlash } = guard(critical, false);
    expect(g.shouldHold()).toBe(true);
    expect(g.shouldHold()).toBe(true); // a second close while the question is open asks once
    await vi.waitFor(() => expect(confirmQuit).toHaveBeenCalledTimes(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(cancelFlash).not.toHaveBeenCalled();
    expect(quit).not.toHaveBeenCalled();
    expect(critical.value).toBe(true);
  });

  it('"stop safely and quit" cancels the flash, waits for it to stop, then quits', async () => {
    const critical = { value: true };
    const { g, quit, cancelFlash } = guard(critical, true);
    expect(g.shouldHold()).toBe(true);
    await vi.waitFor(() => expect(quit).toHaveBeenCalledTimes(1), { timeout: 2000 });
    expect(cancelFlash).toHaveBeenCalledTimes(1);
    expect(critical.value).toBe(false); // quit came after the flash stopped
    expect(g.shouldHold()).toBe(false); // the quit it started goes through
  });
});
