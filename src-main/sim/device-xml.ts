// Firehose XML as the programmer on the module sees it: the device's own reader of the commands
// a host sends and writer of the documents it sends back. Deliberately independent of the host's
// codec (src-main/protocol/firehose-xml.ts): a misreading shared by both sides must not pass.
//
// Written from the behaviour of Qualcomm's public deviceprogrammer sources (see
// src-main/sim/PROGRAMMERS.md): a document must start with the <?xml ...?> declaration, then an
// opening tag, and end with the matching closing tag (names compared case-insensitively); text
// between tags is refused; the first tag inside <data> is the command; attribute names are
// matched case-insensitively (the power handler looks for "delayinseconds" while hosts send
// "DelayInSeconds"). Values may be quoted with " or ', and the five predefined entities and
// numeric references are decoded. What it sends is `<?xml version="1.0" encoding="UTF-8" ?>`,
// `<data>`, one element, `</data>`, attribute values escaped.

export class DeviceXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceXmlError';
  }
}

/** A command as the programmer received it. Attribute lookup ignores case, as the device's does. */
export class DeviceCommand {
  private readonly lower = new Map<string, string>();

  constructor(
    /** The tag, lower-cased (the dispatcher compares tags case-insensitively). */
    readonly tag: string,
    /** Attributes as sent, names in the host's spelling (for logs and events). */
    readonly raw: Readonly<Record<string, string>>,
  ) {
    for (const [k, v] of Object.entries(raw)) if (!this.lower.has(k.toLowerCase())) this.lower.set(k.toLowerCase(), v);
  }

  get(name: string): string | undefined {
    return this.lower.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.lower.has(name.toLowerCase());
  }

  /** A non-negative decimal number (surrounding blanks allowed), else undefined. */
  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined || !/^\s*\d{1,15}\s*$/.test(v)) return undefined;
    return Number(v);
  }

  /** "1" / "true" (any case) is true; anything else false. */
  flag(name: string): boolean {
    const v = this.get(name)?.trim().toLowerCase();
    return v === '1' || v === 'true';
  }
}

type Token =
  | { kind: 'decl' }
  | { kind: 'open'; name: string; attrs: Record<string, string>; selfClosing: boolean }
  | { kind: 'close'; name: string };

const NAME = /[A-Za-z_?][A-Za-z0-9_.:-]*/y;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode entity and character references; an unknown entity is kept as written. */
function decodeValue(v: string): string {
  return v.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|[a-zA-Z]{2,6});/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(parseInt(ref.slice(2), 16)) ?? whole;
    if (ref.startsWith('#')) return safeCodePoint(Number(ref.slice(1))) ?? whole;
    return ENTITIES[ref] ?? whole;
  });
}

function safeCodePoint(n: number): string | undefined {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

class Tokenizer {
  private at = 0;
  constructor(private readonly s: string) {}

  /** The next tag, skipping blanks and comments; undefined at the end. Text between tags is an error. */
  next(): Token | undefined {
    for (;;) {
      while (this.at < this.s.length && /\s|\0/.test(this.s[this.at]!)) this.at++;
      if (this.at >= this.s.length) return undefined;
      if (this.s[this.at] !== '<') throw new DeviceXmlError(`text outside a tag at byte ${this.at}`);
      if (this.s.startsWith('<!--', this.at)) {
        const end = this.s.indexOf('-->', this.at + 4);
        if (end < 0) throw new DeviceXmlError('unterminated comment');
        this.at = end + 3;
        continue;
      }
      return this.tag();
    }
  }

  private tag(): Token {
    this.at++; // '<'
    if (this.s[this.at] === '/') {
      this.at++;
      const name = this.name();
      this.blanks();
      this.expect('>');
      return { kind: 'close', name };
    }
    const name = this.name();
    const attrs = this.attributes();
    if (name === '?xml') {
      this.expect('?>');
      return { kind: 'decl' };
    }
    const selfClosing = this.s.startsWith('/>', this.at);
    this.expect(selfClosing ? '/>' : '>');
    return { kind: 'open', name, attrs, selfClosing };
  }

  private attributes(): Record<string, string> {
    const attrs: Record<string, string> = {};
    for (;;) {
      this.blanks();
      const c = this.s[this.at];
      if (c === undefined) throw new DeviceXmlError('document ends inside a tag');
      if (c === '>' || c === '/' || c === '?') return attrs;
      const key = this.name();
      this.blanks();
      this.expect('=');
      this.blanks();
      const q = this.s[this.at];
      if (q !== '"' && q !== "'") throw new DeviceXmlError(`attribute ${key} has no quoted value`);
      const end = this.s.indexOf(q, this.at + 1);
      if (end < 0) throw new DeviceXmlError(`attribute ${key} has no closing quote`);
      const value = this.s.slice(this.at + 1, end);
      if (value.includes('<')) throw new DeviceXmlError(`attribute ${key} holds a '<'`);
      if (!(key in attrs)) attrs[key] = decodeValue(value);
      this.at = end + 1;
    }
  }

  private name(): string {
    NAME.lastIndex = this.at;
    const m = NAME.exec(this.s);
    if (!m) throw new DeviceXmlError(`a name was expected at byte ${this.at}`);
    this.at += m[0].length;
    return m[0];
  }

  private blanks(): void {
    while (this.at < this.s.length && /\s/.test(this.s[this.at]!)) this.at++;
  }

  private expect(text: string): void {
    if (!this.s.startsWith(text, this.at)) throw new DeviceXmlError(`"${text}" was expected at byte ${this.at}`);
    this.at += text.length;
  }
}

/**
 * Read one document the host sent: `<?xml ...?>` first, then `<data>` holding one command element,
 * then `</data>`. Throws DeviceXmlError when the device would refuse it ("not validated").
 */
export function readHostDocument(text: string): DeviceCommand {
  const t = new Tokenizer(text);
  if (t.next()?.kind !== 'decl') throw new DeviceXmlError('the document does not start with <?xml ...?>');
  const root = t.next();
  if (root?.kind !== 'open' || root.selfClosing) throw new DeviceXmlError('no opening tag after the declaration');
  if (root.name.toLowerCase() !== 'data') throw new DeviceXmlError(`the root is <${root.name}>, not <data>`);
  let command: DeviceCommand | undefined;
  const open: string[] = [];
  for (let tok = t.next(); tok; tok = t.next()) {
    if (tok.kind === 'decl') throw new DeviceXmlError('a second <?xml ...?> inside the document');
    if (tok.kind === 'open') {
      command ??= new DeviceCommand(tok.name.toLowerCase(), tok.attrs);
      if (!tok.selfClosing) open.push(tok.name.toLowerCase());
      continue;
    }
    const name = tok.name.toLowerCase();
    if (open.length > 0) {
      if (open.pop() !== name) throw new DeviceXmlError(`</${tok.name}> closes the wrong tag`);
      continue;
    }
    if (name !== 'data') throw new DeviceXmlError(`</${tok.name}> where </data> was expected`);
    if (t.next() !== undefined) throw new DeviceXmlError('bytes after </data>');
    if (!command) throw new DeviceXmlError('<data> holds no command');
    return command;
  }
  throw new DeviceXmlError('the document ends before </data>');
}

// --- what the device sends -------------------------------------------------------------------

export const DEVICE_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>';

export type DocumentLayout = 'one-line' | 'lines';

function escapeValue(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One document from the device. 'one-line' is how Qualcomm's xml writer emits it; 'lines' puts the
 * declaration and <data> on lines of their own, as some programmers do (edl issue 269).
 */
export function deviceDocument(
  tag: string,
  attrs: readonly (readonly [string, string | number])[],
  layout: DocumentLayout = 'one-line',
): string {
  const body = attrs.map(([k, v]) => ` ${k}="${escapeValue(String(v))}"`).join('');
  const sep = layout === 'lines' ? '\n' : '';
  return `${DEVICE_XML_DECLARATION}${sep}<data>${sep}<${tag}${body} /></data>`;
}

export function deviceLog(value: string, layout: DocumentLayout = 'one-line'): string {
  return deviceDocument('log', [['value', value]], layout);
}

// --- the byte stream from the host ----------------------------------------------------------

const CLOSE = new TextEncoder().encode('</data>');

/**
 * Cuts what the host sends into documents: each ends at the first "</data>". On USB one transfer
 * holds one document; over a serial link (qcserial) the bytes are a stream, so the device looks
 * for the end itself. Raw data after a rawmode ACK is taken out with takeRest(), never parsed.
 */
export class HostStreamFramer {
  private buf = new Uint8Array(0);

  constructor(private readonly maxDocumentBytes: number) {}

  get pending(): number {
    return this.buf.length;
  }

  feed(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const n = new Uint8Array(this.buf.length + chunk.length);
    n.set(this.buf, 0);
    n.set(chunk, this.buf.length);
    this.buf = n;
  }

  /** The next document's bytes as text; undefined when incomplete. Throws when too long to be one. */
  next(): string | undefined {
    const end = findBytes(this.buf, CLOSE);
    if (end < 0) {
      if (this.buf.length > this.maxDocumentBytes)
        throw new DeviceXmlError(`${this.buf.length} bytes arrived without </data>`);
      return undefined;
    }
    const stop = end + CLOSE.length;
    const doc = new TextDecoder('utf-8', { fatal: false }).decode(this.buf.subarray(0, stop));
    this.buf = this.buf.subarray(stop);
    return doc;
  }

  takeRest(): Uint8Array {
    const r = this.buf;
    this.buf = new Uint8Array(0);
    return r;
  }

  /** Put bytes back in front (raw data that belongs to the next command). */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const n = new Uint8Array(bytes.length + this.buf.length);
    n.set(bytes, 0);
    n.set(this.buf, bytes.length);
    this.buf = n;
  }
}

function findBytes(hay: Uint8Array, needle: Uint8Array): number {
  for (let i = hay.indexOf(needle[0]!); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(needle[0]!, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}
