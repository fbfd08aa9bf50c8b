// From normal mode into EDL over the DM port: drain what the module is sending, send the DIAG
// frame 4B 65 01 00, expect its echo, close the DM port, then wait for 05c6:9008 wherever it
// enumerates (the EDL opener rescans by VID:PID on every bus path). With an enumerator it also
// notices a module that came back in normal mode, in crash dump (900e) or fastboot instead.

import { EDL_IDS, hex4, identify } from '../../shared/devices.js';
import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { HdlcDecoder, hdlcEncode } from '../protocol/hdlc.js';
import type { EnumeratedDevice, UsbEnumerator } from '../platform/usb-enumerator.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { cancelledError, formatMs, sleep, throwIfAborted } from '../util/deadline.js';

/** The DIAG payload that reboots a Quectel/Qualcomm module into EDL. Framed: 4B 65 01 00 54 0F 7E. */
export const EDL_SWITCH_PAYLOAD = Uint8Array.of(0x4b, 0x65, 0x01, 0x00);
/** The echo as it travels: a stale partial frame before it cannot hide it from a byte search. */
const ECHO_BYTES = Buffer.from([0x4b, 0x65, 0x01, 0x00, 0x54, 0x0f, 0x7e]);
const DRAIN_QUIET_MS = 20;
const DIAG_ERROR_CODES: Record<number, string> = {
  0x13: 'bad command',
  0x14: 'bad parameters',
  0x15: 'bad length',
  0x18: 'bad mode',
  0x42: 'bad SPC mode',
  0x47: 'bad security mode',
};

export interface EnterEdlOptions {
  /** The module's DM/DIAG port in normal mode. */
  dm: PipeOpener;
  /** The module in EDL (USB 05c6:9008 on any bus path, or a serial/COM port). */
  edl: PipeOpener;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink;
  /** How long to wait for 05c6:9008 after the echo (default 30 s). */
  waitMs?: number;
  /** How long the echo may take (default 3 s). */
  echoTimeoutMs?: number;
  /** How long to wait for the DM port to open (default 5 s). */
  dmOpenTimeoutMs?: number;
  /**
   * Draining stops after this long without data (default 20 ms: what the port already holds) or
   * after drainMaxMs/drainMaxBytes. The echo is found among other frames and after stale bytes
   * anyway (awaitEcho), so the drain need not sit out a long quiet period on every switch.
   */
  drainQuietMs?: number;
  drainMaxMs?: number;
  drainMaxBytes?: number;
  /** When given, the bus is watched while waiting: a module back in normal mode, 900e or fastboot is reported. */
  enumerator?: UsbEnumerator | undefined;
  /** How often to look at the bus and report progress while waiting (default 1000 ms). */
  pollMs?: number;
  /** Hand the open EDL pipe to the caller instead of closing it. */
  keepOpen?: boolean;
}

export interface EnterEdlResult {
  /** Where the EDL device appeared ("USB 3-2 05c6:9008", "/dev/ttyUSB0"). */
  edlPipeName: string;
  /** Milliseconds from the echo until the EDL device opened. */
  waitedMs: number;
  /** The open EDL pipe, only with keepOpen. */
  pipe?: BulkPipe;
}

export async function enterEdl(opts: EnterEdlOptions): Promise<EnterEdlResult> {
  const log = (level: 'info' | 'warn', message: string): void => opts.onEvent?.({ type: 'log', level, message });
  throwIfAborted(opts.signal);
  opts.onEvent?.({
    type: 'phase',
    phase: 'connect',
    message: `Switching the module into download mode (EDL) over ${opts.dm.description}`,
  });
  let before: SeenModule[] | undefined;
  if (opts.enumerator) {
    try {
      before = await normalModules(opts.enumerator);
    } catch (e) {
      log('warn', `The USB bus cannot be watched while switching: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const enumerator = before === undefined ? undefined : opts.enumerator;

  const dm = await opts.dm.open({
    timeoutMs: opts.dmOpenTimeoutMs ?? 5000,
    signal: opts.signal,
    what: 'the DM/DIAG port',
  });
  let echoed: boolean;
  try {
    const drained = await drain(dm, opts);
    if (drained > 0) log('info', `Drained ${drained} bytes the module was sending on ${dm.name}.`);
    await dm.write(hdlcEncode(EDL_SWITCH_PAYLOAD), {
      timeoutMs: 2000,
      signal: opts.signal,
      what: 'the EDL switch command',
    });
    echoed = await awaitEcho(dm, opts.echoTimeoutMs ?? 3000, opts.signal);
  } finally {
    await dm.close();
  }
  if (echoed) log('info', 'The module accepted the switch; waiting for it to come back as 05c6:9008.');
  else
    log('warn', `${dm.name} dropped off right after the switch command (no echo seen); waiting for 05c6:9008 anyway.`);

  const waitMs = opts.waitMs ?? 30_000;
  const started = Date.now();
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort(cancelledError(opts.signal?.reason));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let watchFailure: RescueError | undefined;
  const watcher = watch({ ...opts, enumerator }, before, started, inner.signal).catch((e: unknown) => {
    if (inner.signal.aborted) return;
    watchFailure = e instanceof RescueError ? e : new RescueError('INTERNAL', String(e));
    inner.abort(watchFailure);
  });
  let pipe: BulkPipe;
  try {
    pipe = await opts.edl.open({ timeoutMs: waitMs, signal: inner.signal, what: 'the module in EDL mode (05c6:9008)' });
  } catch (e) {
    if (watchFailure) throw watchFailure;
    if (e instanceof RescueError && e.code === 'DEVICE_NOT_FOUND') {
      const still = opts.enumerator ? await normalModules(opts.enumerator).catch(() => []) : [];
      if (still.length > 0 && before?.some((b) => b.busPath === still[0]!.busPath)) {
        throw new RescueError(
          'EDL_SWITCH_FAILED',
          `The module echoed the switch but is still running in normal mode (${still[0]!.id} at USB ${still[0]!.busPath}) after ${formatMs(waitMs)}.`,
          { cause: e },
        );
      }
      throw new RescueError(
        'DEVICE_NOT_FOUND',
        `The module ${echoed ? 'accepted the switch' : 'left its DM port'} but did not appear in EDL (${opts.edl.description}) within ${formatMs(waitMs)}.`,
        {
          nextStep:
            'Run `modem-rescue detect` to see where it went. If nothing shows, power-cycle the module (or suspend and resume the computer for a mini-PCIe card) and look again; if it keeps failing, enter EDL by hardware (USB_BOOT to VDD_EXT while powering up).',
          cause: e,
        },
      );
    }
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (!inner.signal.aborted) inner.abort();
    await watcher;
  }
  const waitedMs = Date.now() - started;
  log('info', `The module is in EDL on ${pipe.name} (after ${formatMs(waitedMs)}).`);
  if (opts.keepOpen) return { edlPipeName: pipe.name, waitedMs, pipe };
  await pipe.close();
  return { edlPipeName: pipe.name, waitedMs };
}

/** Read and drop what the module sends unasked (logs), bounded in time and bytes. */
async function drain(dm: BulkPipe, opts: EnterEdlOptions): Promise<number> {
  const quietMs = opts.drainQuietMs ?? DRAIN_QUIET_MS;
  const deadline = Date.now() + (opts.drainMaxMs ?? 2000);
  const maxBytes = opts.drainMaxBytes ?? 1024 * 1024;
  let total = 0;
  while (total < maxBytes) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      total += (
        await dm.read(64 * 1024, { timeoutMs: Math.min(quietMs, left), signal: opts.signal, what: 'bytes to drain' })
      ).length;
    } catch (e) {
      if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') break; // quiet: done
      throw e;
    }
  }
  return total;
}

/**
 * Wait for the echo of the switch frame among whatever else arrives (log frames, garbage).
 * True on the echo; false when the port dropped off (the module may have switched at once).
 * A DIAG error response or silence is EDL_SWITCH_FAILED.
 */
async function awaitEcho(dm: BulkPipe, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const decoder = new HdlcDecoder();
  const deadline = Date.now() + timeoutMs;
  let frames = 0;
  let tail = Buffer.alloc(0);
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let chunk: Uint8Array;
    try {
      chunk = await dm.read(64 * 1024, { timeoutMs: left, signal, what: 'the echo of the EDL switch' });
    } catch (e) {
      if (e instanceof RescueError && e.code === 'DEVICE_TIMEOUT') break;
      if (e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED') return false;
      throw e;
    }
    // The raw echo, even glued to stale bytes of a frame that began before the port was opened.
    const seen = Buffer.concat([tail, chunk]);
    const rawEcho = seen.indexOf(ECHO_BYTES) >= 0;
    tail = seen.subarray(Math.max(0, seen.length - ECHO_BYTES.length + 1));
    for (const f of decoder.push(chunk)) {
      frames++;
      if (!f.ok) continue;
      const p = f.payload;
      if (p.length >= 4 && p[0] === 0x4b && p[1] === 0x65 && p[2] === 0x01 && p[3] === 0x00) return true;
      const why = DIAG_ERROR_CODES[p[0] ?? -1];
      if (why && p[1] === 0x4b && p[2] === 0x65) {
        throw new RescueError(
          'EDL_SWITCH_FAILED',
          `${dm.name} answered the switch with a DIAG error (0x${(p[0] ?? 0).toString(16)}, ${why}): this module or firmware does not support it.`,
          {
            nextStep:
              'Enter EDL by hardware: connect USB_BOOT to VDD_EXT (1.8 V) while the module powers up, then run `modem-rescue detect`.',
          },
        );
      }
    }
    if (rawEcho) return true;
  }
  throw new RescueError(
    'EDL_SWITCH_FAILED',
    `No echo of the switch command on ${dm.name} within ${formatMs(timeoutMs)}${frames > 0 ? ` (${frames} other frames arrived)` : ' (nothing arrived)'}: it may not be the DM/DIAG port, or the module does not support the switch.`,
  );
}

interface SeenModule {
  busPath: string;
  id: string;
}

async function normalModules(enumerator: UsbEnumerator): Promise<SeenModule[]> {
  const list = await enumerator.list();
  return list
    .filter((d) => identify(d.vendorId, d.productId)?.mode === 'normal')
    .map((d) => ({ busPath: d.busPath, id: `${hex4(d.vendorId)}:${hex4(d.productId)}` }));
}

/** Progress while waiting; with an enumerator, fail early on a module that went somewhere other than EDL. */
async function watch(
  opts: EnterEdlOptions,
  before: SeenModule[] | undefined,
  started: number,
  signal: AbortSignal,
): Promise<void> {
  const pollMs = Math.max(10, opts.pollMs ?? 1000);
  let normalGone = before === undefined || before.length === 0;
  let lastInfoAt = started;
  for (;;) {
    await sleep(pollMs, signal);
    const now = Date.now();
    // A line every 5 s for people; every poll at debug level for the log.
    const level = now - lastInfoAt >= 5000 ? 'info' : 'debug';
    if (level === 'info') lastInfoAt = now;
    opts.onEvent?.({
      type: 'log',
      level,
      message: `Waiting for the module in EDL (05c6:9008)... ${Math.round((now - started) / 1000)} s`,
    });
    if (!opts.enumerator) continue;
    let devices: EnumeratedDevice[];
    try {
      devices = await opts.enumerator.list();
    } catch {
      continue; // a bus that cannot be listed right now: the opener still waits for 9008
    }
    if (devices.some((d) => EDL_IDS.some((id) => id.vendorId === d.vendorId && id.productId === d.productId))) continue; // the opener will take it
    const dump = devices.find((d) => identify(d.vendorId, d.productId)?.mode === 'memory-dump');
    if (dump)
      throw new RescueError(
        'SAHARA_MEMORY_DEBUG',
        `The module came back at USB ${dump.busPath} as ${hex4(dump.vendorId)}:${hex4(dump.productId)} (crash dump) instead of EDL.`,
      );
    const fastboot = devices.find((d) => identify(d.vendorId, d.productId)?.mode === 'fastboot');
    if (fastboot) {
      throw new RescueError(
        'DEVICE_NOT_FOUND',
        `The module came back at USB ${fastboot.busPath} in fastboot (18d1:d00d) instead of EDL.`,
        {
          nextStep:
            'Fastboot is not download mode. Power-cycle the module; if it stays in fastboot, use a fastboot tool to reboot it (`fastboot reboot`), or enter EDL by hardware (USB_BOOT to VDD_EXT).',
        },
      );
    }
    const normal = devices.filter((d) => identify(d.vendorId, d.productId)?.mode === 'normal');
    if (normal.length === 0) normalGone = true;
    else if (normalGone && before !== undefined && before.length > 0) {
      const d = normal[0]!;
      throw new RescueError(
        'EDL_SWITCH_FAILED',
        `The module left and came back in normal mode (${hex4(d.vendorId)}:${hex4(d.productId)} at USB ${d.busPath}) instead of EDL.`,
        {
          nextStep:
            'Try the switch once more; some firmware ignores it. If it comes back in normal mode again, enter EDL by hardware: USB_BOOT to VDD_EXT while the module powers up.',
        },
      );
    }
  }
}
