// Events the rescue engine emits while it works. Every face (command line, Electron renderer,
// browser mode) renders the same stream.

import type { ErrorReport } from './errors.js';

export type FlashPhase =
  | 'package'
  | 'connect'
  | 'sahara'
  | 'firehose'
  | 'snapshot'
  | 'erase'
  | 'program'
  | 'patch'
  | 'verify'
  | 'reset'
  | 'done';

export type PlanOperation = 'erase' | 'program' | 'patch' | 'reset';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'device';

export type EngineEvent =
  | { type: 'phase'; phase: FlashPhase; message: string }
  | { type: 'step-start'; index: number; total: number; operation: PlanOperation; label: string; bytes: number }
  | {
      type: 'progress';
      index: number;
      stepBytesDone: number;
      stepBytes: number;
      totalBytesDone: number;
      totalBytes: number;
      /** Average over the last few seconds. */
      bytesPerSecond: number;
      /** Seconds left for the whole run at the current speed, or -1 if unknown. */
      etaSeconds: number;
      /** True when no data has moved for STALL_SHOWN_MS while a partition streams (speed 0, no ETA). */
      stalled?: boolean;
    }
  | { type: 'step-done'; index: number; operation: PlanOperation; label: string; seconds: number }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'recovery'; action: string; message: string }
  | { type: 'result'; ok: true; seconds: number; bytes: number; summary: string }
  | { type: 'result'; ok: false; seconds: number; error: ErrorReport };

export type EventSink = (e: EngineEvent) => void;
