// What the Flash step shows, folded from the engine's event stream (pure: state + event -> state).

import type { EngineEvent, FlashPhase, PlanOperation } from '../../shared/events.js';
import type { ErrorReport } from '../../shared/errors.js';
import { appendLog, type LogLine } from './log-ring.js';

export interface PartitionProgress {
  index: number;
  label: string;
  operation: PlanOperation;
  bytes: number;
  bytesDone: number;
  state: 'waiting' | 'running' | 'done';
}

export interface FlashProgress {
  phase?: FlashPhase;
  phaseMessage?: string;
  partitions: PartitionProgress[];
  currentIndex?: number;
  totalBytes: number;
  totalBytesDone: number;
  bytesPerSecond: number;
  etaSeconds: number;
  /** No data has moved for a few seconds while a partition is being written. */
  stalled?: boolean;
  /** 0-100, overall. */
  percent: number;
  log: LogLine[];
  /** What the run said each time it cut the modem's power itself (kept apart from the log's tail). */
  powerCycles?: string[];
  /** The latest thing recovery did ("device stalled, resending..."), and how many times it acted. */
  recovery?: { action: string; message: string; count: number };
  result?:
    { ok: true; seconds: number; bytes: number; summary: string } | { ok: false; seconds: number; error: ErrorReport };
}

export const EMPTY_PROGRESS: FlashProgress = {
  partitions: [],
  totalBytes: 0,
  totalBytesDone: 0,
  bytesPerSecond: 0,
  etaSeconds: -1,
  percent: 0,
  log: [],
};

/** Partitions kept in view: a hostile plan with thousands of steps must not grow the page without end. */
const MAX_PARTITIONS = 512;

export function percentOf(done: number, total: number): number {
  if (!(total > 0) || !(done > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

export function applyEngineEvent(s: FlashProgress, e: EngineEvent): FlashProgress {
  switch (e.type) {
    case 'phase':
      return {
        ...s,
        phase: e.phase,
        phaseMessage: e.message,
        log: appendLog(s.log, { level: 'info', text: e.message }),
      };
    case 'step-start': {
      const partitions = s.partitions.filter((p) => p.index !== e.index);
      if (partitions.length < MAX_PARTITIONS) {
        partitions.push({
          index: e.index,
          label: e.label,
          operation: e.operation,
          bytes: e.bytes,
          bytesDone: 0,
          state: 'running',
        });
        partitions.sort((a, b) => a.index - b.index);
      }
      return { ...s, partitions, currentIndex: e.index, stalled: false };
    }
    case 'progress': {
      const partitions = s.partitions.map((p) =>
        p.index === e.index ? { ...p, bytesDone: e.stepBytesDone, bytes: e.stepBytes || p.bytes } : p,
      );
      return {
        ...s,
        partitions,
        currentIndex: e.index,
        totalBytes: e.totalBytes,
        totalBytesDone: e.totalBytesDone,
        bytesPerSecond: e.bytesPerSecond,
        etaSeconds: e.etaSeconds,
        stalled: e.stalled === true,
        percent: Math.max(s.result?.ok ? 100 : 0, percentOf(e.totalBytesDone, e.totalBytes)),
      };
    }
    case 'step-done': {
      const partitions = s.partitions.map((p) =>
        p.index === e.index ? { ...p, bytesDone: p.bytes, state: 'done' as const } : p,
      );
      return { ...s, partitions };
    }
    case 'log':
      return { ...s, log: appendLog(s.log, { level: e.level, text: e.message }) };
    case 'recovery':
      return {
        ...s,
        recovery: { action: e.action, message: e.message, count: (s.recovery?.count ?? 0) + 1 },
        stalled: false,
        ...(e.action === 'power-cycle' ? { powerCycles: [...(s.powerCycles ?? []), e.message].slice(-10) } : {}),
        log: appendLog(s.log, { level: 'warn', text: e.message }),
      };
    case 'result':
      if (e.ok) {
        const totalBytes = Math.max(s.totalBytes, e.bytes);
        return {
          ...s,
          result: e,
          percent: 100,
          etaSeconds: 0,
          phase: 'done',
          totalBytes,
          totalBytesDone: totalBytes,
          log: appendLog(s.log, { level: 'info', text: e.summary }),
        };
      }
      return {
        ...s,
        result: e,
        log: appendLog(s.log, { level: 'error', text: `${e.error.code}: ${e.error.message}` }),
      };
    default:
      return s;
  }
}

/** The partition being worked on, for the "now writing ..." line. */
export function currentPartition(s: FlashProgress): PartitionProgress | undefined {
  return s.partitions.find((p) => p.index === s.currentIndex);
}
