// What is on the bus, for the wizard: the real modems (detect + the port map of running modules)
// and the demo module, as DeviceSummary rows; and a poller that looks again every ~500 ms while
// somebody listens and reports only changes.

import type { DeviceState, DeviceSummary } from '../../shared/api.js';
import { MODE_EXPLANATIONS } from '../../shared/devices.js';
import { detectDevices, type DetectedDevice, type DetectResult } from '../flows/detect.js';
import { mapModulePorts } from '../platform/port-map.js';
import type { UsbEnumerator } from '../platform/usb-enumerator.js';
import { bounded } from '../util/deadline.js';
import { DEMO_DEVICE_ID, type DemoPresence } from './demo-modem.js';

/** One look at the bus may take this long before it counts as "USB cannot be read right now". */
export const DETECT_TIMEOUT_MS = 3000;

export function summarizeDetected(d: DetectedDevice): DeviceSummary {
  const ports: DeviceSummary['ports'] = {};
  if (d.mode === 'normal') {
    const mapped = mapModulePorts(d);
    const dm = mapped?.dm?.path ?? d.diagTty;
    const at = mapped?.at?.path;
    if (dm) ports.dm = dm;
    if (at) ports.at = at;
  }
  if (d.edlTty) ports.edl = d.edlTty;
  return { id: d.busPath, mode: d.mode, name: d.name, vidPid: d.id, explanation: d.explanation, ports, demo: false };
}

export function summarizeDemo(p: DemoPresence): DeviceSummary {
  return {
    id: DEMO_DEVICE_ID,
    mode: p.mode,
    name: p.mode === 'edl' ? 'Qualcomm EDL (demo EC25)' : 'Quectel EC25 (demo)',
    vidPid: p.mode === 'edl' ? '05c6:9008' : '2c7c:0125',
    explanation: p.explanation ?? MODE_EXPLANATIONS[p.mode],
    ports: { ...p.ports },
    demo: true,
  };
}

/** Detect, bounded in time; a bus that cannot be read becomes usbAvailable false with the reason. */
export async function detectBounded(enumerator: UsbEnumerator): Promise<DetectResult> {
  try {
    return await bounded(() => detectDevices(enumerator), {
      timeoutMs: DETECT_TIMEOUT_MS,
      what: 'the list of USB devices',
    });
  } catch (e) {
    return { usbAvailable: false, reason: e instanceof Error ? e.message : String(e), devices: [] };
  }
}

export function buildState(
  detected: DetectResult,
  demoOn: boolean,
  demo: DemoPresence | undefined,
  now: number,
  bench: readonly DeviceSummary[] = [],
): DeviceState {
  const devices = detected.devices.map(summarizeDetected);
  if (demo) devices.push(summarizeDemo(demo));
  devices.push(...bench);
  const state: DeviceState = { usbAvailable: detected.usbAvailable, devices, demo: demoOn, updatedAt: now };
  if (detected.reason !== undefined) state.reason = detected.reason;
  return state;
}

/** The part of a state that counts as a change (not the time stamp). */
export function sameDevices(a: DeviceState | undefined, b: DeviceState): boolean {
  if (!a) return false;
  const key = (s: DeviceState): string =>
    JSON.stringify({ u: s.usbAvailable, r: s.reason, d: s.devices, demo: s.demo });
  return key(a) === key(b);
}

/**
 * Calls look() every intervalMs while running; one look at a time (a slow look delays the next
 * rather than piling up). The timer does not keep the process alive.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private generation = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly look: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A look still running from before a stop() reschedules only its own (ended) generation.
    const gen = ++this.generation;
    const prev = this.inFlight;
    if (prev) void prev.then(() => this.schedule(0, gen));
    else this.schedule(0, gen);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private schedule(ms: number, gen: number): void {
    if (!this.running || gen !== this.generation) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.look()
        .catch(() => undefined)
        .finally(() => {
          this.inFlight = undefined;
          this.schedule(this.intervalMs, gen);
        });
    }, ms);
    this.timer.unref?.();
  }
}
