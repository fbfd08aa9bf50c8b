// Done-when of issue 16 (command line): eight virtual modems (`sim --pty --count 8`) flashed at
// once by one `flash --port ... --json`, one of them dropping off the bus half-way and recovered by
// the engine alone, the other seven unaffected; every NAND byte for byte as the package says.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/events.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { fleetSerial, MODELS } from '../../src-main/sim/models.js';
import { positions } from '../helpers/fault-matrix.js';
import { auditStateDir } from '../helpers/nand.js';
import { socatAvailable } from '../helpers/socat.js';
import { assertBuilt, runCli, startSimFleet, stop } from './helpers.js';

const COUNT = 8;
const FAULTED = 3;
let dir: string;
let pkgRoot: string;
let dropAt: number;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mr-fleet-cli-'));
  pkgRoot = (await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 8 })).root;
  const pkg = await loadPackage(pkgRoot);
  dropAt = positions(pkg).mid;
  await pkg.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Tagged = EngineEvent & { module: string | null };

describe('flash of eight modules at once from the command line', () => {
  it.skipIf(!socatAvailable())(
    'flashes all eight byte for byte; the one that drops off the bus is recovered, the others never notice',
    { timeout: 180_000 },
    async () => {
      const state = join(dir, 'state');
      const sim = await startSimFleet(COUNT, state, [`${FAULTED}:disconnect@${dropAt}`]);
      try {
        const ttys = sim.lines;
        expect(new Set(ttys).size).toBe(COUNT);
        const args = ['flash', '--package', pkgRoot, '--journal', join(dir, 'journal'), '--json', '--wait', '20'];
        for (const t of ttys) args.push('--port', t);
        const r = await runCli(args, 150_000);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const events = r.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Tagged);
        const of = (tty: string): Tagged[] => events.filter((e) => e.module === tty);
        for (const [i, tty] of ttys.entries()) {
          const mine = of(tty);
          // Its own result, its own serial (the programmer's startup line), and recovery only where the fault was.
          expect(mine.at(-1), tty).toMatchObject({ type: 'result', ok: true });
          const serial = String(fleetSerial(MODELS.ec25, i + 1));
          expect(mine.some((e) => e.type === 'log' && e.message.includes(`Chip serial num: ${serial}`))).toBe(true);
          const recoveries = mine.filter((e) => e.type === 'recovery');
          if (i + 1 === FAULTED)
            expect(recoveries.map((e) => e.type === 'recovery' && e.action)).toContain('re-enumerate');
          else expect(recoveries, `module ${i + 1} saw another module's fault`).toEqual([]);
        }
        // Every event names a module the command was given (or none: the computer's own notes).
        for (const e of events) expect(e.module === null || ttys.includes(e.module)).toBe(true);

        await stop(sim.child); // the NAND files are complete once the simulator has stopped
        const pkg = await loadPackage(pkgRoot);
        try {
          for (let k = 1; k <= COUNT; k++) {
            const audit = await auditStateDir(join(state, `modem-${k}`), pkg.plan);
            expect(audit.problems, `modem ${k}`).toEqual([]);
          }
        } finally {
          await pkg.dispose();
        }
      } finally {
        await stop(sim.child);
      }
    },
  );

  it('exits non-zero and names the module that failed, while the summary lists every module', async () => {
    const missing = join(dir, 'no-such-tty');
    const r = await runCli(
      ['flash', '--package', pkgRoot, '--port', missing, '--port', `${missing}-2`, '--wait', '1', '--no-journal'],
      60_000,
    );
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/module\s+serial\s+result\s+seconds\s+verification/);
    expect(r.stdout).toMatch(new RegExp(`1 ${missing}\\s+\\?\\s+FAILED \\(DEVICE_NOT_FOUND\\)`));
    expect(r.stdout).toMatch(/0 of 2 modules flashed/);
  });

  it('refuses --all with --port', async () => {
    const r = await runCli(['flash', '--package', pkgRoot, '--all', '--port', '/dev/null']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot be combined with --port/);
  });
});
