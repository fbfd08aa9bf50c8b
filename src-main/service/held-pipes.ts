// EDL pipes kept open between a listen (or a switch to EDL) and the flash, one per module. On a
// serial port (and in the demo) reopening a module loses its Sahara HELLO: the flash would sit
// out the HELLO timeout before answering it blindly. So the pipe a greeting listen opened stays
// open, with what was heard put back in front of its next read, and the flash starts on it.

import { RescueError } from '../../shared/errors.js';
import { listenOnPipe, type Greeting } from '../flows/edl-greeting.js';
import { heldOpener, withPending } from '../transport/held-opener.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';

/** How long a fresh open for a listen may take. */
const LISTEN_OPEN_MS = 3000;

export class HeldPipes {
  private readonly held = new Map<string, BulkPipe>();

  /** Keep `pipe` for the module `key` (a pipe held for it before is closed). */
  async hold(key: string, pipe: BulkPipe): Promise<void> {
    await this.take(key)
      ?.close()
      .catch(() => undefined);
    this.held.set(key, pipe);
  }

  /** The pipe held for `key`, now the caller's to use or close. */
  take(key: string): BulkPipe | undefined {
    const p = this.held.get(key);
    this.held.delete(key);
    return p;
  }

  /** Close (in the background) the pipes held for modules that `keep` no longer wants. */
  drop(keep: (key: string) => boolean): void {
    for (const key of [...this.held.keys()])
      if (!keep(key))
        void this.take(key)
          ?.close()
          .catch(() => undefined);
  }

  /** The module's EDL device for a flash: its held pipe (with what was heard) first, else `fresh`. */
  openerForRun(key: string, fresh: PipeOpener): PipeOpener {
    const held = this.take(key);
    return held ? heldOpener(held, fresh) : fresh;
  }

  /**
   * Listen for the module's greeting on its held pipe (or a fresh one from `fresh`), then hold it
   * again with what was heard: the flash answers that HELLO without waiting.
   */
  async listen(key: string, fresh: PipeOpener, listenMs: number, what: string): Promise<Greeting> {
    const held = this.take(key);
    if (held) {
      try {
        return await this.listenOn(key, held, listenMs);
      } catch (e) {
        // Held from an enumeration that is gone (the module restarted between two looks): open afresh.
        if (!(e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED')) throw e;
      }
    }
    const pipe = await fresh.open({ timeoutMs: LISTEN_OPEN_MS, what });
    return this.listenOn(key, pipe, listenMs);
  }

  /** Listen on an open pipe, then hold it for `key` with what was heard (closed on failure). */
  private async listenOn(key: string, pipe: BulkPipe, listenMs: number): Promise<Greeting> {
    try {
      const heard = await listenOnPipe(pipe, { listenMs });
      await this.hold(key, withPending(pipe, heard.bytes));
      return heard.greeting;
    } catch (e) {
      await pipe.close().catch(() => undefined);
      throw e;
    }
  }

  /** Close every held pipe. */
  async closeAll(): Promise<void> {
    for (const key of [...this.held.keys()])
      await this.take(key)
        ?.close()
        .catch(() => undefined);
  }
}
