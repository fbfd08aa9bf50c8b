// DIAG under fuzz: HDLC deframing of any byte stream, every DIAG and EFS decoder on random and
// mutated packets, and a DiagClient (with its EfsClient) against a modem answering with generated
// frames. Only DiagProtocolError from the decoders, only documented RescueErrors from the client,
// never a hang, never more than the decoder's fixed frame buffer held.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RescueError, type ErrorCode } from '../../shared/errors.js';
import { DiagClient } from '../../src-main/host/diag-client.js';
import {
  DiagProtocolError,
  decodeControlPacket,
  decodeDiagErrorResponse,
  decodeExtBuildIdResponse,
  decodeFeatureQueryResponse,
  decodeNvPacket,
  decodeSpcRequest,
  decodeSpcResponse,
  decodeVersionResponse,
  describeRequest,
  encodeControlPacket,
  encodeDiagErrorResponse,
  encodeExtBuildIdResponse,
  encodeFeatureQueryResponse,
  encodeNvPacket,
  encodeSpcResponse,
  encodeVersionResponse,
  isDiagErrorResponse,
  isNvPacket,
  isUnsolicited,
  matchKey,
} from '../../src-main/protocol/diag.js';
import {
  EFS_DEFAULT_HELLO,
  decodeEfsRequest,
  decodeEfsResponse,
  encodeEfsResponse,
  isEfsPacket,
  type EfsResponse,
} from '../../src-main/protocol/efs.js';
import { HDLC_MAX_ESCAPED_FRAME, HDLC_RAW_PREVIEW, HdlcDecoder, hdlcEncode } from '../../src-main/protocol/hdlc.js';
import {
  PROPERTY_TIMEOUT_MS,
  ScriptedPipe,
  bounded,
  concat,
  interestingU32,
  mutated,
  onlyThrows,
  params,
  settlesWith,
  split,
  text,
} from './fuzz-kit.js';

// --- generators ----------------------------------------------------------------------------

const str = (n: number): fc.Arbitrary<string> => fc.string({ unit: 'binary-ascii', maxLength: n });
const i32 = interestingU32.map((v) => v | 0);

const efsResponse: fc.Arbitrary<EfsResponse> = fc.oneof(
  fc.constant<EfsResponse>({ cmd: 'hello', params: EFS_DEFAULT_HELLO }),
  fc.record({ cmd: fc.constant('open' as const), fd: i32, errno: fc.constantFrom(0, 2, 13) }),
  fc.record({ cmd: fc.constant('close' as const), errno: fc.constantFrom(0, 9) }),
  fc.uint8Array({ maxLength: 1024 }).chain((data) =>
    fc.record({
      cmd: fc.constant('read' as const),
      fd: i32,
      offset: interestingU32,
      got: fc.constant(data.length),
      errno: fc.constant(0),
      data: fc.constant(data),
    }),
  ),
  fc.record({
    cmd: fc.constant('write' as const),
    fd: i32,
    offset: interestingU32,
    written: i32,
    errno: fc.constantFrom(0, 28),
  }),
  fc.record({ cmd: fc.constant('opendir' as const), dirp: interestingU32, errno: fc.constantFrom(0, 2) }),
  fc.record({
    cmd: fc.constant('readdir' as const),
    dirp: interestingU32,
    seq: i32,
    errno: fc.constant(0),
    type: fc.integer({ min: 0, max: 3 }),
    mode: interestingU32,
    size: i32,
    atime: interestingU32,
    mtime: interestingU32,
    ctime: interestingU32,
    name: str(40),
  }),
  fc.record({ cmd: fc.constant('closedir' as const), errno: fc.constant(0) }),
  fc.record({
    cmd: fc.constant('stat' as const),
    errno: fc.constantFrom(0, 2),
    mode: fc.constantFrom(0x8000 | 0o644, 0x4000 | 0o755, 0xe000),
    size: i32,
    nlink: fc.nat(4),
    atime: interestingU32,
    mtime: interestingU32,
    ctime: interestingU32,
  }),
  fc.uint8Array({ maxLength: 128 }).chain((data) =>
    fc.record({
      cmd: fc.constant('get' as const),
      n: fc.constant(data.length),
      errno: fc.constant(0),
      seq: fc.integer({ min: 0, max: 0xffff }),
      data: fc.constant(data),
    }),
  ),
  fc.record({
    cmd: fc.constant('put' as const),
    seq: fc.integer({ min: 0, max: 0xffff }),
    errno: fc.constantFrom(0, 28),
  }),
  fc.record({
    cmd: fc.constant('sync' as const),
    seq: fc.integer({ min: 0, max: 0xffff }),
    token: interestingU32,
    errno: fc.constant(0),
  }),
  fc.record({
    cmd: fc.constant('syncStatus' as const),
    seq: fc.integer({ min: 0, max: 0xffff }),
    status: fc.integer({ min: 0, max: 255 }),
    errno: fc.constant(0),
  }),
  fc.record({
    cmd: fc.constant('error' as const),
    errno: fc.constantFrom(2, 13, 22),
    request: fc.uint8Array({ maxLength: 16 }),
  }),
);

function safely(make: () => Uint8Array): Uint8Array {
  try {
    return make();
  } catch {
    return new Uint8Array(0); // an encoder refusing a generated value is not what is fuzzed here
  }
}

/** Well-formed DIAG answers of every kind the client reads. */
const diagPayload: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .record({
      compDate: str(11),
      compTime: str(8),
      relDate: str(11),
      relTime: str(8),
      verDir: str(8),
      scm: fc.nat(255),
      caiRev: fc.nat(255),
      model: fc.nat(255),
      firmRev: fc.nat(0xffff),
      slotCycleIndex: fc.nat(255),
      hwMajor: fc.nat(255),
      hwMinor: fc.nat(255),
    })
    .map((v) => safely(() => encodeVersionResponse(v))),
  fc
    .record({ msmHwVersion: interestingU32, mobileModelId: interestingU32, build: str(40), model: str(20) })
    .map((b) => safely(() => encodeExtBuildIdResponse(b))),
  fc.uint8Array({ maxLength: 64 }).map((m) => safely(() => encodeFeatureQueryResponse(m))),
  fc
    .record({
      op: fc.constantFrom('read' as const, 'write' as const),
      item: fc.oneof(fc.constant(550), fc.nat(0xffff)),
      context: fc.nat(3),
      data: fc.uint8Array({ maxLength: 128 }),
      status: fc.nat(9),
      forceSubsystem: fc.boolean(),
    })
    .map((p) => safely(() => encodeNvPacket(p))),
  fc.boolean().map((ok) => encodeSpcResponse(ok)),
  fc.nat(6).map((m) => safely(() => encodeControlPacket(m))),
  fc
    .tuple(fc.constantFrom(0x13, 0x14, 0x15, 0x18, 0x42, 0x47), fc.uint8Array({ maxLength: 20 }))
    .map(([code, req]) => encodeDiagErrorResponse(code, req)),
  efsResponse.map((r) => safely(() => encodeEfsResponse(r))),
  fc.constant(Uint8Array.of(0x4b, 0x65, 0x01, 0x00)),
);
/** Answers as they arrive: well-formed, mutated, or arbitrary bytes. */
const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: diagPayload },
  { weight: 3, arbitrary: mutated(diagPayload) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
);

// --- HDLC ------------------------------------------------------------------------------------

describe('fuzz: HDLC deframing', () => {
  it(
    'any stream, any cuts: frames with a checked CRC or a reported bad frame, buffer never beyond its fixed size',
    () => {
      const streamPart = fc.oneof(
        { weight: 3, arbitrary: payload.map((p) => hdlcEncode(p)) },
        { weight: 2, arbitrary: mutated(payload.map((p) => hdlcEncode(p))) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.integer({ min: 1, max: 9000 }), fc.constantFrom(0x7d, 0x41, 0x00))
            .map(([n, b]) => new Uint8Array(n).fill(b)),
        },
      );
      fc.assert(
        fc.property(fc.array(streamPart, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, cuts) => {
          const stream = concat(parts);
          const decode = (chunks: readonly Uint8Array[]): string[] => {
            const d = new HdlcDecoder();
            const out: string[] = [];
            for (const c of chunks) {
              for (const f of d.push(c)) {
                if (f.ok) {
                  if (f.payload.length > HDLC_MAX_ESCAPED_FRAME) throw new Error(`a ${f.payload.length}-byte frame`);
                  // A frame that came out re-encodes and decodes to itself.
                  const again = new HdlcDecoder().push(hdlcEncode(f.payload));
                  const back = again[0];
                  if (again.length !== 1 || !back?.ok || Buffer.compare(back.payload, f.payload) !== 0)
                    throw new Error('a frame does not survive re-encoding');
                  out.push(`ok ${Buffer.from(f.payload).toString('hex')}`);
                } else {
                  if (f.raw.length > HDLC_RAW_PREVIEW || f.error.length === 0)
                    throw new Error(`bad frame report: ${f.error} (${f.raw.length} raw bytes)`);
                  out.push(`bad ${f.error}`);
                }
              }
              if (d.pendingBytes > HDLC_MAX_ESCAPED_FRAME) throw new Error(`the decoder holds ${d.pendingBytes} bytes`);
            }
            return out;
          };
          // The same frames whatever the transfer boundaries.
          expect(bounded(() => decode(split(stream, cuts)), 2000, 'HdlcDecoder')).toEqual(decode([stream]));
        }),
        params(0xd1a01, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// --- DIAG and EFS decoders ---------------------------------------------------------------------

const DECODERS: readonly [string, (p: Uint8Array) => unknown][] = [
  ['decodeVersionResponse', decodeVersionResponse],
  ['decodeExtBuildIdResponse', decodeExtBuildIdResponse],
  ['decodeFeatureQueryResponse', decodeFeatureQueryResponse],
  ['decodeNvPacket', decodeNvPacket],
  ['decodeSpcRequest', decodeSpcRequest],
  ['decodeSpcResponse', decodeSpcResponse],
  ['decodeControlPacket', decodeControlPacket],
  ['decodeDiagErrorResponse', decodeDiagErrorResponse],
  ['decodeEfsResponse', (p) => decodeEfsResponse(p)],
  ['decodeEfsRequest', decodeEfsRequest],
  ['matchKey', matchKey],
  ['describeRequest', describeRequest],
  ['isUnsolicited', isUnsolicited],
  ['isDiagErrorResponse', isDiagErrorResponse],
  ['isNvPacket', isNvPacket],
  ['isEfsPacket', isEfsPacket],
];

describe('fuzz: DIAG and EFS decoders', () => {
  it(
    'every decoder takes any payload: a value whose data is bounded by the packet, or DiagProtocolError',
    () => {
      fc.assert(
        fc.property(payload, (p) => {
          for (const [name, decode] of DECODERS) {
            const r = bounded(() => onlyThrows(() => decode(p), [DiagProtocolError]), 1000, name);
            if (r instanceof Error) continue;
            // No field sized by a length the packet declares: every byte array comes from the packet.
            const arrays =
              r instanceof Uint8Array
                ? [r]
                : typeof r === 'object' && r !== null
                  ? Object.values(r).filter((v): v is Uint8Array => v instanceof Uint8Array)
                  : [];
            for (const a of arrays) expect(a.length).toBeLessThanOrEqual(p.length);
            if (typeof r === 'string') expect(r.length).toBeLessThanOrEqual(4 * p.length + 200);
          }
        }),
        params(0xd1a02, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// --- the client --------------------------------------------------------------------------------

const CLIENT_CODES: readonly ErrorCode[] = ['DIAG_ERROR', 'DEVICE_TIMEOUT', 'DEVICE_DISCONNECTED'];
type ClientOp =
  | 'version'
  | 'extBuildId'
  | 'featureQuery'
  | 'nvRead'
  | 'spc'
  | 'control'
  | 'stat'
  | 'readFile'
  | 'listDir'
  | 'getItem';
const CLIENT_OPS: readonly ClientOp[] = [
  'version',
  'extBuildId',
  'featureQuery',
  'nvRead',
  'spc',
  'control',
  'stat',
  'readFile',
  'listDir',
  'getItem',
];

async function clientOp(c: DiagClient, op: ClientOp): Promise<unknown> {
  switch (op) {
    case 'version':
      return c.version();
    case 'extBuildId':
      return c.extBuildId();
    case 'featureQuery':
      return c.featureQuery();
    case 'nvRead': {
      const r = await c.nvRead(550);
      expect(r.data.length).toBeLessThanOrEqual(128);
      return r;
    }
    case 'spc':
      return c.spc();
    case 'control':
      return c.control(4);
    case 'stat':
      return c.efs.stat('/nv/item_files/x');
    case 'readFile': {
      const d = await c.efs.readFile('/policyman/x.xml', 4096);
      expect(d.length).toBeLessThanOrEqual(4096);
      return d;
    }
    case 'listDir': {
      const l = await c.efs.listDir('/');
      expect(l.length).toBeLessThanOrEqual(4096);
      return l;
    }
    case 'getItem': {
      const d = await c.efs.getItem('/nv/item_files/x', 64);
      if (d) expect(d.length).toBeLessThanOrEqual(64);
      return d;
    }
  }
}

describe('fuzz: DiagClient against a modem answering with generated frames', () => {
  it(
    'every request ends with a value or a documented RescueError, within bounds (FUZZ_RUNS/20 cases: real timers)',
    async () => {
      const frames = fc.array(
        fc.oneof(
          { weight: 4, arbitrary: payload.map((p) => hdlcEncode(p)) },
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }) },
          { weight: 1, arbitrary: fc.constant(text.encode('AT\r\nOK\r\n')) },
        ),
        { maxLength: 10 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...CLIENT_OPS), { minLength: 1, maxLength: 3 }),
          frames,
          fc.array(fc.nat(), { maxLength: 6 }),
          fc.constantFrom('silence' as const, 'disconnect' as const),
          async (ops, fr, cuts, end) => {
            const pipe = new ScriptedPipe(split(concat(fr), cuts), end);
            const client = new DiagClient(pipe, { timeoutMs: 15 });
            try {
              for (const op of ops) {
                const r = await settlesWith(clientOp(client, op), 5000, CLIENT_CODES, `DiagClient ${op}`);
                if (r instanceof RescueError) expect(r.message.length).toBeGreaterThan(10);
              }
            } finally {
              await settlesWith(client.close(), 5000, [], 'DiagClient.close');
            }
          },
        ),
        params(0xd1a03, 150, 1 / 20),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
