// Firehose under fuzz: the document splitter and parser, the answer parsers, the configure
// negotiation, and a whole FirehoseSession against a programmer answering with generated and
// mutated documents. Only FirehoseFramingError / XmlError from the codecs, only documented
// RescueErrors from the session, never a hang, never more data than was asked for.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RescueError, type ErrorCode } from '../../shared/errors.js';
import { FirehoseSession, type FirehoseAddress } from '../../src-main/host/firehose-host.js';
import {
  ConfigureNegotiation,
  MAX_CONFIGURE_ATTEMPTS,
  MAX_PAYLOAD_CAP,
  keepAnswerLog,
  parseConfigureResponse,
  parseDigest,
  parseNakPayloadHint,
  parseStorageInfo,
  parseSupportedFunctions,
  startsLikeXml,
  stripLogLevel,
} from '../../src-main/protocol/firehose.js';
import {
  DocumentSplitter,
  FirehoseFramingError,
  MAX_DOCUMENT_BYTES,
  intAttr,
  parseDocument,
} from '../../src-main/protocol/firehose-xml.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import { escapeAttr } from '../../src-main/util/xml.js';
import {
  PROPERTY_TIMEOUT_MS,
  ScriptedPipe,
  bounded,
  concat,
  mutated,
  onlyThrows,
  params,
  settlesWith,
  split,
  text,
} from './fuzz-kit.js';

// --- generators ----------------------------------------------------------------------------

const ATTR_NAMES = [
  'value',
  'rawmode',
  'MaxPayloadSizeToTargetInBytes',
  'MaxPayloadSizeToTargetInBytesSupported',
  'MaxPayloadSizeFromTargetInBytes',
  'MaxXMLSizeInBytes',
  'MemoryName',
  'Version',
  'TargetName',
  'AttemptRetry',
];
const attrValue = fc.oneof(
  fc.constantFrom(
    'ACK',
    'NAK',
    'ack',
    'true',
    'false',
    '0',
    '1',
    '-1',
    '4096',
    '1048576',
    '99999999999999999999',
    '0x100',
    ' 512 ',
    '',
    'nand',
    'INFO: Digest ' + 'ab'.repeat(32),
  ),
  fc.string({ maxLength: 24 }),
  fc.nat().map(String),
);
const attrs = fc.dictionary(
  fc.oneof(fc.constantFrom(...ATTR_NAMES), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/)),
  attrValue,
  { maxKeys: 6 },
);
const LOG_LINES = [
  'INFO: Supported Functions (4):',
  'program',
  'read',
  'getsha256digest',
  'getstorageinfo',
  'End of supported functions 4',
  'ERROR: MaxPayloadSizeToTargetInBytes is too large; max is 8192',
  'payload too large (1048576 > 4096)',
  `INFO: Digest ${'3f'.repeat(32)}`,
  'INFO: {"storage_info": {"total_blocks": 1024, "block_size": 131072, "page_size": 2048, "mem_type": "NAND"}}',
  '{"storage_info": {"total_blocks": -1, "page_size": 1e400, "prod_name": {"a": 1}}}',
  'Supported Functions: program, read, erase',
];
const logLine = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...LOG_LINES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

function element(tag: string, a: Record<string, string>): string {
  return `<${tag}${Object.entries(a)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join('')} />`;
}
const wrap = (body: string, decl: boolean): string =>
  `${decl ? '<?xml version="1.0" encoding="UTF-8" ?>\n' : ''}<data>\n${body}\n</data>`;

const logDoc = fc.tuple(logLine, fc.boolean()).map(([l, d]) => wrap(element('log', { value: l }), d));
const responseDoc = fc
  .tuple(
    fc.constantFrom('ACK', 'ACK', 'NAK'),
    fc.option(fc.constantFrom('true', 'false'), { nil: undefined }),
    attrs,
    fc.boolean(),
  )
  .map(([v, raw, a, d]) =>
    wrap(element('response', { ...a, value: v, ...(raw !== undefined ? { rawmode: raw } : {}) }), d),
  );
/** Syntax that stresses the XML reader: comments, CDATA, PIs, entities, nesting, DOCTYPE. */
const xmlNoise = fc.constantFrom(
  '<!-- c -->',
  '<![CDATA[x]]>',
  '<?pi x?>',
  '&amp;',
  '&#x41;',
  '&#0;',
  '&bogus;',
  '&',
  '<!DOCTYPE data [<!ENTITY a "b">]>',
  '<a><b><c><d><e/></d></c></b></a>',
  '</data>',
  '<data>',
  '"',
  "'",
  '=',
  '\u0000',
  '\uFEFF',
  '\n',
  '<log value="x" value="y"/>',
  '<log value=x/>',
);
const mangledDoc = fc
  .tuple(fc.oneof(logDoc, responseDoc), fc.array(fc.tuple(fc.nat(), xmlNoise), { maxLength: 4 }))
  .map(([doc, edits]) => {
    let s = doc;
    for (const [at, noise] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + noise + s.slice(i);
    }
    return s;
  });
/** One document as text: valid, mangled, or arbitrary. */
const docText = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(logDoc, responseDoc) },
  { weight: 3, arbitrary: mangledDoc },
  { weight: 1, arbitrary: fc.string({ maxLength: 120 }) },
);
/** One device transfer as bytes: documents, mutated documents, NUL filler, raw data. */
const docBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: docText.map((d) => text.encode(d)) },
  { weight: 2, arbitrary: mutated(fc.oneof(logDoc, responseDoc).map((d) => text.encode(d))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 512 }).map((n) => new Uint8Array(n)) },
);

// --- codecs --------------------------------------------------------------------------------

describe('fuzz: Firehose document framing and parsing', () => {
  it(
    'DocumentSplitter: any stream, any cuts: only FirehoseFramingError, bounded buffer, same documents whatever the cuts',
    () => {
      fc.assert(
        fc.property(fc.array(docBytes, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 12 }), (parts, cuts) => {
          const stream = concat(parts);
          const feedAll = (chunks: readonly Uint8Array[]): string[] | Error => {
            const s = new DocumentSplitter();
            const docs: string[] = [];
            for (const c of chunks) {
              const r = onlyThrows(() => s.push(c), [FirehoseFramingError]);
              if (r instanceof Error) return r;
              docs.push(...r);
              if (s.pendingBytes > MAX_DOCUMENT_BYTES + c.length)
                throw new Error(`the splitter holds ${s.pendingBytes} bytes`);
            }
            for (const d of docs)
              if (!d.endsWith('</data>')) throw new Error(`a document that does not end in </data>: ${d}`);
            return docs;
          };
          const whole = bounded(() => feedAll([stream]), 2000, 'DocumentSplitter');
          const pieces = split(stream, cuts);
          const copies = pieces.map((p) => p.slice());
          const cut = bounded(() => feedAll(pieces), 2000, 'DocumentSplitter');
          if (stream.length <= MAX_DOCUMENT_BYTES) expect(cut).toEqual(whole);
          // The splitter never writes into the buffers it was given.
          if (pieces.some((p, i) => Buffer.compare(p, copies[i]!) !== 0))
            throw new Error('the splitter wrote into a chunk it was given');
          // A byte at a time (a serial port) gives the same documents too.
          if (stream.length <= 300)
            expect(feedAll(Array.from(stream, (_, i) => stream.subarray(i, i + 1)))).toEqual(whole);
        }),
        params(0xf1e01, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'DocumentSplitter refuses a stream without </data> once it passes the bound, whatever the chunk sizes',
    () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 40 }),
          fc.integer({ min: 0, max: 255 }),
          (sizes, fill) => {
            const s = new DocumentSplitter();
            let fed = 0;
            for (const n of sizes) {
              const r = onlyThrows(() => s.push(new Uint8Array(n).fill(fill)), [FirehoseFramingError]);
              fed += n;
              if (r instanceof Error) {
                expect(fed).toBeGreaterThan(MAX_DOCUMENT_BYTES);
                return;
              }
              expect(r).toEqual([]);
            }
            expect(fed).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);
          },
        ),
        params(0xf1e02, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'parseDocument takes any text: messages, or FirehoseFramingError',
    () => {
      fc.assert(
        fc.property(fc.oneof(docText, fc.string({ unit: 'grapheme', maxLength: 200 })), (doc) => {
          const r = bounded(() => onlyThrows(() => parseDocument(doc), [FirehoseFramingError]), 2000, 'parseDocument');
          if (r instanceof Error) return;
          expect(r.length).toBeLessThanOrEqual(64);
          for (const m of r) {
            if (m.kind === 'response') expect(typeof m.ack).toBe('boolean');
            if (m.kind === 'log') expect(typeof m.value).toBe('string');
          }
        }),
        params(0xf1e03, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the answer parsers never throw and keep their results within bounds',
    () => {
      fc.assert(
        fc.property(
          fc.array(logLine, { maxLength: 40 }),
          attrs,
          fc.integer({ min: -5, max: 64 * 1024 * 1024 }),
          (lines, a, requested) => {
            bounded(
              () => {
                const fns = parseSupportedFunctions(lines);
                expect(fns.length).toBeLessThanOrEqual(128);
                for (const f of fns) expect(f).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
                const hint = parseNakPayloadHint(a, lines);
                if (hint !== undefined) expect(Number.isSafeInteger(hint) && hint > 0).toBe(true);
                const digest = parseDigest(lines);
                if (digest !== undefined) expect(digest).toMatch(/^[0-9a-f]{64}$/);
                const info = parseStorageInfo(lines);
                if (info) for (const v of Object.values(info)) expect(['number', 'string']).toContain(typeof v);
                for (const l of lines) {
                  stripLogLevel(l);
                  startsLikeXml(text.encode(l));
                  const n = intAttr({ v: l }, 'v');
                  if (n !== undefined) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
                }
                if (requested > 0) {
                  const c = parseConfigureResponse(a, { memoryName: 'nand', maxPayloadToTarget: requested });
                  if (c.ok) {
                    expect(c.config.maxPayloadToTarget).toBeGreaterThan(0);
                    expect(c.config.maxPayloadToTarget).toBeLessThanOrEqual(Math.min(requested, MAX_PAYLOAD_CAP));
                    expect(c.config.maxPayloadToTargetSupported).toBeLessThanOrEqual(MAX_PAYLOAD_CAP);
                    expect(c.config.maxPayloadFromTarget).toBeLessThanOrEqual(MAX_PAYLOAD_CAP);
                    expect(c.config.maxXmlSize).toBeLessThanOrEqual(64 * 1024);
                  }
                }
                const logs: string[] = [];
                for (const l of lines) keepAnswerLog(logs, l, 4, 50);
                expect(logs.length).toBeLessThanOrEqual(8);
              },
              2000,
              'answer parsers',
            );
          },
        ),
        params(0xf1e04, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'ConfigureNegotiation: any answers, never more than MAX_CONFIGURE_ATTEMPTS commands, never above the host limit',
    () => {
      const answer = fc.record({ ack: fc.boolean(), attrs, logs: fc.array(logLine, { maxLength: 3 }) });
      fc.assert(
        fc.property(
          fc.integer({ min: -10, max: 64 * 1024 * 1024 }),
          fc.array(answer, { maxLength: 8 }),
          (max, answers) => {
            const n = new ConfigureNegotiation('nand', max);
            let sends = 0;
            let step = n.first();
            for (const a of answers) {
              if (step.kind !== 'send') break;
              sends++;
              expect(step.size).toBeGreaterThan(0);
              expect(step.size).toBeLessThanOrEqual(Math.min(Math.max(1, max), MAX_PAYLOAD_CAP));
              step = n.answer(a);
            }
            if (step.kind === 'send') sends++;
            expect(sends).toBeLessThanOrEqual(MAX_CONFIGURE_ATTEMPTS);
            if (step.kind === 'done')
              expect(step.config.maxPayloadToTarget).toBeLessThanOrEqual(Math.min(Math.max(1, max), MAX_PAYLOAD_CAP));
          },
        ),
        params(0xf1e05, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// --- the session -----------------------------------------------------------------------------

const SESSION_CODES: readonly ErrorCode[] = [
  'FIREHOSE_NAK',
  'FIREHOSE_PROTOCOL',
  'FIREHOSE_CONFIGURE_FAILED',
  'DEVICE_TIMEOUT',
  'DEVICE_DISCONNECTED',
];
const HANG_MS = 5000;
const ADDR: FirehoseAddress = {
  sectorSize: 2048,
  pagesPerBlock: 64,
  physicalPartition: 0,
  startSector: 0,
  numSectors: 4,
  label: 'fuzz',
};
const ack = (extra = ''): string => wrap(`<response value="ACK"${extra} />`, true);

type Op =
  | 'drainStartup'
  | 'configure'
  | 'program'
  | 'erase'
  | 'read'
  | 'sha256Digest'
  | 'storageInfo'
  | 'nop'
  | 'power'
  | 'probe';
const OPS: readonly Op[] = [
  'drainStartup',
  'configure',
  'program',
  'erase',
  'read',
  'sha256Digest',
  'storageInfo',
  'nop',
  'power',
  'probe',
];

/** Plausible replies for an operation, so generated sessions get past the first answer. */
function plausible(op: Op): string[] {
  switch (op) {
    case 'drainStartup':
      return LOG_LINES.slice(0, 6).map((l) => wrap(element('log', { value: l }), true));
    case 'configure':
      return [
        ack(' MemoryName="nand" MaxPayloadSizeToTargetInBytes="8192" MaxPayloadSizeToTargetInBytesSupported="16384"'),
        ack(' MaxPayloadSizeToTargetInBytes="16384"'),
      ];
    case 'program':
      return [ack(' rawmode="true"'), ack(' rawmode="false"')];
    case 'read':
      return [ack(' rawmode="true"'), 'x'.repeat(ADDR.sectorSize * ADDR.numSectors), ack(' rawmode="false"')];
    case 'sha256Digest':
      return [wrap(element('log', { value: `Digest ${'ab'.repeat(32)}` }), true), ack()];
    case 'storageInfo':
      return [wrap(element('log', { value: LOG_LINES[9]! }), true), ack()];
    default:
      return [ack()];
  }
}

async function runOp(s: FirehoseSession, op: Op): Promise<unknown> {
  switch (op) {
    case 'drainStartup':
      return s.drainStartup();
    case 'configure':
      return s.configure({ memoryName: 'nand', maxPayloadToTarget: 16384 });
    case 'program': {
      const data = new Uint8Array(5000).fill(0x5a);
      return s.program(ADDR, {
        size: data.length,
        read: async (offset, length) => data.subarray(offset, offset + length),
      });
    }
    case 'erase':
      return s.erase(ADDR);
    case 'read': {
      let got = 0;
      try {
        await s.read(ADDR, (c) => {
          got += c.length;
        });
      } finally {
        // Never more than was asked for, even when the programmer sends more.
        expect(got).toBeLessThanOrEqual(ADDR.sectorSize * ADDR.numSectors);
      }
      expect(got).toBe(ADDR.sectorSize * ADDR.numSectors);
      return got;
    }
    case 'sha256Digest': {
      const d = await s.sha256Digest(ADDR);
      if (d !== undefined) expect(d).toMatch(/^[0-9a-f]{64}$/);
      return d;
    }
    case 'storageInfo':
      return s.storageInfo();
    case 'nop':
      return s.nop();
    case 'power':
      return s.power('reset');
    case 'probe':
      return s.probe(1000);
  }
}

const opScript = fc
  .tuple(
    fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 5 }),
    fc.array(fc.tuple(fc.nat(), docBytes, fc.boolean()), { maxLength: 4 }),
    fc.array(fc.nat(), { maxLength: 10 }),
    fc.boolean(),
    fc.constantFrom('silence' as const, 'disconnect' as const),
  )
  .map(([ops, edits, cuts, recut, end]) => {
    // Configure first (as the engine does) most of the time, so program/read get past requireConfig.
    const plan: Op[] =
      ops[0] === 'drainStartup' ? ['drainStartup', 'configure', ...ops.slice(1)] : ['configure', ...ops];
    const parts: Uint8Array[] = plan.flatMap((op) => plausible(op).map((d) => text.encode(d)));
    for (const [at, t, replace] of edits) parts.splice(at % (parts.length + 1), replace ? 1 : 0, t);
    return { plan, transfers: recut ? split(concat(parts), cuts) : parts, end };
  });

describe('fuzz: FirehoseSession against a programmer answering with generated documents', () => {
  it(
    'every command ends with a result or a documented RescueError, within bounds',
    async () => {
      await fc.assert(
        fc.asyncProperty(opScript, async ({ plan, transfers, end }) => {
          const pipe = new ScriptedPipe(transfers, end);
          const session = new FirehoseSession(new PipeReader(pipe), {
            timeouts: {
              responseMs: 1000,
              programAckMs: 1000,
              eraseAckMs: 1000,
              writeMs: 1000,
              readDataMs: 1000,
              startupQuietMs: 1000,
              startupMaxMs: 1000,
            },
          });
          for (const op of plan) {
            // INTERNAL only for program/read before a configure was accepted: the host's own rule.
            const r = await settlesWith(
              runOp(session, op),
              HANG_MS,
              [...SESSION_CODES, ...(session.config ? [] : (['INTERNAL'] as const))],
              `FirehoseSession.${op}`,
            );
            if (r instanceof RescueError) {
              expect(r.message.length).toBeGreaterThan(10);
              if (r.code === 'DEVICE_DISCONNECTED') break;
            }
            expect(session.deviceLog.length).toBeLessThanOrEqual(200);
            for (const l of session.deviceLog) expect(l.length).toBeLessThanOrEqual(16 * 1024);
          }
          expect(session.functions.size).toBeLessThanOrEqual(128);
          // Commands are small documents; data writes never exceed what was negotiated.
          expect(pipe.largestWrite).toBeLessThanOrEqual(16384);
        }),
        params(0xf1e06, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a reply stream with no </data> is refused after a bounded amount, never buffered without end (FUZZ_RUNS/200 cases: 128 KiB each)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 8192 }), fc.integer({ min: 1, max: 255 }), async (chunk, fill) => {
          const transfers = Array.from({ length: Math.ceil((MAX_DOCUMENT_BYTES * 2) / chunk) }, (_, i) =>
            i === 0
              ? text.encode('<?xml version="1.0" ?><data><log value="')
              : new Uint8Array(chunk).fill(fill === 0x3c ? 0x41 : fill),
          );
          const pipe = new ScriptedPipe(transfers, 'silence');
          const session = new FirehoseSession(new PipeReader(pipe), { timeouts: { responseMs: 4000 } });
          const before = process.memoryUsage().arrayBuffers;
          const r = await settlesWith(
            session.nop(),
            HANG_MS,
            ['FIREHOSE_PROTOCOL', 'DEVICE_TIMEOUT'],
            'nop against an endless document',
          );
          expect(r).toBeInstanceOf(RescueError);
          // Refused once the splitter passes its bound: well before the 128 KiB the device offers.
          expect(r).toMatchObject({ code: 'FIREHOSE_PROTOCOL' });
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
        }),
        params(0xf1e07, 30, 1 / 200),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
