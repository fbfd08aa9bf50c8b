// XQCN: the QCN stream tree as XML. <Storage Name=...> nests like the compound file's storages;
// <Stream Length=... Name=... Value='hex bytes separated by spaces'> holds each stream.

import { RescueError } from '../../shared/errors.js';
import { escapeAttr, parseXml, XmlError, type XmlElement } from '../util/xml.js';
import { MAX_CFB_BYTES, validCfbName, type CfbNode, type CfbStorage } from './cfb.js';

/** Three characters per byte; a 64 MiB QCN would be ~192 MiB of text, refuse beyond that. */
const MAX_XQCN_CHARS = 3 * MAX_CFB_BYTES + 1024 * 1024;

function corrupt(what: string): RescueError {
  return new RescueError('QCN_CORRUPT', `The XQCN file is damaged: ${what}.`);
}

function hexBytes(data: Uint8Array): string {
  const parts = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) parts[i] = data[i]!.toString(16).toUpperCase().padStart(2, '0');
  return parts.join(' ');
}

/** The XQCN text of a stream tree (its root becomes the document element). */
export function treeToXqcn(root: CfbStorage): string {
  const lines = ['<?xml version="1.0" encoding="utf-8"?>', '<QPSTXQCNFile>'];
  const emit = (node: CfbNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    if (node.kind === 'stream') {
      lines.push(`${pad}<Stream Length="${node.data.length}" Name="${escapeAttr(node.name)}" Value='${hexBytes(node.data)}' />`);
      return;
    }
    lines.push(`${pad}<Storage Name="${escapeAttr(node.name)}">`);
    for (const c of node.children) emit(c, depth + 1);
    lines.push(`${pad}</Storage>`);
  };
  for (const c of root.children) emit(c, 1);
  lines.push('</QPSTXQCNFile>', '');
  return lines.join('\n');
}

function parseHex(value: string, length: number, name: string, line: number): Uint8Array {
  const tokens = value.trim() === '' ? [] : value.trim().split(/\s+/);
  if (tokens.length !== length) throw corrupt(`stream "${name}" (line ${line}) declares ${length} bytes but holds ${tokens.length}`);
  const out = new Uint8Array(length);
  tokens.forEach((t, i) => {
    if (!/^[0-9A-Fa-f]{1,2}$/.test(t)) throw corrupt(`stream "${name}" (line ${line}) holds "${t.slice(0, 8)}", not a hex byte`);
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
    out.push({ kind: 'stream', name, data: parseHex(c.attrs.Value ?? c.attrs.value ?? '', Number(lenText), name, c.line) });
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
