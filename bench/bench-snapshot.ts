// Bench section 5: the firmware snapshot of a ~170 MB package's partitions. A package A is flashed
// into a virtual modem, then `snapshot` (no erase, no write) reads back every range the package's
// plan erases or programs, checked by the programmer's digest. Printed: snapshot time and read
// speed, against the time to flash the same package, and the snapshot's size on disk, against the
// package's images. The virtual modem's options are a parameter, so the same section runs on any
// device model (e.g. a paced real-NAND one): pass them in `modem`.

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { flashPackage } from '../src-main/flows/flash.js';
import { snapshotModule } from '../src-main/flows/snapshot-run.js';
import { loadPackage } from '../src-main/package/load.js';
import { makePackage } from '../src-main/sim/make-package.js';
import { MemoryBus } from '../src-main/sim/memory-bus.js';
import { LinkModel } from '../src-main/transport/link-model.js';
import { VirtualModem, waitForState, type VirtualModemOptions } from '../src-main/sim/virtual-modem.js';

export interface SnapshotFigures {
  /** On the paced real-NAND model: the device's own time for the snapshot (reads, digests, commands). */
  deviceSeconds?: number;
  /** ...and the modelled USB link's busy time for it (a programmer reads a piece, then sends it). */
  linkSeconds?: number;
  packageBytes: number;
  flashSeconds: number;
  snapshotSeconds: number;
  bytesRead: number;
  bytesOnDisk: number;
  ranges: number;
  verifiedBy: string;
}

/**
 * Flash a ~`sizeMiB` package, then snapshot its partitions; `modem` overrides the virtual modem's
 * options. With a `pace` (a real module's), the bus is a modelled USB 2.0 link too, and the
 * figures carry the device's own time for the snapshot.
 */
export async function benchSnapshot(
  dir: string,
  modem: Partial<Omit<VirtualModemOptions, 'stateDir'>> = {},
  sizeMiB = 170,
): Promise<SnapshotFigures> {
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'snap-pkg'), sizeMiB, seed: 7 });
  const pkg = await loadPackage(made.root);
  // One model for both directions: USB 2.0 is half duplex.
  const link = modem.pace ? LinkModel.usb2HighSpeed() : undefined;
  const bus = link ? new MemoryBus({ hostToDevice: link, deviceToHost: link }) : new MemoryBus();
  const stateDir = join(dir, 'snap-modem');
  const vm = new VirtualModem({ model: 'ec25', reEnumerateDelayMs: 50, ...modem, stateDir }, bus);
  await vm.start();
  try {
    const flashed = await flashPackage({ package: pkg, opener: bus.opener, verifyMd5: false });
    // As a user would: the module boots, then goes back to EDL, where a fresh programmer reports its serial and digests.
    if (!(await waitForState(vm, 'booted', 20_000))) throw new Error('the flashed virtual modem did not boot');
    vm.powerCycle({ edl: true });
    const out = join(dir, 'snapshot');
    const deviceBefore = modem.pace?.doneSeconds() ?? 0;
    const linkBefore = link?.stats.busySeconds ?? 0;
    const started = performance.now();
    const snap = await snapshotModule({ package: pkg, opener: bus.opener, dir: out, reset: false, verifyMd5: false });
    const snapshotSeconds = (performance.now() - started) / 1000;
    const deviceSeconds = modem.pace ? modem.pace.doneSeconds() - deviceBefore : undefined;
    const linkSeconds = link ? link.stats.busySeconds - linkBefore : undefined;
    const methods = new Set(snap.manifest.partitions.map((p) => p.verifiedBy));
    await rm(out, { recursive: true, force: true });
    return {
      ...(deviceSeconds !== undefined ? { deviceSeconds } : {}),
      ...(linkSeconds !== undefined ? { linkSeconds } : {}),
      packageBytes: pkg.totalProgramBytes,
      flashSeconds: flashed.seconds,
      snapshotSeconds,
      bytesRead: snap.manifest.bytesRead,
      bytesOnDisk: snap.manifest.bytesOnDisk,
      ranges: snap.manifest.partitions.length,
      verifiedBy: [...methods].join(' + '),
    };
  } finally {
    await pkg.dispose();
    await vm.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The section's lines: figures, ratios and targets. */
export function snapshotReport(f: SnapshotFigures, verdict: (ok: boolean) => string): string[] {
  const MB = 1e6;
  const timeRatio = f.snapshotSeconds / f.flashSeconds;
  const diskRatio = f.bytesOnDisk / f.packageBytes;
  const readMBps = f.bytesRead / f.snapshotSeconds / MB;
  const head = `Firmware snapshot of a ${(f.packageBytes / MB).toFixed(0)} MB package's partitions (${f.ranges} ranges, ${(f.bytesRead / MB).toFixed(0)} MB read, checked by ${f.verifiedBy})`;
  const disk = [
    `   ${(f.bytesOnDisk / MB).toFixed(0)} MB on disk (erased pages after each image's end are not kept) for ${(f.packageBytes / MB).toFixed(0)} MB of package images`,
    `   target disk <= 1.05 x the images: ratio ${diskRatio.toFixed(2)} -> ${verdict(diskRatio <= 1.05)}`,
  ];
  if (f.deviceSeconds !== undefined) {
    const own = f.deviceSeconds + (f.linkSeconds ?? 0);
    const overhead = f.snapshotSeconds / own;
    return [
      `   at a real module's pace: ${head}:`,
      `   ${f.snapshotSeconds.toFixed(1)} s; the device's own time ${own.toFixed(1)} s (NAND reads, digests and commands ${f.deviceSeconds.toFixed(1)} s, then the USB 2.0 link ${(f.linkSeconds ?? 0).toFixed(1)} s: a programmer reads a piece, then sends it); flashing the same package took ${f.flashSeconds.toFixed(1)} s (snapshot/flash ${timeRatio.toFixed(2)})`,
      `   target snapshot <= 1.05 x the device's own time: ratio ${overhead.toFixed(3)} -> ${verdict(overhead <= 1.05)}`,
      ...disk,
    ];
  }
  return [
    `   ${head}:`,
    `   ${f.snapshotSeconds.toFixed(2)} s, ${readMBps.toFixed(0)} MB/s read; flashing the same package took ${f.flashSeconds.toFixed(2)} s (snapshot/flash ratio ${timeRatio.toFixed(2)})`,
    `   target >= 70 MB/s (twice the 35 MB/s USB 2.0 link, so the host never limits a real module): ratio ${(readMBps / 70).toFixed(2)} -> ${verdict(readMBps >= 70)}`,
    ...disk,
  ];
}
