// A reader for the YAML subset electron-builder.yml uses: nested maps by indentation, block
// lists ("- item", "- key: value" maps), flow lists ([a, b]), plain/quoted scalars, comments,
// null/true/false/numbers. Anything else is an error, so the test cannot silently misread.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) return raw.slice(0, i);
  }
  return raw;
}

function scalar(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new Error(`line ${no}: unclosed flow list`);
    const inner = t.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((s) => scalar(s, no));
  }
  if (t.startsWith('"') || t.startsWith("'")) {
    if (t.length < 2 || !t.endsWith(t[0]!)) throw new Error(`line ${no}: unclosed quote`);
    return t.slice(1, -1);
  }
  if (t === 'null' || t === '~' || t === '') return null;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^[{&*!|>%@`]/.test(t)) throw new Error(`line ${no}: unsupported YAML: ${t}`);
  return t;
}

/** "key: rest" -> [key, rest]; undefined when the text is not a mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  const m = /^("[^"]*"|'[^']*'|[^\s:'"[\]{}#-][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  const key = m[1]!.replace(/^["']|["']$/g, '');
  return [key, m[2] ?? ''];
}

export function parseYamlSubset(source: string): YamlValue {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    if (/\t/.test(raw.match(/^\s*/)![0])) throw new Error(`line ${i + 1}: tab indentation`);
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '') return;
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), no: i + 1 });
  });
  let pos = 0;

  function block(indent: number): YamlValue {
    const first = lines[pos];
    if (!first || first.indent < indent) return null;
    return first.text.startsWith('- ') || first.text === '-' ? list(first.indent) : map(first.indent);
  }

  function map(indent: number, seed?: Record<string, YamlValue>): Record<string, YamlValue> {
    const out: Record<string, YamlValue> = seed ?? {};
    while (pos < lines.length && lines[pos]!.indent === indent && !lines[pos]!.text.startsWith('- ')) {
      const line = lines[pos]!;
      const kv = splitKey(line.text);
      if (!kv) throw new Error(`line ${line.no}: expected "key: value", got ${line.text}`);
      if (kv[0] in out) throw new Error(`line ${line.no}: duplicate key ${kv[0]}`);
      pos++;
      if (kv[1] !== '') out[kv[0]] = scalar(kv[1], line.no);
      else {
        const next = lines[pos];
        // A list may sit at the same indent as its key (a common YAML style).
        if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- '))))
          out[kv[0]] = block(next.indent);
        else out[kv[0]] = null;
      }
    }
    if (pos < lines.length && lines[pos]!.indent > indent)
      throw new Error(`line ${lines[pos]!.no}: unexpected indentation`);
    return out;
  }

  function list(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && lines[pos]!.text.startsWith('-')) {
      const line = lines[pos]!;
      const rest = line.text.slice(1).trimStart();
      const itemIndent = indent + (line.text.length - rest.length);
      const kv = rest === '' ? undefined : splitKey(rest);
      if (rest === '') {
        pos++;
        out.push(block(indent + 1));
      } else if (kv && !rest.startsWith('"') && !rest.startsWith("'")) {
        // "- key: value" opens a map whose further keys sit at the item's indent.
        lines[pos] = { indent: itemIndent, text: rest, no: line.no };
        out.push(map(itemIndent));
      } else {
        pos++;
        out.push(scalar(rest, line.no));
      }
    }
    return out;
  }

  const root = block(0);
  if (pos !== lines.length) throw new Error(`line ${lines[pos]!.no}: could not read ${lines[pos]!.text}`);
  return root;
}
