// A backup file's bytes, QCN (compound file) or XQCN (XML), to the typed backup and back. Pure.

import { readCfb, writeCfb } from './cfb.js';
import { qcnToTree, treeToQcn, type QcnBackup } from './layout.js';
import { decodeXqcnBytes, treeToXqcn, xqcnToTree } from './xqcn.js';

/** Whether the bytes are XML (an XQCN): by the name's extension or by the content. */
export function looksLikeXqcn(bytes: Uint8Array, name = ''): boolean {
  if (/\.xqcn$/i.test(name)) return true;
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return true;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x3c;
}

/** The backup in a QCN or XQCN file. Throws QCN_CORRUPT. */
export function parseBackupFile(bytes: Uint8Array, name = ''): QcnBackup {
  if (looksLikeXqcn(bytes, name)) return treeToQcn(xqcnToTree(decodeXqcnBytes(bytes)));
  return treeToQcn(readCfb(bytes));
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
