// A real module's own pace: how long its NAND takes to program, erase and read, what each command
// costs, and how long it takes to come up. The virtual modem's programmer and PBL pay these
// times by sleeping (bounded timer waits, never a busy loop), so a host talking to it waits as it
// would on a real module while its CPU stays idle. It sits on top of the USB link model
// (transport/link-model.ts): the link decides how fast bytes cross the bus, this how fast the
// device does the work; the two overlap, as a programmer's DMA receives the next payload while
// the NAND programs the last.
//
// The figures (REAL_PACE) and their sources, also in src-main/sim/PACE.md:
//  - program 2.3 MB/s: QFirehose V1.1.8 on an SDX24 module, 8 KiB payloads (nippynetworks/qfirehose
//    log/Ubuntu_remote.log.txt): NON-HLOS.ubi 60,555,264 B from "send" 022.561 to "send
//    finished" 048.917 (26.36 s, 2.30 MB/s); sdxpoorwills-sysfs.ubi 64,225,280 B in 28.02 s
//    (2.29 MB/s); 168 MB of images in 77.9 s end to end. The same tool on an RM500Q over local
//    USB (log/MCU_local.log.txt) reached 3.8 MB/s (NON-HLOS.ubi 76,283,904 B in 19.91 s): 2.3 MB/s
//    is the slower of the two, the one the issue asked for.
//  - erase 1.2 ms per block: Ubuntu_remote l. erase of 23808 sectors (372 blocks) ACKed 0.443 s
//    after its "Erasing" log (1.19 ms/block), 28736 sectors (449 blocks) in 0.542 s (1.21);
//    MCU_local 28928 sectors (452 blocks) in 0.531 s (1.17). NAND erase is per block (tBERS).
//  - the first NAND command of a session 0.45 s more: the programmer opens the NAND and reads its
//    bad block table ("bbt_size:100 blocks:800" logs): MCU_local 006.187 -> 006.645, Ubuntu_remote
//    007.053 -> 007.521, for a 10-block erase.
//  - per command 2 ms: MCU_local, command sent -> "Calling handler" ~1 ms -> final ACK ~2-3 ms
//    for commands that move no data (configure 006.183 -> 006.186; program ACK ~1-2 ms after
//    "send finished"). Ubuntu_remote's ~75 ms per command is its TCP relay, not the module.
//  - startup 1.0 s: first log 0.98 s after Sahara's DONE_RESP (Ubuntu_remote 004.953 -> 005.934,
//    MCU_local 004.164 -> 005.185).
//  - re-enumeration 3.0 s: MCU_local "switch to 'Emergency download mode'" at 001.034, 05c6:9008
//    on the bus at 004.049.
//  - read 10 MB/s to the host and digest 20 MB/s: ESTIMATES, no public session times a Firehose
//    read or getsha256digest on these modules. A page read (tR ~25 us) is an order of magnitude
//    cheaper than a page program (tPROG ~200-600 us) on SLC NAND datasheets; a read to the host
//    still crosses the programmer's USB path per payload (taken as ~4x the program rate); a
//    digest does not (the hash engine runs beside the read: taken as ~8x).
//  - boot to normal mode 3.0 s: ESTIMATE, taken equal to the EDL re-enumeration (no public
//    transcript times an EC25 boot to its AT port).

import { throwIfAborted } from '../util/deadline.js';
import { realClock, type LinkClock } from '../transport/link-model.js';

export interface DevicePaceFigures {
  /** NAND program rate of the programmer, payload bytes per second (end to end of a <program>). */
  programBytesPerSecond: number;
  /** Rate of a <read> back to the host, bytes per second. */
  readBytesPerSecond: number;
  /** Rate of a <getsha256digest> over the NAND, bytes per second. */
  digestBytesPerSecond: number;
  /** Erase time per NAND block. */
  eraseMsPerBlock: number;
  /** Opening the NAND at a session's first NAND command (bad block table scan). */
  nandOpenMs: number;
  /** Fixed cost of every Firehose command (parse, dispatch, answer). */
  commandMs: number;
  /** From Sahara's DONE_RESP to the programmer's first log line. */
  startupMs: number;
  /** Off the bus after a reset or EDL switch before the module enumerates again (EDL). */
  reEnumerateMs: number;
  /** Off the bus after a reset before the booted module enumerates in normal mode. */
  bootMs: number;
}

/** A real module, from public QFirehose sessions (see the header and PACE.md). */
export const REAL_PACE: Readonly<DevicePaceFigures> = Object.freeze({
  programBytesPerSecond: 2_300_000,
  readBytesPerSecond: 10_000_000,
  digestBytesPerSecond: 20_000_000,
  eraseMsPerBlock: 1.2,
  nandOpenMs: 450,
  commandMs: 2,
  startupMs: 1000,
  reEnumerateMs: 3000,
  bootMs: 3000,
});

export type PaceWork = 'program' | 'erase' | 'read' | 'digest' | 'command' | 'startup';

export interface DevicePaceStats {
  /** Seconds of device work charged, by kind. */
  seconds: Record<PaceWork, number>;
  /** Sum of the above: the device's own time. */
  totalSeconds: number;
  /** Bytes programmed, read and digested, and blocks erased. */
  programBytes: number;
  readBytes: number;
  digestBytes: number;
  erasedBlocks: number;
  /** How many times the model actually slept. */
  sleeps: number;
}

/** Real time may lag the device's virtual clock by this much before it sleeps. */
const SLACK_MS = 2;

/**
 * The device's clock: every piece of work moves it on; the model sleeps only when it runs ahead
 * of real time by more than a little, so thousands of 8 KiB payloads do not each pay a timer,
 * while the average rate is the device's. An idle device banks no credit.
 */
export class DevicePace {
  readonly figures: Readonly<DevicePaceFigures>;
  private freeAtMs: number | undefined;
  private oversleptMs = 0;
  private readonly counters: DevicePaceStats = {
    seconds: { program: 0, erase: 0, read: 0, digest: 0, command: 0, startup: 0 },
    totalSeconds: 0,
    programBytes: 0,
    readBytes: 0,
    digestBytes: 0,
    erasedBlocks: 0,
    sleeps: 0,
  };

  constructor(
    figures: Partial<DevicePaceFigures> = {},
    private readonly clock: LinkClock = realClock,
  ) {
    const f = { ...REAL_PACE, ...figures };
    for (const [k, v] of Object.entries(f)) {
      const rate = k.endsWith('PerSecond');
      if (typeof v !== 'number' || !Number.isFinite(v) || (rate ? !(v > 0) : !(v >= 0)))
        throw new RangeError(`Invalid device pace: ${k} = ${String(v)}`);
    }
    this.figures = Object.freeze(f);
  }

  get stats(): DevicePaceStats {
    return { ...this.counters, seconds: { ...this.counters.seconds } };
  }

  /** Device work finished by now: what was charged, less what the device is still busy with. */
  doneSeconds(): number {
    const busy = this.freeAtMs === undefined ? 0 : Math.max(0, this.freeAtMs - this.clock.now()) / 1000;
    return this.counters.totalSeconds - busy;
  }

  program(bytes: number, signal?: AbortSignal): Promise<void> {
    this.counters.programBytes += bytes;
    return this.spend('program', bytes / this.figures.programBytesPerSecond, signal);
  }

  read(bytes: number, signal?: AbortSignal): Promise<void> {
    this.counters.readBytes += bytes;
    return this.spend('read', bytes / this.figures.readBytesPerSecond, signal);
  }

  digest(bytes: number, signal?: AbortSignal): Promise<void> {
    this.counters.digestBytes += bytes;
    return this.spend('digest', bytes / this.figures.digestBytesPerSecond, signal);
  }

  erase(blocks: number, signal?: AbortSignal): Promise<void> {
    this.counters.erasedBlocks += blocks;
    return this.spend('erase', (blocks * this.figures.eraseMsPerBlock) / 1000, signal);
  }

  /** The first NAND command of a programmer session opens the NAND (counted as erase time: it was an erase in every session seen). */
  openNand(signal?: AbortSignal): Promise<void> {
    return this.spend('erase', this.figures.nandOpenMs / 1000, signal);
  }

  command(signal?: AbortSignal): Promise<void> {
    return this.spend('command', this.figures.commandMs / 1000, signal);
  }

  startup(signal?: AbortSignal): Promise<void> {
    return this.spend('startup', this.figures.startupMs / 1000, signal);
  }

  /** Charge `seconds` of device work and wait (bounded, cancellable) until real time catches up. */
  async spend(kind: PaceWork, seconds: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (!(seconds > 0)) return;
    this.counters.seconds[kind] += seconds;
    this.counters.totalSeconds += seconds;
    const now = this.clock.now();
    const start = this.freeAtMs === undefined ? now : Math.max(this.freeAtMs, now - this.oversleptMs);
    this.oversleptMs = 0;
    this.freeAtMs = start + seconds * 1000;
    const ahead = this.freeAtMs - now;
    if (ahead <= SLACK_MS) return;
    this.counters.sleeps++;
    const wake = this.freeAtMs;
    await this.clock.sleep(ahead, signal);
    this.oversleptMs = Math.max(0, this.clock.now() - wake);
  }
}

/** `sim --pace NAME`: the named paces. */
export const PACE_NAMES = ['real'] as const;
export type PaceName = (typeof PACE_NAMES)[number];

export function isPaceName(s: string): s is PaceName {
  return (PACE_NAMES as readonly string[]).includes(s);
}
