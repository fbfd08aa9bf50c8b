// The quick fault matrix, in process, one test per case: every fault kind against the virtual
// modem running each of the matrix's programmer profiles, each run under a hard limit. Targets: no
// hang, every transient fault recovered by the engine alone, a modem that needs its power cycled
// ends in an error saying so and the next run resumes, and every successful run leaves the NAND
// byte-identical to the package.

import { afterAll, describe, expect, it } from 'vitest';
import { formatRow, MATRIX_PROGRAMMERS, prepareMatrix, runCase } from '../helpers/fault-matrix.js';

const LIMIT_MS = 120_000;
const matrix = await prepareMatrix({ quick: true });
afterAll(() => matrix.dispose());

describe('fault matrix (quick subset)', () => {
  it('covers every fault kind against at least two programmer profiles', () => {
    expect(MATRIX_PROGRAMMERS.length).toBeGreaterThanOrEqual(2);
    for (const programmer of MATRIX_PROGRAMMERS) {
      const kinds = new Set(
        matrix.cases.filter(({ c }) => c.programmer === programmer).flatMap(({ c }) => c.faults.map((f) => f.kind)),
      );
      for (const k of [
        'stall',
        'disconnect',
        'nak-program',
        'need-zlp',
        'slow-ack',
        'log-flood',
        'garbage-reply',
        'hello-once',
        'power-loss-sbl',
        'power-loss',
        'programmer-crash',
      ])
        expect(kinds, `${programmer}: ${k}`).toContain(k);
    }
  });

  it.each(
    matrix.cases.map(({ c, root }) => [`${c.programmer} ${c.name} (${c.position}, ${c.transport})`, c, root] as const),
  )(
    '%s',
    async (_title, c, root) => {
      const r = await runCase(c, root, matrix.work, LIMIT_MS);
      const row = formatRow(r);
      expect(r.outcome, row).not.toBe('HANG');
      expect(r.ok, row).toBe(true);
      expect(r.nandOk, row).toBe(true);
      expect(r.outcome, row).toBe(c.expect === 'recover' ? 'recovered' : 'clear error, resumed after power cycle');
      expect(r.seconds * 1000, row).toBeLessThan(LIMIT_MS + c.delayMs);
      // Faults that interrupt a transfer are recovered by the ladder, not by luck: each needed a recovery.
      if (/^(disconnect|nak-program|garbage-reply|power-loss|programmer-crash)/.test(c.name))
        expect(r.retries, row).toBeGreaterThan(0);
      // The run after a power cycle kept the partitions the first run had verified.
      if (c.expect === 'power-cycle') expect(r.resumed, row).toBeGreaterThan(0);
      // With a power switch, a hung programmer is brought back by cutting its power, once.
      if (c.powerSwitch) expect(r.powerCycles, row).toBe(1);
      else expect(r.powerCycles, row).toBe(0);
    },
    LIMIT_MS + 30_000,
  );
});
