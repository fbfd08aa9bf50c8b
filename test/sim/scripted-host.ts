// A tiny scripted EDL host for the simulator tests: raw XML writes and reads, and a bare Sahara
// upload, written independently of the project's host code so the device side is tested against
// the wire format itself.

import { buildDocument, DocumentSplitter, parseDocument } from '../../src-main/protocol/firehose-xml.js';
import { decodePacket, encodePacket, readPacketHeader, SaharaMode } from '../../src-main/protocol/sahara.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';

export interface Reply {
  ack: boolean;
  rawmode: boolean | undefined;
  attrs: Record<string, string>;
  logs: string[];
}

export class ScriptedHost {
  readonly splitter = new DocumentSplitter();
  readonly allLogs: string[] = [];

  constructor(
    readonly pipe: BulkPipe,
    readonly timeoutMs = 2000,
  ) {}

  async sendRaw(text: string | Uint8Array): Promise<void> {
    await this.pipe.write(typeof text === 'string' ? new TextEncoder().encode(text) : text, {
      timeoutMs: this.timeoutMs,
    });
  }

  send(tag: string, attrs: Record<string, string | number> = {}): Promise<void> {
    return this.sendRaw(buildDocument(tag, attrs));
  }

  /** Read documents until a response; logs before it are returned with it. */
  async reply(timeoutMs = this.timeoutMs): Promise<Reply> {
    const logs: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let doc = this.splitter.next(); doc !== undefined; doc = this.splitter.next()) {
        for (const m of parseDocument(doc)) {
          if (m.kind === 'log') {
            logs.push(m.value);
            this.allLogs.push(m.value);
          } else if (m.kind === 'response') return { ack: m.ack, rawmode: m.rawmode, attrs: m.attrs, logs };
        }
      }
      const chunk = await this.pipe.read(64 * 1024, {
        timeoutMs: Math.max(1, deadline - Date.now()),
        what: 'a response',
      });
      this.splitter.feed(chunk);
    }
  }

  async cmd(tag: string, attrs: Record<string, string | number> = {}): Promise<Reply> {
    await this.send(tag, attrs);
    return this.reply();
  }

  /** Read log documents until the startup burst ends. */
  async startupLogs(): Promise<string[]> {
    const logs: string[] = [];
    for (;;) {
      for (let doc = this.splitter.next(); doc !== undefined; doc = this.splitter.next()) {
        for (const m of parseDocument(doc)) if (m.kind === 'log') logs.push(m.value);
        if (logs.some((l) => /End of supported functions/.test(l))) return logs;
      }
      this.splitter.feed(await this.pipe.read(64 * 1024, { timeoutMs: this.timeoutMs, what: 'startup logs' }));
    }
  }

  async configure(payload = 8192, extra: Record<string, string | number> = {}): Promise<Reply> {
    return this.cmd('configure', {
      MemoryName: 'nand',
      Verbose: 0,
      AlwaysValidate: 0,
      MaxDigestTableSizeInBytes: 2048,
      MaxPayloadSizeToTargetInBytes: payload,
      ZlpAwareHost: 1,
      SkipStorageInit: 0,
      ...extra,
    });
  }

  /** Write raw data in chunks of `chunk` bytes. */
  async writeData(data: Uint8Array, chunk = 8192): Promise<void> {
    for (let off = 0; off < data.length; off += chunk)
      await this.pipe.write(data.subarray(off, Math.min(off + chunk, data.length)), { timeoutMs: this.timeoutMs });
  }

  /** Read exactly n raw bytes (ZLPs skipped). */
  async readData(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    const rest = this.splitter.takeRest();
    out.set(rest.subarray(0, n), 0);
    got = Math.min(rest.length, n);
    while (got < n) {
      const c = await this.pipe.read(n - got, { timeoutMs: this.timeoutMs, what: 'raw data' });
      out.set(c, got);
      got += c.length;
    }
    return out;
  }
}

export function nandAttrs(
  pageSize: number,
  start: number,
  count: number,
  extra: Record<string, string | number> = {},
): Record<string, string | number> {
  return {
    SECTOR_SIZE_IN_BYTES: pageSize,
    PAGES_PER_BLOCK: 64,
    num_partition_sectors: count,
    physical_partition_number: 0,
    start_sector: start,
    ...extra,
  };
}

/** Bare Sahara image upload: HELLO -> HELLO_RESP(mode 0) -> READ_DATA* -> END_OF_IMAGE_TX -> DONE. */
export async function saharaUpload(pipe: BulkPipe, image: Uint8Array, timeoutMs = 3000): Promise<number> {
  const io = { timeoutMs };
  const readPacket = async (): Promise<ReturnType<typeof decodePacket>> => {
    for (;;) {
      const bytes = await pipe.read(4096, io);
      if (bytes.length === 0) continue;
      readPacketHeader(bytes);
      return decodePacket(bytes);
    }
  };
  const hello = await readPacket();
  if (hello.type !== 'hello') throw new Error(`expected HELLO, got ${hello.type}`);
  await pipe.write(
    encodePacket({
      type: 'hello-resp',
      version: 2,
      versionCompatible: 1,
      status: 0,
      mode: SaharaMode.IMAGE_TX_PENDING,
    }),
    io,
  );
  for (;;) {
    const p = await readPacket();
    if (p.type === 'read-data') {
      await pipe.write(image.subarray(p.offset, p.offset + p.length), io);
    } else if (p.type === 'end-of-image-tx') {
      if (p.status !== 0) return p.status;
      await pipe.write(encodePacket({ type: 'done' }), io);
      const done = await readPacket();
      if (done.type !== 'done-resp') throw new Error(`expected DONE_RESP, got ${done.type}`);
      return 0;
    } else throw new Error(`unexpected ${p.type}`);
  }
}
