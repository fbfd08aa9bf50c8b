// A programmer left running by an earlier host may still have an answer in the pipe (a late ACK
// of a killed run). The next run must not read it as the answer to its own <configure>: it
// discards what the programmer said before it asked anything, then flashes byte for byte.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/events.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { FirehoseSession } from '../../src-main/host/firehose-host.js';
import { saharaUpload } from '../../src-main/host/sahara-host.js';
import { loadPackage } from '../../src-main/package/load.js';
import { readProgrammer } from '../../src-main/package/programmer.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS } from '../../src-main/sim/models.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-stale-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('an answer left in the pipe by an earlier host is discarded, not taken for the configure answer', async () => {
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 5 });
  const bus = new MemoryBus();
  const modem = new VirtualModem({ model: 'ec25', stateDir: join(dir, 'modem'), reEnumerateDelayMs: 50 }, bus);
  await modem.start();
  const pkg = await loadPackage(made.root);
  try {
    // The earlier host: uploads the programmer, configures it, sends <nop/> and dies without
    // reading the answer. The answer stays where the link keeps it (the device's IN endpoint,
    // a tty's buffer): the next host opens the same link and finds it there.
    const earlier = await bus.opener.open({ timeoutMs: 5000 });
    const reader = new PipeReader(earlier);
    const programmer = await readProgrammer(pkg.programmerPath);
    await saharaUpload(reader, new Uint8Array(programmer.buffer, programmer.byteOffset, programmer.byteLength));
    const s = new FirehoseSession(reader, {});
    await s.drainStartup();
    await s.configure({ memoryName: 'nand', maxPayloadToTarget: 64 * 1024 });
    await earlier.write(new TextEncoder().encode('<?xml version="1.0" ?><data><nop /></data>'), { timeoutMs: 1000 });
    const left = await reader.readSome({ timeoutMs: 5000, what: 'the answer to <nop/>' });
    expect(new TextDecoder().decode(left)).toMatch(/<response value="ACK"/);
    let pending: Uint8Array | undefined = left;
    const same: BulkPipe = {
      name: earlier.name,
      maxPacketSize: earlier.maxPacketSize,
      needsZlp: earlier.needsZlp,
      get closed() {
        return earlier.closed;
      },
      read: (n, io) => {
        const first = pending;
        pending = undefined;
        return first ? Promise.resolve(first) : earlier.read(n, io);
      },
      write: (d, io) => earlier.write(d, io),
      close: () => earlier.close(),
    };

    const events: EngineEvent[] = [];
    const result = await flashPackage({
      package: pkg,
      opener: { description: 'the same link, left as the earlier host left it', open: () => Promise.resolve(same) },
      onEvent: (e) => events.push(e),
      openTimeoutMs: 5000,
      helloTimeoutMs: 1000,
    });
    expect(result.programmerSkipped).toBe(true);
    const logs = events.filter((e) => e.type === 'log').map((e) => e.message);
    expect(logs.some((m) => /Discarded \d+ bytes the programmer had sent before this run asked/.test(m))).toBe(true);
    expect(logs.some((m) => /Programmer configured|payloads/.test(m))).toBe(true);
    expect(result.recoveries).toBe(0);
    await modem.nand.settle();
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
  } finally {
    await pkg.dispose();
    await modem.stop();
  }
});
