// Loads the golden Sahara packets and Firehose documents taken from public sessions
// (test/fixtures/real/sahara-packets, test/fixtures/real/firehose-documents; see their SOURCE.md).

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REAL = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/real');

export interface GoldenPacket {
  direction: 'device' | 'host';
  name: string;
  bytes: Uint8Array;
  source: string;
}

function dataLines(file: string): string[][] {
  return readFileSync(resolve(REAL, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/));
}

export function goldenPackets(): GoldenPacket[] {
  return dataLines('sahara-packets/packets.txt').map(([direction, name, hex, source]) => ({
    direction: direction as 'device' | 'host',
    name: name!,
    bytes: Uint8Array.from(hex!.match(/../g)!.map((h) => parseInt(h, 16))),
    source: source!,
  }));
}

export function goldenPacket(name: string): Uint8Array {
  const p = goldenPackets().find((g) => g.name === name);
  if (!p) throw new Error(`no golden packet ${name}`);
  return p.bytes;
}

/** Logged packet fields: [packet name, { field: number }, source]. */
export function goldenFields(): { packet: string; fields: Record<string, number>; source: string }[] {
  return dataLines('sahara-packets/fields.txt').map((cols) => {
    const fields: Record<string, number> = {};
    for (const kv of cols.slice(1, -1)) {
      const [k, v] = kv.split('=') as [string, string];
      fields[k] = Number(v);
    }
    return { packet: cols[0]!, fields, source: cols.at(-1)! };
  });
}

export interface GoldenDocuments {
  device: { name: string; source: string; text: string }[];
  deviceElements: { source: string; text: string }[];
  host: { name: string; source: string; text: string }[];
}

export function goldenDocuments(): GoldenDocuments {
  return JSON.parse(readFileSync(resolve(REAL, 'firehose-documents/documents.json'), 'utf8')) as GoldenDocuments;
}

export function hostDocument(name: string): string {
  const d = goldenDocuments().host.find((h) => h.name === name);
  if (!d) throw new Error(`no golden host document ${name}`);
  return d.text;
}

/** An element QFirehose printed, wrapped as Qualcomm's writer sends it (one line). */
export function wrapDeviceElement(element: string): string {
  return `<?xml version="1.0" encoding="UTF-8" ?><data>${element}</data>`;
}
