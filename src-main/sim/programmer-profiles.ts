// How each Firehose programmer the virtual modem can run talks: its startup burst, function
// list, configure answers (ACK and NAK), storage-info answer, the logs around erase, program and
// power, and when its first logs leave the device. Every profile is built from public sessions
// and sources; PROGRAMMERS.md in this folder has the table with the source of each fact. Where a
// source gives a format but the value is the device's own (a serial number, a build date, a
// geometry), the value is this virtual module's.

import type { ModelSpec } from './models.js';

export type ProgrammerName =
  | 'default'
  | 'quectel-sdx-nand'
  | 'quectel-sdx-nand-eager'
  | 'mdm9x07-legacy'
  | 'no-digest'
  | 'qualcomm-handleconfigure';

/** What the programmer knows about itself and the NAND when it answers. */
export interface AnswerContext {
  model: ModelSpec;
  /** MaxPayloadSizeToTargetInBytes in force (the configured one; before any ACK, the supported one). */
  toTarget: number;
  supported: number;
  maxXml: number;
  /** MemoryName as the host sent it. */
  memoryAsked: string;
}

export interface StorageFacts {
  totalBlocks: number;
  blockBytes: number;
  pageSize: number;
  pagesPerBlock: number;
  logicalPages: number;
  badBlocks: number;
  chip: string;
}

export interface ProgrammerProfile {
  name: ProgrammerName;
  summary: string;
  /** Prefix of every log line ("INFO: " on Quectel's and Qualcomm's builds). */
  logPrefix: string;
  /** Functions listed at startup, in the order they are listed. */
  functions: readonly string[];
  startupLines(model: ModelSpec, functions: readonly string[]): string[];
  /** Attributes of the configure answer, in order; the NAK carries the same set (handleConfigure). */
  configureAttrs(c: AnswerContext): [string, string | number][];
  /** Whether the configure answer carries rawmode="false" (Qualcomm's sendResponseFields leaves it out). */
  configureRawmode: boolean;
  /** Log lines when the host asks a larger payload than supported (before the NAK). */
  payloadTooLargeLines(asked: number, supported: number): string[];
  /** Log lines (before the ACK) answering getstorageinfo. */
  storageInfoLines(s: StorageFacts): string[];
  /** "Calling handler for <tag>" before each handled command (Quectel's NAND builds). */
  handlerLogs: boolean;
  eraseLines(start: number, count: number, blocks: number): string[];
  /** Log lines after a program's data, before rawmode="false" ACK. */
  programDoneLines(start: number, count: number): string[];
  /** Log lines sent after the power ACK, before the reset. */
  powerAfterAckLines: string[];
  /** A log after the first command has been answered, once (Qualcomm's main_firehose). */
  firstCommandLine?: string;
  /** What an unrecognized tag gets: Qualcomm's dispatcher logs a warning and ACKs. */
  unknownTag(tag: string): { lines: string[]; ack: boolean };
  /** The text of a sector-size mismatch (the device's own wording where a session shows it). */
  sectorSizeProblem(asked: string, pageSize: number): string;
  /** Milliseconds between DONE_RESP and the first log. */
  startupDelayMs: number;
  /** DONE_RESP and the whole startup burst leave in one write. */
  burstWithDoneResp: boolean;
}

const QUECTEL_SDX_FUNCTIONS = [
  'program',
  'read',
  'nop',
  'patch',
  'configure',
  'setbootablestoragedrive',
  'erase',
  'power',
  'firmwarewrite',
  'getstorageinfo',
  'benchmark',
  'emmc',
  'ufs',
  'fixgpt',
  'getsha256digest',
] as const;
const DEFAULT_FUNCTIONS = [
  'program',
  'read',
  'nop',
  'patch',
  'configure',
  'setbootablestoragedrive',
  'erase',
  'power',
  'firmwarewrite',
  'getstorageinfo',
  'benchmark',
  'getsha256digest',
] as const;
/** As bkerler/edl printed the MDM9x07 NAND loader's list (issue 714). */
const MDM9X07_FUNCTIONS = [
  'program',
  'configure',
  'power',
  'benchmark',
  'read',
  'getstorageinfo',
  'erase',
  'nop',
] as const;

export const DEFAULT_BUILD_DATE = 'Mar 12 2019 @ 10:31:45';

function functionList(functions: readonly string[]): string[] {
  return [`Supported Functions (${functions.length}):`, ...functions, `End of supported functions ${functions.length}`];
}

function jsonStorageInfo(s: StorageFacts): string[] {
  const info = {
    storage_info: {
      total_blocks: s.totalBlocks,
      block_size: s.blockBytes,
      page_size: s.pageSize,
      pages_per_block: s.pagesPerBlock,
      num_physical: 1,
      mem_type: 'NAND',
      prod_name: `${s.chip} NAND`,
      bad_blocks: s.badBlocks,
    },
  };
  return [JSON.stringify(info)];
}

/** Qualcomm's processNextXMLTag: a tag it has no handler for is logged and ACKed. */
function warnAndAck(tag: string): { lines: string[]; ack: boolean } {
  return { lines: [`WARNING: Ignoring unrecognized tag '${tag}'. Continuing.`], ack: true };
}

/** The project's own programmer, as it was before issue 9 (its NAK now carries its ACK's attributes). */
const DEFAULT_PROFILE: ProgrammerProfile = {
  name: 'default',
  summary:
    "the project's own MDM9x07-like NAND programmer (storage JSON, getsha256digest); the profile every earlier test ran against",
  logPrefix: '',
  functions: DEFAULT_FUNCTIONS,
  startupLines: (m, f) => [
    `Binary build date: ${DEFAULT_BUILD_DATE}`,
    `Chip serial num: ${m.serial} (0x${m.serial.toString(16)})`,
    ...functionList(f),
  ],
  configureAttrs: (c) => [
    ['MemoryName', 'NAND'],
    ['MinVersionSupported', 1],
    ['Version', 1],
    ['MaxPayloadSizeToTargetInBytes', c.toTarget],
    ['MaxPayloadSizeToTargetInBytesSupported', c.supported],
    ['MaxPayloadSizeFromTargetInBytes', c.supported],
    ['MaxXMLSizeInBytes', c.maxXml],
    ['DateTime', DEFAULT_BUILD_DATE],
    ['TargetName', '9x07'],
  ],
  configureRawmode: true,
  payloadTooLargeLines: (asked, supported) => [
    `ERROR: Host's payload to target size is too large (${asked} > ${supported})`,
  ],
  storageInfoLines: jsonStorageInfo,
  handlerLogs: false,
  eraseLines: (start, _count, blocks) => [`Erased ${blocks} blocks from start_sector ${start}`],
  programDoneLines: (start, count) => [`Finished programming start_sector ${start} and TotalSectorsToProgram ${count}`],
  powerAfterAckLines: [],
  unknownTag: (tag) => ({ lines: [`WARNING: Unrecognized tag <${tag}>, ignoring it`], ack: true }),
  sectorSizeProblem: (asked, ps) => `SECTOR_SIZE_IN_BYTES is "${asked}", this NAND has ${ps}-byte pages`,
  startupDelayMs: 0,
  burstWithDoneResp: false,
};

/** Quectel's SDX24/SDX55 NAND programmers as QFirehose printed them (log/Ubuntu_remote, log/MCU_local). */
const QUECTEL_SDX_BUILD = 'Apr 19 2020 @ 17:49:11';
const QUECTEL_SDX_PROFILE: ProgrammerProfile = {
  name: 'quectel-sdx-nand',
  summary:
    "Quectel's SDX24/SDX55 NAND programmer as QFirehose sessions show it: INFO: lines, 15 functions, 7-attribute configure ACK without rawmode, first logs about 1 s after DONE_RESP",
  logPrefix: 'INFO: ',
  functions: QUECTEL_SDX_FUNCTIONS,
  startupLines: (_m, f) => [
    `Binary build date: ${QUECTEL_SDX_BUILD}`,
    `Binary build date: ${QUECTEL_SDX_BUILD}.`,
    'Chip serial num: 0 (0x0)',
    ...functionList(f),
  ],
  configureAttrs: (c) => [
    ['MemoryName', c.memoryAsked],
    ['MinVersionSupported', 1],
    ['Version', 1],
    ['MaxPayloadSizeToTargetInBytes', c.toTarget],
    ['MaxPayloadSizeToTargetInBytesSupported', c.supported],
    ['MaxXMLSizeInBytes', c.maxXml],
    ['DateTime', 'Apr 19 2020 - 17:49:11'],
  ],
  configureRawmode: false,
  payloadTooLargeLines: () => ["Host's payload to target size is too large"],
  storageInfoLines: jsonStorageInfo,
  handlerLogs: true,
  eraseLines: (start) => [`Erasing start sector ${start}, num sectors 0`],
  programDoneLines: () => [],
  powerAfterAckLines: [
    'Will issue reset/power off 100 useconds, if this hangs check if watchdog is enabled',
    'bsp_target_reset() 1',
  ],
  unknownTag: warnAndAck,
  sectorSizeProblem: (asked, ps) => `Sector size in XML ${asked} does not match disk sector size ${ps}`,
  startupDelayMs: 1000,
  burstWithDoneResp: false,
};

const PROFILES: Record<ProgrammerName, ProgrammerProfile> = {
  default: DEFAULT_PROFILE,
  'quectel-sdx-nand': QUECTEL_SDX_PROFILE,
  'quectel-sdx-nand-eager': {
    ...QUECTEL_SDX_PROFILE,
    name: 'quectel-sdx-nand-eager',
    summary:
      'the same programmer on a link that delivers DONE_RESP and the whole startup burst in one read (several documents per transfer, a qcserial byte stream)',
    startupDelayMs: 0,
    burstWithDoneResp: true,
  },
  'mdm9x07-legacy': {
    ...DEFAULT_PROFILE,
    name: 'mdm9x07-legacy',
    summary:
      'the MDM9x07 NAND loader as bkerler/edl met it: 8 functions (no getsha256digest, no patch), configure ACK without Version and MaxPayloadSizeFromTargetInBytes, getstorageinfo ACKed with key=value lines and no storage JSON',
    logPrefix: 'INFO: ',
    functions: MDM9X07_FUNCTIONS,
    configureAttrs: (c) => [
      ['MemoryName', 'NAND'],
      ['MinVersionSupported', 1],
      ['MaxPayloadSizeToTargetInBytes', c.toTarget],
      ['MaxPayloadSizeToTargetInBytesSupported', c.supported],
      ['MaxXMLSizeInBytes', c.maxXml],
      ['TargetName', '9x07'],
    ],
    configureRawmode: false,
    payloadTooLargeLines: () => ["Host's payload to target size is too large"],
    storageInfoLines: (s) => [
      `SECTOR_SIZE_IN_BYTES=${s.pageSize}`,
      `num_partition_sectors=${s.logicalPages}`,
      'num_physical_partitions=1',
    ],
    eraseLines: () => [],
    programDoneLines: () => [],
    unknownTag: warnAndAck,
    sectorSizeProblem: (asked, ps) =>
      `Attribute 'SECTOR_SIZE_IN_BYTES'=${asked} must be equal to disk sector size ${ps}`,
  },
  'no-digest': {
    ...DEFAULT_PROFILE,
    name: 'no-digest',
    summary:
      'the default programmer built without getsha256digest: not in its list; asked anyway, it logs the unrecognized-tag warning and ACKs with no Digest line',
    functions: DEFAULT_FUNCTIONS.filter((f) => f !== 'getsha256digest'),
    unknownTag: warnAndAck,
  },
  'qualcomm-handleconfigure': {
    ...DEFAULT_PROFILE,
    name: 'qualcomm-handleconfigure',
    summary:
      'answers as Qualcomm\'s public deviceprogrammer_firehose.c: the 8-attribute configure answer (ACK and NAK alike, in handleConfigure\'s order), the bare payload-too-large log, "Finished sector address" after data, a one-time logbuf line',
    logPrefix: '',
    configureAttrs: (c) => [
      ['MinVersionSupported', 1],
      ['MemoryName', 'NAND'],
      ['MaxPayloadSizeFromTargetInBytes', c.supported],
      ['MaxPayloadSizeToTargetInBytes', c.toTarget],
      ['MaxPayloadSizeToTargetInBytesSupported', c.supported],
      ['MaxXMLSizeInBytes', c.maxXml],
      ['Version', 1],
      ['TargetName', '9x07'],
    ],
    configureRawmode: false,
    payloadTooLargeLines: () => ["Host's payload to target size is too large"],
    eraseLines: () => [],
    programDoneLines: (start, count) => [`Finished sector address ${start + count}`],
    firstCommandLine: 'logbuf@0x08058000 fh@0x08054000',
    unknownTag: warnAndAck,
    sectorSizeProblem: (asked, ps) => `Sector size in XML ${asked} does not match disk sector size ${ps}`,
  },
};

export const PROGRAMMER_NAMES = Object.keys(PROFILES) as ProgrammerName[];

export function isProgrammerName(name: string): name is ProgrammerName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}

export function getProgrammerProfile(name: ProgrammerName | undefined): ProgrammerProfile {
  return PROFILES[name ?? 'default'];
}
