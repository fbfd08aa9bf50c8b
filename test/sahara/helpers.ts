// Shared set-up for the Sahara tests: a host and a virtual PBL joined by an in-memory USB link.
import type { EngineEvent } from '../../shared/events.js';
import { FaultPlan, type Fault } from '../../src-main/sim/faults.js';
import { MODELS, type ModelSpec } from '../../src-main/sim/models.js';
import { runPbl, type PblOutcome } from '../../src-main/sim/pbl-sahara.js';
import { createMemoryPipePair, type MemoryPipePair } from '../../src-main/transport/memory.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { decodePacket, encodePacket, readPacketHeader, type SaharaPacket } from '../../src-main/protocol/sahara.js';

export interface Rig {
  pair: MemoryPipePair;
  reader: PipeReader;
  pbl: Promise<PblOutcome | Error>;
  pblLog: string[];
  events: EngineEvent[];
  onEvent: (e: EngineEvent) => void;
  stop: () => Promise<void>;
}

export function startRig(
  opts: { model?: ModelSpec; faults?: Fault[]; atEnumeration?: boolean; readPieceBytes?: number } = {},
): Rig {
  const pair = createMemoryPipePair({ maxPacketSize: 512 });
  const life = new AbortController();
  const pblLog: string[] = [];
  const events: EngineEvent[] = [];
  const pbl = runPbl(pair.device, {
    model: opts.model ?? MODELS.ec25,
    faults: new FaultPlan(opts.faults ?? []),
    atEnumeration: opts.atEnumeration ?? true,
    signal: life.signal,
    onLog: (m) => pblLog.push(m),
    ...(opts.readPieceBytes !== undefined ? { readPieceBytes: opts.readPieceBytes } : {}),
  }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  return {
    pair,
    reader: new PipeReader(pair.host),
    pbl,
    pblLog,
    events,
    onEvent: (e) => events.push(e),
    stop: async () => {
      life.abort();
      await pbl;
    },
  };
}

export function logLines(events: EngineEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const io = { timeoutMs: 2000 };

/** One end of a link, driven by the test: sends and receives Sahara packets and raw bytes. */
export class Peer {
  readonly reader: PipeReader;
  constructor(readonly pipe: BulkPipe) {
    this.reader = new PipeReader(pipe);
  }
  send(p: SaharaPacket): Promise<void> {
    return this.pipe.write(encodePacket(p), io);
  }
  raw(bytes: Uint8Array | number[]): Promise<void> {
    return this.pipe.write(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), io);
  }
  async receive(): Promise<SaharaPacket> {
    const head = await this.reader.readExact(8, io);
    const rest = await this.reader.readExact(readPacketHeader(head).length - 8, io);
    const all = new Uint8Array(head.length + rest.length);
    all.set(head);
    all.set(rest, 8);
    return decodePacket(all);
  }
  hello(mode = 0): Promise<void> {
    return this.send({ type: 'hello', version: 2, versionCompatible: 1, maxCommandPacketLength: 0x400, mode });
  }
}
