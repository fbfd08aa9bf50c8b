// HDLC-like framing of the DIAG (DM) port: payload, CRC-16/X-25 (low byte first), 0x7E. The bytes
// 0x7E and 0x7D are escaped as 0x7D, byte ^ 0x20 in the payload and in the CRC. Pure: bytes in,
// frames out. The decoder never holds more than a fixed number of bytes of one frame.

const FLAG = 0x7e;
const ESCAPE = 0x7d;
const ESCAPE_XOR = 0x20;

/** Largest escaped frame (without its 0x7E) the decoder accepts: 2048-byte payload, all escaped, + CRC. */
export const HDLC_MAX_ESCAPED_FRAME = 4096 + 4;
/** Largest payload hdlcEncode accepts (what a DIAG receiver buffers). */
export const HDLC_MAX_PAYLOAD = 2048;
/** How many bytes of a bad frame are kept in HdlcFrame.raw for the log. */
export const HDLC_RAW_PREVIEW = 64;

const CRC_TABLE = makeCrcTable();

function makeCrcTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    table[i] = c;
  }
  return table;
}

/** CRC-16/X-25 (reflected 0x1021, init 0xFFFF, xorout 0xFFFF): "123456789" -> 0x906E. */
export function crc16x25(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ data[i]!) & 0xff]!;
  return ~crc & 0xffff;
}

/** Frame a payload: payload + CRC (little-endian), escaped, + 0x7E. No leading 0x7E. */
export function hdlcEncode(payload: Uint8Array): Uint8Array {
  if (payload.length > HDLC_MAX_PAYLOAD)
    throw new RangeError(`DIAG payload of ${payload.length} bytes exceeds ${HDLC_MAX_PAYLOAD}.`);
  const crc = crc16x25(payload);
  let escapes = 0;
  for (const b of payload) if (b === FLAG || b === ESCAPE) escapes++;
  const crcLo = crc & 0xff;
  const crcHi = crc >>> 8;
  if (crcLo === FLAG || crcLo === ESCAPE) escapes++;
  if (crcHi === FLAG || crcHi === ESCAPE) escapes++;
  const out = new Uint8Array(payload.length + 2 + escapes + 1);
  let o = 0;
  const put = (b: number): void => {
    if (b === FLAG || b === ESCAPE) {
      out[o++] = ESCAPE;
      out[o++] = b ^ ESCAPE_XOR;
    } else out[o++] = b;
  };
  for (const b of payload) put(b);
  put(crcLo);
  put(crcHi);
  out[o++] = FLAG;
  return out;
}

export type HdlcFrame = { ok: true; payload: Uint8Array } | { ok: false; error: string; raw: Uint8Array };

/**
 * Splits a byte stream on 0x7E, unescapes and checks the CRC. Empty frames (0x7E 0x7E, a leading
 * 0x7E) are skipped. Bad frames come out as { ok: false } with a preview of their bytes; a frame
 * longer than maxEscapedFrame is dropped (its bytes are not kept) and reported once it ends.
 */
export class HdlcDecoder {
  private readonly buf: Uint8Array;
  private len = 0;
  private escapedLen = 0;
  private escapePending = false;
  private overflow = false;

  constructor(private readonly maxEscapedFrame = HDLC_MAX_ESCAPED_FRAME) {
    this.buf = new Uint8Array(maxEscapedFrame);
  }

  /** Bytes of an unfinished frame held right now (at most maxEscapedFrame). */
  get pendingBytes(): number {
    return this.len;
  }

  push(chunk: Uint8Array): HdlcFrame[] {
    const frames: HdlcFrame[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === FLAG) {
        const f = this.finish();
        if (f) frames.push(f);
        continue;
      }
      if (this.overflow) continue;
      if (++this.escapedLen > this.maxEscapedFrame) {
        this.overflow = true;
        continue;
      }
      if (this.escapePending) {
        this.escapePending = false;
        this.buf[this.len++] = b ^ ESCAPE_XOR;
      } else if (b === ESCAPE) this.escapePending = true;
      else this.buf[this.len++] = b;
    }
    return frames;
  }

  /** Forget a partial frame (e.g. after reopening the port). */
  reset(): void {
    this.len = 0;
    this.escapedLen = 0;
    this.escapePending = false;
    this.overflow = false;
  }

  private finish(): HdlcFrame | undefined {
    const len = this.len;
    const overflow = this.overflow;
    const danglingEscape = this.escapePending;
    const escapedLen = this.escapedLen;
    this.reset();
    if (overflow) {
      return {
        ok: false,
        error: `frame longer than ${this.maxEscapedFrame} bytes dropped`,
        raw: this.buf.slice(0, Math.min(len, HDLC_RAW_PREVIEW)),
      };
    }
    if (escapedLen === 0) return undefined;
    const raw = (): Uint8Array => this.buf.slice(0, Math.min(len, HDLC_RAW_PREVIEW));
    if (danglingEscape) return { ok: false, error: 'frame ends in an escape byte (0x7D)', raw: raw() };
    if (len < 3)
      return { ok: false, error: `frame of ${len} bytes is too short for a payload and its CRC`, raw: raw() };
    const got = this.buf[len - 2]! | (this.buf[len - 1]! << 8);
    const want = crc16x25(this.buf, 0, len - 2);
    if (got !== want) {
      return { ok: false, error: `bad CRC (frame says 0x${hex4(got)}, bytes give 0x${hex4(want)})`, raw: raw() };
    }
    return { ok: true, payload: this.buf.slice(0, len - 2) };
  }
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
