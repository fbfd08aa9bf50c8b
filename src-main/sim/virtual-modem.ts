// The virtual EC25-class module: its NAND, its PBL (Sahara) and, once a signed programmer is
// uploaded, the Firehose NAND programmer, attached to a host through a SimPort. It lives the life
// of a real module in EDL: appears on the bus, says HELLO, runs the programmer, resets, and boots
// only when the boot chain on its NAND is intact and signed for its root key; otherwise the PBL
// falls back to EDL and it comes back as 05c6:9008.
//
// With a NormalPort it also lives its normal life: booted, it enumerates as 2c7c:0125 with a DM
// (DIAG) and an AT interface served from its NV/EFS state (normal-state.ts, kept in the state
// folder beside the NAND); the DIAG EDL switch sends it to EDL, a flash and reset brings it back
// in normal mode reporting the firmware version found in the flashed NON-HLOS image. Started in
// normal mode on a blank NAND, it first gets its model's factory firmware (firmware-image.ts).

import { EventEmitter } from 'node:events';
import { sleep } from '../util/deadline.js';
import { runAtDevice } from './at-device.js';
import type { DevicePace } from './device-pace.js';
import { DiagCounter, runDiagDevice, type DiagOutcome } from './diag-device.js';
import { FaultPlan, type Fault } from './faults.js';
import { runFirehoseNand, type SimEvent } from './firehose-nand.js';
import { provisionFactoryFirmware, readFlashedFirmware } from './firmware-image.js';
import { getModel, type ModelId, type ModelSpec, type PartitionLayout } from './models.js';
import { getProgrammerProfile, type ProgrammerName, type ProgrammerProfile } from './programmer-profiles.js';
import { programHeaderBytes, readElf32Header, readElf32Segments } from './device-elf.js';
import { mibibProblem } from './mibib.js';
import { Nand, type NandOp } from './nand.js';
import { NormalState } from './normal-state.js';
import type { NormalPort } from './normal-port.js';
import { runPbl } from './pbl-sahara.js';
import { verifySignedImage } from './programmer-image.js';
import type { SimPort } from './sim-port.js';

export interface VirtualModemOptions {
  model: ModelId;
  /** This module's chip serial, instead of the model's (a fleet of virtual modems: models.ts fleetSerial). */
  serial?: number;
  /** Folder for nand.bin / nand.json (a temporary one when absent). */
  stateDir?: string;
  faults?: Fault[];
  maxPayloadSupported?: number;
  /** Which real programmer the module runs once uploaded (programmer-profiles.ts; default 'default'). */
  programmer?: ProgrammerName;
  /** Factory bad blocks, used when the NAND is created. */
  badBlocks?: number[];
  /** Override the model's NAND size in blocks. */
  totalBlocks?: number;
  /**
   * Time off the bus between a reset and the next enumeration (default 1000 ms; with a pace, the
   * pace's reEnumerateMs into EDL and bootMs into normal mode).
   */
  reEnumerateDelayMs?: number;
  /**
   * A real module's pace (device-pace.ts, e.g. new DevicePace(REAL_PACE)): the programmer's NAND
   * work, commands and start-up, and the module's re-enumeration, take a real module's time.
   * Put a link model on the port (MemoryBus/PtyPort options) for the USB link's own pace.
   */
  pace?: DevicePace;
  onLog?(m: string): void;
  /** How the first power-on comes up (default 'edl'). 'normal' needs a normalPort. */
  mode?: 'edl' | 'normal';
  /** Where the module enumerates when booted (DM + AT). Without one, a boot ends in 'booted'. */
  normalPort?: NormalPort;
  /** Normal-mode behaviour knobs (tests, bench). */
  normal?: NormalModeOptions;
}

export interface NormalModeOptions {
  /** An unsolicited DIAG log/event frame before every Nth answer (default 50; 0 = never). */
  diagUnsolicitedEvery?: number;
  /** An AT URC before every Nth answer (default 5; 0 = never). */
  atUrcEvery?: number;
  /** Boot URCs on the AT port at enumeration (default true). */
  atBootUrcs?: boolean;
  /** EFS writes between syncs before ENOSPC (default 100). */
  journalWrites?: number;
  /** The SPC the module accepts (default "000000"). */
  spc?: string;
}

export type ModemState = 'off' | 'edl' | 'firehose' | 'booted' | 'normal' | 'rebooting';

/** How the module comes up after a power-on or reset: forced into EDL, or a normal boot attempt. */
type Entry = 'edl' | 'normal';

/** Time for the last answer to leave the device before it drops off the bus. */
const ANSWER_DRAIN_MS = 50;

export class VirtualModem extends EventEmitter {
  readonly nand: Nand;
  readonly model: ModelSpec;
  readonly faults: FaultPlan;
  /** How the Firehose programmer this module runs talks. */
  readonly programmer: ProgrammerProfile;
  /** Firmware revision reported by the last normal boot (undefined until it boots). */
  bootedFirmware: string | undefined;
  /** NV items and EFS files of normal mode (only with a normalPort). */
  readonly normalState: NormalState | undefined;
  /** DIAG requests served over the simulator's life. */
  readonly diagCounter = new DiagCounter();
  private current: ModemState = 'off';
  private readonly delayMs: number;
  private readonly bootDelayMs: number;
  private life: AbortController | undefined;
  private session: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private nextEntry: Entry = 'edl';
  private wake: ((entry: Entry) => void) | undefined;
  /** The running programmer stopped for good: only a power cut brings the module back. */
  private hung = false;

  constructor(
    private readonly opts: VirtualModemOptions,
    readonly port: SimPort,
  ) {
    super();
    const spec = getModel(opts.model);
    this.model = opts.serial !== undefined ? { ...spec, serial: opts.serial >>> 0 } : spec;
    this.faults = new FaultPlan(opts.faults ?? []);
    this.programmer = getProgrammerProfile(opts.programmer);
    this.delayMs = opts.reEnumerateDelayMs ?? opts.pace?.figures.reEnumerateMs ?? 1000;
    this.bootDelayMs = opts.reEnumerateDelayMs ?? opts.pace?.figures.bootMs ?? 1000;
    this.nand = Nand.open({
      model: this.model,
      stateDir: opts.stateDir,
      totalBlocks: opts.totalBlocks,
      badBlocks: opts.badBlocks,
    });
    this.nand.onOp = (op: NandOp) => this.emitSafely('op', op);
    if (opts.mode === 'normal' && !opts.normalPort) throw new Error('mode "normal" needs a normalPort');
    this.normalState = opts.normalPort
      ? NormalState.open({ model: this.model, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) })
      : undefined;
    if (opts.mode === 'normal' && provisionFactoryFirmware(this.nand, this.model))
      this.log(`blank NAND: factory firmware ${this.model.firmware} written`);
  }

  get state(): ModemState {
    return this.current;
  }

  /** Power on in EDL (USB_BOOT strapped): resolves once the module is on the bus. */
  async start(): Promise<void> {
    if (this.loop) return;
    const life = new AbortController();
    this.life = life;
    let onBus!: () => void;
    const plugged = new Promise<void>((resolve) => (onBus = resolve));
    this.loop = this.run(life.signal, onBus).finally(onBus);
    await plugged;
  }

  /** Power off for good: abort everything, drop off the bus, close the NAND. */
  async stop(): Promise<void> {
    this.life?.abort();
    await this.loop;
    this.loop = undefined;
    await this.unplugAll();
    await this.nand.settle();
    this.nand.close();
    this.setState('off');
  }

  private async unplugAll(): Promise<void> {
    await this.port.unplug().catch(() => undefined);
    await this.opts.normalPort?.unplug().catch(() => undefined);
  }

  /**
   * Pull the power and plug it back (what a user does when the module hangs). With edl: true,
   * USB_BOOT is held, so it comes back in EDL; otherwise it boots if its boot chain is intact.
   */
  powerCycle(opts: { edl?: boolean } = {}): void {
    const entry: Entry = opts.edl ? 'edl' : 'normal';
    this.log(`power cycle${opts.edl ? ' with USB_BOOT held' : ''}`);
    if (this.wake) {
      const w = this.wake;
      this.wake = undefined;
      w(entry);
      return;
    }
    this.nextEntry = entry;
    this.session?.abort();
  }

  /**
   * powerCycle(), resolving once the module has dropped off the bus (its power is off), so a host
   * that opens it next sees the module that comes back, never the one going away.
   */
  async cutPower(opts: { edl?: boolean } = {}, timeoutMs = 5000): Promise<void> {
    const wasOff = this.current === 'off';
    this.powerCycle(opts);
    if (!wasOff) await waitForState(this, 'rebooting', timeoutMs);
  }

  /**
   * Enumerate again without losing power (sysfs authorized 0, then 1). A hung programmer stays
   * hung: the module is back on the bus, silent. A working one restarts its USB session: the
   * device end it had is gone, so it comes back as a device error does (EDL), or, in normal
   * mode, as a reboot into normal mode.
   */
  async reconnectUsb(): Promise<void> {
    this.log('USB re-enumeration (no power cut)');
    if (this.hung) {
      await this.port.unplug();
      await this.port.plugIn(); // nobody on the module reads this link: it stays silent
      return;
    }
    this.nextEntry = this.current === 'normal' ? 'normal' : 'edl';
    this.session?.abort();
  }

  /**
   * Whether each boot-chain partition holds an image signed for this module's root key, and the
   * MIBIB a partition table the boot can read (as shipped or patched: mibib.ts).
   */
  bootChainIntact(): { ok: boolean; problems: string[] } {
    const problems: string[] = [];
    const mibib = mibibProblem(this.nand, this.model);
    if (mibib) problems.push(`mibib: ${mibib}`);
    for (const p of this.model.layout) {
      if (!p.bootChain) continue;
      const problem = this.checkBootImage(p);
      if (problem) problems.push(`${p.name}: ${problem}`);
    }
    return { ok: problems.length === 0, problems };
  }

  private checkBootImage(p: PartitionLayout): string | undefined {
    const n = this.nand;
    if (p.startPage + p.pages > n.logicalPages) return 'partition lies beyond the end of the NAND';
    const partBytes = p.pages * n.pageSize;
    const readPages = (count: number): Uint8Array => n.readLogicalInto(p.startPage, new Uint8Array(count * n.pageSize));
    try {
      const first = readPages(1);
      if (first.every((b) => b === 0xff)) return 'is erased (no image)';
      const h = readElf32Header(first);
      if (!h.ok) return `not a bootable image (${h.reason})`;
      const header = h.value;
      const phEnd = header.phoff + programHeaderBytes(header);
      if (phEnd > partBytes) return 'program headers lie beyond the partition';
      const head = readPages(Math.ceil(phEnd / n.pageSize));
      const read = readElf32Segments(header, head.subarray(header.phoff, phEnd), partBytes);
      if (!read.ok) return `not a bootable image (${read.reason})`;
      const segments = read.value;
      const size = Math.max(phEnd, ...segments.map((s) => s.offset + s.fileSize));
      const image = readPages(Math.ceil(size / n.pageSize)).subarray(0, size);
      const check = verifySignedImage(image, this.model.pkHash);
      return check.ok ? undefined : `${check.problem}: ${check.reason}`;
    } catch (e) {
      return `not a bootable image (${e instanceof Error ? e.message : String(e)})`;
    }
  }

  private async run(life: AbortSignal, onBus: () => void): Promise<void> {
    let entry: Entry = this.opts.mode === 'normal' ? 'normal' : 'edl';
    while (!life.aborted) {
      const session = new AbortController();
      this.session = session;
      const relay = (): void => session.abort();
      life.addEventListener('abort', relay, { once: true });
      this.nextEntry = 'edl';
      this.hung = false;
      try {
        entry = await this.powerOn(entry, session.signal, onBus);
      } catch (e) {
        if (life.aborted) break;
        if (session.signal.aborted) entry = this.nextEntry;
        else {
          this.log(`device error, re-entering EDL: ${e instanceof Error ? e.message : String(e)}`);
          entry = 'edl';
        }
        await this.unplugAll();
        this.setState('rebooting');
        await sleep(this.delayMs, life).catch(() => undefined);
      } finally {
        life.removeEventListener('abort', relay);
        this.session = undefined;
      }
    }
  }

  /** One power-on: boot or EDL, until the module resets. Returns how it comes up next. */
  private async powerOn(entry: Entry, signal: AbortSignal, onBus: () => void): Promise<Entry> {
    if (entry === 'normal') {
      const chain = this.bootChainIntact();
      if (chain.ok) {
        const flashed = readFlashedFirmware(this.nand, this.model);
        if (flashed && this.normalState) this.normalState.setFirmware(flashed);
        const firmware = flashed ?? this.normalState?.firmware ?? this.model.firmware;
        this.bootedFirmware = firmware;
        this.log(`boot chain intact: booted ${firmware}`);
        if (this.opts.normalPort && this.normalState)
          return this.runNormal(this.opts.normalPort, this.normalState, signal, onBus);
        this.setState('booted');
        onBus();
        return this.untilPowerCycle(signal);
      }
      this.log(`boot chain broken (${chain.problems.join('; ')}): the PBL falls back to EDL`);
    }
    const pipe = await this.port.plugIn();
    this.setState('edl');
    onBus();
    const holdDoneResp = this.programmer.burstWithDoneResp;
    const pbl = await runPbl(pipe, {
      model: this.model,
      faults: this.faults,
      atEnumeration: true,
      signal,
      holdDoneResp,
      onLog: (m) => this.log(`pbl: ${m}`),
    });
    if (pbl.kind === 'reset') return this.reEnumerate('edl', signal);
    this.setState('firehose');
    const out = await runFirehoseNand(pipe, {
      model: this.model,
      nand: this.nand,
      faults: this.faults,
      signal,
      profile: this.programmer,
      ...(pbl.doneResp ? { firstWritePrefix: pbl.doneResp } : {}),
      ...(this.opts.pace ? { pace: this.opts.pace } : {}),
      ...(this.opts.maxPayloadSupported !== undefined ? { maxPayloadSupported: this.opts.maxPayloadSupported } : {}),
      onLog: (m) => this.log(`firehose: ${m}`),
      onEvent: (e: SimEvent) => this.emitSafely('event', e),
      onHang: () => {
        this.hung = true;
        this.log('the programmer hangs: only a power cut brings the module back');
      },
    });
    if (out.kind === 'disconnect') return this.reEnumerate('edl', signal);
    await sleep(ANSWER_DRAIN_MS, signal);
    if (out.mode === 'off') {
      await this.port.unplug();
      this.setState('off');
      return this.untilPowerCycle(signal);
    }
    return this.reEnumerate(out.mode === 'reset' ? 'normal' : 'edl', signal);
  }

  /** Normal mode: DM and AT interfaces until the host switches to EDL or resets the module. */
  private async runNormal(
    port: NormalPort,
    state: NormalState,
    signal: AbortSignal,
    onBus: () => void,
  ): Promise<Entry> {
    const pipes = await port.plugIn();
    this.setState('normal');
    onBus();
    const n = this.opts.normal ?? {};
    const enumeration = new AbortController();
    const relay = (): void => enumeration.abort();
    signal.addEventListener('abort', relay, { once: true });
    const at = runAtDevice(pipes.at, {
      model: this.model,
      state,
      signal: enumeration.signal,
      ...(n.atUrcEvery !== undefined ? { urcEvery: n.atUrcEvery } : {}),
      ...(n.atBootUrcs !== undefined ? { bootUrcs: n.atBootUrcs } : {}),
      onLog: (m) => this.log(m),
    }).catch((e: unknown) => this.log(`AT interface failed: ${e instanceof Error ? e.message : String(e)}`));
    let outcome: DiagOutcome;
    try {
      outcome = await runDiagDevice(
        pipes.dm,
        {
          model: this.model,
          state,
          faults: this.faults,
          signal: enumeration.signal,
          ...(n.diagUnsolicitedEvery !== undefined ? { unsolicitedEvery: n.diagUnsolicitedEvery } : {}),
          ...(n.journalWrites !== undefined ? { journalWrites: n.journalWrites } : {}),
          ...(n.spc !== undefined ? { spc: n.spc } : {}),
          onLog: (m) => this.log(m),
        },
        this.diagCounter,
      );
    } finally {
      signal.removeEventListener('abort', relay);
    }
    if (outcome.kind === 'gone') {
      // The port failed under the module (or it is being stopped): stay off until a power cycle.
      enumeration.abort();
      await at;
      if (signal.aborted) throw new Error('powered off');
      this.log('normal-mode interfaces lost; waiting for a power cycle');
      await port.unplug();
      this.setState('off');
      return this.untilPowerCycle(signal);
    }
    if (outcome.kind !== 'dropped') await sleep(ANSWER_DRAIN_MS, signal);
    enumeration.abort();
    await at;
    await port.unplug();
    this.setState('rebooting');
    this.log(
      outcome.kind === 'edl'
        ? 'DIAG EDL switch: re-enumerating in EDL'
        : outcome.kind === 'reset'
          ? 'DIAG reset: re-enumerating'
          : 'dropped off the bus (fault); back in normal mode soon',
    );
    await sleep(outcome.kind === 'edl' ? this.delayMs : this.bootDelayMs, signal);
    return outcome.kind === 'edl' ? 'edl' : 'normal';
  }

  private async reEnumerate(next: Entry, signal: AbortSignal): Promise<Entry> {
    await this.port.unplug();
    this.setState('rebooting');
    await sleep(next === 'normal' ? this.bootDelayMs : this.delayMs, signal);
    return next;
  }

  private untilPowerCycle(signal: AbortSignal): Promise<Entry> {
    return new Promise<Entry>((resolve, reject) => {
      const onAbort = (): void => {
        this.wake = undefined;
        reject(new Error('powered off'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.wake = (entry) => {
        signal.removeEventListener('abort', onAbort);
        resolve(entry);
      };
    });
  }

  private setState(s: ModemState): void {
    if (s === this.current) return;
    this.current = s;
    this.emitSafely('state', s);
  }

  private log(m: string): void {
    try {
      this.opts.onLog?.(m);
    } catch {
      // A failing log sink must not take the device down.
    }
    this.emitSafely('log', m);
  }

  /** A listener that throws is the listener's bug: the device carries on regardless. */
  private emitSafely(event: string, arg: unknown): void {
    try {
      this.emit(event, arg);
    } catch {
      // ignored on purpose (see above)
    }
  }
}

/** Resolves true once the modem is in state `want` (at once if it already is), false after timeoutMs. */
export function waitForState(modem: VirtualModem, want: ModemState, timeoutMs: number): Promise<boolean> {
  if (modem.state === want) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      modem.off('state', on);
      resolve(false);
    }, timeoutMs);
    const on = (s: ModemState): void => {
      if (s !== want) return;
      clearTimeout(t);
      modem.off('state', on);
      resolve(true);
    };
    modem.on('state', on);
  });
}
