// The patch XML. filename="DISK" patches act on the device after programming (a Firehose <patch>);
// any other filename patches that file as it is streamed (file-patch.ts). Values are validated
// here so a package with a value this tool cannot compute is refused before the device is touched.

import type { XmlElement } from '../util/xml.js';
import { badXml, checkSectorSize, intAttr, readPackageXml, strAttr, type XmlOrigin } from './xml-file.js';

/** A parsed patch value. */
export type PatchValue =
  | { kind: 'int'; value: bigint }
  | { kind: 'disk-minus'; base: 'NUM_DISK_BLOCKS' | 'NUM_DISK_SECTORS'; minus: bigint }
  | { kind: 'crc32'; sector: number; length: number };

export interface PatchEntry {
  /** As written ("DISK" or a file name relative to the XML's folder). */
  filename: string;
  isDisk: boolean;
  sectorSize: number;
  byteOffset: number;
  sizeInBytes: number;
  startSector: number;
  physicalPartition: number;
  /** The value text as written (sent as is for DISK patches). */
  valueText: string;
  value: PatchValue;
  what: string;
  origin: XmlOrigin;
}

/** A CRC over more than this is not something a partition table needs. */
export const MAX_CRC_LENGTH = 16 * 1024 * 1024;

export async function loadPatches(file: string): Promise<PatchEntry[]> {
  return parsePatches(await readPackageXml(file), file);
}

export function parsePatches(root: XmlElement, file: string): PatchEntry[] {
  const top: XmlOrigin = { file, line: root.line };
  if (root.name !== 'patches' && root.name !== 'data')
    throw badXml(top, `the root element is <${root.name}>, expected <patches>.`);
  const out: PatchEntry[] = [];
  for (const el of root.children) {
    const o: XmlOrigin = { file, line: el.line };
    if (el.name !== 'patch') throw badXml(o, `<${el.name}> found where only <patch> lines are expected.`);
    const sectorSize = intAttr(el, 'SECTOR_SIZE_IN_BYTES', o);
    checkSectorSize(sectorSize, o);
    const filename = strAttr(el, 'filename', o).trim();
    if (filename === '') throw badXml(o, 'a patch without a file name.');
    const sizeInBytes = intAttr(el, 'size_in_bytes', o);
    if (sizeInBytes < 1 || sizeInBytes > 8)
      throw badXml(o, `size_in_bytes=${sizeInBytes}; a patch writes 1 to 8 bytes.`);
    const valueText = strAttr(el, 'value', o).trim();
    const entry: PatchEntry = {
      filename,
      isDisk: filename.toUpperCase() === 'DISK',
      sectorSize,
      byteOffset: intAttr(el, 'byte_offset', o),
      sizeInBytes,
      startSector: intAttr(el, 'start_sector', o),
      physicalPartition: intAttr(el, 'physical_partition_number', o),
      valueText,
      value: parsePatchValue(valueText, o),
      what: el.attrs.what ?? '',
      origin: o,
    };
    if (entry.value.kind === 'crc32' && sizeInBytes !== 4)
      throw badXml(o, `a CRC32 value needs size_in_bytes="4", not ${sizeInBytes}.`);
    out.push(entry);
  }
  return out;
}

/** "NUM_DISK_BLOCKS-1476.", "NUM_DISK_SECTORS-34.", "CRC32(0,4096)", "1234", "1234.", "0x10". */
export function parsePatchValue(text: string, o: XmlOrigin): PatchValue {
  const t = text.replace(/\s+/g, '');
  let m = /^(NUM_DISK_BLOCKS|NUM_DISK_SECTORS)(?:-(\d{1,15})\.?)?$/.exec(t);
  if (m)
    return { kind: 'disk-minus', base: m[1] as 'NUM_DISK_BLOCKS' | 'NUM_DISK_SECTORS', minus: BigInt(m[2] ?? '0') };
  m = /^CRC32\((\d{1,15})\.?,(\d{1,15})\.?\)$/.exec(t);
  if (m) {
    const length = Number(m[2]);
    if (length === 0 || length > MAX_CRC_LENGTH)
      throw badXml(o, `${text}: the CRC length must be 1 to ${MAX_CRC_LENGTH} bytes.`);
    return { kind: 'crc32', sector: Number(m[1]), length };
  }
  m = /^(\d{1,20})\.?$/.exec(t);
  if (m) return { kind: 'int', value: BigInt(m[1]!) };
  m = /^0x([0-9a-fA-F]{1,16})$/.exec(t);
  if (m) return { kind: 'int', value: BigInt(`0x${m[1]!}`) };
  throw badXml(
    o,
    `patch value "${text}" is not one this tool understands (NUM_DISK_BLOCKS-N., NUM_DISK_SECTORS-N., CRC32(SECTOR,LEN) or a number).`,
  );
}
