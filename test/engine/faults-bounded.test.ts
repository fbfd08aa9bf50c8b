// Every fault of the virtual modem ends a flash within a bounded time, in success or in a
// specific error that names what happened. Recovery is turned off here (maxAttempts 0) so the
// raw error of each fault is what is checked; test/recovery covers the recovery ladder.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RescueError, type ErrorCode } from '../../shared/errors.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import type { MemoryPairOptions } from '../../src-main/transport/memory.js';

let dir: string;
let pkgRoot: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-faults-'));
  pkgRoot = (await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 9 })).root;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function runWithFault(
  faults: Fault[],
  busOptions: MemoryPairOptions = {},
  before?: (bus: MemoryBus) => Promise<void>,
) {
  const bus = new MemoryBus(busOptions);
  const modem = new VirtualModem(
    { model: 'ec25', stateDir: join(dir, `modem-${n++}`), faults, reEnumerateDelayMs: 100 },
    bus,
  );
  await modem.start();
  const t0 = performance.now();
  try {
    await before?.(bus);
    await flashPackage({
      package: pkgRoot,
      opener: bus.opener,
      openTimeoutMs: 3000,
      helloTimeoutMs: 1000,
      timeouts: { writeMs: 1000, responseMs: 2000, programAckMs: 3000, eraseAckMs: 3000 },
      recovery: { maxAttempts: 0 },
    });
    return { ok: true as const, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { ok: false as const, seconds: (performance.now() - t0) / 1000, error: e as RescueError };
  } finally {
    await modem.stop();
  }
}

function expectError(r: Awaited<ReturnType<typeof runWithFault>>, code: ErrorCode, mentions: RegExp): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error).toBeInstanceOf(RescueError);
  expect(r.error.code).toBe(code);
  expect(r.error.message).toMatch(mentions);
  expect(r.error.nextStep.length).toBeGreaterThan(20);
}

describe('faults end in bounded time with a clear outcome', () => {
  it('stall@BYTES: the host notices the stall and says so', async () => {
    const r = await runWithFault([{ kind: 'stall', atBytes: 300_000 }]);
    expectError(r, 'DEVICE_STALLED', /stall|Nothing moved/i);
    expect(r.seconds).toBeLessThan(8);
  });

  it('disconnect@BYTES: the modem leaving the bus is reported as such', async () => {
    const r = await runWithFault([{ kind: 'disconnect', atBytes: 300_000 }]);
    expectError(r, 'DEVICE_DISCONNECTED', /05c6:9008 is gone/);
    expect(r.seconds).toBeLessThan(8);
  });

  it('nak-program@N: the refusal names the partition and carries the device log', async () => {
    const r = await runWithFault([{ kind: 'nak-program', n: 2 }]);
    expectError(r, 'FIREHOSE_NAK', /program/);
    expect(r.seconds).toBeLessThan(8);
  });

  it('need-zlp: a ZLP-aware host completes the flash', async () => {
    const r = await runWithFault([{ kind: 'need-zlp' }]);
    expect(r.ok).toBe(true);
  });

  it('need-zlp with a host that sends no ZLP: avoided (no write ends on a packet boundary), the flash completes', async () => {
    const r = await runWithFault([{ kind: 'need-zlp' }], { hostSendsZlp: false });
    expect(r.ok).toBe(true);
  });

  it('slow-ack: slow answers within the limits still succeed', async () => {
    const r = await runWithFault([{ kind: 'slow-ack', seconds: 0.05 }]);
    expect(r.ok).toBe(true);
  });

  it('log-flood: hundreds of log lines before each answer do not confuse the host', async () => {
    const r = await runWithFault([{ kind: 'log-flood' }]);
    expect(r.ok).toBe(true);
  });

  it('garbage-reply@N: an unreadable answer is a protocol error with a preview', async () => {
    const r = await runWithFault([{ kind: 'garbage-reply', n: 4 }]);
    // It names the command the garbage answered and shows what came (a preview).
    expectError(
      r,
      'FIREHOSE_PROTOCOL',
      /Instead of an answer to <\w+>.* sent bytes that are not a Firehose document: \S/,
    );
    expect(r.seconds).toBeLessThan(8);
  });

  it('hello-once with the HELLO already eaten by another program: the host recovers', async () => {
    const r = await runWithFault([{ kind: 'hello-once' }], {}, async (bus) => {
      const pipe = await bus.opener.open({ timeoutMs: 1000 });
      await pipe.read(4096, { timeoutMs: 1000 }); // like an old ModemManager probing the port
      await pipe.close();
    });
    expect(r.ok).toBe(true);
  });
});
