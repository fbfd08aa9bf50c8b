// Does a module in download mode really answer? 05c6:9008 on the bus only says that the boot ROM
// enumerated; the user's module enumerated silent after the first suspend and greeted only after
// the second. This listens (bounded) on the EDL link for what a working module sends by itself:
// the boot ROM's Sahara HELLO, or the XML of a Firehose programmer still running. It sends
// nothing, and hands what it read to whoever talks to the module next (the flash answers that
// HELLO), so listening costs the flash nothing.

import { RescueError } from '../../shared/errors.js';
import { decodePacket, HEADER_LENGTH, SaharaPacketError } from '../protocol/sahara.js';
import type { BulkPipe } from '../transport/transport.js';
import { formatMs } from '../util/deadline.js';

export type Greeting =
  | { answered: true; by: 'boot ROM'; saharaVersion: number }
  | { answered: true; by: 'programmer' }
  | { answered: false; why: string };

/** What the first bytes a module sent say about it; undefined while too few to tell. */
export function classifyGreeting(bytes: Uint8Array): Greeting | undefined {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 64)).trimStart();
  if (text.startsWith('<?xml') || text.startsWith('<data')) return { answered: true, by: 'programmer' };
  if (bytes.length < HEADER_LENGTH) return undefined;
  try {
    const p = decodePacket(bytes);
    if (p.type === 'hello') return { answered: true, by: 'boot ROM', saharaVersion: p.version };
    return { answered: false, why: `it sent a Sahara ${p.type} packet instead of its greeting` };
  } catch (e) {
    if (e instanceof SaharaPacketError && e.problem === 'truncated') return undefined;
    return { answered: false, why: 'it sent bytes that are neither a Sahara greeting nor Firehose XML' };
  }
}

/**
 * Listen on an open EDL link up to listenMs for a greeting. Never writes; returns what was heard
 * and the bytes read, which belong to whoever talks to the module next (a HELLO to answer).
 */
export async function listenOnPipe(
  pipe: BulkPipe,
  opts: { listenMs: number; signal?: AbortSignal | undefined },
): Promise<{ greeting: Greeting; bytes: Uint8Array }> {
  let got = new Uint8Array(0);
  const end = Date.now() + opts.listenMs;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) break;
    let chunk: Uint8Array;
    try {
      chunk = await pipe.read(4096, { timeoutMs: left, signal: opts.signal, what: 'the greeting' });
    } catch (e) {
      if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') break;
      throw e;
    }
    const all = new Uint8Array(got.length + chunk.length);
    all.set(got);
    all.set(chunk, got.length);
    got = all;
    const g = classifyGreeting(got.subarray(0, 4096));
    if (g) return { greeting: g, bytes: got };
    if (got.length >= 4096) break;
  }
  return {
    greeting: {
      answered: false,
      why:
        got.length > 0
          ? `it sent ${got.length} bytes that are not a greeting within ${formatMs(opts.listenMs)}`
          : `it sent nothing within ${formatMs(opts.listenMs)}`,
    },
    bytes: got,
  };
}
