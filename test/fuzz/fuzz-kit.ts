// Shared pieces of the property-based fuzz tests: case counts (small and reproducible in
// `npm test`, FUZZ_RUNS=100000 in `npm run fuzz`), fixed seeds (FUZZ_SEED overrides them; fast-check
// prints the seed and the shrunk input of any failure), byte mutators, a scripted device pipe that
// answers instantly, and the checks every parser must pass: only documented errors, bounded
// time, bounded memory.

import fc from 'fast-check';
import { RescueError, type ErrorCode } from '../../shared/errors.js';
import type { BulkPipe, IoOptions } from '../../src-main/transport/transport.js';
import { cancelledError } from '../../src-main/util/deadline.js';

const envRuns = Number(process.env.FUZZ_RUNS ?? '');
/** True under `npm run fuzz`. */
export const FULL_FUZZ = Number.isSafeInteger(envRuns) && envRuns > 0;

/**
 * Cases for one property: `small` in npm test, FUZZ_RUNS (at least) under npm run fuzz. A property
 * that waits on real timers takes `fullFraction` of FUZZ_RUNS there.
 */
export function runs(small: number, fullFraction = 1): number {
  return FULL_FUZZ ? Math.max(Math.round(envRuns * fullFraction), small) : small;
}

/** vitest timeout for one property: generous under npm run fuzz, 60 s in npm test. */
export const PROPERTY_TIMEOUT_MS = FULL_FUZZ ? 60 * 60_000 : 60_000;

/** fast-check parameters: a fixed seed per property unless FUZZ_SEED is set. */
export function params<T>(seed: number, small: number, fullFraction = 1): fc.Parameters<T> {
  const envSeed = Number(process.env.FUZZ_SEED ?? '');
  return {
    seed: Number.isSafeInteger(envSeed) && process.env.FUZZ_SEED ? envSeed : seed,
    numRuns: runs(small, fullFraction),
    endOnFailure: true,
  };
}

// --- error discipline ------------------------------------------------------------------------

type ErrorClass = abstract new (...args: never[]) => Error;

/** Run fn; an exception must be one of the documented error classes (anything else is a crash). */
export function onlyThrows<T>(fn: () => T, allowed: readonly ErrorClass[]): T | Error {
  try {
    return fn();
  } catch (e) {
    if (allowed.some((c) => e instanceof c)) {
      if (!(e as Error).message) throw new Error(`a ${(e as Error).name} without a message`);
      return e as Error;
    }
    throw e;
  }
}

/** An async run must end within ms, with a value or a RescueError of one of the given codes. */
export async function settlesWith<T>(
  work: Promise<T>,
  ms: number,
  codes: readonly ErrorCode[],
  what: string,
): Promise<T | RescueError> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, hang]);
  } catch (e) {
    if (e instanceof RescueError && codes.includes(e.code)) {
      if (!e.message) throw new Error(`RescueError ${e.code} without a message`);
      return e;
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** A synchronous parse of a small input must not take seconds: a hang or a quadratic blow-up. */
export function bounded<T>(fn: () => T, ms: number, what: string): T {
  const start = performance.now();
  const r = fn();
  const took = performance.now() - start;
  if (took > ms) throw new Error(`HANG: ${what} took ${Math.round(took)} ms`);
  return r;
}

/** Memory held in ArrayBuffers grows by less than maxBytes while fn runs (catches allocations sized by input). */
export function allocationBounded<T>(fn: () => T, maxBytes: number, what: string): T {
  const before = process.memoryUsage().arrayBuffers;
  const r = fn();
  const grew = process.memoryUsage().arrayBuffers - before;
  if (grew > maxBytes) throw new Error(`ALLOCATION: ${what} grew ArrayBuffers by ${grew} bytes (bound ${maxBytes})`);
  return r;
}

// --- byte generators -------------------------------------------------------------------------

type Mutation =
  | { op: 'set'; at: number; value: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number }
  | { op: 'u32'; at: number; value: number }
  | { op: 'duplicate'; at: number; count: number };

const INTERESTING_U32 = [
  0, 1, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x3ff, 0x400, 0x401, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
  0xffffffff,
];

/** A u32 that is often a boundary value. */
export const interestingU32: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...INTERESTING_U32),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 0x2000 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('u32' as const), at: fc.nat(), value: interestingU32 }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
);

export function mutate(input: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.op) {
      case 'set':
        if (at < b.length) b[at] = m.value;
        break;
      case 'flip':
        if (at < b.length) b[at]! ^= 1 << m.bit;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'insert':
        b = concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
      case 'u32':
        if (at + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(at, m.value, true);
        break;
      case 'duplicate':
        b = concat([b.subarray(0, at + m.count), b.subarray(at)]);
        break;
    }
  }
  return b;
}

/** Valid inputs from `valid`, then 0-6 random mutations (so both good and broken inputs occur). */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(mutation, { maxLength: 6 })).map(([v, m]) => mutate(v, m));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Cut a byte string into pieces at the given points (how a link may deliver it). */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  out.push(bytes.subarray(from));
  return out;
}

export const text = new TextEncoder();

// --- a device that answers from a script, instantly -----------------------------------------

/**
 * The device end as the host sees it: each read returns the next scripted transfer (cut to
 * maxLength); once the script is used up, reads fail at once with DEVICE_TIMEOUT (a silent
 * device, without waiting out the timeout) or DEVICE_DISCONNECTED. Writes are counted, not kept.
 */
export class ScriptedPipe implements BulkPipe {
  readonly name = 'scripted fuzz device';
  readonly maxPacketSize = 512;
  readonly needsZlp = false;
  closed = false;
  bytesWritten = 0;
  writes = 0;
  largestWrite = 0;
  private next = 0;
  /** The unread rest of a transfer cut by a short read. */
  private rest: Uint8Array | undefined;

  constructor(
    private readonly transfers: readonly Uint8Array[],
    private readonly end: 'silence' | 'disconnect',
  ) {}

  async read(maxLength: number, opts: IoOptions): Promise<Uint8Array> {
    if (opts.signal?.aborted) throw cancelledError(opts.signal.reason);
    if (this.closed) throw new RescueError('DEVICE_DISCONNECTED', 'the scripted device was closed');
    await Promise.resolve();
    // An index, not Array.shift(): shifting a long script is itself quadratic.
    const next = this.rest ?? this.transfers[this.next++];
    this.rest = undefined;
    if (next === undefined) {
      // A macrotask, so a caller that simply reads again on a timeout still lets its timers run.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.end === 'disconnect') throw new RescueError('DEVICE_DISCONNECTED', 'the scripted device is gone');
      throw new RescueError('DEVICE_TIMEOUT', `no data for ${opts.timeoutMs} ms (script ended)`);
    }
    if (next.length > maxLength) {
      this.rest = next.subarray(maxLength);
      return next.subarray(0, maxLength);
    }
    return next;
  }

  async write(data: Uint8Array, opts: IoOptions): Promise<void> {
    if (opts.signal?.aborted) throw cancelledError(opts.signal.reason);
    if (this.closed) throw new RescueError('DEVICE_DISCONNECTED', 'the scripted device was closed');
    await Promise.resolve();
    this.bytesWritten += data.length;
    this.writes++;
    this.largestWrite = Math.max(this.largestWrite, data.length);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
