// The quick fault matrix, in process: every fault kind against the virtual modem, each run under
// a hard limit. Targets: no hang, every transient fault recovered by the engine alone, a modem
// that needs its power cycled ends in an error saying so and the next run resumes, and every
// successful run leaves the NAND byte-identical to the package.

import { describe, expect, it } from 'vitest';
import { formatRow, runMatrix, type CaseResult } from '../../bench/fault-matrix.js';

describe('fault matrix (quick subset)', () => {
  it('recovers every transient fault, never hangs, and ends byte-identical', async () => {
    const results: CaseResult[] = await runMatrix({ quick: true });
    const table = results.map(formatRow).join('\n');
    const kinds = new Set(results.flatMap((r) => r.c.faults.map((f) => f.kind)));
    for (const k of ['stall', 'disconnect', 'nak-program', 'need-zlp', 'slow-ack', 'log-flood', 'garbage-reply', 'hello-once', 'power-loss-sbl', 'power-loss', 'programmer-crash']) expect(kinds, k).toContain(k);
    expect(results.filter((r) => r.outcome === 'HANG'), table).toEqual([]);
    expect(results.filter((r) => !r.ok).map(formatRow), table).toEqual([]);
    for (const r of results) {
      expect(r.nandOk, formatRow(r)).toBe(true);
      if (r.c.expect === 'recover') expect(r.outcome, formatRow(r)).toBe('recovered');
      else expect(r.outcome, formatRow(r)).toBe('clear error, resumed after power cycle');
      expect(r.seconds * 1000, formatRow(r)).toBeLessThan(120_000 + r.c.delayMs);
    }
    // Faults that interrupt a transfer are recovered by the ladder, not by luck: each needed a recovery.
    for (const r of results.filter((x) => /^(disconnect|nak-program|garbage-reply|power-loss|programmer-crash)/.test(x.c.name))) expect(r.retries, formatRow(r)).toBeGreaterThan(0);
    // The run after a power cycle kept the partitions the first run had verified.
    for (const r of results.filter((x) => x.c.expect === 'power-cycle')) expect(r.resumed, formatRow(r)).toBeGreaterThan(0);
  }, 240_000);
});
