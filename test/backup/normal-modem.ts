// The virtual EC25 in normal mode for the backup/restore tests: DM and AT on an in-memory
// normal-mode bus, NV/EFS state in a temporary folder. Counts its DIAG resets and fault drops.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFault } from '../../src-main/sim/faults.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MemoryNormalBus } from '../../src-main/sim/normal-port.js';
import type { NormalState } from '../../src-main/sim/normal-state.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';

export interface TestModem {
  modem: VirtualModem;
  bus: MemoryNormalBus;
  state: NormalState;
  /** DIAG resets (CONTROL mode 2) the modem went through. */
  resets: number;
  /** The drop-diag fault fired: the modem left the bus mid-session. */
  dropped: boolean;
  /** DIAG requests served so far. */
  requests(): number;
  stop(): Promise<void>;
}

export async function startNormalModem(
  opts: { faults?: string[]; journalWrites?: number; serial?: number } = {},
): Promise<TestModem> {
  const stateDir = mkdtempSync(join(tmpdir(), 'mr-qcn-modem-'));
  const bus = new MemoryNormalBus();
  const modem = new VirtualModem(
    {
      model: 'ec25',
      stateDir,
      mode: 'normal',
      normalPort: bus,
      reEnumerateDelayMs: 20,
      ...(opts.serial !== undefined ? { serial: opts.serial } : {}),
      faults: (opts.faults ?? []).map(parseFault),
      normal: { atBootUrcs: false, ...(opts.journalWrites ? { journalWrites: opts.journalWrites } : {}) },
    },
    new MemoryBus(),
  );
  const m: TestModem = {
    modem,
    bus,
    state: modem.normalState!,
    resets: 0,
    dropped: false,
    requests: () => modem.diagCounter.requests,
    stop: async () => {
      await modem.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  modem.on('log', (line: string) => {
    if (process.env.MODEM_LOG) console.log('modem:', line);
    if (line.includes('DIAG reset: re-enumerating')) m.resets++;
    if (line.includes('fault drop-diag')) m.dropped = true;
  });
  await modem.start();
  return m;
}
