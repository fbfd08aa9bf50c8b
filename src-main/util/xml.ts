// A small, strict XML reader for the flat documents this tool meets: rawprogram/patch XML in
// firmware packages and Firehose <data> documents from the device. It never expands entities
// beyond the five predefined ones and numeric references, refuses DOCTYPE (so no billion laughs,
// no external entities), and bounds input size, depth and element count.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (trimmed). */
  text: string;
  /** 1-based line of the start tag, for error messages. */
  line: number;
  /** Comments directly inside this element, trimmed (Quectel's rawprogram states the NAND geometry in them). */
  comments?: string[];
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 16,
  maxElements: 20_000,
  maxAttributes: 64,
};

export class XmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'XmlError';
  }
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:.-]/;

/** Parse a document and return its root element. Throws XmlError on anything malformed or hostile. */
export function parseXml(input: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const lim = { ...DEFAULT_XML_LIMITS, ...limits };
  if (input.length > lim.maxBytes)
    throw new XmlError(`document is ${input.length} bytes, more than the ${lim.maxBytes} allowed`, 1);
  const p = new Parser(input, lim);
  return p.document();
}

class Parser {
  private pos = 0;
  private line = 1;
  private elements = 0;

  constructor(
    private readonly s: string,
    private readonly lim: XmlLimits,
  ) {}

  document(): XmlElement {
    if (this.s.charCodeAt(0) === 0xfeff) this.pos = 1; // BOM
    this.misc();
    if (this.pos >= this.s.length || this.s[this.pos] !== '<') this.fail('expected a root element');
    const root = this.element(1);
    this.misc();
    if (this.pos < this.s.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace, comments, processing instructions; refuses DOCTYPE. */
  private misc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<?')) this.skipPast('?>', 'processing instruction');
      else if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<!')) this.fail('DOCTYPE and entity declarations are not allowed');
      else return;
    }
  }

  private element(depth: number): XmlElement {
    if (depth > this.lim.maxDepth) this.fail(`elements nested deeper than ${this.lim.maxDepth}`);
    if (++this.elements > this.lim.maxElements) this.fail(`more than ${this.lim.maxElements} elements`);
    const line = this.line;
    this.expect('<');
    const name = this.name();
    const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
    let count = 0;
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = this.s[this.pos];
      if (c === '/') {
        this.expect('/>');
        return { name, attrs, children: [], text: '', line };
      }
      if (c === '>') {
        this.pos++;
        break;
      }
      if (c === undefined) this.fail(`unterminated start tag <${name}>`);
      if (!hadSpace) this.fail(`expected a space before an attribute in <${name}>`);
      const an = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const q = this.s[this.pos];
      if (q !== '"' && q !== "'") this.fail(`attribute ${an} of <${name}> is not quoted`);
      this.pos++;
      const end = this.s.indexOf(q, this.pos);
      if (end < 0) this.fail(`unterminated value of attribute ${an}`);
      const raw = this.s.slice(this.pos, end);
      if (raw.includes('<')) this.fail(`'<' inside the value of attribute ${an}`);
      this.countLines(raw);
      this.pos = end + 1;
      if (Object.prototype.hasOwnProperty.call(attrs, an)) this.fail(`attribute ${an} repeated in <${name}>`);
      if (++count > this.lim.maxAttributes) this.fail(`more than ${this.lim.maxAttributes} attributes in <${name}>`);
      attrs[an] = this.decode(raw);
    }
    const children: XmlElement[] = [];
    const comments: string[] = [];
    let text = '';
    for (;;) {
      if (this.pos >= this.s.length) this.fail(`<${name}> is never closed`);
      if (this.startsWith('</')) {
        this.pos += 2;
        const close = this.name();
        if (close !== name) this.fail(`</${close}> closes <${name}>`);
        this.skipSpace();
        this.expect('>');
        const el: XmlElement = { name, attrs, children, text: text.trim(), line };
        if (comments.length > 0) el.comments = comments;
        return el;
      }
      if (this.startsWith('<!--')) {
        const c = this.comment();
        if (comments.length < 64) comments.push(c.trim().slice(0, 256));
      } else if (this.startsWith('<![CDATA[')) {
        this.pos += 9;
        const end = this.s.indexOf(']]>', this.pos);
        if (end < 0) this.fail('unterminated CDATA section');
        const raw = this.s.slice(this.pos, end);
        this.countLines(raw);
        text += raw;
        this.pos = end + 3;
      } else if (this.startsWith('<?')) this.skipPast('?>', 'processing instruction');
      else if (this.startsWith('<!')) this.fail('declarations are not allowed inside elements');
      else if (this.s[this.pos] === '<') children.push(this.element(depth + 1));
      else {
        const next = this.s.indexOf('<', this.pos);
        const end = next < 0 ? this.s.length : next;
        const raw = this.s.slice(this.pos, end);
        this.countLines(raw);
        text += this.decode(raw);
        this.pos = end;
      }
    }
  }

  private comment(): string {
    this.pos += 4;
    const end = this.s.indexOf('-->', this.pos);
    if (end < 0) this.fail('unterminated comment');
    const body = this.s.slice(this.pos, end);
    this.countLines(body);
    this.pos = end + 3;
    return body;
  }

  private name(): string {
    const start = this.pos;
    if (!NAME_START.test(this.s[this.pos] ?? '')) this.fail('expected a name');
    this.pos++;
    while (this.pos < this.s.length && NAME_CHAR.test(this.s[this.pos]!)) this.pos++;
    if (this.pos - start > 256) this.fail('name longer than 256 characters');
    return this.s.slice(start, this.pos);
  }

  private decode(raw: string): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;]{0,10});?/g, (m, ent: string) => {
      if (!m.endsWith(';')) this.fail(`bare '&' (only &amp; &lt; &gt; &quot; &apos; and &#N; are allowed)`);
      switch (ent) {
        case 'amp':
          return '&';
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
      }
      const num = /^#x([0-9a-fA-F]{1,6})$/.exec(ent) ?? /^#([0-9]{1,7})$/.exec(ent);
      if (num) {
        const cp = parseInt(num[1]!, ent[1] === 'x' ? 16 : 10);
        if (cp > 0 && cp <= 0x10ffff) return String.fromCodePoint(cp);
      }
      this.fail(`entity &${ent}; is not allowed (entities are never expanded)`);
    });
  }

  private skipSpace(): boolean {
    const start = this.pos;
    for (;;) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 10) this.line++;
      else if (c !== 32 && c !== 9 && c !== 13) break;
      this.pos++;
    }
    return this.pos > start;
  }

  private skipPast(end: string, what: string): void {
    const i = this.s.indexOf(end, this.pos);
    if (i < 0) this.fail(`unterminated ${what}`);
    this.countLines(this.s.slice(this.pos, i));
    this.pos = i + end.length;
  }

  private countLines(t: string): void {
    for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) this.line++;
  }

  private startsWith(t: string): boolean {
    return this.s.startsWith(t, this.pos);
  }

  private expect(t: string): void {
    if (!this.startsWith(t)) this.fail(`expected '${t}'`);
    this.pos += t.length;
  }

  private fail(msg: string): never {
    throw new XmlError(msg, this.line);
  }
}

/** Escape a value for use inside a double-quoted attribute. */
export function escapeAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
