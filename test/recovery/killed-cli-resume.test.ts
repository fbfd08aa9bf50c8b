// Done-when of issue 4: a flash over a pseudo-terminal whose CLI process is killed (kill -9) in
// the middle of NON-HLOS resumes on the next run without rewriting the partitions it had already
// written and verified, redoes SBL last, and ends byte-identical to the package.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/events.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { assertBuilt, BIN, ROOT, runCli, startCli, stop } from '../cli/helpers.js';
import { positions } from '../helpers/fault-matrix.js';
import { socatAvailable } from '../helpers/socat.js';

let dir: string;
let pkgRoot: string;
/** A raw-data offset in the middle of NON-HLOS, where the virtual modem pauses taking data. */
let pauseAt: number;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mr-kill-'));
  pkgRoot = (await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 12, seed: 21 })).root;
  const pkg = await loadPackage(pkgRoot);
  pauseAt = positions(pkg)['non-hlos'];
  await pkg.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run `flash --json`, SIGKILL it once NON-HLOS is seen stalled (the pause); resolve with the events seen. */
function flashAndKillInNonHlos(args: string[]): Promise<{ events: EngineEvent[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: EngineEvent[] = [];
    let nonHlos = -1;
    let killed = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`flash never reached NON-HLOS in 90 s\n${stderr}`));
    }, 90_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let e: EngineEvent;
      try {
        e = JSON.parse(line) as EngineEvent;
      } catch {
        return;
      }
      events.push(e);
      if (e.type === 'step-start' && e.operation === 'program' && e.label === 'NON-HLOS.ubi') nonHlos = e.index;
      // The virtual modem stops taking data half-way through NON-HLOS for PAUSE_FAULT_MS (6 s);
      // after 3 s without data the host says "stalled". Killed then, it is certainly mid-transfer,
      // and the pause has fired: the next run meets a programmer that takes data again.
      if (!killed && e.type === 'progress' && e.index === nonHlos && e.stalled === true) killed = child.kill('SIGKILL');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ events, killed });
    });
  });
}

describe('a flash killed in the middle of NON-HLOS', () => {
  it.skipIf(!socatAvailable())(
    'resumes on the next run without rewriting verified partitions, SBL last, and ends byte-identical',
    // The kill lands while NON-HLOS is under way: the virtual modem pauses taking data in its
    // middle (pause@BYTES) and the kill waits for the host to see that pause, on any machine.
    { timeout: 240_000 },
    async () => {
      // Each attempt with a fresh virtual modem and journal.
      const run = await mkdtemp(join(dir, 'run-'));
      const state = join(run, 'modem');
      const journal = join(run, 'journal');
      const sim = await startCli(['sim', '--pty', '--state', state, '--quiet', '--fault', `pause@${pauseAt}`]);
      try {
        const tty = sim.lines[0]!;
        const first = await flashAndKillInNonHlos([
          'flash',
          '--package',
          pkgRoot,
          '--port',
          tty,
          '--journal',
          journal,
          '--json',
        ]);
        expect(first.killed).toBe(true);
        const doneBefore = first.events
          .filter(
            (e): e is Extract<EngineEvent, { type: 'step-done' }> =>
              e.type === 'step-done' && e.operation === 'program',
          )
          .map((e) => e.label);
        expect(doneBefore.length).toBeGreaterThan(2);
        expect(doneBefore).not.toContain('NON-HLOS.ubi');
        expect(first.events.some((e) => e.type === 'result')).toBe(false); // it really died mid-run

        // The journal the dead process left names exactly what it had verified (and never SBL).
        const files = await readdir(journal);
        expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
        const saved = JSON.parse(
          await readFile(
            join(
              journal,
              files.find((f) => f.endsWith('.json'))!,
            ),
            'utf8',
          ),
        ) as { verified: { label: string }[] };
        expect(saved.verified.map((v) => v.label).sort()).toEqual([...doneBefore].sort());

        const second = await runCli(
          ['flash', '--package', pkgRoot, '--port', tty, '--journal', journal, '--json', '--wait', '20'],
          150_000,
        );
        expect(second.stderr).toBe('');
        expect(second.code).toBe(0);
        const events = second.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as EngineEvent);
        // The programmer was left waiting for the rest of NON-HLOS: the ladder finished that transfer.
        expect(events.some((e) => e.type === 'recovery' && e.action === 'finish-transfer')).toBe(true);
        const programs = events
          .filter(
            (e): e is Extract<EngineEvent, { type: 'step-start' }> =>
              e.type === 'step-start' && e.operation === 'program',
          )
          .map((e) => e.label);
        for (const label of doneBefore) expect(programs).not.toContain(label); // not written again
        expect(programs).toContain('NON-HLOS.ubi');
        expect(programs.at(-1)).toBe('sbl1.mbn'); // SBL still last
        const result = events.at(-1);
        expect(result).toMatchObject({ type: 'result', ok: true });
        if (result?.type === 'result' && result.ok)
          expect(result.summary).toMatch(/partitions kept from an earlier run/);
        expect(await readdir(journal)).toEqual([]); // cleared after success

        await stop(sim.child); // the NAND file is complete once the simulator has stopped
        const pkg = await loadPackage(pkgRoot);
        try {
          const m = MODELS.ec25;
          const nandJson = JSON.parse(await readFile(join(state, 'nand.json'), 'utf8')) as {
            totalBlocks?: number;
            badBlocks?: number[];
          };
          const audit = await auditNand(
            {
              nandPath: join(state, 'nand.bin'),
              pageSize: m.pageSize,
              pagesPerBlock: m.pagesPerBlock,
              totalBlocks: nandJson.totalBlocks ?? m.totalBlocks,
              badBlocks: nandJson.badBlocks ?? [],
            },
            pkg.plan,
          );
          expect(audit.problems).toEqual([]);
          expect(audit.ok).toBe(true);
        } finally {
          await pkg.dispose();
        }
      } finally {
        await stop(sim.child);
      }
    },
  );
});
