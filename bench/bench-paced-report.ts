// Section 5 of `npm run bench`: the paced figures (bench-paced.ts) printed with their targets.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { REAL_PACE, type DevicePaceStats } from '../src-main/sim/device-pace.js';
import { pacedRescue } from './bench-paced.js';

/** About 170 MB of images, as the issue's SDX24 session (168 MB). */
export const PACED_PACKAGE_MIB = 162;

const MB = 1e6;

function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'BELOW TARGET';
}

function deviceLine(d: DevicePaceStats): string {
  const s = d.seconds;
  return `program ${s.program.toFixed(2)} s (${(d.programBytes / MB).toFixed(1)} MB), erase ${s.erase.toFixed(2)} s (${d.erasedBlocks} blocks), digest ${s.digest.toFixed(2)} s (${(d.digestBytes / MB).toFixed(1)} MB), read ${s.read.toFixed(2)} s, commands ${s.command.toFixed(2)} s, start-up ${s.startup.toFixed(2)} s`;
}

/** Where the host waits on the normal path, phase by phase (found in the engine, see PACE.md). */
const HOST_WAITS: Record<string, string> = {
  'QCN backup': 'none (DIAG answers are not paced: the model has no public DIAG timing)',
  'switch to EDL': 'drain of unsolicited DIAG data: 20 ms quiet (was 200 ms)',
  'package check': 'none (md5.txt is hashed while reading)',
  upload:
    'none (the EDL pipe of the switch is handed to the flash, as the wizard does; reopening it cost the 2 s HELLO timeout)',
  'start-up': '10 ms grace after "End of supported functions"',
  flash: 'none',
  verify: 'none',
  reset: 'none',
  'wait for normal mode': 'bus polled every 50 ms (was 250 ms)',
  'check AT+QGMR': 'none',
};

export async function printPaced(dir: string): Promise<void> {
  const p = REAL_PACE;
  console.log(
    `\n5. A real module's pace (program ${(p.programBytesPerSecond / MB).toFixed(1)} MB/s, erase ${p.eraseMsPerBlock} ms/block, digest ${(p.digestBytesPerSecond / MB).toFixed(0)} MB/s, ${p.commandMs} ms/command, start-up ${p.startupMs / 1000} s, re-enumeration ${p.reEnumerateMs / 1000} s: src-main/sim/PACE.md) over a USB 2.0 link, ${PACED_PACKAGE_MIB} MiB EC25 package:`,
  );
  // The device model sleeps on timers: other processes starving this one of CPU leave the device
  // idle and show up as host time. Say how busy the machine was.
  const load = loadavg()[0]!.toFixed(1);
  console.log(
    `   (load average ${load} on ${availableParallelism()} CPUs at the start: a loaded machine adds to the host column)`,
  );
  // The virtual NAND is a file: on tmpfs when there is one, so this machine's disk write-back does
  // not stall the simulated device (a real module's NAND is not behind the host's disk).
  const work = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/modem-rescue-paced-') : join(dir, 'paced');
  try {
    const f = await pacedRescue(work, PACED_PACKAGE_MIB);
    console.log(
      `   Time to rescue, normal mode -> verified, back in normal mode, AT+QGMR ${f.firmwareAfter ?? '(no answer)'} (was ${f.firmwareBefore}):`,
    );
    console.log(
      `   ${'phase'.padEnd(22)} ${'seconds'.padStart(8)} ${'device'.padStart(8)} ${'host'.padStart(7)}  host waits on the normal path`,
    );
    for (const ph of f.phases) {
      const host = ph.seconds - ph.deviceSeconds;
      console.log(
        `   ${ph.name.padEnd(22)} ${ph.seconds.toFixed(2).padStart(8)} ${ph.deviceSeconds.toFixed(2).padStart(8)} ${host.toFixed(2).padStart(7)}  ${HOST_WAITS[ph.name] ?? ''}`,
      );
    }
    const newVersion = f.firmwareAfter === undefined ? false : f.firmwareAfter !== f.firmwareBefore;
    console.log(
      `   total ${f.totalSeconds.toFixed(1)} s; the module reports the new version: ${newVersion ? 'yes' : 'NO'} (target: no fixed host waits; the host column is what the host added)`,
    );
    const ratio = f.flash.seconds / f.flashDevice.totalSeconds;
    const methods = new Map<string, number>();
    for (const x of f.flash.partitions) methods.set(x.method, (methods.get(x.method) ?? 0) + 1);
    console.log(
      `   Flash with verification: ${f.flash.seconds.toFixed(2)} s end to end for ${(f.flash.bytesWritten / MB).toFixed(1)} MB; the device's own time ${f.flashDevice.totalSeconds.toFixed(2)} s (${deviceLine(f.flashDevice)})`,
    );
    console.log(
      `   verification: ${[...methods].map(([m, n]) => `${n} x ${m}`).join(', ')} (${f.flash.partitions.map((x) => `${x.label}: ${x.method}`).join('; ')})`,
    );
    console.log(`   ours / device's own: ${ratio.toFixed(3)} (target <= 1.02) -> ${verdict(ratio <= 1.02)}`);
    const re = f.reflash.seconds / f.flash.seconds;
    const unchanged = f.reflash.partitions.filter((x) => x.method === 'unchanged (digest)').length;
    console.log(
      `   Re-flash of the same package: ${f.reflash.seconds.toFixed(2)} s (${unchanged} of ${f.reflash.partitions.length} partitions unchanged by digest, ${(f.reflash.bytesWritten / MB).toFixed(2)} MB written; device ${f.reflashDevice.totalSeconds.toFixed(2)} s: ${deviceLine(f.reflashDevice)})`,
    );
    console.log(`   re-flash / first flash: ${re.toFixed(3)} (target <= 0.2) -> ${verdict(re <= 0.2)}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
