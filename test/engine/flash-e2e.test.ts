// End to end: a package flashed into the virtual modem, in memory and over a pseudo-terminal,
// then nand.bin audited byte for byte and the boot checked.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/events.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS, type ModelId } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import type { SimPort } from '../../src-main/sim/sim-port.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { SerialOpener } from '../../src-main/transport/serial.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { makeRealEg25gPackage } from '../helpers/real-eg25g-package.js';
import { socatAvailable } from '../helpers/socat.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-e2e-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function flashAndAudit(model: ModelId, root: string, port: SimPort, opener: PipeOpener) {
  const modem = new VirtualModem({ model, stateDir: join(dir, 'modem'), reEnumerateDelayMs: 50 }, port);
  const states: string[] = [];
  modem.on('state', (s: string) => states.push(s));
  await modem.start();
  const events: EngineEvent[] = [];
  const pkg = await loadPackage(root);
  try {
    const result = await flashPackage({ package: pkg, opener, onEvent: (e) => events.push(e), openTimeoutMs: 5000 });
    const audit = await auditNand(
      {
        nandPath: join(dir, 'modem', 'nand.bin'),
        pageSize: MODELS[model].pageSize,
        pagesPerBlock: MODELS[model].pagesPerBlock,
        totalBlocks: modem.nand.totalBlocks,
        badBlocks: modem.nand.badBlocks,
      },
      pkg.plan,
    );
    for (let i = 0; i < 100 && modem.state !== 'booted'; i++) await new Promise((r) => setTimeout(r, 20));
    const ops = modem.nand.ops.map((o) => ({ kind: o.op, startPage: o.startPage, pages: o.pages }));
    return { result, audit, ops, states, events, finalState: modem.state };
  } finally {
    await pkg.dispose();
    await modem.stop();
  }
}

function expectSblLast(ops: { kind: string; startPage: number }[]): void {
  const programs = ops.filter((o) => o.kind === 'program');
  expect(programs.length).toBeGreaterThan(3);
  expect(programs.at(-1)!.startPage).toBe(0);
  expect(programs.slice(0, -1).every((o) => o.startPage !== 0)).toBe(true);
  const lastErase = ops.map((o) => o.kind).lastIndexOf('erase');
  const firstProgram = ops.findIndex((o) => o.kind === 'program');
  expect(lastErase).toBeLessThan(firstProgram); // every erase before any program
  expect(ops.find((o) => o.kind === 'erase')!.startPage).toBe(0); // SBL's erase first
}

describe('flashing the virtual modem end to end', () => {
  it('EC25 package in memory: every image at its page offset, padded, the rest erased; SBL last; the module boots', async () => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 4, seed: 3 });
    const bus = new MemoryBus();
    const r = await flashAndAudit('ec25', made.root, bus, bus.opener);
    expect(r.audit.problems).toEqual([]);
    expect(r.audit.ok).toBe(true);
    expectSblLast(r.ops);
    expect(r.result.verified).not.toBe('skipped');
    expect(r.finalState).toBe('booted');
    const progress = r.events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(r.events.at(-1)).toMatchObject({ type: 'result', ok: true });
  });

  it('EG25-G geometry from the real XML files: the MIBIB as shipped, SBL last, boots', async () => {
    const root = await makeRealEg25gPackage(join(dir, 'pkg'));
    const bus = new MemoryBus();
    const r = await flashAndAudit('eg25g', root, bus, bus.opener);
    expect(r.audit.problems).toEqual([]);
    expectSblLast(r.ops);
    expect(r.finalState).toBe('booted');
  });

  it.skipIf(!socatAvailable())('EC25 package over a pseudo-terminal with the serial transport', async () => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 4 });
    const pty = new PtyPort({ hostPath: join(dir, 'ttyEDL') });
    const r = await flashAndAudit('ec25', made.root, pty, new SerialOpener(pty.hostPath));
    expect(r.audit.problems).toEqual([]);
    expectSblLast(r.ops);
    expect(r.finalState).toBe('booted');
  });

  it('a flash that reached no SBL leaves the module in EDL after reset, and a second run completes it', async () => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 5 });
    const bus = new MemoryBus();
    const modem = new VirtualModem(
      {
        model: 'ec25',
        stateDir: join(dir, 'modem'),
        reEnumerateDelayMs: 50,
        faults: [{ kind: 'disconnect', atBytes: 256 * 1024 }],
      },
      bus,
    );
    await modem.start();
    try {
      await expect(
        flashPackage({ package: made.root, opener: bus.opener, openTimeoutMs: 3000, recovery: { maxAttempts: 0 } }),
      ).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
      // the PBL is back (SBL was erased first, never rewritten): the same flash simply runs again
      const again = await flashPackage({ package: made.root, opener: bus.opener, openTimeoutMs: 5000 });
      expect(again.stepsDone).toBeGreaterThan(0);
      for (let i = 0; i < 100 && modem.state !== 'booted'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(modem.state).toBe('booted');
    } finally {
      await modem.stop();
    }
  });
});
