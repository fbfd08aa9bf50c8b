// A small scripted Firehose programmer for host tests: it reads commands from the device end of
// a memory pipe pair and answers through handlers a test can replace. It records every transfer
// it receives (sizes, ZLPs) so tests can check what the host put on the wire.

import { RescueError } from '../../shared/errors.js';
import { DocumentSplitter, parseDocument } from '../../src-main/protocol/firehose-xml.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { escapeAttr } from '../../src-main/util/xml.js';

export interface Command {
  tag: string;
  attrs: Record<string, string>;
}

export type Handler = (cmd: Command, dev: FakeDevice) => Promise<void> | void;

const enc = new TextEncoder();
const LONG = 60_000;

export function logDoc(message: string): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>\n<data>\n<log value="${escapeAttr(message)}" /></data>`;
}

export function responseDoc(ack: boolean, attrs: Record<string, string | number> = {}): string {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" ?>\n<data>\n<response value="${ack ? 'ACK' : 'NAK'}"${extra} /></data>`;
}

export class FakeDevice {
  readonly commands: Command[] = [];
  /** Sizes of the raw-data transfers of the last program, with the ZLPs that followed them (0). */
  rawTransfers: number[] = [];
  /** Data the host streamed for each <program>, in order. */
  readonly programmed: Uint8Array[] = [];
  /** What <read> returns for a given number of bytes. */
  readData: (bytes: number) => Uint8Array = (n) => new Uint8Array(n).map((_, i) => (i * 7 + 3) & 0xff);
  maxPayload = 8192;
  maxPayloadSupported = 8192;
  handlers: Record<string, Handler> = {};
  failure: unknown;

  private readonly splitter = new DocumentSplitter();
  private readonly stopper = new AbortController();
  private afterRaw = false;
  private loop: Promise<void> | undefined;

  constructor(readonly pipe: BulkPipe) {}

  start(): this {
    this.loop = this.run().catch((e: unknown) => {
      const unplugged = e instanceof RescueError && e.code === 'DEVICE_DISCONNECTED';
      if (!this.stopper.signal.aborted && !unplugged) this.failure = e;
    });
    return this;
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  async send(data: string | Uint8Array, bytesPerWrite?: number): Promise<void> {
    const bytes = typeof data === 'string' ? enc.encode(data) : data;
    const step = bytesPerWrite ?? bytes.length;
    for (let i = 0; i < bytes.length; i += step)
      await this.pipe.write(bytes.subarray(i, i + step), { timeoutMs: LONG });
  }

  log(message: string): Promise<void> {
    return this.send(logDoc(message));
  }

  respond(ack: boolean, attrs: Record<string, string | number> = {}): Promise<void> {
    return this.send(responseDoc(ack, attrs));
  }

  /** Read exactly n raw bytes as the programmer does in raw mode, recording transfer sizes. */
  async readRaw(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let filled = 0;
    const early = this.splitter.takeRest();
    if (early.length > 0) {
      out.set(early.subarray(0, n));
      filled = Math.min(early.length, n);
    }
    this.rawTransfers = [];
    while (filled < n) {
      const p = await this.pipe.read(1 << 22, { timeoutMs: LONG, signal: this.stopper.signal });
      this.rawTransfers.push(p.length);
      if (filled + p.length > n) throw new Error(`host sent ${filled + p.length} bytes, more than the ${n} expected`);
      out.set(p, filled);
      filled += p.length;
    }
    this.afterRaw = true;
    return out;
  }

  private async run(): Promise<void> {
    for (;;) {
      const p = await this.pipe.read(1 << 22, { timeoutMs: LONG, signal: this.stopper.signal });
      if (p.length === 0) {
        if (this.afterRaw) this.rawTransfers.push(0);
        continue;
      }
      this.afterRaw = false;
      for (const doc of this.splitter.push(p)) {
        for (const m of parseDocument(doc)) {
          if (m.kind !== 'command') continue;
          const cmd = { tag: m.tag, attrs: m.attrs };
          this.commands.push(cmd);
          const h = this.handlers[cmd.tag] ?? defaultHandlers[cmd.tag] ?? ((_, d) => d.respond(true));
          await h(cmd, this);
        }
      }
    }
  }
}

function num(attrs: Record<string, string>, name: string): number {
  const v = Number(attrs[name]);
  if (!Number.isSafeInteger(v)) throw new Error(`fake device: bad ${name}="${attrs[name]}"`);
  return v;
}

export const defaultHandlers: Record<string, Handler> = {
  configure: async (cmd, d) => {
    const asked = num(cmd.attrs, 'MaxPayloadSizeToTargetInBytes');
    await d.respond(true, {
      MemoryName: cmd.attrs.MemoryName ?? 'nand',
      MinVersionSupported: 1,
      Version: 1,
      MaxPayloadSizeToTargetInBytes: Math.min(asked, d.maxPayload),
      MaxPayloadSizeToTargetInBytesSupported: d.maxPayloadSupported,
      MaxPayloadSizeFromTargetInBytes: 4096,
      MaxXMLSizeInBytes: 4096,
      TargetName: 'MDM9607',
    });
  },
  program: async (cmd, d) => {
    const n = num(cmd.attrs, 'num_partition_sectors') * num(cmd.attrs, 'SECTOR_SIZE_IN_BYTES');
    await d.respond(true, { rawmode: 'true' });
    d.programmed.push(await d.readRaw(n));
    await d.log('Finished programming');
    await d.respond(true, { rawmode: 'false' });
  },
  read: async (cmd, d) => {
    const n = num(cmd.attrs, 'num_partition_sectors') * num(cmd.attrs, 'SECTOR_SIZE_IN_BYTES');
    await d.respond(true, { rawmode: 'true' });
    await d.send(d.readData(n));
    await d.respond(true, { rawmode: 'false' });
  },
};
