// The host session against the project's virtual NAND programmer (src-main/sim/firehose-nand.ts):
// both sides were written separately from the same protocol notes, so this checks they agree.

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { DEFAULT_FIREHOSE_TIMEOUTS, FirehoseNakError, FirehoseSession } from '../../src-main/host/firehose-host.js';
import { FaultPlan, parseFault } from '../../src-main/sim/faults.js';
import { FIREHOSE_FUNCTIONS, runFirehoseNand, type FirehoseOutcome } from '../../src-main/sim/firehose-nand.js';
import { MODELS } from '../../src-main/sim/models.js';
import { getProgrammerProfile, PROGRAMMER_NAMES, type ProgrammerName } from '../../src-main/sim/programmer-profiles.js';
import { Nand } from '../../src-main/sim/nand.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import { bytesSource, FAST, pattern, sameBytes } from './helpers.js';

interface Bench {
  session: FirehoseSession;
  outcome: Promise<FirehoseOutcome>;
  nand: Nand;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function bench(faults: string[] = [], programmer: ProgrammerName = 'default'): Bench {
  const model = MODELS.eg25g;
  const nand = Nand.open({ model, totalBlocks: 64 });
  const pair = createMemoryPipePair({ maxPacketSize: 512 });
  const stop = new AbortController();
  const outcome = runFirehoseNand(pair.device, {
    model,
    nand,
    faults: new FaultPlan(faults.map(parseFault)),
    signal: stop.signal,
    profile: getProgrammerProfile(programmer),
  });
  outcome.catch(() => undefined);
  // A programmer's first line may come a second after DONE_RESP (quectel-sdx-nand): the field's wait for it.
  const session = new FirehoseSession(new PipeReader(pair.host), {
    timeouts: {
      ...FAST,
      startupFirstLineMs: DEFAULT_FIREHOSE_TIMEOUTS.startupFirstLineMs,
      startupMaxMs: DEFAULT_FIREHOSE_TIMEOUTS.startupMaxMs,
    },
  });
  cleanups.push(async () => {
    stop.abort();
    pair.disconnect();
    await outcome.catch(() => undefined);
    await nand.settle();
    nand.close();
  });
  return { session, outcome, nand };
}

const geometry = { sectorSize: 2048, pagesPerBlock: 64, physicalPartition: 0 };

describe('host session against the virtual NAND programmer', () => {
  it('drains startup, renegotiates the payload, reads storage info, erases, programs, digests and reads back', async () => {
    const { session } = bench();
    await session.drainStartup();
    expect([...session.functions].sort()).toEqual([...FIREHOSE_FUNCTIONS].sort());
    const cfg = await session.configure({ memoryName: 'nand', maxPayloadToTarget: 1024 * 1024 });
    expect(cfg.maxPayloadToTarget).toBe(8192);
    const info = await session.storageInfo();
    expect(info).toMatchObject({ total_blocks: 64, page_size: 2048, mem_type: 'NAND' });
    const addr = { ...geometry, startSector: 128, numSectors: 640, label: 'test' };
    await session.erase(addr);
    const file = pattern(300 * 1024 + 123, 5);
    await session.program(addr, bytesSource(file));
    const sectors = Math.ceil(file.length / 2048);
    const padded = new Uint8Array(sectors * 2048);
    padded.set(file);
    const written = { ...addr, numSectors: sectors };
    expect(await session.sha256Digest(written)).toBe(createHash('sha256').update(padded).digest('hex'));
    const back: Uint8Array[] = [];
    await session.read(written, (c) => void back.push(c.slice()));
    expect(sameBytes(Buffer.concat(back), padded)).toBe(true);
  });

  it('a programmer NAK with AttemptRetry, then a plain retry succeeds', async () => {
    const { session } = bench(['nak-program@1']);
    await session.drainStartup();
    await session.configure({ memoryName: 'nand', maxPayloadToTarget: 8192 });
    const addr = { ...geometry, startSector: 0, numSectors: 64 };
    await session.erase(addr);
    const src = bytesSource(pattern(20_000));
    const e = await session.program(addr, src).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FirehoseNakError);
    expect((e as FirehoseNakError).attemptRetry).toBe(true);
    await session.program(addr, src);
  });

  it('a garbage reply is a protocol error', async () => {
    const { session } = bench(['garbage-reply@2']);
    await session.drainStartup();
    await session.configure({ memoryName: 'nand', maxPayloadToTarget: 8192 });
    const e = await session.nop().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RescueError);
    expect((e as RescueError).code).toBe('FIREHOSE_PROTOCOL');
  });

  it('power reset ends the programmer', async () => {
    const { session, outcome } = bench();
    await session.drainStartup();
    await session.power('reset');
    expect(await outcome).toEqual({ kind: 'power', mode: 'reset' });
  });
});

async function fullSession(name: ProgrammerName): Promise<void> {
  const profile = getProgrammerProfile(name);
  const { session } = bench([], name);
  await session.drainStartup();
  expect([...session.functions].sort()).toEqual([...profile.functions].sort());
  const cfg = await session.configure({ memoryName: 'nand', maxPayloadToTarget: 1024 * 1024 });
  expect(cfg).toMatchObject({ maxPayloadToTarget: 8192, maxXmlSize: 4096 });
  const info = await session.storageInfo();
  // key=value lines, no storage JSON: read all the same (bkerler/edl issue 108's format).
  if (name === 'mdm9x07-legacy')
    expect(info).toMatchObject({ sector_size: 2048, num_physical: 1, num_partition_sectors: expect.any(Number) });
  else expect(info).toMatchObject({ total_blocks: 64, page_size: 2048 });
  const addr = { ...geometry, startSector: 64, numSectors: 128, label: 'test' };
  await session.erase(addr);
  const file = pattern(100 * 1024 + 7, 11);
  await session.program(addr, bytesSource(file));
  const sectors = Math.ceil(file.length / 2048);
  const padded = new Uint8Array(sectors * 2048);
  padded.set(file);
  const written = { ...addr, numSectors: sectors };
  const digest = await session.sha256Digest(written);
  if (profile.functions.includes('getsha256digest'))
    expect(digest).toBe(createHash('sha256').update(padded).digest('hex'));
  else expect(digest).toBeUndefined(); // not listed: the host does not ask
  const back: Uint8Array[] = [];
  await session.read(written, (c) => void back.push(c.slice()));
  expect(sameBytes(Buffer.concat(back), padded)).toBe(true);
}

describe('host session against every programmer profile', () => {
  // quectel-sdx-nand's first log comes a second after DONE_RESP: the host waits for a first line.
  it.each(PROGRAMMER_NAMES)('%s: startup, configure from 1 MiB down to 8 KiB, erase, program, check', (name) =>
    fullSession(name),
  );
});
