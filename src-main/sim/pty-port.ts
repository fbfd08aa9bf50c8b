// The virtual modem on a pseudo-terminal: plugging in starts socat with two linked ptys, the
// device side is opened here and handed to the simulator, the host side is a tty path any serial
// tool can open (like the QDLoader COM port or /dev/ttyUSB0). Unplugging stops socat, so the
// host's tty vanishes and its reads fail; the next plug-in brings the same path back, as a COM
// port comes back after the modem re-enumerates.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pacedPipe } from '../transport/link-model.js';
import type { LinkDelay } from '../transport/memory.js';
import { SerialOpener, SerialPipe, openSerialPort } from '../transport/serial.js';
import type { BulkPipe, PipeOpener } from '../transport/transport.js';
import { DEVICE_RECEIVE_BUFFER_BYTES } from './memory-bus.js';
import type { SimPort } from './sim-port.js';
import { startSocatPair, type SocatPair } from './socat.js';

export interface PtyPortOptions {
  /** Where the host's tty appears (default: a fresh path such as /tmp/modem-rescue-XXXX/ttyEDL). */
  hostPath?: string;
  /** How long socat may take to create the ttys (ms, default 5000). */
  startTimeoutMs?: number;
  /** A link's pace for what crosses the tty (both directions share it, as on USB 2); none: as fast as the pty goes. */
  link?: LinkDelay;
}

const privateDirs = new Set<string>();
let exitHookInstalled = false;

function makePrivateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modem-rescue-'));
  privateDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const d of privateDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

export class PtyPort implements SimPort {
  readonly hostPath: string;
  readonly description: string;
  /** Opens the host side, waiting (bounded) for it to appear: what a flasher would use. */
  readonly opener: PipeOpener;
  private readonly dir: string;
  private readonly devicePath: string;
  private readonly startTimeoutMs: number;
  private readonly link: LinkDelay | undefined;
  private socat: SocatPair | undefined;
  private device: BulkPipe | undefined;

  constructor(options: PtyPortOptions = {}) {
    this.dir = makePrivateDir();
    this.hostPath = options.hostPath ?? join(this.dir, 'ttyEDL');
    this.devicePath = join(this.dir, 'device-side');
    this.startTimeoutMs = options.startTimeoutMs ?? 5000;
    this.link = options.link;
    this.description = `pseudo-terminal ${this.hostPath}`;
    this.opener = new SerialOpener(this.hostPath);
  }

  get plugged(): boolean {
    return this.socat !== undefined && !this.socat.exited;
  }

  async plugIn(): Promise<BulkPipe> {
    if (this.socat) await this.unplug();
    const socat = await startSocatPair(this.hostPath, this.devicePath, { timeoutMs: this.startTimeoutMs });
    this.socat = socat;
    try {
      const port = await openSerialPort(this.devicePath, 115200, this.startTimeoutMs);
      // A module buffers a few payloads, not megabytes: past that the host's writes wait.
      const serial = new SerialPipe(port, `${this.description} (device side)`, {
        highWaterBytes: DEVICE_RECEIVE_BUFFER_BYTES,
      });
      this.device = this.link ? pacedPipe(serial, this.link) : serial;
      return this.device;
    } catch (e) {
      this.socat = undefined;
      await socat.stop();
      throw e;
    }
  }

  async unplug(): Promise<void> {
    const device = this.device;
    const socat = this.socat;
    this.device = undefined;
    this.socat = undefined;
    await device?.close();
    await socat?.stop();
  }

  /** Unplug and remove the private folder of the ttys. */
  async dispose(): Promise<void> {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
    privateDirs.delete(this.dir);
  }
}
