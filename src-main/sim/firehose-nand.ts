// The Firehose NAND programmer (prog_nand_firehose_9x07.mbn) as it runs on the virtual module:
// the device side of every Firehose exchange, with the logs, attributes, rawmode switches, ZLP
// handling and failure modes of a real MDM9x07 programmer, so any EDL host can talk to it. What
// it says, and when, follows its programmer profile (programmer-profiles.ts: one per real
// programmer seen in public sessions); it reads and writes XML with the device's own codec
// (device-xml.ts), never the host's.
//
// Fault choices documented here: nak-program@N discards the Nth program's data (its pages stay
// erased) and answers, after the data, a "Failed to write" log and NAK AttemptRetry="1", so a
// plain retry of that <program> succeeds. slow-ack=S delays every command-ending ACK (a slow
// programmer stays slow). need-zlp hangs the data phase (once) when a transfer that ends on a
// packet boundary is not followed by a ZLP (ZlpAwareHost does not change this: on a real
// programmer it concerns the device's own ZLPs to the host).
// pause@BYTES stops reading raw data for PAUSE_FAULT_MS, then goes on: the host sees its writes
// block for a while, as when a NAND is busy with block management.
// garbage-reply@N answers the Nth command with non-XML bytes and does not execute it.
// power-loss@BYTES and power-loss-sbl cut the power in the middle of raw data (pages already
// received stay written): the module leaves the bus and, when power returns, tries to boot, which
// ends in EDL when the boot chain is broken (it is: SBL is erased first). programmer-crash@N: the
// programmer stops answering at the Nth command and its watchdog resets the module into EDL
// CRASH_WATCHDOG_MS later.

import { createHash } from 'node:crypto';
import { RescueError } from '../../shared/errors.js';
import { DeviceCommand, DeviceXmlError, deviceDocument, HostStreamFramer, readHostDocument } from './device-xml.js';
import type { BulkPipe, IoOptions } from '../transport/transport.js';
import { cancelledError, sleep } from '../util/deadline.js';
import type { DevicePace } from './device-pace.js';
import { PAUSE_FAULT_MS, type Fault, type FaultPlan } from './faults.js';
import type { ModelSpec } from './models.js';
import type { Nand } from './nand.js';
import { PageWriter, STAGING_BYTES } from './nand-page-writer.js';
import { fillPseudoRandom } from './programmer-image.js';
import {
  DEFAULT_BUILD_DATE,
  getProgrammerProfile,
  type AnswerContext,
  type ProgrammerProfile,
} from './programmer-profiles.js';

export type SimEvent =
  | { type: 'command'; tag: string; attrs: Record<string, string> }
  | { type: 'response'; tag: string; ack: boolean }
  | { type: 'fault'; fault: Fault; detail: string };

export interface FirehoseNandOptions {
  model: ModelSpec;
  nand: Nand;
  faults: FaultPlan;
  signal: AbortSignal;
  /** Largest MaxPayloadSizeToTargetInBytes accepted (default 8192, like the real 9x07 programmer). */
  maxPayloadSupported?: number;
  /** How this programmer talks (default: the 'default' profile). */
  profile?: ProgrammerProfile;
  /** Bytes the PBL left to send (its DONE_RESP): they go out in the programmer's first write. */
  firstWritePrefix?: Uint8Array;
  /** A real module's pace (device-pace.ts): commands, NAND work and startup take their time. */
  pace?: DevicePace | undefined;
  onLog?(m: string): void;
  onEvent?(e: SimEvent): void;
  /** The programmer stopped for good (a stall, a missing ZLP): only a power cut restarts it. */
  onHang?(): void;
}

export type FirehoseOutcome = { kind: 'power'; mode: 'reset' | 'off' | 'edl' } | { kind: 'disconnect' };

/** The default profile's function list. */
export const FIREHOSE_FUNCTIONS = getProgrammerProfile('default').functions;
export const BUILD_DATE = DEFAULT_BUILD_DATE;
export const MAX_XML_SIZE = 4096;
/** Bytes without a closing </data> after which the programmer gives up on the document. */
const MAX_FRAMING_BYTES = 64 * 1024;
const ALLOWED_BEFORE_CONFIGURE = new Set(['configure', 'nop', 'getstorageinfo', 'power']);
const FLOOD_LOGS = 300;
const IDLE_READ_MS = 30_000;
const WRITE_MS = 10_000;
/** How long a crashed programmer sits silent before its watchdog resets the module. */
export const CRASH_WATCHDOG_MS = 3000;

export async function runFirehoseNand(pipe: BulkPipe, opts: FirehoseNandOptions): Promise<FirehoseOutcome> {
  const session = new ProgrammerSession(pipe, opts);
  try {
    return await session.run();
  } catch (e) {
    if (e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED') return { kind: 'disconnect' };
    throw e;
  }
}

class Disconnect {
  constructor(readonly powerLoss = false) {}
}
type Addr = { start: number; count: number; label: string | undefined };

class ProgrammerSession {
  private readonly splitter = new HostStreamFramer(MAX_FRAMING_BYTES);
  private readonly nand: Nand;
  private readonly supported: number;
  private readonly profile: ProgrammerProfile;
  private readonly functions: ReadonlySet<string>;
  private configured = false;
  private answered = 0;
  private erases = 0;
  private toTarget: number;
  private skipWrite = false;
  private commands = 0;
  private programs = 0;
  private rawBytes = 0;
  /** Raw data sent for <read> in this session (the disconnect-read fault counts it). */
  private readBytes = 0;
  private staging: Uint8Array | undefined;
  /** Whether the NAND was opened in this session (the first NAND command pays for it, with a pace). */
  private nandOpen = false;
  /** Free staging buffers for program data. */
  private readonly pool: Uint8Array[] = [];
  private readonly commandIo: IoOptions;
  private readonly writeIo: IoOptions;

  constructor(
    private readonly pipe: BulkPipe,
    private readonly opts: FirehoseNandOptions,
  ) {
    this.nand = opts.nand;
    this.profile = opts.profile ?? getProgrammerProfile('default');
    this.functions = new Set(this.profile.functions);
    this.supported = opts.maxPayloadSupported ?? 8192;
    this.toTarget = this.supported;
    this.commandIo = { timeoutMs: IDLE_READ_MS, signal: opts.signal, what: 'the next command from the host' };
    this.writeIo = { timeoutMs: WRITE_MS, signal: opts.signal, what: 'the host to read the programmer answer' };
  }

  async run(): Promise<FirehoseOutcome> {
    await this.startupLogs();
    for (;;) {
      const doc = await this.nextDocument();
      if (doc === undefined) continue;
      const out = await this.handle(doc);
      if (out) return out;
    }
  }

  /** The startup burst: after the profile's delay, one write per line, or all in one write with the PBL's DONE_RESP. */
  private async startupLogs(): Promise<void> {
    const p = this.profile;
    // A paced module takes its own start-up time, which covers the profile's delay.
    if (this.opts.pace) await this.opts.pace.startup(this.opts.signal);
    else if (p.startupDelayMs > 0) await sleep(p.startupDelayMs, this.opts.signal);
    const lines = p.startupLines(this.opts.model, p.functions);
    const prefix = this.opts.firstWritePrefix;
    if (!prefix && !p.burstWithDoneResp) {
      for (const line of lines) await this.log(line);
      return;
    }
    const docs = lines.map((line) => this.logBytes(line));
    const all = new Uint8Array((prefix?.length ?? 0) + docs.reduce((n, d) => n + d.length, 0));
    let at = 0;
    for (const part of prefix ? [prefix, ...docs] : docs) {
      all.set(part, at);
      at += part.length;
    }
    await this.write(all);
  }

  /** One complete document, or undefined after answering a framing error. */
  private async nextDocument(): Promise<string | undefined> {
    for (;;) {
      try {
        const doc = this.splitter.next();
        if (doc !== undefined) return doc;
      } catch (e) {
        const n = this.splitter.takeRest().length;
        await this.log(`XML (${n} bytes) not validated: ${e instanceof DeviceXmlError ? e.message : String(e)}`);
        await this.respond('?', false);
        return undefined;
      }
      const chunk = await this.readTransfer(16 * 1024);
      if (chunk.length > 0) this.splitter.feed(chunk);
    }
  }

  private async handle(doc: string): Promise<FirehoseOutcome | undefined> {
    if (doc.length > MAX_XML_SIZE) {
      await this.log(`XML file cannot fit in buffer: ${doc.length} bytes, MaxXMLSizeInBytes is ${MAX_XML_SIZE}`);
      return void (await this.respond('?', false));
    }
    let cmd: DeviceCommand;
    try {
      cmd = readHostDocument(doc);
    } catch (e) {
      await this.log(`XML (${doc.length} bytes) not validated: ${e instanceof Error ? e.message : String(e)}`);
      return void (await this.respond('?', false));
    }
    const tag = cmd.tag;
    this.commands++;
    await this.opts.pace?.command(this.opts.signal);
    this.opts.onEvent?.({ type: 'command', tag, attrs: { ...cmd.raw } });
    const fault = await this.commandFault(tag);
    if (fault === 'crashed') return { kind: 'disconnect' };
    if (fault === 'skipped') return undefined;
    const out = await this.dispatch(cmd);
    if (++this.answered === 1 && this.profile.firstCommandLine) await this.log(this.profile.firstCommandLine);
    return out;
  }

  /** The crash and garbage faults at this command: whether it crashed, was skipped, or runs. */
  private async commandFault(tag: string): Promise<'crashed' | 'skipped' | undefined> {
    const crash = this.opts.faults.armed('programmer-crash');
    if (crash && crash.n === this.commands) {
      this.fire(crash, `crashed at <${tag}>; watchdog reset in ${CRASH_WATCHDOG_MS} ms`);
      await sleep(CRASH_WATCHDOG_MS, this.opts.signal);
      return 'crashed';
    }
    const garbage = this.opts.faults.armed('garbage-reply');
    if (!garbage || garbage.n !== this.commands) return undefined;
    this.fire(garbage, `answered <${tag}> with garbage`);
    const junk = new Uint8Array(96);
    fillPseudoRandom(junk, this.commands * 7919);
    for (let i = 0; i < junk.length; i++) if (junk[i] === 0x3c) junk[i] = 0x3d;
    await this.write(junk);
    return 'skipped';
  }

  private async dispatch(cmd: DeviceCommand): Promise<FirehoseOutcome | undefined> {
    const tag = cmd.tag;
    if (!this.functions.has(tag)) {
      const u = this.profile.unknownTag(tag);
      for (const line of u.lines) await this.log(line);
      return void (await this.respond(tag, u.ack));
    }
    if (this.profile.handlerLogs) await this.log(`Calling handler for ${tag}`);
    if (!this.configured && !ALLOWED_BEFORE_CONFIGURE.has(tag)) {
      await this.log(`ERROR: <${tag}> received before <configure>; send configure first`);
      return void (await this.respond(tag, false));
    }
    switch (tag) {
      case 'configure':
        return void (await this.configure(cmd));
      case 'program':
        return this.program(cmd);
      case 'read':
        return this.read(cmd);
      case 'erase':
        return void (await this.erase(cmd));
      case 'patch':
        return void (await this.patch(cmd));
      case 'getsha256digest':
        return void (await this.digest(cmd));
      case 'getstorageinfo':
        return void (await this.storageInfo());
      case 'nop':
        return void (await this.respond(tag, true));
      case 'setbootablestoragedrive':
      case 'benchmark':
        await this.log(`${tag} accepted`);
        return void (await this.respond(tag, true));
      case 'power':
        return this.power(cmd);
      default: // firmwarewrite, emmc, ufs, fixgpt: listed, but nothing a NAND part can do
        await this.log(`ERROR: ${tag} is not supported on NAND`);
        return void (await this.respond(tag, false));
    }
  }

  private answerContext(memoryAsked: string): AnswerContext {
    return {
      model: this.opts.model,
      toTarget: this.toTarget,
      supported: this.supported,
      maxXml: MAX_XML_SIZE,
      memoryAsked,
    };
  }

  /** handleConfigure: every problem logged, then one answer; a NAK carries the same attributes as an ACK. */
  private async configure(cmd: DeviceCommand): Promise<void> {
    const memAsked = cmd.get('MemoryName') ?? '';
    let ok = true;
    if (memAsked.toLowerCase() !== 'nand') {
      await this.log(`ERROR: MemoryName "${memAsked}" is not supported; this programmer drives NAND`);
      ok = false;
    }
    const asked = cmd.has('MaxPayloadSizeToTargetInBytes') ? cmd.int('MaxPayloadSizeToTargetInBytes') : this.supported;
    if (asked === undefined || asked < 512) {
      await this.log(
        `ERROR: MaxPayloadSizeToTargetInBytes "${cmd.get('MaxPayloadSizeToTargetInBytes') ?? ''}" is not valid`,
      );
      ok = false;
    } else if (asked > this.supported) {
      for (const line of this.profile.payloadTooLargeLines(asked, this.supported)) await this.log(line);
      ok = false;
    }
    if (ok) {
      this.toTarget = asked!;
      this.skipWrite = cmd.flag('SkipWrite');
      this.configured = true;
      if (this.profile.handlerLogs) await this.log(`Storage type set to value ${memAsked}`);
      if (this.skipWrite) await this.log('SkipWrite is set: data is received but not written');
    }
    const attrs = Object.fromEntries(this.profile.configureAttrs(this.answerContext(memAsked)));
    await this.respond('configure', ok, attrs, this.profile.configureRawmode ? false : null);
  }

  /** Validate address attributes; on a problem, log and NAK, returning undefined. */
  private async address(tag: string, cmd: DeviceCommand, needBlockGeometry: boolean): Promise<Addr | undefined> {
    const n = this.nand;
    const problem = ((): string | undefined => {
      if (cmd.int('SECTOR_SIZE_IN_BYTES') !== n.pageSize)
        return this.profile.sectorSizeProblem(cmd.get('SECTOR_SIZE_IN_BYTES') ?? '', n.pageSize);
      const ppb = cmd.get('PAGES_PER_BLOCK');
      if ((needBlockGeometry || ppb !== undefined) && cmd.int('PAGES_PER_BLOCK') !== n.pagesPerBlock)
        return `PAGES_PER_BLOCK is "${ppb ?? ''}", this NAND has ${n.pagesPerBlock} pages per block`;
      const ppn = cmd.get('physical_partition_number');
      if (ppn !== undefined && cmd.int('physical_partition_number') !== 0)
        return `physical_partition_number ${ppn} does not exist (NAND has only 0)`;
      const start = cmd.int('start_sector');
      const count = cmd.int('num_partition_sectors');
      if (start === undefined) return `start_sector "${cmd.get('start_sector') ?? ''}" is not a number`;
      if (count === undefined)
        return `num_partition_sectors "${cmd.get('num_partition_sectors') ?? ''}" is not a number`;
      if (start + count > n.logicalPages)
        return `sectors ${start}..${start + count - 1} lie beyond the end of the NAND (${n.logicalPages} usable pages)`;
      return undefined;
    })();
    if (problem) {
      await this.log(`ERROR: ${tag}: ${problem}`);
      await this.respond(tag, false);
      return undefined;
    }
    return {
      start: cmd.int('start_sector')!,
      count: cmd.int('num_partition_sectors')!,
      label: cmd.get('label') ?? cmd.get('filename'),
    };
  }

  private async program(cmd: DeviceCommand): Promise<FirehoseOutcome | undefined> {
    const a = await this.address('program', cmd, true);
    if (!a) return undefined;
    this.programs++;
    if (a.count === 0) {
      await this.log('program of 0 sectors: nothing to do');
      return void (await this.respond('program', true));
    }
    const nak = this.opts.faults.armed('nak-program');
    const failThis = nak !== undefined && nak.n === this.programs;
    await this.respond('program', true, {}, true);
    const writer = new PageWriter(this.nand, a.start, a.label, failThis || this.skipWrite, this.pool);
    const sblLoss = a.start === 0 ? this.opts.faults.armed('power-loss-sbl') : undefined;
    const lossAt = sblLoss
      ? { fault: sblLoss, atBytes: this.rawBytes + Math.max(1, Math.floor((a.count * this.nand.pageSize) / 2)) }
      : undefined;
    try {
      const got = await this.receiveRaw(a.count * this.nand.pageSize, (c) => writer.push(c), lossAt);
      if (got instanceof Disconnect) {
        if (!got.powerLoss) return { kind: 'disconnect' };
        await writer.finish().catch(() => undefined); // what reached the chip before the power went
        return { kind: 'power', mode: 'reset' }; // off the bus, then a boot attempt when power returns
      }
      await writer.finish();
    } finally {
      await writer.settle();
    }
    if (failThis) {
      this.fire(nak, `program #${this.programs} at sector ${a.start} NAKed`);
      await this.log(`ERROR: Failed to write ${a.label ?? 'data'} at start_sector ${a.start}`);
      return void (await this.respond('program', false, { AttemptRetry: 1 }));
    }
    if (writer.error) {
      await this.log(`ERROR: Failed to program start_sector ${a.start}: ${writer.error}`);
      return void (await this.respond('program', false));
    }
    for (const line of this.profile.programDoneLines(a.start, a.count)) await this.log(line);
    return void (await this.respond('program', true));
  }

  /** Receive exactly `total` raw bytes, applying the data-path faults. */
  private async receiveRaw(
    total: number,
    sink: (chunk: Uint8Array) => Promise<void> | undefined,
    sblLoss?: { fault: Fault; atBytes: number },
  ): Promise<number | Disconnect> {
    const faults = this.opts.faults;
    // Only this session fires these faults, so what is armed now stays armed until it fires here.
    const stall = faults.armed('stall');
    let pause = faults.armed('pause');
    const disc = faults.armed('disconnect');
    const pl = faults.armed('power-loss');
    const loss = sblLoss ?? (pl ? { fault: pl, atBytes: pl.atBytes } : undefined);
    let needZlp = faults.armed('need-zlp');
    const pace = this.opts.pace;
    if (pace) await this.openNand();
    const mps = this.pipe.maxPacketSize;
    const maxRead = Math.max(STAGING_BYTES, this.toTarget);
    const io = { timeoutMs: IDLE_READ_MS, signal: this.opts.signal, what: 'raw data from the host' };
    let got = 0;
    let chunk = this.splitter.takeRest();
    for (;;) {
      if (chunk.length > 0) {
        if (chunk.length > total - got) {
          this.splitter.feed(chunk.subarray(total - got));
          chunk = chunk.subarray(0, total - got);
        }
        this.rawBytes += chunk.length;
        if (stall && this.rawBytes >= stall.atBytes) {
          this.fire(stall, `stopped reading after ${this.rawBytes} bytes of raw data`);
          await this.hang();
        }
        if (pause && this.rawBytes >= pause.atBytes) {
          this.fire(pause, `stopped reading for ${PAUSE_FAULT_MS} ms after ${this.rawBytes} bytes of raw data`);
          pause = undefined;
          await sleep(PAUSE_FAULT_MS, this.opts.signal);
        }
        if (disc && this.rawBytes >= disc.atBytes) {
          this.fire(disc, `dropped off the bus after ${this.rawBytes} bytes of raw data`);
          return new Disconnect();
        }
        if (loss && this.rawBytes >= loss.atBytes) {
          // The bytes of this transfer before the cut still reach the chip.
          const keep = Math.max(0, chunk.length - (this.rawBytes - loss.atBytes));
          if (keep > 0) await sink(chunk.subarray(0, keep));
          this.fire(loss.fault, `power lost after ${loss.atBytes} bytes of raw data`);
          return new Disconnect(true);
        }
        // With a pace, the chip's program time runs while the simulator stores the data.
        await alongside(pace?.program(chunk.length, this.opts.signal), () => sink(chunk));
        got += chunk.length;
        if (needZlp && chunk.length % mps === 0) {
          const next = await this.readTransfer(Math.min(Math.max(total - got, 1), maxRead), io);
          if (next.length > 0) {
            this.fire(
              needZlp,
              `a ${chunk.length}-byte transfer ended on a packet boundary and no ZLP followed; waiting for it`,
            );
            needZlp = undefined;
            await this.hang();
          }
        }
      }
      if (got >= total) return got;
      chunk = await this.readTransfer(Math.min(total - got, maxRead), io); // 0 bytes = a ZLP
    }
  }

  private async read(cmd: DeviceCommand): Promise<FirehoseOutcome | undefined> {
    const a = await this.address('read', cmd, false);
    if (!a) return undefined;
    await this.respond('read', true, {}, true);
    const drop = this.opts.faults.armed('disconnect-read');
    await this.openNand();
    const ps = this.nand.pageSize;
    const piecePages = Math.max(1, Math.floor(STAGING_BYTES / ps));
    const chunk = Math.max(ps, Math.floor(this.supported / ps) * ps);
    for (let p = 0; p < a.count; p += piecePages) {
      const n = Math.min(piecePages, a.count - p);
      // A fresh buffer per piece: written buffers are handed over to the link, not reused.
      const data = await alongside(this.opts.pace?.read(n * ps, this.opts.signal), () =>
        this.nand.readLogicalInto(a.start + p, new Uint8Array(n * ps)),
      );
      for (let off = 0; off < data.length; off += chunk) {
        const piece = data.subarray(off, Math.min(off + chunk, data.length));
        if (drop && this.readBytes + piece.length > drop.atBytes) {
          this.fire(drop, `dropped off the bus after sending ${this.readBytes} bytes of read data`);
          return { kind: 'disconnect' };
        }
        await this.write(piece);
        this.readBytes += piece.length;
      }
    }
    return void (await this.respond('read', true));
  }

  private async erase(cmd: DeviceCommand): Promise<void> {
    const a = await this.address('erase', cmd, true);
    if (!a) return;
    const ppb = this.nand.pagesPerBlock;
    if (a.start % ppb !== 0 || a.count % ppb !== 0) {
      await this.log(
        `ERROR: erase must cover whole blocks of ${ppb} pages: start_sector ${a.start} and num_partition_sectors ${a.count} are not multiples of ${ppb}`,
      );
      return this.respond('erase', false);
    }
    await this.openNand();
    await this.opts.pace?.erase(a.count / ppb, this.opts.signal);
    try {
      for (const run of this.nand.mapLogical(a.start, a.count))
        this.nand.erase(run.page / ppb, run.pages / ppb, a.label);
    } catch (e) {
      await this.log(`ERROR: erase failed: ${e instanceof Error ? e.message : String(e)}`);
      return this.respond('erase', false);
    }
    if (this.erases++ > 0 && this.profile.handlerLogs)
      await this.log('NAND was previously open, returning existing handle 0.');
    for (const line of this.profile.eraseLines(a.start, a.count, a.count / ppb)) await this.log(line);
    await this.respond('erase', true);
  }

  private async patch(cmd: DeviceCommand): Promise<void> {
    const file = cmd.get('filename') ?? '';
    if (file !== 'DISK') {
      await this.log(`Patch for "${file}" ignored: only filename="DISK" patches the device (the host patches files)`);
      return this.respond('patch', true);
    }
    const n = this.nand;
    const start = cmd.int('start_sector');
    const offset = cmd.int('byte_offset');
    const size = cmd.int('size_in_bytes');
    const value = patchValue(cmd.get('value') ?? '', n.totalBlocks);
    let problem: string | undefined;
    if (start === undefined || offset === undefined || size === undefined || size < 1 || size > 8)
      problem = 'start_sector, byte_offset and size_in_bytes (1..8) are required';
    else if (value === undefined)
      problem = `value "${cmd.get('value') ?? ''}" is not supported (a number or NUM_DISK_BLOCKS-N)`;
    else if (value < 0n || value >= 1n << BigInt(size * 8)) problem = `value ${value} does not fit in ${size} bytes`;
    const pos = (start ?? 0) * n.pageSize + (offset ?? 0);
    const block = Math.floor(pos / n.blockBytes);
    if (
      !problem &&
      (block !== Math.floor((pos + size! - 1) / n.blockBytes) || block >= n.logicalPages / n.pagesPerBlock)
    )
      problem = `bytes ${pos}..${pos + size! - 1} are not inside one block of the NAND`;
    if (problem) {
      await this.log(`ERROR: patch: ${problem}`);
      return this.respond('patch', false);
    }
    await this.openNand();
    await this.opts.pace?.read(n.blockBytes, this.opts.signal);
    await this.opts.pace?.erase(1, this.opts.signal);
    await this.opts.pace?.program(n.blockBytes, this.opts.signal);
    try {
      // Read-modify-write of the whole block, as a NAND driver must: erase, then program back.
      const phys = n.physicalBlock(block);
      const data = n.read(phys * n.pagesPerBlock, n.pagesPerBlock);
      let v = value!;
      for (let i = 0; i < size!; i++, v >>= 8n) data[pos - block * n.blockBytes + i] = Number(v & 0xffn);
      n.erase(phys, 1, 'patch');
      n.program(phys * n.pagesPerBlock, data, 'patch');
    } catch (e) {
      await this.log(`ERROR: patch failed: ${e instanceof Error ? e.message : String(e)}`);
      return this.respond('patch', false);
    }
    await this.log(`Patched sector ${start} byte_offset ${offset} with ${value} (${size} bytes)`);
    await this.respond('patch', true);
  }

  private async digest(cmd: DeviceCommand): Promise<void> {
    const a = await this.address('getsha256digest', cmd, false);
    if (!a) return;
    const ps = this.nand.pageSize;
    const piecePages = Math.max(1, Math.floor(STAGING_BYTES / ps));
    const buf = this.stagingBuffer();
    const h = createHash('sha256');
    await this.openNand();
    for (let p = 0; p < a.count; p += piecePages) {
      const n = Math.min(piecePages, a.count - p);
      await alongside(this.opts.pace?.digest(n * ps, this.opts.signal), () =>
        h.update(this.nand.readLogicalInto(a.start + p, buf.subarray(0, n * ps))),
      );
    }
    await this.log(`Digest ${h.digest('hex')}`);
    await this.respond('getsha256digest', true);
  }

  private async storageInfo(): Promise<void> {
    const n = this.nand;
    const facts = {
      totalBlocks: n.totalBlocks,
      blockBytes: n.blockBytes,
      pageSize: n.pageSize,
      pagesPerBlock: n.pagesPerBlock,
      logicalPages: n.logicalPages,
      badBlocks: n.badBlocks.length,
      chip: this.opts.model.chip,
    };
    for (const line of this.profile.storageInfoLines(facts)) await this.log(line);
    await this.respond('getstorageinfo', true);
  }

  private async power(cmd: DeviceCommand): Promise<FirehoseOutcome | undefined> {
    const v = (cmd.get('value') ?? '').toLowerCase();
    const mode =
      v === 'reset' ? 'reset' : v === 'off' ? 'off' : v === 'edl' || v === 'reset_to_edl' ? 'edl' : undefined;
    if (!mode) {
      await this.log(`ERROR: power value "${cmd.get('value') ?? ''}" is not one of reset, off, edl`);
      return void (await this.respond('power', false));
    }
    await this.respond('power', true);
    for (const line of this.profile.powerAfterAckLines) await this.log(line);
    const delay = Math.min(cmd.int('DelayInSeconds') ?? 0, 30);
    if (delay > 0) await sleep(delay * 1000, this.opts.signal);
    return { kind: 'power', mode };
  }

  // --- I/O ------------------------------------------------------------------------------

  /** With a pace, the session's first NAND command opens the NAND (reads its bad block table). */
  private async openNand(): Promise<void> {
    if (this.nandOpen || !this.opts.pace) return;
    this.nandOpen = true;
    await this.opts.pace.openNand(this.opts.signal);
  }

  private stagingBuffer(): Uint8Array {
    this.staging ??= new Uint8Array(STAGING_BYTES);
    return this.staging;
  }

  private logBytes(line: string): Uint8Array {
    return new TextEncoder().encode(deviceDocument('log', [['value', `${this.profile.logPrefix}${line}`]]));
  }

  private async log(line: string, quiet = false): Promise<void> {
    if (!quiet) this.opts.onLog?.(line);
    await this.write(this.logBytes(line));
  }

  /**
   * Final responses carry rawmode="false"; the one that opens a data phase rawmode="true"; null
   * leaves the attribute out (Qualcomm's configure answer).
   */
  private async respond(
    tag: string,
    ack: boolean,
    attrs: Record<string, string | number> = {},
    rawmode: boolean | null = false,
  ): Promise<void> {
    if (this.opts.faults.has('log-flood')) {
      for (let i = 0; i < FLOOD_LOGS; i++)
        await this.log(`DEBUG: flood ${i + 1}/${FLOOD_LOGS} before the answer to <${tag}>`, true);
    }
    const slow = this.opts.faults.faults.find((f) => f.kind === 'slow-ack');
    if (ack && !rawmode && slow && slow.kind === 'slow-ack' && slow.seconds > 0)
      await sleep(slow.seconds * 1000, this.opts.signal);
    this.opts.onEvent?.({ type: 'response', tag, ack });
    const fields: [string, string | number][] = [['value', ack ? 'ACK' : 'NAK']];
    if (rawmode !== null) fields.push(['rawmode', rawmode ? 'true' : 'false']);
    for (const [k, v] of Object.entries(attrs)) fields.push([k, v]);
    await this.write(new TextEncoder().encode(deviceDocument('response', fields)));
  }

  /** Like a real programmer, wait as long as the host takes to read (until aborted). */
  private async write(data: Uint8Array): Promise<void> {
    for (;;) {
      try {
        return await this.pipe.write(data, this.writeIo);
      } catch (e) {
        if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') continue;
        throw e;
      }
    }
  }

  /** One transfer from the host; the device waits as long as it takes (until aborted). */
  private async readTransfer(max: number, io = this.commandIo): Promise<Uint8Array> {
    for (;;) {
      try {
        return await this.pipe.read(max, io);
      } catch (e) {
        if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') continue;
        throw e;
      }
    }
  }

  /** Stop doing anything until the session is aborted (power cycle or stop). */
  private async hang(): Promise<never> {
    const s = this.opts.signal;
    this.opts.onHang?.();
    if (!s.aborted) await new Promise<void>((resolve) => s.addEventListener('abort', () => resolve(), { once: true }));
    throw cancelledError(s.reason);
  }

  private fire(f: Fault, detail: string): void {
    this.opts.faults.fire(f);
    this.opts.onLog?.(`fault ${f.kind}: ${detail}`);
    this.opts.onEvent?.({ type: 'fault', fault: f, detail });
  }
}

/**
 * Run the simulator's own work while the paced device time passes (the work is the chip's, so it
 * must not add to it); the result once both are done. A failure of the work wins.
 */
async function alongside<T>(paid: Promise<void> | undefined, work: () => T | Promise<T>): Promise<T> {
  let out: T;
  try {
    out = await work();
  } catch (e) {
    await paid?.catch(() => undefined);
    throw e;
  }
  await paid;
  return out;
}

/** A DISK patch value: a decimal/hex literal (optionally ending in '.') or NUM_DISK_BLOCKS+-N. */
export function patchValue(text: string, diskBlocks: number): bigint | undefined {
  const t = text.trim().replace(/\.$/, '');
  const expr = /^NUM_DISK_BLOCKS\s*(?:([+-])\s*(\d{1,15}))?$/.exec(t);
  if (expr) {
    const n = BigInt(expr[2] ?? '0');
    return expr[1] === '-' ? BigInt(diskBlocks) - n : BigInt(diskBlocks) + n;
  }
  if (/^\d{1,20}$/.test(t)) return BigInt(t);
  if (/^0x[0-9a-fA-F]{1,16}$/.test(t)) return BigInt(t);
  return undefined;
}
