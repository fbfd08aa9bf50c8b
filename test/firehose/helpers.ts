// Shared setup for the Firehose host tests: a memory pipe pair, the scripted device on one end,
// a FirehoseSession on the other, short timeouts, and collected events.

import type { EngineEvent } from '../../shared/events.js';
import { FirehoseSession, type ChunkSource, type FirehoseTimeouts } from '../../src-main/host/firehose-host.js';
import { createMemoryPipePair, type LinkDelay, type MemoryPipePair } from '../../src-main/transport/memory.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import { FakeDevice } from './fake-device.js';

export const FAST: Partial<FirehoseTimeouts> = {
  responseMs: 2_000,
  programAckMs: 2_000,
  eraseAckMs: 2_000,
  writeMs: 2_000,
  readDataMs: 2_000,
  startupQuietMs: 50,
  startupFirstLineMs: 200,
  startupMaxMs: 1_000,
};

export interface Rig {
  pair: MemoryPipePair;
  dev: FakeDevice;
  reader: PipeReader;
  session: FirehoseSession;
  events: EngineEvent[];
}

const rigs: Rig[] = [];

export function makeRig(
  opts: {
    hostSendsZlp?: boolean;
    timeouts?: Partial<FirehoseTimeouts>;
    signal?: AbortSignal;
    hostToDevice?: LinkDelay;
    startDevice?: boolean;
  } = {},
): Rig {
  const pair = createMemoryPipePair({
    maxPacketSize: 512,
    hostSendsZlp: opts.hostSendsZlp ?? true,
    hostToDevice: opts.hostToDevice,
  });
  const dev = new FakeDevice(pair.device);
  if (opts.startDevice !== false) dev.start();
  const reader = new PipeReader(pair.host);
  const events: EngineEvent[] = [];
  const session = new FirehoseSession(reader, {
    timeouts: { ...FAST, ...opts.timeouts },
    signal: opts.signal,
    onEvent: (e) => events.push(e),
  });
  const rig = { pair, dev, reader, session, events };
  rigs.push(rig);
  return rig;
}

export async function stopRigs(): Promise<void> {
  for (const r of rigs.splice(0)) {
    await r.dev.stop();
    r.pair.disconnect();
    if (r.dev.failure) throw r.dev.failure;
  }
}

/** An in-memory file, read through copies as a file reader would. */
export function bytesSource(data: Uint8Array): ChunkSource & { reads: number[] } {
  const reads: number[] = [];
  return {
    size: data.length,
    reads,
    read: (offset, length) => {
      reads.push(length);
      return Promise.resolve(data.slice(offset, offset + length));
    },
  };
}

export function pattern(n: number, seed = 1): Uint8Array {
  const a = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    a[i] = x >>> 24;
  }
  return a;
}

export const NAND = { sectorSize: 2048, pagesPerBlock: 64, physicalPartition: 0 };

export async function configured(rig: Rig, maxPayloadToTarget = 8192): Promise<void> {
  await rig.session.configure({ memoryName: 'nand', maxPayloadToTarget });
}

export function deviceLogEvents(events: EngineEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'log' && e.level === 'device' ? [e.message] : []));
}

/** Byte equality without the test framework's slow element-by-element diff. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
