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
import { VirtualModem, waitForState, type VirtualModemOptions } from '../src-main/sim/virtual-modem.js';

export interface SnapshotFigures {
  packageBytes: number;
  flashSeconds: number;
  snapshotSeconds: number;
  bytesRead: number;
  bytesOnDisk: number;
  ranges: number;
  verifiedBy: string;
}

/** Flash a ~`sizeMiB` package, then snapshot its partitions; `modem` overrides the virtual modem's options. */
export async function benchSnapshot(
  dir: string,
  modem: Partial<Omit<VirtualModemOptions, 'stateDir'>> = {},
  sizeMiB = 170,
): Promise<SnapshotFigures> {
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'snap-pkg'), sizeMiB, seed: 7 });
  const pkg = await loadPackage(made.root);
  const bus = new MemoryBus();
  const stateDir = join(dir, 'snap-modem');
  const vm = new VirtualModem({ model: 'ec25', reEnumerateDelayMs: 50, ...modem, stateDir }, bus);
  await vm.start();
  try {
    const flashed = await flashPackage({ package: pkg, opener: bus.opener, verifyMd5: false });
    // As a user would: the module boots, then goes back to EDL, where a fresh programmer reports its serial and digests.
    if (!(await waitForState(vm, 'booted', 20_000))) throw new Error('the flashed virtual modem did not boot');
    vm.powerCycle({ edl: true });
    const out = join(dir, 'snapshot');
    const started = performance.now();
    const snap = await snapshotModule({ package: pkg, opener: bus.opener, dir: out, reset: false, verifyMd5: false });
    const snapshotSeconds = (performance.now() - started) / 1000;
    const methods = new Set(snap.manifest.partitions.map((p) => p.verifiedBy));
    await rm(out, { recursive: true, force: true });
    return {
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
  return [
    `5. Firmware snapshot of a ${(f.packageBytes / MB).toFixed(0)} MB package's partitions (${f.ranges} ranges, ${(f.bytesRead / MB).toFixed(0)} MB read, checked by ${f.verifiedBy}):`,
    `   ${f.snapshotSeconds.toFixed(2)} s, ${readMBps.toFixed(0)} MB/s read; flashing the same package took ${f.flashSeconds.toFixed(2)} s (snapshot/flash ratio ${timeRatio.toFixed(2)}: on a device-paced model the NAND sets both)`,
    `   target >= 70 MB/s (twice the 35 MB/s USB 2.0 link, so the host never limits a real module): ratio ${(readMBps / 70).toFixed(2)} -> ${verdict(readMBps >= 70)}`,
    `   ${(f.bytesOnDisk / MB).toFixed(0)} MB on disk (erased pages after each image's end are not kept) for ${(f.packageBytes / MB).toFixed(0)} MB of package images`,
    `   target disk <= 1.05 x the images: ratio ${diskRatio.toFixed(2)} -> ${verdict(diskRatio <= 1.05)}`,
  ];
}
