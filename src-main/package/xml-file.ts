// Reading one XML file of a package safely: its size is checked before it is read (a huge file is
// refused without loading it), parse errors become PACKAGE_BAD_XML naming the file and line, and
// attributes are read strictly (plain decimal integers, required ones present).

import path from 'node:path';
import { RescueError } from '../../shared/errors.js';
import { readInputText } from '../util/input-file.js';
import { DEFAULT_XML_LIMITS, parseXml, XmlError, type XmlElement } from '../util/xml.js';

export const MAX_PACKAGE_XML_BYTES = DEFAULT_XML_LIMITS.maxBytes;

export async function readPackageXml(
  file: string,
  maxBytes = MAX_PACKAGE_XML_BYTES,
  signal?: AbortSignal,
): Promise<XmlElement> {
  const name = path.basename(file);
  // A FIFO or a device would block the read (or never end): only regular files are read.
  const text = await readInputText(file, {
    maxBytes,
    what: 'an XML file of a package',
    code: 'PACKAGE_BAD_XML',
    missingCode: 'PACKAGE_MISSING_FILE',
    ...(signal ? { signal } : {}),
  });
  try {
    return parseXml(text, { maxBytes });
  } catch (e) {
    if (e instanceof XmlError) throw new RescueError('PACKAGE_BAD_XML', `${name}, ${e.message}.`, { cause: e });
    throw e;
  }
}

/** Where an element came from, for messages. */
export interface XmlOrigin {
  file: string;
  line: number;
}

export function describe(o: XmlOrigin): string {
  return `${path.basename(o.file)} line ${o.line}`;
}

export function badXml(o: XmlOrigin, msg: string): RescueError {
  return new RescueError('PACKAGE_BAD_XML', `${describe(o)}: ${msg}`);
}

/** A required non-negative decimal integer attribute. */
export function intAttr(el: XmlElement, name: string, o: XmlOrigin): number {
  const v = el.attrs[name];
  if (v === undefined) throw badXml(o, `<${el.name}> lacks the attribute ${name}.`);
  return parseDecimal(v, `${name}="${v}" of <${el.name}>`, o);
}

export function optionalIntAttr(el: XmlElement, name: string, o: XmlOrigin): number | undefined {
  const v = el.attrs[name];
  return v === undefined ? undefined : parseDecimal(v, `${name}="${v}" of <${el.name}>`, o);
}

export function strAttr(el: XmlElement, name: string, o: XmlOrigin): string {
  const v = el.attrs[name];
  if (v === undefined) throw badXml(o, `<${el.name}> lacks the attribute ${name}.`);
  return v;
}

function parseDecimal(v: string, what: string, o: XmlOrigin): number {
  const t = v.trim();
  if (!/^\d{1,15}$/.test(t)) throw badXml(o, `${what} is not a plain decimal number.`);
  return Number(t);
}

/** NAND page sizes and the like: a power of two in a sane range. */
export function checkSectorSize(n: number, o: XmlOrigin): void {
  if (n < 512 || n > 65536 || (n & (n - 1)) !== 0)
    throw badXml(o, `SECTOR_SIZE_IN_BYTES=${n} is not a power of two between 512 and 65536.`);
}
