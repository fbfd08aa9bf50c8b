// Firehose commands and answers, host side: builds the command documents and reads what the
// programmer says back (its function list, the configure answer, NAK hints, digests, storage
// info). Pure: strings in, values out, no I/O. Framing lives in firehose-xml.ts.

import { buildDocument, intAttr } from './firehose-xml.js';

/** Where a command acts: the address attributes shared by program, erase, read and digest. */
export interface FirehoseAddress {
  /** SECTOR_SIZE_IN_BYTES: the NAND page size (2048 or 4096) or 512 on eMMC. */
  sectorSize: number;
  pagesPerBlock?: number;
  physicalPartition: number;
  /** A sector number, or an expression the programmer evaluates ("NUM_DISK_SECTORS-5."). */
  startSector: number | string;
  /** num_partition_sectors: the partition's size in sectors. */
  numSectors: number;
  label?: string;
  filename?: string;
}

/** What the programmer and the host agreed on in <configure>. */
export interface NegotiatedConfig {
  memoryName: string;
  /** Largest data write the host may send (bytes). */
  maxPayloadToTarget: number;
  /** Largest the programmer could take if asked (…Supported); >= maxPayloadToTarget. */
  maxPayloadToTargetSupported: number;
  maxPayloadFromTarget: number;
  /** Largest command document the programmer reads (MaxXMLSizeInBytes). */
  maxXmlSize: number;
  version?: string;
  targetName?: string;
}

export interface ConfigureParams {
  memoryName: string;
  maxPayloadToTarget: number;
  zlpAwareHost: boolean;
  skipStorageInit?: boolean | undefined;
  /** Dry run on real hardware: the programmer accepts data but writes nothing. */
  skipWrite?: boolean | undefined;
}

export interface PatchParams {
  sectorSize: number;
  byteOffset: number;
  /** "DISK" patches the device; anything else names a file (patched on the host, not sent). */
  filename: string;
  physicalPartition: number;
  sizeInBytes: number;
  startSector: string | number;
  value: string;
  what?: string;
}

/** MaxXMLSizeInBytes before configure tells otherwise. */
export const DEFAULT_MAX_XML_SIZE = 4096;
/** Never send data writes larger than this, whatever the programmer claims it takes. */
export const MAX_PAYLOAD_CAP = 16 * 1024 * 1024;

// --- commands -------------------------------------------------------------------------------

export function configureCommand(p: ConfigureParams): string {
  return buildDocument('configure', {
    MemoryName: p.memoryName,
    Verbose: 0,
    AlwaysValidate: 0,
    MaxDigestTableSizeInBytes: 2048,
    MaxPayloadSizeToTargetInBytes: p.maxPayloadToTarget,
    ZlpAwareHost: p.zlpAwareHost,
    SkipStorageInit: p.skipStorageInit ?? false,
    SkipWrite: p.skipWrite,
  });
}

/** <program>; numSectors here is what will be streamed (the file's sectors), not the partition. */
export function programCommand(a: FirehoseAddress, lastSector?: number | string): string {
  return buildDocument('program', {
    SECTOR_SIZE_IN_BYTES: a.sectorSize,
    PAGES_PER_BLOCK: a.pagesPerBlock,
    num_partition_sectors: a.numSectors,
    physical_partition_number: a.physicalPartition,
    start_sector: a.startSector,
    filename: a.filename,
    label: a.label,
    last_sector: lastSector,
  });
}

export function eraseCommand(a: FirehoseAddress): string {
  return buildDocument('erase', addressAttrs(a));
}

export function readCommand(a: FirehoseAddress): string {
  return buildDocument('read', { ...addressAttrs(a), filename: a.filename, label: a.label });
}

export function sha256DigestCommand(a: FirehoseAddress): string {
  return buildDocument('getsha256digest', addressAttrs(a));
}

export function patchCommand(p: PatchParams): string {
  return buildDocument('patch', {
    SECTOR_SIZE_IN_BYTES: p.sectorSize,
    byte_offset: p.byteOffset,
    filename: p.filename,
    physical_partition_number: p.physicalPartition,
    size_in_bytes: p.sizeInBytes,
    start_sector: p.startSector,
    value: p.value,
    what: p.what,
  });
}

export function storageInfoCommand(physicalPartition = 0): string {
  return buildDocument('getstorageinfo', { physical_partition_number: physicalPartition });
}

export function nopCommand(): string {
  return buildDocument('nop', {});
}

export type PowerMode = 'reset' | 'off' | 'edl';

export function powerCommand(mode: PowerMode, delaySeconds?: number): string {
  return buildDocument('power', { value: mode, DelayInSeconds: delaySeconds });
}

function addressAttrs(a: FirehoseAddress): Record<string, string | number | undefined> {
  return {
    SECTOR_SIZE_IN_BYTES: a.sectorSize,
    PAGES_PER_BLOCK: a.pagesPerBlock,
    num_partition_sectors: a.numSectors,
    physical_partition_number: a.physicalPartition,
    start_sector: a.startSector,
  };
}

/** "sectors 0-639", or "640 sectors from NUM_DISK_SECTORS-640." for an expression. */
export function describeSectors(startSector: number | string, numSectors: number): string {
  if (typeof startSector === 'number') return `sectors ${startSector}-${startSector + Math.max(numSectors, 1) - 1}`;
  return `${numSectors} sectors from ${startSector}`;
}

/** "<program> of sbl1.mbn, sectors 0-639": what a message says a command was. */
export function describeCommand(tag: string, a: FirehoseAddress): string {
  const name = a.label ?? a.filename;
  return `<${tag}> of ${name ? `${name}, ` : ''}${describeSectors(a.startSector, a.numSectors)}`;
}

/** What is wrong with an address (sizes, overflow, expression length), or undefined if nothing. */
export function addressProblem(a: FirehoseAddress): string | undefined {
  if (!Number.isSafeInteger(a.sectorSize) || a.sectorSize < 1 || a.sectorSize > 65536)
    return `sector size ${a.sectorSize}`;
  if (!Number.isSafeInteger(a.numSectors) || a.numSectors < 1) return `${a.numSectors} sectors`;
  if (!Number.isSafeInteger(a.numSectors * a.sectorSize)) return 'the size overflows';
  if (!Number.isSafeInteger(a.physicalPartition) || a.physicalPartition < 0 || a.physicalPartition > 255)
    return `physical partition ${a.physicalPartition}`;
  const s = a.startSector;
  if (typeof s === 'number' ? !Number.isSafeInteger(s) || s < 0 : s.length === 0 || s.length > 64)
    return `start sector ${String(s)}`;
  if (a.pagesPerBlock !== undefined && (!Number.isSafeInteger(a.pagesPerBlock) || a.pagesPerBlock < 1))
    return `${a.pagesPerBlock} pages per block`;
  return undefined;
}

// --- answers --------------------------------------------------------------------------------

/** Drop the level prefix some programmers put on log lines ("INFO: ", "WARN: ", "ERROR: "). */
export function stripLogLevel(line: string): string {
  return line.replace(/^\s*(?:INFO|WARN(?:ING)?|ERROR|DEBUG|LOG)\s*:\s*/i, '').trim();
}

const MAX_FUNCTIONS = 128;
const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * The function list from the startup burst: "Supported Functions (N):", one name per line,
 * "End of supported functions N". Tolerates a missing count, a missing end line, level prefixes,
 * and names listed on the header line itself ("Supported Functions: program, read"). Lower-cased.
 */
export function parseSupportedFunctions(lines: readonly string[]): string[] {
  const out = new Set<string>();
  let inList = false;
  let expected = Infinity;
  for (const raw of lines) {
    const line = stripLogLevel(raw);
    const header = /^supported\s+functions\b\s*(?:\(\s*(\d*)\s*\))?\s*:?\s*(.*)$/i.exec(line);
    if (header) {
      inList = true;
      expected = header[1] ? Number(header[1]) : Infinity;
      for (const name of (header[2] ?? '').split(/[\s,;]+/)) addFunction(out, name);
      continue;
    }
    if (!inList) continue;
    // One name per line; anything else (or the end line, or the announced count reached) ends it.
    if (!FUNCTION_NAME.test(line) || out.size >= expected) {
      inList = false;
      continue;
    }
    addFunction(out, line);
  }
  return [...out];
}

function addFunction(set: Set<string>, name: string): void {
  if (set.size < MAX_FUNCTIONS && FUNCTION_NAME.test(name)) set.add(name.toLowerCase());
}

export type ConfigureAnswer = { ok: true; config: NegotiatedConfig } | { ok: false; problem: string };

/**
 * Read the attributes of a configure ACK. `requested` is the payload size the host asked for:
 * the host never sends more than that, whatever the programmer says it took.
 */
export function parseConfigureResponse(
  attrs: Record<string, string>,
  requested: { memoryName: string; maxPayloadToTarget: number },
): ConfigureAnswer {
  const toTarget = intAttr(attrs, 'MaxPayloadSizeToTargetInBytes') ?? requested.maxPayloadToTarget;
  if (toTarget <= 0) return { ok: false, problem: `the programmer accepted a payload size of ${toTarget} bytes` };
  const negotiated = Math.min(toTarget, requested.maxPayloadToTarget, MAX_PAYLOAD_CAP);
  const supported = Math.min(
    Math.max(intAttr(attrs, 'MaxPayloadSizeToTargetInBytesSupported') ?? negotiated, negotiated),
    MAX_PAYLOAD_CAP,
  );
  const fromTarget = intAttr(attrs, 'MaxPayloadSizeFromTargetInBytes');
  const xml = intAttr(attrs, 'MaxXMLSizeInBytes');
  const config: NegotiatedConfig = {
    memoryName: boundedText(attrs.MemoryName) ?? requested.memoryName,
    maxPayloadToTarget: negotiated,
    maxPayloadToTargetSupported: supported,
    maxPayloadFromTarget:
      fromTarget !== undefined && fromTarget > 0 ? Math.min(fromTarget, MAX_PAYLOAD_CAP) : DEFAULT_MAX_XML_SIZE,
    // A programmer claiming a tiny or huge XML limit is not believed: commands stay small anyway.
    maxXmlSize: xml !== undefined && xml >= 512 ? Math.min(xml, 64 * 1024) : DEFAULT_MAX_XML_SIZE,
  };
  const version = boundedText(attrs.Version);
  const target = boundedText(attrs.TargetName);
  if (version !== undefined) config.version = version;
  if (target !== undefined) config.targetName = target;
  return { ok: true, config };
}

function boundedText(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t.length > 0 ? t.slice(0, 128) : undefined;
}

export const MAX_CONFIGURE_ATTEMPTS = 3;

export type ConfigureStep =
  | { kind: 'send'; size: number }
  | { kind: 'done'; config: NegotiatedConfig }
  | { kind: 'fail'; reason: string; logs: readonly string[] };

/**
 * The configure conversation: what to send next after each answer. A NAK with a smaller size hint
 * is answered by re-sending with that size; an ACK whose …Supported exceeds what was granted is
 * followed by one re-configure upward (only while an attempt is left to go back if the upsize is
 * refused). Never more than MAX_CONFIGURE_ATTEMPTS configure commands.
 */
export class ConfigureNegotiation {
  /** The last configuration the programmer ACKed. */
  accepted: NegotiatedConfig | undefined;
  private readonly ceiling: number;
  private size: number;
  private attempt = 0;
  private upsized = false;
  private readonly tried: string[] = [];

  constructor(
    private readonly memoryName: string,
    maxPayloadToTarget: number,
  ) {
    this.ceiling = Math.min(Math.max(1, Math.floor(maxPayloadToTarget) || 1), MAX_PAYLOAD_CAP);
    this.size = this.ceiling;
  }

  first(): ConfigureStep {
    return this.send(this.size);
  }

  answer(ans: { ack: boolean; attrs: Record<string, string>; logs: readonly string[] }): ConfigureStep {
    if (ans.ack) {
      this.tried.push(`${this.size}: ACK`);
      const parsed = parseConfigureResponse(ans.attrs, { memoryName: this.memoryName, maxPayloadToTarget: this.size });
      if (!parsed.ok)
        return { kind: 'fail', reason: `The programmer's answer makes no sense: ${parsed.problem}`, logs: ans.logs };
      const cfg = parsed.config;
      this.accepted = cfg;
      const more = Math.min(cfg.maxPayloadToTargetSupported, this.ceiling);
      if (!this.upsized && more > cfg.maxPayloadToTarget && this.attempt <= MAX_CONFIGURE_ATTEMPTS - 2) {
        this.upsized = true;
        return this.send(more);
      }
      return { kind: 'done', config: cfg };
    }
    const hint = parseNakPayloadHint(ans.attrs, ans.logs);
    this.tried.push(`${this.size}: NAK${hint !== undefined ? ` (suggests ${hint})` : ''}`);
    if (this.accepted) return this.send(this.accepted.maxPayloadToTarget); // the upsize was refused: go back
    if (hint === undefined || hint >= this.size)
      return { kind: 'fail', reason: `The programmer refused <configure> (${this.tried.join(', ')})`, logs: ans.logs };
    return this.send(hint);
  }

  private send(size: number): ConfigureStep {
    if (this.attempt >= MAX_CONFIGURE_ATTEMPTS)
      return {
        kind: 'fail',
        reason: `No agreement after ${MAX_CONFIGURE_ATTEMPTS} tries (${this.tried.join(', ')})`,
        logs: [],
      };
    this.attempt++;
    this.size = size;
    return { kind: 'send', size };
  }
}

/**
 * The payload size a configure NAK says the programmer accepts: the NAK's
 * MaxPayloadSizeToTargetInBytes (…Supported) attribute, else a number in a "payload … too large"
 * log line ("… is too large; max is 8192", "… too large (1048576 > 8192)"). Undefined when there is no usable hint.
 */
export function parseNakPayloadHint(attrs: Record<string, string>, logs: readonly string[]): number | undefined {
  for (const name of ['MaxPayloadSizeToTargetInBytes', 'MaxPayloadSizeToTargetInBytesSupported']) {
    const v = intAttr(attrs, name);
    if (v !== undefined && v > 0) return v;
  }
  for (let i = logs.length - 1; i >= 0; i--) {
    const line = logs[i]!.slice(0, 512);
    if (!/payload/i.test(line) || !/too\s+(?:large|big)|MaxPayloadSizeToTarget|exceed/i.test(line)) continue;
    const named = /MaxPayloadSizeToTargetInBytes(?:Supported)?\s*[:=]?\s*"?(\d{1,9})/i.exec(line);
    const limit = named ?? /(?:max(?:imum)?|limit|supported|accepts?|use|>)\D{0,16}(\d{1,9})/i.exec(line);
    const n = limit ? Number(limit[1]) : NaN;
    if (Number.isSafeInteger(n) && n > 0) return n;
  }
  return undefined;
}

/** The SHA-256 from a getsha256digest log ("Digest 3f…", with or without "INFO: "), lower-case hex. */
export function parseDigest(lines: readonly string[]): string | undefined {
  for (const raw of lines) {
    const m = /\bdigest\b\s*[:=]?\s*(?:0x)?([0-9a-f]{64})(?![0-9a-f])/i.exec(raw.slice(0, 512));
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}

const MAX_STORAGE_JSON = 8 * 1024;
const STORAGE_INT_FIELDS = [
  'total_blocks',
  'block_size',
  'page_size',
  'pages_per_block',
  'num_physical',
  'bad_blocks',
  'total_sectors',
  'sector_size',
  'num_partition_sectors',
] as const;
const STORAGE_TEXT_FIELDS = ['mem_type', 'prod_name', 'manufacturer_id', 'serial_num', 'fw_version'] as const;

/**
 * What a getstorageinfo answer says about the storage. Current programmers log one
 * {"storage_info": {...}} JSON line; older ones log key=value lines instead ("SECTOR_SIZE_IN_BYTES=512",
 * "num_physical_partitions=3", "num_partition_sectors=61071360": strongtz/edl-ng issue 25 and
 * bkerler/edl issue 108 show them), and some only ACK (bkerler/edl issue 546, an EC20 with the
 * 9x07 NAND loader: nothing to read). Only known fields of the right type are kept; undefined
 * when there is nothing.
 */
export function parseStorageInfo(lines: readonly string[]): Record<string, unknown> | undefined {
  return storageFromJson(lines) ?? storageFromKeyValues(lines);
}

function storageFromJson(lines: readonly string[]): Record<string, unknown> | undefined {
  const candidates = [...lines];
  if (lines.length > 1) candidates.push(lines.join(''));
  for (const line of candidates) {
    const start = line.indexOf('{');
    if (start < 0 || !line.includes('storage_info')) continue;
    const text = line.slice(start, line.lastIndexOf('}') + 1);
    if (text.length === 0 || text.length > MAX_STORAGE_JSON) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      continue;
    }
    const info = isPlainObject(parsed) ? parsed.storage_info : undefined;
    if (!isPlainObject(info)) continue;
    const out: Record<string, unknown> = {};
    for (const k of STORAGE_INT_FIELDS) {
      const v = info[k];
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[k] = v;
    }
    for (const k of STORAGE_TEXT_FIELDS) {
      const v = info[k];
      if (typeof v === 'string' && v.length <= 64) out[k] = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) out[k] = String(v);
    }
    if (Object.keys(out).length > 0) return out;
  }
  return undefined;
}

/** key=value log lines of older programmers, by the names they use, to the JSON field names. */
const STORAGE_KEYS: Readonly<Record<string, (typeof STORAGE_INT_FIELDS)[number]>> = {
  sector_size_in_bytes: 'sector_size',
  sector_size: 'sector_size',
  page_size: 'page_size',
  block_size: 'block_size',
  pages_per_block: 'pages_per_block',
  total_blocks: 'total_blocks',
  num_partition_sectors: 'num_partition_sectors',
  total_sectors: 'total_sectors',
  num_physical_partitions: 'num_physical',
  num_physical: 'num_physical',
};

function storageFromKeyValues(lines: readonly string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const line of lines) {
    const m = /^\s*(?:INFO:\s*)?([A-Za-z_]{4,40})\s*=\s*(\d{1,15})\s*$/.exec(line);
    const field = m ? STORAGE_KEYS[m[1]!.toLowerCase()] : undefined;
    if (!field || field in out) continue;
    const v = Number(m![2]);
    if (Number.isSafeInteger(v)) out[field] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Add a log line to the logs of one answer, keeping its first and last `keep` lines (each cut to
 * maxLine): an info line (a digest, storage JSON) survives a flood after it, and the reason for
 * a NAK survives a flood before it.
 */
export function keepAnswerLog(logs: string[], line: string, keep: number, maxLine: number): void {
  if (logs.length >= 2 * keep) logs.splice(keep, 1);
  logs.push(line.length > maxLine ? line.slice(0, maxLine) : line);
}

/** Does a new document start in these bytes? NULs, whitespace and a UTF-8 BOM may come before its '<'. */
export function startsLikeXml(chunk: Uint8Array): boolean {
  for (const b of chunk) {
    if (b === 0x3c) return true;
    if (b !== 0x00 && b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf)
      return false;
  }
  return true;
}
