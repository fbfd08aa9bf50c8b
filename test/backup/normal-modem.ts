// A module in normal mode for the backup/restore tests: the DIAG device of the virtual modem
// serving its NV/EFS state on the DM interface of an in-memory normal-mode bus. After a reset it
// comes back (re-enumerates); after the drop-diag fault it stays off the bus.

import { FaultPlan, parseFault } from '../../src-main/sim/faults.js';
import { getModel } from '../../src-main/sim/models.js';
import { runDiagDevice, DiagCounter } from '../../src-main/sim/diag-device.js';
import { MemoryNormalBus } from '../../src-main/sim/normal-port.js';
import { NormalState } from '../../src-main/sim/normal-state.js';
import type { MemoryPairOptions } from '../../src-main/transport/memory.js';

export interface TestModem {
  bus: MemoryNormalBus;
  state: NormalState;
  resets: number;
  dropped: boolean;
  stop(): Promise<void>;
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
    stop: async () => {
      ac.abort();
      await loop.catch(() => undefined);
      await bus.unplug();
    },
  };
  const loop = (async () => {
    while (!ac.signal.aborted) {
      const { dm } = await bus.plugIn();
      const out = await runDiagDevice(dm, { model, state, faults, signal: ac.signal, unsolicitedEvery: opts.unsolicitedEvery ?? 50 }, counter);
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
