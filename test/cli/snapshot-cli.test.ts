// snapshot, flash --snapshot, package inspect and undo as a user runs them against the virtual
// modem on a pty: the snapshot folder is a package `package inspect` accepts, an undo that cannot
// confirm the module is refused before any erase (exit 3), and --force puts the earlier firmware back.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage } from '../../src-main/package/load.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { socatAvailable } from '../helpers/socat.js';
import { assertBuilt, runCli, startCli, stop } from './helpers.js';

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mr-snap-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function makePkg(seed: number): Promise<string> {
  const args = ['sim', 'make-package', '--model', 'ec25', '--out', join(dir, `pkg${seed}`), '--size', '2'];
  const made = await runCli([...args, '--seed', String(seed)]);
  expect(made.code).toBe(0);
  return made.stdout.trim().split('\n').pop()!;
}

describe('snapshot and undo on the command line', () => {
  it('usage errors say what is missing', async () => {
    const r = await runCli(['snapshot', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--package/);
    const u = await runCli(['undo']);
    expect(u.code).toBe(2);
    const bad = await runCli(['undo', dir]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/not a firmware snapshot/i);
  });

  it.skipIf(!socatAvailable())(
    'flash A, flash B --snapshot, package inspect, undo refused then forced: A is back',
    async () => {
      const a = await makePkg(1);
      const b = await makePkg(2);
      const state = join(dir, 'modem');
      const sim = await startCli(['sim', '--pty', '--state', state, '--model', 'ec25', '--quiet']);
      const snap = join(dir, 'snap');
      try {
        const tty = sim.lines[0]!;
        const common = ['--port', tty, '--no-reset', '--no-journal'];
        expect((await runCli(['flash', '--package', a, ...common], 120_000)).code).toBe(0);
        const fb = await runCli(['flash', '--package', b, ...common, '--snapshot', snap], 240_000);
        expect(fb.stderr).toBe('');
        expect(fb.code).toBe(0);
        expect(fb.stdout).toContain(`undo with: modem-rescue undo ${snap}`);
        const inspect = await runCli(['package', 'inspect', snap]);
        expect(inspect.code).toBe(0);
        // The programmer kept running since flash A, so it never reported the serial: undo cannot confirm the module.
        const refused = await runCli(['undo', snap, ...common], 60_000);
        expect(refused.code).toBe(3);
        expect(refused.stderr).toMatch(/another modem|serial/i);
        const forced = await runCli(['undo', snap, ...common, '--force'], 240_000);
        expect(forced.stderr).toBe('');
        expect(forced.code).toBe(0);
      } finally {
        await stop(sim.child);
      }
      const json = JSON.parse(await readFile(join(state, 'nand.json'), 'utf8')) as {
        pageSize: number;
        pagesPerBlock: number;
        totalBlocks: number;
        badBlocks: number[];
      };
      const pkg = await loadPackage(a);
      try {
        const audit = await auditNand(
          { nandPath: join(state, 'nand.bin'), ...json },
          pkg.plan,
          MODELS.ec25.totalBlocks,
        );
        expect(audit.problems).toEqual([]);
      } finally {
        await pkg.dispose();
      }
    },
    600_000,
  );
});
