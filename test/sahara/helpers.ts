// Shared set-up for the Sahara tests: a host and a virtual PBL joined by an in-memory USB link.
import type { EngineEvent } from '../../shared/events.js';
import { FaultPlan, type Fault } from '../../src-main/sim/faults.js';
import { MODELS, type ModelSpec } from '../../src-main/sim/models.js';
import { runPbl, type PblOutcome } from '../../src-main/sim/pbl-sahara.js';
import { createMemoryPipePair, type MemoryPipePair } from '../../src-main/transport/memory.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';

export interface Rig {
  pair: MemoryPipePair;
  reader: PipeReader;
  pbl: Promise<PblOutcome | Error>;
  pblLog: string[];
  events: EngineEvent[];
  onEvent: (e: EngineEvent) => void;
  stop: () => Promise<void>;
}

export function startRig(opts: { model?: ModelSpec; faults?: Fault[]; atEnumeration?: boolean; readPieceBytes?: number } = {}): Rig {
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
