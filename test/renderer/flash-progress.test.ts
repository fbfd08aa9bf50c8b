import { describe, expect, it } from 'vitest';
import {
  applyEngineEvent,
  currentPartition,
  EMPTY_PROGRESS,
  type FlashProgress,
} from '../../src-renderer/store/flash-progress.js';
import { appendLog, LOG_CAPACITY, MAX_LINE_CHARS } from '../../src-renderer/store/log-ring.js';
import type { EngineEvent } from '../../shared/events.js';

function fold(events: EngineEvent[], from: FlashProgress = EMPTY_PROGRESS): FlashProgress {
  return events.reduce(applyEngineEvent, from);
}

describe('flash progress from engine events', () => {
  it('tracks the partition being written, overall percent, speed and ETA', () => {
    const s = fold([
      { type: 'phase', phase: 'program', message: 'Writing the partitions' },
      { type: 'step-start', index: 0, total: 2, operation: 'program', label: 'sbl', bytes: 1000 },
      {
        type: 'progress',
        index: 0,
        stepBytesDone: 500,
        stepBytes: 1000,
        totalBytesDone: 500,
        totalBytes: 4000,
        bytesPerSecond: 250,
        etaSeconds: 14,
      },
    ]);
    expect(s.percent).toBe(12);
    expect(s.bytesPerSecond).toBe(250);
    expect(s.etaSeconds).toBe(14);
    expect(currentPartition(s)).toMatchObject({ label: 'sbl', bytesDone: 500, state: 'running' });
    expect(s.phaseMessage).toBe('Writing the partitions');

    const t = fold(
      [
        { type: 'step-done', index: 0, operation: 'program', label: 'sbl', seconds: 1 },
        { type: 'step-start', index: 1, total: 2, operation: 'program', label: 'system', bytes: 3000 },
        {
          type: 'progress',
          index: 1,
          stepBytesDone: 3000,
          stepBytes: 3000,
          totalBytesDone: 4000,
          totalBytes: 4000,
          bytesPerSecond: 300,
          etaSeconds: 0,
        },
      ],
      s,
    );
    expect(t.partitions.map((p) => [p.label, p.state])).toEqual([
      ['sbl', 'done'],
      ['system', 'running'],
    ]);
    expect(t.percent).toBe(100);
  });

  it('a resumed step (same index started again) replaces the earlier row instead of adding one', () => {
    const s = fold([
      { type: 'step-start', index: 3, total: 5, operation: 'program', label: 'modem', bytes: 10 },
      { type: 'step-start', index: 3, total: 5, operation: 'program', label: 'modem', bytes: 10 },
    ]);
    expect(s.partitions).toHaveLength(1);
  });

  it('shows what recovery did, counts how often, and logs it', () => {
    const s = fold([
      { type: 'recovery', action: 'resend', message: 'Device stalled, resending the last chunk' },
      { type: 'recovery', action: 'resend', message: 'Device stalled again, resending' },
    ]);
    expect(s.recovery).toEqual({ action: 'resend', message: 'Device stalled again, resending', count: 2 });
    expect(s.log.map((l) => l.text)).toContain('Device stalled, resending the last chunk');
  });

  it('a successful result fills the bar; a failed one keeps the progress and carries the error report', () => {
    const partway = fold([
      {
        type: 'progress',
        index: 0,
        stepBytesDone: 1,
        stepBytes: 10,
        totalBytesDone: 30,
        totalBytes: 100,
        bytesPerSecond: 1,
        etaSeconds: 70,
      },
    ]);
    const ok = applyEngineEvent(partway, { type: 'result', ok: true, seconds: 3, bytes: 100, summary: 'done' });
    expect(ok.percent).toBe(100);
    expect(ok.totalBytesDone).toBe(100);
    const failed = applyEngineEvent(partway, {
      type: 'result',
      ok: false,
      seconds: 3,
      error: { code: 'DEVICE_STALLED', category: 'device', message: 'stalled', nextStep: 'power-cycle' },
    });
    expect(failed.percent).toBe(30);
    expect(failed.result).toMatchObject({ ok: false, error: { code: 'DEVICE_STALLED' } });
    expect(failed.log.at(-1)?.text).toBe('DEVICE_STALLED: stalled');
  });

  it('percent stays within 0-100 whatever the engine reports', () => {
    const over = fold([
      {
        type: 'progress',
        index: 0,
        stepBytesDone: 0,
        stepBytes: 0,
        totalBytesDone: 500,
        totalBytes: 100,
        bytesPerSecond: 0,
        etaSeconds: -1,
      },
    ]);
    expect(over.percent).toBe(100);
    const none = fold([
      {
        type: 'progress',
        index: 0,
        stepBytesDone: 0,
        stepBytes: 0,
        totalBytesDone: 5,
        totalBytes: 0,
        bytesPerSecond: 0,
        etaSeconds: -1,
      },
    ]);
    expect(none.percent).toBe(0);
  });
});

describe('log tail', () => {
  it('keeps only the newest lines (a log flood does not grow the page)', () => {
    let lines = appendLog([], { level: 'info', text: 'first' });
    for (let i = 0; i < LOG_CAPACITY + 50; i++) lines = appendLog(lines, { level: 'device', text: `line ${i}` });
    expect(lines).toHaveLength(LOG_CAPACITY);
    expect(lines[0]?.text).toBe('line 50');
    expect(lines.at(-1)?.text).toBe(`line ${LOG_CAPACITY + 49}`);
    // Sequence numbers stay unique (they are the React keys).
    expect(new Set(lines.map((l) => l.seq)).size).toBe(LOG_CAPACITY);
  });

  it('cuts an absurdly long line', () => {
    const [line] = appendLog([], { level: 'device', text: 'x'.repeat(100_000) });
    expect(line?.text.length).toBe(MAX_LINE_CHARS + 1);
  });
});
