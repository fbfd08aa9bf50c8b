// The fault matrix: the flash against the virtual modem under every fault kind, at several
// positions and seeds, against more than one real programmer profile (programmer-profiles.ts),
// each run under a hard timeout, the NAND audited byte for byte after every
// success. A transient fault must be recovered by the engine alone; a fault after which the
// modem needs its power cycled (a programmer hung in a transfer) must end in a clear error that
// says so, after which the harness power-cycles the modem as a user would, and the second run
// must resume and finish. Used by `npm run faults` (bench/faults.ts) and test/recovery.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { flashPackage, paddedBytes, type FlashOptions } from '../../src-main/flows/flash.js';
import { loadPackage, type FirmwarePackage } from '../../src-main/package/load.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { CRASH_WATCHDOG_MS } from '../../src-main/sim/firehose-nand.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import type { ProgrammerName } from '../../src-main/sim/programmer-profiles.js';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import type { SimPort } from '../../src-main/sim/sim-port.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { VirtualPowerSwitch } from '../../src-main/sim/virtual-power-switch.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';

/** Where in the flash a byte-positioned fault strikes. */
export type Position = 'early' | 'mid' | 'non-hlos' | 'late';

export interface FaultCase {
  /** The fault as `--fault` spells it, positions resolved ("disconnect@1048576"). */
  name: string;
  /** Human position ("mid", "command 5"). */
  position: string;
  faults: Fault[];
  seed: number;
  /** The programmer profile the virtual modem runs. */
  programmer: ProgrammerName;
  transport: 'memory' | 'pty';
  /** recover: the engine alone must finish; power-cycle: a clear error, then a resumed second run. */
  expect: 'recover' | 'power-cycle';
  /** A host whose USB stack sends no ZLPs. */
  noZlp?: boolean;
  /** Something else on the computer reads the HELLO first (hello-once). */
  eatHello?: boolean;
  /** The person allowed the run to cut the module's power (the virtual port's power switch). */
  powerSwitch?: boolean;
  /** The fault's own delay (ms), added to the time limit. */
  delayMs: number;
}

export interface CaseResult {
  c: FaultCase;
  outcome: 'recovered' | 'clear error, resumed after power cycle' | 'clear error' | 'HANG' | 'FAILED';
  ok: boolean;
  seconds: number;
  retries: number;
  resumed: number;
  /** Times the run cut the module's power itself. */
  powerCycles: number;
  nandOk: boolean | undefined;
  note: string;
}

export interface MatrixOptions {
  quick: boolean;
  /** Seeds of the packages (full: two). */
  seeds?: number[];
  pty?: boolean;
  /** Programmer profiles the cases run against (default: MATRIX_PROGRAMMERS). */
  programmers?: ProgrammerName[];
  /** Per-run limit beyond the fault's own delay (default 120 s). */
  limitMs?: number;
  onResult?: (r: CaseResult) => void;
}

/**
 * The profiles every case runs against: the project's own programmer and Quectel's SDX NAND
 * programmer as QFirehose sessions show it, on a link that hands over DONE_RESP with its startup
 * burst (INFO: lines, handler logs, a configure answer without rawmode). The MDM9x07 legacy
 * profile joins once the host flashes without the storage JSON (issue 9).
 */
export const MATRIX_PROGRAMMERS: readonly ProgrammerName[] = ['default', 'quectel-sdx-nand-eager'];

/** Short limits so a matrix run takes minutes; the engine's defaults are the field's. */
const TIMEOUTS: NonNullable<FlashOptions['timeouts']> = {
  writeMs: 1500,
  responseMs: 3000,
  programAckMs: 6000,
  eraseAckMs: 6000,
  readDataMs: 6000,
};
const RECOVERY: NonNullable<FlashOptions['recovery']> = {
  maxAttempts: 3,
  drainQuietMs: 100,
  drainMaxMs: 600,
  probeMs: 1000,
  dropOffMs: CRASH_WATCHDOG_MS + 1500,
  reEnumerateMs: 8000,
};

export function socatPresent(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Raw-data byte offsets of the positions, from the plan (programs in plan order). */
export function positions(pkg: FirmwarePackage): Record<Position, number> {
  let at = 0;
  let nonHlos = 0;
  for (const s of pkg.plan) {
    if (s.operation !== 'program') continue;
    const b = paddedBytes(s);
    if (/non-hlos/i.test(s.label)) nonHlos = at + Math.floor(b / 2);
    at += b;
  }
  return {
    early: Math.floor(at * 0.1),
    mid: Math.floor(at * 0.5),
    'non-hlos': nonHlos || Math.floor(at * 0.6),
    late: Math.floor(at * 0.85),
  };
}

export function buildCases(
  pkgPositions: Record<Position, number>,
  seed: number,
  quick: boolean,
  pty: boolean,
  programmer: ProgrammerName = 'default',
): FaultCase[] {
  const cases: FaultCase[] = [];
  const add = (
    c: Omit<FaultCase, 'seed' | 'transport' | 'delayMs' | 'programmer'> &
      Partial<Pick<FaultCase, 'transport' | 'delayMs'>>,
  ): void => {
    cases.push({ seed, programmer, transport: 'memory', delayMs: 0, ...c });
  };
  const at = (kind: 'stall' | 'disconnect' | 'power-loss', p: Position, expect: FaultCase['expect']): void =>
    add({ name: `${kind}@${pkgPositions[p]}`, position: p, faults: [{ kind, atBytes: pkgPositions[p] }], expect });
  const bytePositions: Position[] = quick ? ['non-hlos'] : ['early', 'mid', 'non-hlos', 'late'];
  for (const p of quick ? (['mid'] as Position[]) : bytePositions) at('stall', p, 'power-cycle');
  // With the person's consent the run cuts the power itself and resumes: no hands.
  for (const p of quick ? (['non-hlos'] as Position[]) : bytePositions)
    add({
      name: `stall@${pkgPositions[p]} (power switch)`,
      position: p,
      faults: [{ kind: 'stall', atBytes: pkgPositions[p] }],
      expect: 'recover',
      powerSwitch: true,
    });
  for (const p of bytePositions) at('disconnect', p, 'recover');
  for (const n of quick ? [2] : [1, 6, 12])
    add({
      name: `nak-program@${n}`,
      position: `program ${n}`,
      faults: [{ kind: 'nak-program', n }],
      expect: 'recover',
    });
  add({ name: 'need-zlp', position: 'first full packet', faults: [{ kind: 'need-zlp' }], expect: 'recover' });
  add({
    name: 'need-zlp (host sends no ZLP)',
    position: 'first full packet',
    faults: [{ kind: 'need-zlp' }],
    expect: 'recover', // avoided: no write but a transfer's last ends on a packet boundary
    noZlp: true,
  });
  add({
    name: 'slow-ack=0.2',
    position: 'every answer',
    faults: [{ kind: 'slow-ack', seconds: 0.2 }],
    expect: 'recover',
    delayMs: 40 * 200,
  });
  if (!quick)
    add({
      name: 'slow-ack=2',
      position: 'every answer',
      faults: [{ kind: 'slow-ack', seconds: 2 }],
      expect: 'recover',
      delayMs: 40 * 2000,
    });
  add({ name: 'log-flood', position: 'every answer', faults: [{ kind: 'log-flood' }], expect: 'recover' });
  for (const n of quick ? [5] : [1, 5, 20])
    add({
      name: `garbage-reply@${n}`,
      position: `command ${n}`,
      faults: [{ kind: 'garbage-reply', n }],
      expect: 'recover',
    });
  add({
    name: 'hello-once',
    position: 'HELLO eaten',
    faults: [{ kind: 'hello-once' }],
    expect: 'recover',
    eatHello: true,
  });
  add({ name: 'power-loss-sbl', position: 'half of SBL', faults: [{ kind: 'power-loss-sbl' }], expect: 'recover' });
  for (const p of quick ? (['non-hlos'] as Position[]) : (['non-hlos', 'mid'] as Position[]))
    at('power-loss', p, 'recover');
  for (const n of quick ? [16] : [3, 16, 30])
    add({
      name: `programmer-crash@${n}`,
      position: `command ${n}`,
      faults: [{ kind: 'programmer-crash', n }],
      expect: 'recover',
      delayMs: CRASH_WATCHDOG_MS,
    });
  if (pty) {
    const ptyCase = (c: Omit<FaultCase, 'seed' | 'transport' | 'delayMs' | 'programmer'>, delayMs = 0): void =>
      add({ ...c, transport: 'pty', delayMs });
    ptyCase({
      name: `disconnect@${pkgPositions['non-hlos']}`,
      position: 'non-hlos',
      faults: [{ kind: 'disconnect', atBytes: pkgPositions['non-hlos'] }],
      expect: 'recover',
    });
    ptyCase({
      name: 'nak-program@3',
      position: 'program 3',
      faults: [{ kind: 'nak-program', n: 3 }],
      expect: 'recover',
    });
    if (!quick) {
      ptyCase({
        name: 'power-loss-sbl',
        position: 'half of SBL',
        faults: [{ kind: 'power-loss-sbl' }],
        expect: 'recover',
      });
      ptyCase(
        {
          name: 'programmer-crash@16',
          position: 'command 16',
          faults: [{ kind: 'programmer-crash', n: 16 }],
          expect: 'recover',
        },
        CRASH_WATCHDOG_MS,
      );
      ptyCase({
        name: `stall@${pkgPositions.mid}`,
        position: 'mid',
        faults: [{ kind: 'stall', atBytes: pkgPositions.mid }],
        expect: 'power-cycle',
      });
    }
    ptyCase({
      name: `stall@${pkgPositions['non-hlos']} (power switch)`,
      position: 'non-hlos',
      faults: [{ kind: 'stall', atBytes: pkgPositions['non-hlos'] }],
      expect: 'recover',
      powerSwitch: true,
    });
  }
  return cases;
}

/** Run one case under a hard limit; never throws. */
export async function runCase(c: FaultCase, pkgRoot: string, workDir: string, limitMs: number): Promise<CaseResult> {
  const dir = await mkdtemp(join(workDir, 'case-'));
  const port: SimPort & { opener: PipeOpener } =
    c.transport === 'pty'
      ? new PtyPort({ hostPath: join(dir, 'ttyEDL') })
      : new MemoryBus(c.noZlp ? { hostSendsZlp: false } : {});
  const modem = new VirtualModem(
    {
      model: 'ec25',
      programmer: c.programmer,
      stateDir: join(dir, 'modem'),
      faults: c.faults,
      reEnumerateDelayMs: 200,
    },
    port,
  );
  const events: EngineEvent[] = [];
  const abort = new AbortController();
  const hard = limitMs + c.delayMs;
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const result = (
    outcome: CaseResult['outcome'],
    ok: boolean,
    nandOk: boolean | undefined,
    note: string,
  ): CaseResult => ({
    c,
    outcome,
    ok,
    seconds: seconds(),
    retries: events.filter((e) => e.type === 'recovery' && /\(recovery \d+ of \d+\)/.test(e.message)).length,
    resumed: lastResumed,
    powerCycles: lastPowerCycles,
    nandOk,
    note,
  });
  let lastResumed = 0;
  let lastPowerCycles = 0;
  const pkg = await loadPackage(pkgRoot);
  const timer = setTimeout(() => abort.abort(new RescueError('CANCELLED', 'hard limit of the fault matrix')), hard);
  let hung = false;
  try {
    await modem.start();
    if (c.eatHello) {
      const pipe = await port.opener.open({ timeoutMs: 5000 });
      await pipe.read(4096, { timeoutMs: 3000 }); // another program reads the HELLO first
      await pipe.close();
    }
    const flash = async (): Promise<{ ok: true } | { ok: false; error: unknown }> => {
      const run = flashPackage({
        package: pkg,
        opener: port.opener,
        signal: abort.signal,
        onEvent: (e) => events.push(e),
        openTimeoutMs: 8000,
        helloTimeoutMs: 1000,
        saharaPacketTimeoutMs: 3000,
        timeouts: TIMEOUTS,
        recovery: RECOVERY,
        journalDir: join(dir, 'journal'),
        ...(c.powerSwitch ? { powerSwitch: new VirtualPowerSwitch(modem) } : {}),
      }).then(
        (r) => {
          lastResumed = r.resumed.length;
          lastPowerCycles = r.powerCycles;
          return { ok: true as const };
        },
        (error: unknown) => ({ ok: false as const, error }),
      );
      // If the engine ignored the abort, that is a hang: give it 10 s after the hard limit.
      const watchdog = new Promise<'hang'>((resolve) =>
        setTimeout(() => resolve('hang'), hard + 10_000 - (performance.now() - started)).unref(),
      );
      const r = await Promise.race([run, watchdog]);
      if (r === 'hang') {
        hung = true;
        return { ok: false, error: new Error('the engine did not stop') };
      }
      return r;
    };
    let r = await flash();
    let outcome: CaseResult['outcome'] = 'recovered';
    if (!r.ok) {
      const e = r.error;
      if (hung || (e instanceof RescueError && e.code === 'CANCELLED' && abort.signal.aborted))
        return result('HANG', false, undefined, `no outcome within ${(hard / 1000).toFixed(0)} s`);
      const clear = e instanceof RescueError && e.code !== 'INTERNAL' && e.nextStep.length > 20;
      const says = e instanceof RescueError ? `${e.code}: ${e.message.slice(0, 100)}` : String(e);
      if (!clear) return result('FAILED', false, undefined, `unclear error ${says}`);
      if (c.expect === 'recover') return result('clear error', false, undefined, `not recovered: ${says}`);
      if (!/power-cycle/i.test(e.nextStep))
        return result('clear error', false, undefined, `the error does not say to power-cycle: ${says}`);
      modem.powerCycle({ edl: true }); // the user does what the error says
      r = await flash();
      if (!r.ok)
        return result(
          hung ? 'HANG' : 'FAILED',
          false,
          undefined,
          `second run after the power cycle failed: ${r.error instanceof Error ? r.error.message.slice(0, 120) : String(r.error)}`,
        );
      outcome = 'clear error, resumed after power cycle';
    }
    await modem.nand.settle();
    const model = MODELS.ec25;
    const layout = {
      nandPath: join(dir, 'modem', 'nand.bin'),
      pageSize: model.pageSize,
      pagesPerBlock: model.pagesPerBlock,
      totalBlocks: modem.nand.totalBlocks,
      badBlocks: modem.nand.badBlocks,
    };
    // Every file as the plan writes it: as shipped (QFirehose and edl apply no file patches).
    const audit = await auditNand(layout, pkg.plan);
    if (seconds() * 1000 > hard)
      return result(outcome, false, audit.ok, `took longer than ${(hard / 1000).toFixed(0)} s`);
    return result(outcome, audit.ok, audit.ok, audit.ok ? '' : audit.problems.slice(0, 2).join('; '));
  } catch (e) {
    return result('FAILED', false, undefined, `harness: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
    await pkg.dispose();
    await modem.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export interface PreparedMatrix {
  /** Work folder for the cases' own folders. */
  work: string;
  /** Every case, each with the root of the package it flashes. */
  cases: { c: FaultCase; root: string }[];
  dispose(): Promise<void>;
}

/** Make the packages (one per seed) and the cases: every case against every programmer profile. */
export async function prepareMatrix(
  opts: Pick<MatrixOptions, 'quick' | 'seeds' | 'pty' | 'programmers'>,
): Promise<PreparedMatrix> {
  const work = await mkdtemp(join(tmpdir(), 'mr-faults-'));
  const cases: { c: FaultCase; root: string }[] = [];
  const seeds = opts.seeds ?? (opts.quick ? [1] : [1, 2]);
  const pty = opts.pty ?? socatPresent();
  for (const seed of seeds) {
    const pkgDir = join(work, `pkg-${seed}`);
    await mkdir(pkgDir, { recursive: true });
    const made = await makePackage({ model: 'ec25', outDir: pkgDir, sizeMiB: opts.quick ? 2 : 4, seed });
    const pkg = await loadPackage(made.root);
    const pos = positions(pkg);
    await pkg.dispose();
    for (const programmer of opts.programmers ?? MATRIX_PROGRAMMERS) {
      for (const c of buildCases(pos, seed, opts.quick, pty, programmer)) cases.push({ c, root: made.root });
    }
  }
  return { work, cases, dispose: () => rm(work, { recursive: true, force: true }).catch(() => undefined) };
}

export async function runMatrix(opts: MatrixOptions): Promise<CaseResult[]> {
  const m = await prepareMatrix(opts);
  const results: CaseResult[] = [];
  try {
    for (const { c, root } of m.cases) {
      const r = await runCase(c, root, m.work, opts.limitMs ?? 120_000);
      results.push(r);
      opts.onResult?.(r);
    }
  } finally {
    await m.dispose();
  }
  return results;
}

export function formatRow(r: CaseResult): string {
  const cols = [
    r.c.programmer.padEnd(24),
    r.c.name.padEnd(30),
    r.c.position.padEnd(18),
    r.c.transport.padEnd(6),
    String(r.c.seed).padEnd(4),
    r.outcome.padEnd(38),
    `${r.seconds.toFixed(1)} s`.padStart(8),
    String(r.retries).padStart(7),
    String(r.resumed).padStart(7),
    String(r.powerCycles).padStart(6),
    (r.nandOk === undefined ? '-' : r.nandOk ? 'yes' : 'NO').padEnd(9),
    r.ok ? 'pass' : `FAIL ${r.note}`,
  ];
  return cols.join('  ');
}

export function formatHeader(): string {
  return [
    'programmer'.padEnd(24),
    'fault'.padEnd(30),
    'position'.padEnd(18),
    'link'.padEnd(6),
    'seed',
    'outcome'.padEnd(38),
    'wall'.padStart(8),
    'retries'.padStart(7),
    'resumed'.padStart(7),
    'power'.padStart(6),
    'NAND=pkg'.padEnd(9),
    'verdict',
  ].join('  ');
}
