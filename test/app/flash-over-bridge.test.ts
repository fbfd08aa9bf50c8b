// A whole flash of the virtual EC25 with the engine's pipes carried over the MessagePort bridge:
// the flow sees RemoteOpener/PortPipe (worker side), the virtual modem's bus is opened by the
// main side's relay. Sahara, Firehose, ZLPs and the re-enumeration between them all cross it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { deviceHandlers, RemoteOpener } from '../../src-main/app/device-bridge.js';
import { RpcEndpoint } from '../../src-main/app/rpc.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { parseFault } from '../../src-main/sim/faults.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-bridge-flash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flash over the worker bridge', () => {
  it.each([
    ['no fault', [] as string[]],
    ['the modem dropping off the bus mid-flash (recovered by reopening through main)', ['disconnect@1M']],
    ['a programmer that needs ZLPs', ['need-zlp']],
  ])('flashes the virtual EC25 through the MessagePort bridge and the NAND audit passes: %s', async (_name, faults) => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 5 });
    const bus = new MemoryBus();
    const modem = new VirtualModem(
      { model: 'ec25', stateDir: join(dir, 'modem'), reEnumerateDelayMs: 30, faults: faults.map(parseFault) },
      bus,
    );
    await modem.start();
    const { port1, port2 } = new MessageChannel();
    const lost = (): RescueError => new RescueError('DEVICE_DISCONNECTED', 'the bridge closed');
    const main = new RpcEndpoint(
      port1,
      deviceHandlers({
        opener: () => bus.opener,
        enumerator: { availability: async () => ({ available: true }), list: async () => [] },
      }),
      lost,
    );
    const worker = new RpcEndpoint(port2, {}, lost);
    const pkg = await loadPackage(made.root);
    const events: EngineEvent[] = [];
    try {
      const result = await flashPackage({
        package: pkg,
        opener: new RemoteOpener(worker, { kind: 'usb-edl' }),
        onEvent: (e) => events.push(e),
        openTimeoutMs: 5000,
      });
      expect(result.verified).not.toBe('skipped');
      const audit = await auditNand(
        {
          nandPath: join(dir, 'modem', 'nand.bin'),
          pageSize: MODELS.ec25.pageSize,
          pagesPerBlock: MODELS.ec25.pagesPerBlock,
          totalBlocks: modem.nand.totalBlocks,
          badBlocks: modem.nand.badBlocks,
        },
        pkg.plan,
      );
      expect(audit.problems).toEqual([]);
      expect(events.at(-1)).toMatchObject({ type: 'result', ok: true });
      if (faults.some((f) => f.startsWith('disconnect'))) expect(events.some((e) => e.type === 'recovery')).toBe(true);
    } finally {
      await pkg.dispose();
      await modem.stop();
      worker.close();
      main.close();
    }
  });
});
