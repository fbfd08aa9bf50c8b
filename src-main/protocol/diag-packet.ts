// Little-endian packet fields for DIAG and EFS: a bounds-checked reader (every read checked against
// the packet, so a short or lying packet throws DiagProtocolError instead of reading garbage) and a
// growing writer. Pure.

/** Thrown for a packet that is too short or otherwise unreadable. */
export class DiagProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiagProtocolError';
  }
}

/** Reads fields of one packet; every read is bounds-checked against the packet. */
export class PacketReader {
  offset: number;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    private readonly what: string,
    start = 0,
  ) {
    this.offset = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get remaining(): number {
    return this.bytes.length - this.offset;
  }
  private need(n: number): number {
    if (this.offset + n > this.bytes.length) {
      throw new DiagProtocolError(
        `${this.what} is truncated: ${this.bytes.length} bytes, needs at least ${this.offset + n}.`,
      );
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }
  u8(): number {
    return this.bytes[this.need(1)]!;
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  bytesOf(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }
  rest(): Uint8Array {
    return this.bytesOf(this.remaining);
  }
  /** A NUL-terminated string; without a NUL the rest of the packet (tolerated, as devices differ). */
  cstring(): string {
    const nul = this.bytes.indexOf(0, this.offset);
    const end = nul < 0 ? this.bytes.length : nul;
    const s = asciiOf(this.bytes.subarray(this.offset, end));
    this.offset = nul < 0 ? end : end + 1;
    return s;
  }
  /** A fixed-size text field, NUL- or space-padded. */
  fixedString(n: number): string {
    return asciiOf(this.bytesOf(n))
      .replace(/[\0 ]+$/, '')
      .replace(/\0.*$/s, '');
  }
}

/** Builds a packet of fields (it grows: take the offset from room() before touching buf). */
export class PacketWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;
  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number): this {
    const at = this.room(1);
    this.buf[at] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    const at = this.room(2);
    this.view.setUint16(at, v & 0xffff, true);
    return this;
  }
  u32(v: number): this {
    const at = this.room(4);
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  i32(v: number): this {
    const at = this.room(4);
    this.view.setInt32(at, v | 0, true);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }
  /** Text + NUL. */
  cstring(s: string): this {
    const b = textBytes(s);
    if (b.includes(0)) throw new RangeError(`A DIAG string may not contain NUL: ${JSON.stringify(s)}`);
    return this.bytes(b).u8(0);
  }
  /** Text in a fixed-size field, NUL-padded, cut to fit. */
  fixedString(s: string, n: number): this {
    const b = textBytes(s).subarray(0, n);
    const at = this.room(n);
    this.buf.fill(0, at, at + n);
    this.buf.set(b, at);
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const encoder = new TextEncoder();
export function textBytes(s: string): Uint8Array {
  return encoder.encode(s);
}
export function asciiOf(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0 ? '\0' : '?';
  return s;
}
