// A module of a fleet run followed by its chip serial wherever it comes back. A module in EDL is
// reached through where it sits on the bus (its USB port path), not through a tty name: after a
// power cycle the kernel may give it another ttyUSB number, and a person re-plugging it may put
// it in another port of the hub. So each run's opener looks, on every open, at the EDL devices on
// the bus now:
//   1. its own place (the port it was found on): open it, through whatever tty it has now;
//   2. else, once the run knows its module's serial, a device in a place no module of this run
//      holds (a newcomer): open it, read the boot ROM's serial in Sahara command mode (nothing is
//      written; the module is left waiting for an upload, see host/sahara-host.ts saharaIdentify)
//      and keep it when the serial is this module's, making that place its own. A newcomer with
//      another serial is closed again and left to its own run (or to nobody) for a while.
// Reading the serial before an upload is what bkerler/edl does on every connection (edl.py
// lines 349-352: sahara.cmd_info, whose sahara.py line 259 is SERIAL_NUM_READ, then a fresh
// HELLO and the loader upload), so a boot ROM taking it is the normal case.
// The places are held in one book per fleet (FleetPlaces), written without waiting, so two runs
// never open the same newcomer at once and one run's wait never blocks another.

import { RescueError } from '../../shared/errors.js';
import type { EventSink } from '../../shared/events.js';
import { saharaIdentify } from '../host/sahara-host.js';
import type { UsbEnumerator } from '../platform/usb-enumerator.js';
import { edlPlaces } from './detect.js';
import { PipeReader } from '../transport/pipe-reader.js';
import type { BulkPipe, IoOptions, PipeOpener } from '../transport/transport.js';
import { formatMs, sleep, throwIfAborted } from '../util/deadline.js';

/** One module in EDL on the bus now: where it sits, and the tty a driver made of it (if any). */
export interface EdlPlace {
  /** The USB port path ("3-1.2"), or any name that stays with the port. */
  location: string;
  tty?: string;
}

/** Where the fleet's devices are and how each is opened (the bus of this computer, or a test's). */
export interface FleetBus {
  /** The EDL devices on the bus now. */
  list(): Promise<EdlPlace[]>;
  /** An opener for the device at this place (its tty when it has one, else USB at that location). */
  openerAt(place: EdlPlace): PipeOpener;
}

/**
 * This computer's USB bus as a fleet run sees it: each module in EDL by its port, opened through the
 * tty a driver made of it now (a power cycle may renumber it), else over USB at that port.
 */
export function usbFleetBus(
  enumerator: UsbEnumerator,
  open: { serial(path: string): PipeOpener; usbAt(busPath: string): PipeOpener },
): FleetBus {
  return {
    list: () => edlPlaces(enumerator),
    openerAt: (p) => (p.tty ? open.serial(p.tty) : open.usbAt(p.location)),
  };
}

/** Which module of the run holds which place. Synchronous: a claim never waits on another run. */
export class FleetPlaces {
  private readonly holder = new Map<string, string>();

  /** Take `location` for `module`; false when another module holds it. */
  claim(location: string, module: string): boolean {
    const h = this.holder.get(location);
    if (h !== undefined && h !== module) return false;
    this.holder.set(location, module);
    return true;
  }

  release(location: string, module: string): void {
    if (this.holder.get(location) === module) this.holder.delete(location);
  }

  heldBy(location: string): string | undefined {
    return this.holder.get(location);
  }
}

/** How often the bus is looked at while the module is away. */
const POLL_MS = 250;
/** A newcomer found to be another module is not opened again for this long (its own run takes it). */
const NOT_MINE_MS = 10_000;
/** Reading a newcomer's serial: its HELLO and each command-mode answer. */
const IDENTIFY_TIMEOUT_MS = 3_000;

/** The boot ROM's serial (8 hex digits) as the programmer prints it ("Chip serial num: 471482197"). */
export function serialFromHex(hex: string | undefined): string | undefined {
  if (hex === undefined || !/^[0-9a-f]{1,8}$/i.test(hex)) return undefined;
  return String(parseInt(hex, 16));
}

export interface FollowingOpenerOptions {
  module: string;
  /** The place the module was found at. */
  home: string;
  bus: FleetBus;
  places: FleetPlaces;
  /** The module's chip serial, once its run learned it (decimal, as the programmer prints it). */
  serial: () => string | undefined;
  onEvent?: EventSink;
}

export class FollowingEdlOpener implements PipeOpener {
  readonly description: string;
  private home: string;
  private readonly notMine = new Map<string, number>();

  constructor(private readonly o: FollowingOpenerOptions) {
    this.home = o.home;
    this.description = `the module in EDL at USB port ${o.home}`;
    o.places.claim(o.home, o.module);
  }

  /** Where the module is now (its place after a move). */
  get location(): string {
    return this.home;
  }

  async open(io: IoOptions): Promise<BulkPipe> {
    const deadline = Date.now() + io.timeoutMs;
    for (;;) {
      throwIfAborted(io.signal);
      const places = await this.o.bus.list().catch(() => [] as EdlPlace[]);
      const here = places.find((p) => p.location === this.home);
      const left = Math.max(1000, deadline - Date.now());
      if (here) return this.o.bus.openerAt(here).open({ ...io, timeoutMs: left });
      const moved = await this.findMoved(places, io);
      if (moved) return moved;
      if (Date.now() >= deadline) throw this.notFound(io.timeoutMs);
      await sleep(Math.min(POLL_MS, deadline - Date.now()), io.signal);
    }
  }

  /** A newcomer that turns out to be this module: opened, its place taken as the new home. */
  private async findMoved(places: EdlPlace[], io: IoOptions): Promise<BulkPipe | undefined> {
    const serial = this.o.serial();
    // A programmer that prints "Chip serial num: 0" names no module: nothing to follow by.
    if (serial === undefined || /^0+$/.test(serial)) return undefined;
    const now = Date.now();
    for (const p of places) {
      if (this.o.places.heldBy(p.location) !== undefined) continue;
      if ((this.notMine.get(p.location) ?? 0) > now) continue;
      if (!this.o.places.claim(p.location, this.o.module)) continue;
      const found = await this.identify(p, io);
      if (found?.serial === serial) {
        this.o.places.release(this.home, this.o.module);
        this.o.onEvent?.({
          type: 'log',
          level: 'warn',
          message: `The module (serial ${serial}) came back at USB port ${p.location} instead of ${this.home}; following it there.`,
        });
        this.home = p.location;
        return found.pipe;
      }
      await found?.pipe.close().catch(() => undefined);
      this.o.places.release(p.location, this.o.module);
      this.notMine.set(p.location, Date.now() + NOT_MINE_MS);
    }
    return undefined;
  }

  /** Open a newcomer and read its serial; undefined when it cannot be opened or does not say. */
  private async identify(p: EdlPlace, io: IoOptions): Promise<{ pipe: BulkPipe; serial?: string } | undefined> {
    let pipe: BulkPipe;
    try {
      pipe = await this.o.bus.openerAt(p).open({ ...io, timeoutMs: IDENTIFY_TIMEOUT_MS });
    } catch (e) {
      if (io.signal?.aborted) throw e;
      return undefined;
    }
    try {
      const info = await saharaIdentify(new PipeReader(pipe), {
        signal: io.signal,
        helloTimeoutMs: IDENTIFY_TIMEOUT_MS,
        packetTimeoutMs: IDENTIFY_TIMEOUT_MS,
      });
      const serial = serialFromHex(info.serialNumber);
      return { pipe, ...(serial !== undefined ? { serial } : {}) };
    } catch (e) {
      if (io.signal?.aborted) {
        await pipe.close().catch(() => undefined);
        throw e;
      }
      return { pipe };
    }
  }

  private notFound(waitedMs: number): RescueError {
    const serial = this.o.serial();
    return new RescueError(
      'DEVICE_NOT_FOUND',
      `The module did not come back in EDL within ${formatMs(waitedMs)}: not at USB port ${this.home}${serial ? `, nor anywhere else on the bus with serial ${serial}` : ''}.`,
      {
        nextStep:
          'Check that it is still plugged in and powered (a power cycle may have left it off); put it back in EDL, then run the same command again: it resumes from its journal.',
      },
    );
  }
}
