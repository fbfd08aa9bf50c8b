// Firehose documents on the wire: building commands, splitting the byte stream into <data>
// documents whatever the read boundaries, and reading a document as log lines or a response.
// Shared by the host (src-main/flows) and the virtual programmer (src-main/sim). Pure: no I/O.

import { escapeAttr, parseXml, XmlError, type XmlElement } from '../util/xml.js';

const END = '</data>';
const END_BYTES = new TextEncoder().encode(END);
/** A document longer than this without a closing </data> is garbage, not a slow sender. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

export class FirehoseFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FirehoseFramingError';
  }
}

/** Build one command document: `<?xml version="1.0" ?><data><TAG a="b" /></data>`. */
export function buildDocument(tag: string, attrs: Record<string, string | number | boolean | undefined>): string {
  let s = `<?xml version="1.0" ?><data><${tag}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    const value = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    s += ` ${k}="${escapeAttr(value)}"`;
  }
  return `${s} /></data>`;
}

/**
 * Splits a byte stream into complete `...</data>` documents. Feed it every read; it returns the
 * documents completed so far and keeps the partial rest. Bytes before a document's start that are
 * not XML (NULs, a stray ZLP filler) are skipped.
 */
export class DocumentSplitter {
  private buf: Uint8Array = new Uint8Array(0);
  /** Storage this splitter allocated, behind buf, with room to append (never a caller's chunk). */
  private room: Uint8Array | undefined;
  /** How far into buf no </data> can start (already searched). */
  private scanned = 0;

  get pendingBytes(): number {
    return this.buf.length;
  }

  /** The unconsumed bytes (e.g. raw data that followed a rawmode ACK), removed from the splitter. */
  takeRest(): Uint8Array {
    const r = this.buf;
    this.buf = new Uint8Array(0);
    this.room = undefined;
    this.scanned = 0;
    return r;
  }

  /** Append bytes and return every document now complete. */
  push(chunk: Uint8Array): string[] {
    this.feed(chunk);
    return this.drain();
  }

  /**
   * Append bytes without taking documents out: use with next() when raw data may follow a
   * document (a rawmode ACK), so raw bytes are never mistaken for documents.
   */
  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.buf.length === 0) {
      this.buf = chunk;
      this.room = undefined;
      this.scanned = 0;
      return;
    }
    // Append in place when buf ends at the end of our own storage and it has room: a device
    // sending a byte at a time (a serial port) costs linear time, not a copy of everything per byte.
    const r = this.room;
    if (r && this.buf.buffer === r.buffer) {
      const from = this.buf.byteOffset - r.byteOffset;
      const to = from + this.buf.length;
      if (to + chunk.length <= r.length) {
        r.set(chunk, to);
        this.buf = r.subarray(from, to + chunk.length);
        return;
      }
    }
    const n = new Uint8Array(Math.max(2 * (this.buf.length + chunk.length), 4096));
    n.set(this.buf, 0);
    n.set(chunk, this.buf.length);
    this.room = n;
    this.buf = n.subarray(0, this.buf.length + chunk.length);
  }

  /** Take out at most one complete document (use when raw bytes may follow it). */
  next(): string | undefined {
    const end = indexOf(this.buf, END_BYTES, this.scanned);
    if (end < 0) {
      if (this.buf.length > MAX_DOCUMENT_BYTES)
        throw new FirehoseFramingError(`received ${this.buf.length} bytes without a closing </data>`);
      // No </data> starts before this point: the next search begins here, not at the start again.
      this.scanned = Math.max(0, this.buf.length - END_BYTES.length + 1);
      return undefined;
    }
    const stop = end + END_BYTES.length;
    const doc = new TextDecoder('utf-8', { fatal: false }).decode(this.buf.subarray(0, stop));
    this.buf = this.buf.subarray(stop);
    this.scanned = 0;
    return trimLeadingNoise(doc);
  }

  private drain(): string[] {
    const out: string[] = [];
    for (let d = this.next(); d !== undefined; d = this.next()) out.push(d);
    return out;
  }
}

function trimLeadingNoise(doc: string): string {
  const i = doc.indexOf('<');
  return i > 0 ? doc.slice(i) : doc;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i >= 0 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

export type FirehoseMessage =
  | { kind: 'log'; value: string }
  | { kind: 'response'; ack: boolean; rawmode: boolean | undefined; attrs: Record<string, string> }
  /** A command (what the device side receives). */
  | { kind: 'command'; tag: string; attrs: Record<string, string> };

/**
 * Read one `<data>` document into its messages (a document normally holds one element, but
 * several are allowed). Throws FirehoseFramingError on anything that is not a well-formed document.
 */
export function parseDocument(doc: string): FirehoseMessage[] {
  let root: XmlElement;
  try {
    root = parseXml(doc, { maxBytes: MAX_DOCUMENT_BYTES, maxDepth: 4, maxElements: 64 });
  } catch (e) {
    throw new FirehoseFramingError(
      `unreadable document (${e instanceof XmlError ? e.message : String(e)}): ${preview(doc)}`,
    );
  }
  if (root.name !== 'data')
    throw new FirehoseFramingError(`document root is <${root.name}>, expected <data>: ${preview(doc)}`);
  return root.children.map((el): FirehoseMessage => {
    if (el.name === 'log') return { kind: 'log', value: el.attrs.value ?? el.text };
    if (el.name === 'response') {
      const v = el.attrs.value ?? '';
      const raw = el.attrs.rawmode;
      return {
        kind: 'response',
        ack: v.toUpperCase() === 'ACK',
        rawmode: raw === undefined ? undefined : raw.toLowerCase() === 'true',
        attrs: { ...el.attrs },
      };
    }
    return { kind: 'command', tag: el.name, attrs: { ...el.attrs } };
  });
}

export function preview(s: string, max = 120): string {
  const t = s.replace(/[^\x20-\x7e]/g, '.');
  return t.length > max ? `${t.slice(0, max)}...` : t;
}

/** Parse a decimal attribute strictly; undefined if absent or not a non-negative integer. */
export function intAttr(attrs: Record<string, string>, name: string): number | undefined {
  const v = attrs[name];
  if (v === undefined || !/^\s*\d{1,15}\s*$/.test(v)) return undefined;
  return Number(v);
}
