// npm run bench: the EDL engine's speed, measured end to end against the virtual modem.
//  1. host ceiling: flash 256 MiB into the in-memory modem over an unlimited link (MB/s, CPU s/GiB)
//  2. fraction of a modelled USB 2.0 high-speed link (35 MB/s, 512-byte packets, 8 KiB payload)
//  3. peak RSS of a process flashing a 1 GiB image (measured in a child process)
//  4. full QCN backup over a 2 ms round trip, 8 requests in flight vs 1
//  5. at a real module's pace (sim/device-pace.ts, PACE.md), a 170 MB EC25 package: time to rescue
//     from normal mode, phase by phase; our flash against the device's own time; a re-flash
//  6. firmware snapshot of a ~170 MB package's partitions, on the unpaced modem (read speed) and at
//     a real module's pace (against the device's own time), and its disk size
//  7. 1, 2, 4, 8 modems at once, each on its own modelled USB 2.0 link: aggregate throughput
//     (target >= 0.9 x N x one modem), CPU per modem; one stalled and power-cycled (others within 5 %)
// Targets: ceiling >= 800 MB/s, link fraction >= 0.95, peak RSS < 150 MB, backup < 10 s,
// flash <= 1.02 x the device's own time, re-flash <= 0.2 x the first, no host waits in the rescue,
// snapshot >= 70 MB/s unpaced and <= 1.05 x the device's own time paced, disk <= 1.05 x the images.
// `node dist/bench/run.js --paced` runs section 5 alone.

import { execFile, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flashPackage } from '../src-main/flows/flash.js';
import { LinkModel } from '../src-main/transport/link-model.js';
import { MemoryBus } from '../src-main/sim/memory-bus.js';
import { MODELS } from '../src-main/sim/models.js';
import { VirtualModem } from '../src-main/sim/virtual-modem.js';
import { makeBenchPackage, type BenchPackage } from './bench-package.js';
import { backupOverSlowLink } from './bench-backup.js';
import { benchSnapshot, snapshotReport } from './bench-snapshot.js';
import { DevicePace, REAL_PACE } from '../src-main/sim/device-pace.js';
import { printPaced } from './bench-paced-report.js';

const MB = 1e6;
const model = MODELS.ec25;

interface FlashFigures {
  seconds: number;
  bytes: number;
  cpuSeconds: number;
  linkBusySeconds?: number;
}

const packages = new Map<string, Promise<BenchPackage>>();
let modems = 0;

/** One package per size and folder, made once. */
function benchPackage(dir: string, imageMiB: number): Promise<BenchPackage> {
  const key = `${dir}:${imageMiB}`;
  let p = packages.get(key);
  if (!p) packages.set(key, (p = makeBenchPackage(join(dir, `pkg-${imageMiB}`), model, imageMiB)));
  return p;
}

async function flashOnce(
  dir: string,
  imageMiB: number,
  opts: { link?: LinkModel; payload?: number; verify?: boolean },
): Promise<FlashFigures> {
  const pkg = await benchPackage(dir, imageMiB);
  const bus = new MemoryBus(opts.link ? { hostToDevice: opts.link } : {});
  const stateDir = join(dir, `modem-${++modems}`);
  const modem = new VirtualModem(
    { model: model.id, stateDir, totalBlocks: pkg.totalBlocks, maxPayloadSupported: opts.payload ?? 8192 },
    bus,
  );
  await modem.start();
  try {
    const cpu0 = process.cpuUsage();
    const busy0 = opts.link?.stats.busySeconds ?? 0;
    const r = await flashPackage({
      package: pkg.root,
      opener: bus.opener,
      verify: opts.verify ?? false,
      maxPayload: opts.payload ?? 8192,
      verifyMd5: false,
    });
    const cpu = process.cpuUsage(cpu0);
    return {
      seconds: r.seconds,
      bytes: r.bytesWritten,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      ...(opts.link ? { linkBusySeconds: opts.link.stats.busySeconds - busy0 } : {}),
    };
  } finally {
    await modem.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function rssChild(dir: string): Promise<void> {
  const f = await flashOnce(dir, 1024, {});
  process.send?.({ maxRssBytes: process.resourceUsage().maxRSS * 1024, ...f });
}

function measureRssInChild(dir: string): Promise<{ maxRssBytes: number } & FlashFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--rss-child', dir], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: ({ maxRssBytes: number } & FlashFigures) | undefined;
    child.on('message', (m) => (result = m as typeof result));
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`benchmark child exited with ${code}`))));
  });
}

/** Section 7 (bench-fleet.ts) in a fresh Node process: what it prints. */
function fleetInChild(): Promise<string> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./bench-fleet.js', import.meta.url));
    execFile(process.execPath, [script], { maxBuffer: 1024 * 1024, timeout: 20 * 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the many-modems section failed: ${err.message}\n${stderr}`));
      else resolve(stdout.trimEnd());
    });
  });
}

function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'BELOW TARGET';
}

async function main(): Promise<void> {
  if (process.argv[2] === '--rss-child') return rssChild(process.argv[3]!);
  const dir = await mkdtemp(join(tmpdir(), 'modem-rescue-bench-'));
  if (process.argv[2] === '--paced') {
    try {
      return await printPaced(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  try {
    console.log('Modem Rescue benchmark (host and virtual modem in one process; 2-core machine)\n');

    // One warm-up flash (JIT, page cache), then the median of three measured runs.
    await flashOnce(dir, 64, { payload: 8192 });
    const runs: FlashFigures[] = [];
    for (let i = 0; i < 3; i++) runs.push(await flashOnce(dir, 256, { payload: 8192 }));
    const ceil = runs.sort((a, b) => a.seconds - b.seconds)[1]!;
    const mbps = ceil.bytes / ceil.seconds / MB;
    const cpuPerGiB = (ceil.cpuSeconds / ceil.bytes) * 1024 ** 3;
    console.log(
      `1. Host ceiling, 256 MiB into the in-memory modem, unlimited link, 8 KiB payload (median of 3 after a warm-up):`,
    );
    console.log(
      `   ${mbps.toFixed(0)} MB/s (${ceil.seconds.toFixed(2)} s; runs ${runs.map((r) => (r.bytes / r.seconds / MB).toFixed(0)).join(', ')} MB/s), ${cpuPerGiB.toFixed(2)} CPU s/GiB (host + virtual device)`,
    );
    console.log(`   target >= 800 MB/s: ratio ${(mbps / 800).toFixed(2)} -> ${verdict(mbps >= 800)}\n`);

    const link = LinkModel.usb2HighSpeed();
    const usb = await flashOnce(dir, 64, { link, payload: 8192 });
    const linkMbps = usb.bytes / usb.seconds / MB;
    const fraction = (usb.linkBusySeconds ?? 0) / usb.seconds;
    console.log('2. Modelled USB 2.0 high-speed link (35 MB/s, 512-byte packets, 8 KiB payload), 64 MiB:');
    console.log(
      `   ${linkMbps.toFixed(1)} MB/s of payload; the link was busy ${(usb.linkBusySeconds ?? 0).toFixed(2)} s of ${usb.seconds.toFixed(2)} s`,
    );
    console.log(
      `   achieved fraction of the link ${fraction.toFixed(3)} (target >= 0.95) -> ${verdict(fraction >= 0.95)}\n`,
    );

    const rss = await measureRssInChild(dir);
    const rssMB = rss.maxRssBytes / MB;
    console.log('3. Peak memory flashing a 1 GiB image (child process, whole process RSS):');
    console.log(
      `   peak RSS ${rssMB.toFixed(0)} MB while flashing ${(rss.bytes / 1024 ** 3).toFixed(2)} GiB at ${(rss.bytes / rss.seconds / MB).toFixed(0)} MB/s`,
    );
    console.log(`   target < 150 MB: ratio ${(rssMB / 150).toFixed(2)} -> ${verdict(rssMB < 150)}`);

    // 4. QCN backup over a 2 ms round trip: pipelined (8 in flight) against one request at a time.
    const piped = await backupOverSlowLink(dir, 8);
    const serial = await backupOverSlowLink(dir, 1);
    console.log(
      `\n4. Full QCN backup from the virtual modem, link with 2 ms round trip (${piped.requests} DIAG requests: NV 0..7500 x 2 contexts, EFS; ${piped.nvItems} NV items, ${piped.files} files):`,
    );
    console.log(
      `   8 in flight: ${piped.seconds.toFixed(2)} s (${(piped.requests / piped.seconds).toFixed(0)} requests/s); 1 in flight: ${serial.seconds.toFixed(2)} s; ratio ${(serial.seconds / piped.seconds).toFixed(1)}x`,
    );
    console.log(`   target < 10 s: ratio ${(piped.seconds / 10).toFixed(2)} -> ${verdict(piped.seconds < 10)}`);
    await printPaced(dir);

    // 6. The snapshot: on the unpaced virtual modem (does the host keep up?) and at a real module's pace.
    console.log('\n6. Firmware snapshot');
    console.log(snapshotReport(await benchSnapshot(join(dir, 'snap-host')), verdict).join('\n'));
    console.log(
      snapshotReport(await benchSnapshot(join(dir, 'snap-paced'), { pace: new DevicePace(REAL_PACE) }), verdict).join(
        '\n',
      ),
    );

    // 7. Many modems at once, each on its own modelled link; one stalls and is power-cycled (bench-fleet.ts).
    // In a process of its own: what the earlier sections left in this one (heap, JIT state) would weigh on it.
    console.log(`\n${await fleetInChild()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
