// A RescueService on a private state folder, with an empty (fake) USB bus so only the demo module
// shows, short limits for the demo, and every pushed event recorded.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiEvent, DeviceState } from '../../shared/api.js';
import type { EnumeratedDevice, UsbAvailability, UsbEnumerator } from '../../src-main/platform/usb-enumerator.js';
import { RescueService, type FlashTuning, type ServiceOptions } from '../../src-main/service/rescue-service.js';

export class FakeBus implements UsbEnumerator {
  devices: EnumeratedDevice[] = [];
  avail: UsbAvailability = { available: true };
  async availability(): Promise<UsbAvailability> {
    return this.avail;
  }
  async list(): Promise<EnumeratedDevice[]> {
    return this.avail.available ? this.devices : [];
  }
}

export interface Harness {
  service: RescueService;
  bus: FakeBus;
  dir: string;
  events: ApiEvent[];
  /** Resolves when a devices event (or the current state) satisfies pred; rejects after ms. */
  waitDevices(pred: (s: DeviceState) => boolean, ms?: number): Promise<DeviceState>;
  close(): Promise<void>;
}

const open: Harness[] = [];

/** Short limits, as the fault matrix uses; the field's defaults are longer. */
export const TEST_FLASH: FlashTuning = {
  openTimeoutMs: 5000,
  helloTimeoutMs: 1000,
  saharaPacketTimeoutMs: 3000,
  timeouts: { writeMs: 1500, responseMs: 3000, programAckMs: 6000, eraseAckMs: 6000, readDataMs: 6000 },
  recovery: { maxAttempts: 3, drainQuietMs: 100, drainMaxMs: 600, probeMs: 1000, reEnumerateMs: 8000 },
};

/** Short limits for the stall tests: a hung programmer is given up on (or power-cycled) within seconds. */
export const STALL_FLASH: FlashTuning = {
  ...TEST_FLASH,
  timeouts: { ...TEST_FLASH.timeouts, writeMs: 800, responseMs: 1500, programAckMs: 2000 },
  recovery: { maxAttempts: 2, drainQuietMs: 100, drainMaxMs: 300, probeMs: 500, dropOffMs: 1000, reEnumerateMs: 2000 },
};

export function makeService(extra: Partial<ServiceOptions> = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'mr-service-'));
  const bus = new FakeBus();
  const service = new RescueService({
    stateDir: dir,
    enumerator: bus,
    pollMs: 50,
    backupFolder: join(dir, 'backups'),
    demo: { reEnumerateDelayMs: 50, packageMiB: 2, linkBytesPerSecond: 0 },
    backupNvRange: [0, 600],
    flash: TEST_FLASH,
    waits: { edlMs: 5000, demoNormalMs: 8000 },
    ...extra,
  });
  const events: ApiEvent[] = [];
  const off = service.on((e) => events.push(e));
  const h: Harness = {
    service,
    bus,
    dir,
    events,
    waitDevices: async (pred, ms = 5000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const s = await service.call('getDevices', {});
        if (pred(s)) return s;
        if (Date.now() > deadline)
          throw new Error(`device state not reached within ${ms} ms: ${JSON.stringify(s.devices)}`);
        await new Promise((r) => setTimeout(r, 30));
      }
    },
    close: async () => {
      off();
      await service.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  open.push(h);
  return h;
}

export async function closeAll(): Promise<void> {
  for (const h of open.splice(0)) await h.close();
}
