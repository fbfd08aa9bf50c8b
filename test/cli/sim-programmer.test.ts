// `modem-rescue sim --programmer NAME`: the virtual modem runs the named real programmer profile
// (src-main/sim/PROGRAMMERS.md); an unknown name is a usage error that lists the known ones.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPace, checkProgrammer } from '../../src-main/cli/commands/sim.js';
import { loadPackage } from '../../src-main/package/load.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { PROGRAMMER_NAMES } from '../../src-main/sim/programmer-profiles.js';
import { socatAvailable } from '../helpers/socat.js';
import { assertBuilt, runCli, startCli, stop } from './helpers.js';

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mr-cli-prog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sim --programmer', () => {
  it('knows the six profiles and refuses another name with USAGE', () => {
    expect(PROGRAMMER_NAMES).toEqual([
      'default',
      'quectel-sdx-nand',
      'quectel-sdx-nand-eager',
      'mdm9x07-legacy',
      'no-digest',
      'qualcomm-handleconfigure',
    ]);
    for (const n of PROGRAMMER_NAMES) expect(checkProgrammer(n)).toBe(n);
    expect(checkProgrammer(undefined)).toBe('default');
    expect(() => checkProgrammer('prog_emmc')).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('mdm9x07-legacy') }),
    );
  });

  it('--pace knows "real" and refuses another name with USAGE', async () => {
    expect(checkPace('real')).toBe('real');
    expect(checkPace(undefined)).toBeUndefined();
    expect(() => checkPace('fast')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    const r = await runCli(['sim', '--pty', '--pace', 'slow'], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pace must be one of real/);
  });

  it('exits 2 on an unknown profile', async () => {
    const r = await runCli(['sim', '--pty', '--programmer', 'nope'], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--programmer must be one of default, quectel-sdx-nand/);
  });

  it.skipIf(!socatAvailable())('a flash over the pty lands against the eager Quectel SDX profile', async () => {
    const pkgRoot = (
      await runCli(['sim', 'make-package', '--model', 'ec25', '--out', join(dir, 'pkg'), '--size', '2', '--seed', '5'])
    ).stdout
      .trim()
      .split('\n')
      .pop()!;
    const state = join(dir, 'modem');
    const sim = await startCli(['sim', '--pty', '--state', state, '--programmer', 'quectel-sdx-nand-eager', '--quiet']);
    try {
      const r = await runCli(['flash', '--package', pkgRoot, '--port', sim.lines[0]!, '--json'], 120_000);
      expect(r.code).toBe(0);
      const json = JSON.parse(await readFile(join(state, 'nand.json'), 'utf8')) as {
        pageSize: number;
        pagesPerBlock: number;
        totalBlocks: number;
        badBlocks: number[];
      };
      const pkg = await loadPackage(pkgRoot);
      try {
        expect(
          (await auditNand({ nandPath: join(state, 'nand.bin'), ...json }, pkg.plan, MODELS.ec25.totalBlocks)).problems,
        ).toEqual([]);
      } finally {
        await pkg.dispose();
      }
    } finally {
      await stop(sim.child);
    }
  });
});
