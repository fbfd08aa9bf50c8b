// The host flashes the virtual modem running each real programmer profile (programmer-profiles.ts,
// PROGRAMMERS.md): in memory and over a pseudo-terminal for every profile, and the NAND is
// audited byte for byte after each run.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/events.js';
import { flashPackage, type FlashResult } from '../../src-main/flows/flash.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS, type ModelId } from '../../src-main/sim/models.js';
import { auditNand, type AuditResult } from '../../src-main/sim/nand-audit.js';
import { PROGRAMMER_NAMES, type ProgrammerName } from '../../src-main/sim/programmer-profiles.js';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import type { SimPort } from '../../src-main/sim/sim-port.js';
import { VirtualModem, waitForState } from '../../src-main/sim/virtual-modem.js';
import { SerialOpener } from '../../src-main/transport/serial.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { makeRealEg25gPackage } from '../helpers/real-eg25g-package.js';
import { socatAvailable } from '../helpers/socat.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-profiles-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  result: FlashResult;
  audit: AuditResult;
  booted: boolean;
  events: EngineEvent[];
  simLogs: string[];
}

async function flashWith(
  programmer: ProgrammerName,
  model: ModelId,
  root: string,
  port: SimPort,
  opener: PipeOpener,
): Promise<Run> {
  const simLogs: string[] = [];
  const modem = new VirtualModem(
    { model, programmer, stateDir: join(dir, 'modem'), reEnumerateDelayMs: 50, onLog: (m) => simLogs.push(m) },
    port,
  );
  await modem.start();
  const pkg = await loadPackage(root);
  const events: EngineEvent[] = [];
  try {
    const result = await flashPackage({ package: pkg, opener, onEvent: (e) => events.push(e), openTimeoutMs: 5000 });
    await modem.nand.settle();
    const m = MODELS[model];
    const layout = {
      nandPath: join(dir, 'modem', 'nand.bin'),
      pageSize: m.pageSize,
      pagesPerBlock: m.pagesPerBlock,
      totalBlocks: modem.nand.totalBlocks,
      badBlocks: modem.nand.badBlocks,
    };
    // Every file as the plan writes it: as shipped (QFirehose and edl apply no file patches).
    const audit = await auditNand(layout, pkg.plan);
    const booted = await waitForState(modem, 'booted', 3000);
    return { result, audit, booted, events, simLogs };
  } finally {
    await pkg.dispose();
    await modem.stop();
  }
}

async function ec25Package(seed: number): Promise<string> {
  return (await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed })).root;
}

function expectLanded(r: Run): void {
  expect(r.audit.problems).toEqual([]);
  expect(r.audit.ok).toBe(true);
  expect(r.audit.checkedBytes).toBeGreaterThan(1024 * 1024);
  expect(r.booted).toBe(true);
  expect(r.events.at(-1)).toMatchObject({ type: 'result', ok: true });
}

async function inMemory(programmer: ProgrammerName, seed: number): Promise<Run> {
  const bus = new MemoryBus();
  return flashWith(programmer, 'ec25', await ec25Package(seed), bus, bus.opener);
}

describe('the host flashes every programmer profile byte for byte (in memory)', () => {
  it('default: verified by digest', async () => {
    const r = await inMemory('default', 11);
    expectLanded(r);
    expect(r.result.verified).toBe('digest');
  });

  it('no-digest: nothing asked that is not listed; verified by read-back, and the result says so', async () => {
    const r = await inMemory('no-digest', 12);
    expectLanded(r);
    expect(r.result.verified).toBe('read-back');
    expect(r.result.partitions.every((p) => p.method === 'read-back')).toBe(true);
    expect(r.simLogs.join('\n')).not.toMatch(/unrecognized tag/i);
  });

  it('quectel-sdx-nand: first logs a second after DONE_RESP, 7-attribute configure answer without rawmode', async () => {
    const r = await inMemory('quectel-sdx-nand', 13);
    expectLanded(r);
    expect(r.simLogs.join('\n')).toMatch(/Calling handler for configure/);
  });

  // The host waits up to 3 s for a programmer's first line (this one starts a second after
  // DONE_RESP), so it learns the function list and verifies by digest.
  it('quectel-sdx-nand: the host learns its function list and verifies by digest', async () => {
    const r = await inMemory('quectel-sdx-nand', 17);
    expectLanded(r);
    expect(r.result.verified).toBe('digest');
  });

  it('qualcomm-handleconfigure: the NAK with all eight attributes is renegotiated to 8 KiB', async () => {
    const r = await inMemory('qualcomm-handleconfigure', 14);
    expectLanded(r);
    expect(r.result.verified).toBe('digest');
    expect(r.simLogs.join('\n')).toMatch(/Host's payload to target size is too large/);
  });

  it('quectel-sdx-nand-eager: DONE_RESP and the startup burst in one read; its function list is read', async () => {
    const r = await inMemory('quectel-sdx-nand-eager', 15);
    expectLanded(r);
    expect(r.result.verified).toBe('digest');
  });

  // Files are written as shipped (no MIBIB patch needing the block count this programmer never
  // gives); the NAND size comes from the XML's header; verification reads back.
  it('mdm9x07-legacy: no storage JSON, no getsha256digest; the EC25 package lands, read back', async () => {
    const r = await inMemory('mdm9x07-legacy', 16);
    expectLanded(r);
    expect(r.result.verified).toBe('read-back');
  });
});

describe('the profile without storage JSON and the real EG25-G XML', () => {
  it('mdm9x07-legacy flashes the EG25-G package built around the real XML without error', async () => {
    const bus = new MemoryBus();
    const r = await flashWith('mdm9x07-legacy', 'eg25g', await makeRealEg25gPackage(join(dir, 'pkg')), bus, bus.opener);
    expectLanded(r);
  });
});

describe.skipIf(!socatAvailable())('over a pseudo-terminal with the serial transport', () => {
  const overPty = async (programmer: ProgrammerName, seed: number): Promise<Run> => {
    const pty = new PtyPort({ hostPath: join(dir, 'ttyEDL') });
    return flashWith(programmer, 'ec25', await ec25Package(seed), pty, new SerialOpener(pty.hostPath));
  };

  it.each(PROGRAMMER_NAMES.map((n, i) => [n, 30 + i] as const))('%s over a pty', async (programmer, seed) => {
    expectLanded(await overPty(programmer, seed));
  });
});
