// A virtual EC25 started in normal mode on in-memory buses (normal: DM + AT; EDL: the 9008 port),
// with a temporary state folder, and helpers to talk to it raw or through the DIAG client.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagClient } from '../../src-main/host/diag-client.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import type { ModelId } from '../../src-main/sim/models.js';
import { MemoryNormalBus } from '../../src-main/sim/normal-port.js';
import {
  VirtualModem,
  type ModemState,
  type NormalModeOptions,
  waitForState as waitModemState,
} from '../../src-main/sim/virtual-modem.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';

export interface Harness {
  modem: VirtualModem;
  normal: MemoryNormalBus;
  edl: MemoryBus;
  stateDir: string;
  openDm(): Promise<BulkPipe>;
  openAt(): Promise<BulkPipe>;
  diag(opts?: { maxInFlight?: number; timeoutMs?: number }): Promise<DiagClient>;
  stop(): Promise<void>;
}

const live: Harness[] = [];
const dirs: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mr-normal-'));
  dirs.push(d);
  return d;
}

export async function cleanup(): Promise<void> {
  for (const h of live.splice(0)) await h.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function startNormal(
  opts: { model?: ModelId; stateDir?: string; faults?: Fault[]; normal?: NormalModeOptions } = {},
): Promise<Harness> {
  const stateDir = opts.stateDir ?? tempDir();
  const normal = new MemoryNormalBus();
  const edl = new MemoryBus();
  const modem = new VirtualModem(
    {
      model: opts.model ?? 'ec25',
      stateDir,
      mode: 'normal',
      normalPort: normal,
      reEnumerateDelayMs: 30,
      ...(opts.faults ? { faults: opts.faults } : {}),
      normal: { atBootUrcs: false, ...opts.normal },
    },
    edl,
  );
  await modem.start();
  const clients: DiagClient[] = [];
  let stopped = false;
  const h: Harness = {
    modem,
    normal,
    edl,
    stateDir,
    openDm: () => normal.dmOpener.open({ timeoutMs: 3000 }),
    openAt: () => normal.atOpener.open({ timeoutMs: 3000 }),
    async diag(o = {}) {
      const c = new DiagClient(await h.openDm(), {
        timeoutMs: o.timeoutMs ?? 2000,
        ...(o.maxInFlight ? { maxInFlight: o.maxInFlight } : {}),
      });
      clients.push(c);
      return c;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of clients) await c.close().catch(() => undefined);
      await modem.stop();
    },
  };
  live.push(h);
  return h;
}

export async function waitForState(modem: VirtualModem, want: ModemState, timeoutMs = 5000): Promise<void> {
  if (!(await waitModemState(modem, want, timeoutMs))) throw new Error(`modem stayed ${modem.state}, expected ${want}`);
}

/** Send raw AT text and collect what comes back until `until` matches (bounded). */
export async function atExchange(
  pipe: BulkPipe,
  command: string,
  until: RegExp = /\r\n(OK|ERROR|\+CME ERROR: [^\r]*)\r\n$/,
  timeoutMs = 2000,
): Promise<string> {
  await pipe.write(new TextEncoder().encode(command), { timeoutMs });
  let text = '';
  const deadline = Date.now() + timeoutMs;
  while (!until.test(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no complete AT answer to ${JSON.stringify(command)}; got ${JSON.stringify(text)}`);
    const chunk = await pipe.read(4096, { timeoutMs: left });
    text += new TextDecoder().decode(chunk);
  }
  return text;
}
