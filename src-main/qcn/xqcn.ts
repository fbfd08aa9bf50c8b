// XQCN: the QCN stream tree as XML. <Storage Name=...> nests like the compound file's storages;
// <Stream Length=... Name=... Value='hex bytes'> holds each stream.
//
// Written as QPST 2.7.0.496 writes it (its .xqcn exports in the public test files of
// koyuyesil/Nebula-QCN-MCDF-Analyser, sources/Test/TestFiles/*/00000000_0.xqcn): the declaration
// `<?xml version="1.0" encoding="Windows-1252" ?>`, a blank line, the root `<Storage Name='...'>`
// named after the file, every attribute in single quotes in the order Length, Name, Value, every
// hex byte followed by a space, two spaces of indent per level, in each storage its storages
// first and then its streams (so File_Version comes last under the root), empty storages
// self-closed (`<Storage Name='EFS_Dir'/>`), LF line ends and no line end after the last tag.
// Read: ours and QPST's, in UTF-8 or the Windows-1252 the declaration names.

import { RescueError } from '../../shared/errors.js';
import { parseXml, XmlError, type XmlElement } from '../util/xml.js';
import { MAX_CFB_BYTES, validCfbName, type CfbNode, type CfbStorage } from './cfb.js';

/** Three characters per byte; a 64 MiB QCN would be ~192 MiB of text, refuse beyond that. */
const MAX_XQCN_CHARS = 3 * MAX_CFB_BYTES + 1024 * 1024;

const DECLARATION = '<?xml version="1.0" encoding="Windows-1252" ?>';

function corrupt(what: string): RescueError {
  return new RescueError('QCN_CORRUPT', `The XQCN file is damaged: ${what}.`);
}

const HEX = Array.from({ length: 256 }, (_, i) => `${i.toString(16).toUpperCase().padStart(2, '0')} `);

function hexBytes(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i++) out += HEX[data[i]!]!;
  return out;
}

/** A single-quoted attribute value; anything outside printable ASCII as a character reference, so the text is the same in any encoding. */
function attr(v: string): string {
  let out = '';
  for (const ch of v) {
    const cp = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === "'") out += '&apos;';
    else if (cp < 0x20 || cp > 0x7e) out += `&#${cp};`;
    else out += ch;
  }
  return out;
}

/**
 * The XQCN text of a stream tree, formatted as QPST formats it. `name` is the root storage's
 * name (QPST writes the path of the .xqcn file); default: the root's own name.
 */
export function treeToXqcn(root: CfbStorage, opts: { name?: string } = {}): string {
  const lines = [DECLARATION, ''];
  const emit = (node: CfbNode, depth: number, name = node.name): void => {
    const pad = '  '.repeat(depth);
    if (node.kind === 'stream') {
      lines.push(`${pad}<Stream Length='${node.data.length}' Name='${attr(name)}' Value='${hexBytes(node.data)}'/>`);
      return;
    }
    if (node.children.length === 0) {
      lines.push(`${pad}<Storage Name='${attr(name)}'/>`);
      return;
    }
    lines.push(`${pad}<Storage Name='${attr(name)}'>`);
    for (const c of node.children) if (c.kind === 'storage') emit(c, depth + 1);
    for (const c of node.children) if (c.kind === 'stream') emit(c, depth + 1);
    lines.push(`${pad}</Storage>`);
  };
  emit(root, 0, opts.name ?? root.name);
  return lines.join('\n');
}

/** The text of an XQCN file: UTF-8 (with or without BOM), UTF-16 with BOM, or the Windows-1252 / ISO-8859-1 its declaration names. */
export function decodeXqcnBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 200)).toString('latin1');
  const enc = /^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (enc && ['windows-1252', 'cp1252', 'iso-8859-1', 'latin1', 'us-ascii'].includes(enc))
    return new TextDecoder('windows-1252').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw corrupt(`it is not UTF-8 text${enc ? ` (its declaration names ${enc})` : ''}`);
  }
}

function parseHex(value: string, length: number, name: string, line: number): Uint8Array {
  const tokens = value.trim() === '' ? [] : value.trim().split(/\s+/);
  if (tokens.length !== length)
    throw corrupt(`stream "${name}" (line ${line}) declares ${length} bytes but holds ${tokens.length}`);
  const out = new Uint8Array(length);
  tokens.forEach((t, i) => {
    if (!/^[0-9A-Fa-f]{1,2}$/.test(t))
      throw corrupt(`stream "${name}" (line ${line}) holds "${t.slice(0, 8)}", not a hex byte`);
    out[i] = parseInt(t, 16);
  });
  return out;
}

function convert(el: XmlElement, depth: number): CfbNode[] {
  if (depth > 32) throw corrupt('its storages nest too deep');
  const out: CfbNode[] = [];
  for (const c of el.children) {
    const name = c.attrs.Name ?? c.attrs.name;
    if (c.name !== 'Storage' && c.name !== 'Stream') continue;
    if (name === undefined || !validCfbName(name)) throw corrupt(`a <${c.name}> on line ${c.line} has no valid Name`);
    if (c.name === 'Storage') {
      out.push({ kind: 'storage', name, children: convert(c, depth + 1) });
      continue;
    }
    const lenText = c.attrs.Length ?? c.attrs.length ?? '';
    if (!/^\d{1,9}$/.test(lenText)) throw corrupt(`stream "${name}" (line ${c.line}) has no valid Length`);
    out.push({
      kind: 'stream',
      name,
      data: parseHex(c.attrs.Value ?? c.attrs.value ?? '', Number(lenText), name, c.line),
    });
  }
  return out;
}

/** The stream tree of an XQCN document. Throws QCN_CORRUPT on malformed or hostile input. */
export function xqcnToTree(text: string): CfbStorage {
  if (text.length > MAX_XQCN_CHARS) throw corrupt(`it is ${text.length} characters, more than a QCN can be`);
  let doc: XmlElement;
  try {
    doc = parseXml(text, { maxBytes: MAX_XQCN_CHARS, maxElements: 500_000, maxDepth: 34 });
  } catch (e) {
    if (e instanceof XmlError) throw corrupt(e.message);
    throw e;
  }
  return { kind: 'storage', name: 'Root Entry', children: convert(doc, 1) };
}
