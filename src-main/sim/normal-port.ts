// How a module in normal mode appears to a host: not one EDL pipe but several USB interfaces.
// The virtual modem serves two of them, the DM (DIAG) port and the AT port; plugging in is one
// enumeration that brings both, unplugging drops both. In memory (two MemoryBus ports, so a host
// closing its handle does not reset the device) or on pseudo-terminals (two socat pairs whose host
// paths stay the same across re-enumerations, like /dev/ttyUSB0 and /dev/ttyUSB2).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryPairOptions } from '../transport/memory.js';
import { SerialOpener } from '../transport/serial.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { MemoryBus } from './memory-bus.js';
import { PtyPort } from './pty-port.js';

export interface NormalPort {
  readonly description: string;
  /** Enumerate in normal mode; returns the device ends of the DM and AT interfaces. */
  plugIn(): Promise<{ dm: BulkPipe; at: BulkPipe }>;
  /** Drop off the bus: both interfaces vanish. Idempotent. */
  unplug(): Promise<void>;
}

export class MemoryNormalBus implements NormalPort {
  readonly description = 'in-memory USB bus (normal mode, 2c7c:0125)';
  /** Opens the DM interface, waiting (bounded) for the module to enumerate. */
  readonly dmOpener: PipeOpener;
  /** Opens the AT interface, waiting (bounded) for the module to enumerate. */
  readonly atOpener: PipeOpener;
  private readonly dm: MemoryBus;
  private readonly at: MemoryBus;

  /** opts (link models, packet size) apply to both interfaces, e.g. a 2 ms round trip for the bench. */
  constructor(opts: MemoryPairOptions = {}) {
    this.dm = new MemoryBus({ ...opts, name: opts.name ? `${opts.name} DM` : 'virtual USB 2c7c:0125 If0 (DM)' });
    this.at = new MemoryBus({ ...opts, name: opts.name ? `${opts.name} AT` : 'virtual USB 2c7c:0125 If2 (AT)' });
    this.dmOpener = { description: 'DM port of the virtual modem (in memory)', open: (io) => this.dm.opener.open(io) };
    this.atOpener = { description: 'AT port of the virtual modem (in memory)', open: (io) => this.at.opener.open(io) };
  }

  get plugged(): boolean {
    return this.dm.plugged;
  }

  async plugIn(): Promise<{ dm: BulkPipe; at: BulkPipe }> {
    const dm = await this.dm.plugIn();
    const at = await this.at.plugIn();
    return { dm, at };
  }

  async unplug(): Promise<void> {
    await this.dm.unplug();
    await this.at.unplug();
  }
}

export interface PtyNormalPortOptions {
  /** Host path of the DM tty (default: <private folder>/ttyDM). */
  dmPath?: string;
  /** Host path of the AT tty (default: <private folder>/ttyAT). */
  atPath?: string;
  startTimeoutMs?: number;
}

export class PtyNormalPort implements NormalPort {
  readonly dmPath: string;
  readonly atPath: string;
  readonly description: string;
  readonly dmOpener: PipeOpener;
  readonly atOpener: PipeOpener;
  private readonly dm: PtyPort;
  private readonly at: PtyPort;
  private readonly dir: string | undefined;

  constructor(opts: PtyNormalPortOptions = {}) {
    if (!opts.dmPath || !opts.atPath) this.dir = mkdtempSync(join(tmpdir(), 'modem-rescue-normal-'));
    this.dmPath = opts.dmPath ?? join(this.dir!, 'ttyDM');
    this.atPath = opts.atPath ?? join(this.dir!, 'ttyAT');
    const timeout = opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {};
    this.dm = new PtyPort({ hostPath: this.dmPath, ...timeout });
    this.at = new PtyPort({ hostPath: this.atPath, ...timeout });
    this.description = `pseudo-terminals ${this.dmPath} (DM) and ${this.atPath} (AT)`;
    this.dmOpener = new SerialOpener(this.dmPath);
    this.atOpener = new SerialOpener(this.atPath);
    if (this.dir) {
      const dir = this.dir;
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    }
  }

  get plugged(): boolean {
    return this.dm.plugged && this.at.plugged;
  }

  async plugIn(): Promise<{ dm: BulkPipe; at: BulkPipe }> {
    const [dm, at] = await Promise.allSettled([this.dm.plugIn(), this.at.plugIn()]);
    if (dm.status === 'rejected' || at.status === 'rejected') {
      await this.unplug();
      throw dm.status === 'rejected' ? dm.reason : (at as PromiseRejectedResult).reason;
    }
    return { dm: dm.value, at: at.value };
  }

  async unplug(): Promise<void> {
    await Promise.all([this.dm.unplug(), this.at.unplug()]);
  }

  /** Unplug and remove the private folders. */
  async dispose(): Promise<void> {
    await Promise.all([this.dm.dispose(), this.at.dispose()]);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
