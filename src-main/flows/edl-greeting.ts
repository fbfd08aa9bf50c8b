// Does a module in download mode really answer? 05c6:9008 on the bus only says that the boot ROM
// enumerated; the user's module enumerated silent after the first suspend and greeted only after
// the second. This listens (bounded) on the EDL link for what a working module sends by itself:
// the boot ROM's Sahara HELLO, or the XML of a Firehose programmer still running. It sends
// nothing: the HELLO it reads is answered later by the flash's late HELLO response, as edl does
// for a HELLO another program consumed (sahara-host.ts speculativeHello).

import { RescueError } from '../../shared/errors.js';
import { decodePacket, HEADER_LENGTH, SaharaPacketError } from '../protocol/sahara.js';
import type { PipeOpener } from '../transport/transport.js';
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

/** Open the EDL link, listen up to listenMs for a greeting, close. Never writes. */
export async function listenForGreeting(
  opener: PipeOpener,
  opts: { openMs: number; listenMs: number; signal?: AbortSignal | undefined },
): Promise<Greeting> {
  const pipe = await opener.open({ timeoutMs: opts.openMs, signal: opts.signal, what: 'the module in EDL' });
  try {
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
      got = all.subarray(0, 4096);
      const g = classifyGreeting(got);
      if (g) return g;
    }
    return {
      answered: false,
      why:
        got.length > 0
          ? `it sent ${got.length} bytes that are not a greeting within ${formatMs(opts.listenMs)}`
          : `it sent nothing within ${formatMs(opts.listenMs)}`,
    };
  } finally {
    await pipe.close().catch(() => undefined);
  }
}
