// A backup file's bytes, QCN (compound file) or XQCN (XML), to the typed backup and back. Pure.

import { type CfbNode, type CfbStorage } from './cfb.js';
import { readCfb } from './cfb-reader.js';
import { writeCfb } from './cfb-writer.js';
import { qcnToTree, treeToQcn, type QcnBackup } from './layout.js';
import { decodeXqcnBytes, treeToXqcn, xqcnToTree } from './xqcn.js';

/** Whether the bytes are XML (an XQCN): by the name's extension or by the content. */
export function looksLikeXqcn(bytes: Uint8Array, name = ''): boolean {
  if (/\.xqcn$/i.test(name)) return true;
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return true;
  while (
    i < bytes.length &&
    i < 64 &&
    (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
  )
    i++;
  return bytes[i] === 0x3c;
}

/** The stream tree of a QCN or XQCN file, every storage and stream as the file has them. Throws QCN_CORRUPT. */
export function parseBackupTree(bytes: Uint8Array, name = ''): CfbStorage {
  return looksLikeXqcn(bytes, name) ? xqcnToTree(decodeXqcnBytes(bytes)) : readCfb(bytes);
}

/** The backup in a QCN or XQCN file. Throws QCN_CORRUPT. */
export function parseBackupFile(bytes: Uint8Array, name = ''): QcnBackup {
  return treeToQcn(parseBackupTree(bytes, name));
}

/**
 * Every stream or storage of `a` missing from `b` or holding other bytes, and every one `b` has
 * beyond `a` (sibling order and times aside: XQCN carries neither the container's order nor times).
 */
export function treeDifferences(a: CfbStorage, b: CfbStorage, path = ''): string[] {
  const out: string[] = [];
  const named = (s: CfbStorage): Map<string, CfbNode> => new Map(s.children.map((c) => [c.name.toUpperCase(), c]));
  const na = named(a);
  const nb = named(b);
  for (const [key, x] of na) {
    const y = nb.get(key);
    const where = `${path}${x.name}`;
    if (!y || y.kind !== x.kind) out.push(`${where} is missing`);
    else if (x.kind === 'storage') out.push(...treeDifferences(x, y as CfbStorage, `${where}/`));
    else if (!Buffer.from(x.data).equals(Buffer.from((y as { data: Uint8Array }).data))) out.push(`${where} differs`);
  }
  for (const [key, y] of nb) if (!na.has(key)) out.push(`${path}${y.name} is extra`);
  return out;
}

/** The XQCN text of a backup, as QPST writes it; `rootName` is what QPST puts there, the file's path. */
export function backupToXqcn(b: QcnBackup, rootName: string): string {
  return treeToXqcn(qcnToTree(b), { name: rootName });
}

/** The XQCN bytes (Windows-1252, as declared; the text is ASCII apart from character references). */
export function xqcnBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** The QCN bytes of a backup. */
export function backupToQcn(b: QcnBackup): Uint8Array {
  return writeCfb(qcnToTree(b));
}
