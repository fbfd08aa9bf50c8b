// The command line as a headless-Linux user runs it: make a package, start the virtual modem on a
// pseudo-terminal, flash it with --port, read JSON events, and get exit codes that tell apart
// package problems, device problems and usage errors.

import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage } from '../../src-main/package/load.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { socatAvailable } from '../helpers/socat.js';
import { assertBuilt, runCli, startCli, stop } from './helpers.js';

let dir: string;
let pkgRoot: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mr-cli-'));
  const made = await runCli([
    'sim',
    'make-package',
    '--model',
    'ec25',
    '--out',
    join(dir, 'pkg'),
    '--size',
    '3',
    '--seed',
    '2',
  ]);
  expect(made.code).toBe(0);
  pkgRoot = made.stdout.trim().split('\n').pop()!;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('modem-rescue on the command line', () => {
  it.skipIf(!socatAvailable())('flashes the virtual modem over a pty with --port and prints JSON events', async () => {
    const state = join(dir, 'modem');
    const sim = await startCli(['sim', '--pty', '--state', state, '--model', 'ec25', '--quiet']);
    try {
      const tty = sim.lines[0]!;
      expect(tty).toMatch(/^\//);
      const r = await runCli(['flash', '--package', pkgRoot, '--port', tty, '--json'], 120_000);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; ok?: boolean });
      expect(events.some((e) => e.type === 'progress')).toBe(true);
      expect(events.filter((e) => e.type === 'step-start').length).toBeGreaterThan(10);
      expect(events.at(-1)).toMatchObject({ type: 'result', ok: true });
      const json = JSON.parse(await readFile(join(state, 'nand.json'), 'utf8')) as {
        pageSize: number;
        pagesPerBlock: number;
        totalBlocks: number;
        badBlocks: number[];
      };
      const pkg = await loadPackage(pkgRoot);
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
    } finally {
      await stop(sim.child);
    }
  });

  it.skipIf(!socatAvailable())(
    'a modem that drops off the bus: the flash recovers by itself (the same tty comes back) and says so',
    async () => {
      const sim = await startCli([
        'sim',
        '--pty',
        '--state',
        join(dir, 'modem2'),
        '--fault',
        'disconnect@200k',
        '--quiet',
      ]);
      try {
        const tty = sim.lines[0]!;
        const first = await runCli(['flash', '--package', pkgRoot, '--port', tty, '--no-journal'], 120_000);
        expect(first.stderr).toBe('');
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/recovery: .*(left the bus|gone|disappeared)/i);
        expect(first.stdout).toMatch(/recovery: The modem is back/);
        expect(first.stdout).toMatch(/OK: /);
      } finally {
        await stop(sim.child);
      }
    },
  );

  it.skipIf(!socatAvailable())(
    'info reads the boot ROM identity over the pty, and the modem is ready again afterwards',
    async () => {
      const sim = await startCli(['sim', '--pty', '--state', join(dir, 'modem3'), '--model', 'eg25g', '--quiet']);
      try {
        const tty = sim.lines[0]!;
        const r = await runCli(['info', '--port', tty, '--json'], 30_000);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const info = JSON.parse(r.stdout) as { serialNumber: string; msmHwId: string; pkHashes: string[] };
        expect(parseInt(info.serialNumber, 16)).toBe(MODELS.eg25g.serial);
        expect(BigInt(`0x${info.msmHwId}`)).toBe(MODELS.eg25g.msmHwId);
        expect(info.pkHashes).toContain(Buffer.from(MODELS.eg25g.pkHash).toString('hex'));
        const again = await runCli(['info', '--port', tty, '--json', '--wait', '10'], 30_000);
        expect(again.code).toBe(0);
      } finally {
        await stop(sim.child);
      }
    },
  );

  it('exit codes: 3 for a broken package, 4 when no modem appears, 2 for usage', async () => {
    const broken = join(dir, 'broken');
    const root = (await runCli(['sim', 'make-package', '--model', 'ec25', '--out', broken, '--size', '1'])).stdout
      .trim()
      .split('\n')
      .pop()!;
    await writeFile(join(root, 'update', 'NON-HLOS.ubi'), new Uint8Array(0));
    const pkg = await runCli(['flash', '--package', root, '--port', join(dir, 'no-such-tty'), '--wait', '1']);
    expect(pkg.code).toBe(3);
    expect(pkg.stderr).toMatch(/PACKAGE_/);
    const dev = await runCli(['flash', '--package', pkgRoot, '--port', join(dir, 'no-such-tty'), '--wait', '1']);
    expect(dev.code).toBe(4);
    expect(dev.stderr).toMatch(/DEVICE_NOT_FOUND/);
    const usage = await runCli(['frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Unknown command/);
  });

  it('--power-cycle: only never, auto or ask; ask needs a terminal; both refused before anything is touched', async () => {
    const bogus = await runCli([
      'flash',
      '--package',
      pkgRoot,
      '--port',
      join(dir, 'no-such-tty'),
      '--power-cycle',
      'yes',
    ]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/--power-cycle takes never, auto or ask, not "yes"/);
    // runCli's stdin is not a terminal.
    const ask = await runCli([
      'flash',
      '--package',
      pkgRoot,
      '--port',
      join(dir, 'no-such-tty'),
      '--power-cycle',
      'ask',
    ]);
    expect(ask.code).toBe(2);
    expect(ask.stderr).toMatch(/needs a terminal to ask on/);
    expect(ask.stderr).toMatch(/--power-cycle auto/);
  });

  it('detect reports this machine honestly', async () => {
    const r = await runCli(['detect', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { usbAvailable: boolean; reason?: string; devices: unknown[] };
    if (!out.usbAvailable) expect(out.reason).toMatch(/USB/);
    expect(Array.isArray(out.devices)).toBe(true);
  });
});
