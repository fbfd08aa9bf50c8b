// A small scripted AT device on the device end of a memory pipe pair: it reads commands (CR
// terminated), echoes them when asked, and answers with whatever the script returns. Tests push
// URCs or raw bytes at any time.

import { createMemoryPipePair, type MemoryPipePair } from '../../src-main/transport/memory.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';

export type Answer =
  string | Uint8Array | undefined | ((send: (text: string | Uint8Array) => Promise<void>) => Promise<void>);

export class FakeAtDevice {
  readonly pair: MemoryPipePair;
  /** The device end the script runs on (the memory pair's, or one given, e.g. a pty's). */
  readonly device: BulkPipe;
  readonly received: string[] = [];
  private readonly stopped = new AbortController();
  private done: Promise<void>;

  constructor(
    private readonly script: (cmd: string) => Answer,
    private readonly opts: { echo?: boolean; device?: BulkPipe } = {},
  ) {
    this.pair = createMemoryPipePair({ name: 'fake AT port' });
    this.device = opts.device ?? this.pair.device;
    this.done = this.loop();
  }

  get host() {
    return this.pair.host;
  }

  async send(text: string | Uint8Array): Promise<void> {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    await this.device.write(bytes, { timeoutMs: 1000 });
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.done;
  }

  private async loop(): Promise<void> {
    let buf = '';
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await this.device.read(4096, { timeoutMs: 60_000, signal: this.stopped.signal });
      } catch {
        return;
      }
      buf += new TextDecoder().decode(chunk);
      let cr: number;
      while ((cr = buf.indexOf('\r')) >= 0) {
        const cmd = buf.slice(0, cr);
        buf = buf.slice(cr + 1);
        this.received.push(cmd);
        try {
          if (this.opts.echo) await this.send(`${cmd}\r\r\n`);
          const a = this.script(cmd);
          if (typeof a === 'function') await a((t) => this.send(t));
          else if (a !== undefined) await this.send(a);
        } catch {
          return;
        }
      }
    }
  }
}

/** Lines in the module's framing: "\r\n<line>\r\n" each. */
export function lines(...ls: string[]): string {
  return ls.map((l) => `\r\n${l}\r\n`).join('');
}
