// The engine against a virtual EC25 at a real module's pace (src-main/sim/device-pace.ts, PACE.md)
// over a modelled USB 2.0 link: the time to rescue a module from normal mode to "verified, back
// in normal mode, AT+QGMR shows the new version", phase by phase, with how much of each phase the
// device itself needs; the host's overhead on the flash against the device's own time; and a
// re-flash of the same package, which skips what the module already holds.

import { join } from 'node:path';
import type { DeviceSummary } from '../shared/api.js';
import type { EngineEvent } from '../shared/events.js';
import { backupQcn } from '../src-main/flows/backup.js';
import { enterEdl } from '../src-main/flows/enter-edl.js';
import { flashPackage, type FlashResult } from '../src-main/flows/flash.js';
import { waitForNormal } from '../src-main/service/finish-run.js';
import { DevicePace, REAL_PACE, type DevicePaceStats } from '../src-main/sim/device-pace.js';
import { makePackage } from '../src-main/sim/make-package.js';
import { MemoryBus } from '../src-main/sim/memory-bus.js';
import { MODELS } from '../src-main/sim/models.js';
import { MemoryNormalBus } from '../src-main/sim/normal-port.js';
import { VirtualModem } from '../src-main/sim/virtual-modem.js';
import { heldOpener } from '../src-main/transport/held-opener.js';
import { LinkModel } from '../src-main/transport/link-model.js';

export interface RescuePhase {
  name: string;
  seconds: number;
  /** What the device model itself spent in the phase (NAND, commands, start-up, re-enumeration). */
  deviceSeconds: number;
}

export interface PacedFigures {
  packageBytes: number;
  phases: RescuePhase[];
  totalSeconds: number;
  firmwareBefore: string;
  firmwareAfter: string | undefined;
  flash: FlashResult;
  /** The device's own time during the flash (program + erase + digest + commands + start-up). */
  flashDevice: DevicePaceStats;
  reflash: FlashResult;
  reflashDevice: DevicePaceStats;
}

const NEW_FIRMWARE = 'EC25EFAR06A12M4G_01.002.01.002';

function delta(after: DevicePaceStats, before: DevicePaceStats): DevicePaceStats {
  const seconds = { ...after.seconds };
  for (const k of Object.keys(seconds) as (keyof typeof seconds)[]) seconds[k] -= before.seconds[k];
  return {
    seconds,
    totalSeconds: after.totalSeconds - before.totalSeconds,
    programBytes: after.programBytes - before.programBytes,
    readBytes: after.readBytes - before.readBytes,
    digestBytes: after.digestBytes - before.digestBytes,
    erasedBlocks: after.erasedBlocks - before.erasedBlocks,
    sleeps: after.sleeps - before.sleeps,
  };
}

/** Splits the flash's events into phases: the time from one phase event to the next goes to the first. */
class PhaseClock {
  private readonly spans = new Map<string, { seconds: number; device: number }>();
  private current: { name: string; at: number; device: number } | undefined;

  constructor(private readonly pace: DevicePace) {}

  enter(name: string): void {
    const now = performance.now();
    const device = this.pace.doneSeconds();
    if (this.current) {
      const s = this.spans.get(this.current.name) ?? { seconds: 0, device: 0 };
      s.seconds += (now - this.current.at) / 1000;
      s.device += device - this.current.device;
      this.spans.set(this.current.name, s);
    }
    this.current = { name, at: now, device };
  }

  get(name: string): { seconds: number; device: number } {
    return this.spans.get(name) ?? { seconds: 0, device: 0 };
  }
}

const FLASH_PHASES: Record<string, string> = {
  package: 'package check',
  connect: 'upload',
  sahara: 'upload',
  firehose: 'start-up',
  erase: 'flash',
  program: 'flash',
  patch: 'flash',
  verify: 'verify',
  reset: 'reset',
};

export async function pacedRescue(dir: string, sizeMiB: number): Promise<PacedFigures> {
  const model = MODELS.ec25;
  const made = await makePackage({
    model: model.id,
    outDir: join(dir, 'paced-pkg'),
    sizeMiB,
    seed: 14,
    firmware: NEW_FIRMWARE,
  });
  const pace = new DevicePace(REAL_PACE);
  const edlBus = new MemoryBus({ hostToDevice: LinkModel.usb2HighSpeed(), deviceToHost: LinkModel.usb2HighSpeed() });
  const normalBus = new MemoryNormalBus({
    hostToDevice: LinkModel.usb2HighSpeed(),
    deviceToHost: LinkModel.usb2HighSpeed(),
  });
  const modem = new VirtualModem(
    { model: model.id, stateDir: join(dir, 'paced-modem'), mode: 'normal', normalPort: normalBus, pace },
    edlBus,
  );
  await modem.start();
  try {
    const firmwareBefore = modem.bootedFirmware ?? '';
    const phases: RescuePhase[] = [];
    const timed = async <T>(name: string, deviceSeconds: (s: number) => number, f: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const out = await f();
      const seconds = (performance.now() - t0) / 1000;
      phases.push({ name, seconds, deviceSeconds: deviceSeconds(seconds) });
      return out;
    };
    const t0 = performance.now();
    await timed(
      'QCN backup',
      () => 0,
      () => backupQcn({ dm: normalBus.dmOpener, out: join(dir, 'paced-backup.qcn') }),
    );
    // The EDL pipe the switch opened goes straight to the flash (held-opener.ts).
    const switched = await timed(
      'switch to EDL',
      () => REAL_PACE.reEnumerateMs / 1000,
      () => enterEdl({ dm: normalBus.dmOpener, edl: edlBus.opener, keepOpen: true }),
    );
    const clock = new PhaseClock(pace);
    const before = pace.stats;
    const flash = await flashPackage({
      package: made.root,
      opener: heldOpener(switched.pipe!, edlBus.opener),
      maxPayload: 8192,
      onEvent: (e: EngineEvent) => {
        if (e.type === 'phase') clock.enter(FLASH_PHASES[e.phase] ?? e.phase);
      },
    });
    clock.enter('done');
    const flashDevice = delta(pace.stats, before);
    for (const name of ['package check', 'upload', 'start-up', 'flash', 'verify', 'reset']) {
      const s = clock.get(name);
      phases.push({ name, seconds: s.seconds, deviceSeconds: s.device });
    }
    let atReady = 0;
    const view = await timed(
      'wait for normal mode',
      () => REAL_PACE.bootMs / 1000,
      () =>
        waitForNormal(
          {
            look: () => Promise.resolve(normalBus.plugged ? [normalSummary()] : []),
            atOpener: () => normalBus.atOpener,
          },
          {
            timeoutMs: 60_000,
            onEvent: (e) => {
              if (e.type === 'log' && /back in normal mode/.test(e.message)) atReady = performance.now();
            },
          },
        ),
    );
    // waitForNormal ends with the AT check: split it off.
    const last = phases[phases.length - 1]!;
    const check = atReady > 0 ? (performance.now() - atReady) / 1000 : 0;
    last.seconds -= check;
    phases.push({ name: 'check AT+QGMR', seconds: check, deviceSeconds: 0 });
    const totalSeconds = (performance.now() - t0) / 1000;

    const { reflash, reflashDevice } = await reflashSame(made.root, normalBus, edlBus, pace);
    return {
      packageBytes: flash.bytesWritten,
      phases,
      totalSeconds,
      firmwareBefore,
      firmwareAfter: view.firmware,
      flash,
      flashDevice,
      reflash,
      reflashDevice,
    };
  } finally {
    await modem.stop();
  }
}

/** Back to EDL and the same package again: only SBL is written. */
async function reflashSame(
  root: string,
  normalBus: MemoryNormalBus,
  edlBus: MemoryBus,
  pace: DevicePace,
): Promise<{ reflash: FlashResult; reflashDevice: DevicePaceStats }> {
  const again = await enterEdl({ dm: normalBus.dmOpener, edl: edlBus.opener, keepOpen: true });
  const before = pace.stats;
  const reflash = await flashPackage({
    package: root,
    opener: heldOpener(again.pipe!, edlBus.opener),
    maxPayload: 8192,
  });
  return { reflash, reflashDevice: delta(pace.stats, before) };
}

function normalSummary(): DeviceSummary {
  return {
    id: 'paced',
    mode: 'normal',
    name: 'virtual EC25 (paced)',
    vidPid: '2c7c:0125',
    explanation: '',
    ports: { dm: 'dm', at: 'at' },
    demo: false,
  };
}
