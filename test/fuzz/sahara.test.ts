// Sahara under fuzz: random and mutated packets into the codec, and a device answering with
// generated packets and garbage into the host (upload and identity read-out). Only
// SaharaPacketError from the codec, only documented RescueErrors from the host, never a hang,
// never an allocation sized by what the device claims.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RescueError, type ErrorCode } from '../../shared/errors.js';
import { saharaReadInfo, saharaUpload } from '../../src-main/host/sahara-host.js';
import {
  HEADER_LENGTH,
  MAX_PACKET_LENGTH,
  SaharaPacketError,
  decodePacket,
  encodePacket,
  readPacketHeader,
  type SaharaPacket,
} from '../../src-main/protocol/sahara.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import {
  PROPERTY_TIMEOUT_MS,
  ScriptedPipe,
  allocationBounded,
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

const u64 = fc.oneof(
  fc.constantFrom(0n, 13n, 0x400n, 0xffffffffn, 0x100000000n, 0xffffffffffffffffn),
  fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
);

/** Any packet the codec knows, with boundary-heavy field values. */
export const saharaPacket: fc.Arbitrary<SaharaPacket> = fc.oneof(
  fc.record({
    type: fc.constant('hello' as const),
    version: fc.integer({ min: 0, max: 4 }),
    versionCompatible: fc.integer({ min: 0, max: 4 }),
    maxCommandPacketLength: interestingU32,
    mode: fc.oneof(fc.integer({ min: 0, max: 4 }), interestingU32),
  }),
  fc.record({
    type: fc.constant('read-data' as const),
    imageId: fc.oneof(fc.constant(13), interestingU32),
    offset: interestingU32,
    length: interestingU32,
  }),
  fc.record({
    type: fc.constant('read-data-64' as const),
    imageId: fc.oneof(fc.constant(13n), u64),
    offset: u64,
    length: u64,
  }),
  fc.record({
    type: fc.constant('end-of-image-tx' as const),
    imageId: fc.oneof(fc.constant(13), interestingU32),
    status: fc.oneof(fc.integer({ min: 0, max: 0x30 }), interestingU32),
  }),
  fc.record({
    type: fc.constant('done-resp' as const),
    imageTxStatus: fc.oneof(fc.integer({ min: 0, max: 2 }), interestingU32),
  }),
  fc.record({ type: fc.constant('cmd-ready' as const) }),
  fc.record({
    type: fc.constant('cmd-exec-resp' as const),
    clientCommand: fc.integer({ min: 0, max: 12 }),
    responseLength: interestingU32,
  }),
  fc.record({ type: fc.constant('memory-debug' as const), tableAddress: interestingU32, tableLength: interestingU32 }),
  fc.record({ type: fc.constant('memory-debug-64' as const), tableAddress: u64, tableLength: u64 }),
  fc.record({ type: fc.constant('memory-read' as const), address: interestingU32, length: interestingU32 }),
  fc.record({ type: fc.constant('reset-resp' as const) }),
  fc.record({ type: fc.constant('done' as const) }),
  fc.record({ type: fc.constant('cmd-switch-mode' as const), mode: fc.integer({ min: 0, max: 4 }) }),
  fc.record({
    type: fc.constant('hello-resp' as const),
    version: fc.integer({ min: 0, max: 3 }),
    versionCompatible: fc.integer({ min: 0, max: 3 }),
    status: interestingU32,
    mode: fc.integer({ min: 0, max: 4 }),
  }),
);

/** A header with a chosen command and length, then some payload bytes. */
const headerLike = fc
  .tuple(fc.oneof(fc.integer({ min: 0, max: 0x14 }), interestingU32), interestingU32, fc.uint8Array({ maxLength: 64 }))
  .map(([cmd, len, rest]) => {
    const b = new Uint8Array(HEADER_LENGTH + rest.length);
    new DataView(b.buffer).setUint32(0, cmd, true);
    new DataView(b.buffer).setUint32(4, len, true);
    b.set(rest, HEADER_LENGTH);
    return b;
  });

const packetBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: mutated(saharaPacket.map(encodePacket)) },
  { weight: 2, arbitrary: headerLike },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) },
);

describe('fuzz: Sahara packet codec', () => {
  it(
    'readPacketHeader and decodePacket take any bytes: a packet that fits its length, or SaharaPacketError',
    () => {
      fc.assert(
        fc.property(packetBytes, (bytes) => {
          const header = onlyThrows(() => readPacketHeader(bytes), [SaharaPacketError]);
          const packet = allocationBounded(
            () => bounded(() => onlyThrows(() => decodePacket(bytes), [SaharaPacketError]), 1000, 'decodePacket'),
            1 << 20,
            'decodePacket',
          );
          if (header instanceof Error) {
            expect(packet).toBeInstanceOf(SaharaPacketError);
            return;
          }
          expect(header.length).toBeGreaterThanOrEqual(HEADER_LENGTH);
          expect(header.length).toBeLessThanOrEqual(MAX_PACKET_LENGTH);
          if (packet instanceof Error) {
            // The header was fine, so only a short packet may fail.
            expect(bytes.length).toBeLessThan(header.length);
            expect((packet as SaharaPacketError).problem).toBe('truncated');
            return;
          }
          // Whatever decoded re-encodes to the same command and decodes back to the same values.
          const again = encodePacket(packet);
          expect(new DataView(again.buffer).getUint32(0, true)).toBe(header.command);
          expect(decodePacket(again)).toEqual(packet);
        }),
        params(0x5a4a01, 1000),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// --- the host against generated replies -------------------------------------------------------

const HOST_CODES: readonly ErrorCode[] = [
  'SAHARA_PROTOCOL',
  'SAHARA_NO_HELLO',
  'SAHARA_IMAGE_REJECTED',
  'SAHARA_MEMORY_DEBUG',
  'DEVICE_TIMEOUT',
  'DEVICE_DISCONNECTED',
];
const PROGRAMMER_SIZE = 4096;
const PROGRAMMER = new Uint8Array(PROGRAMMER_SIZE).map((_, i) => (i * 31) & 0xff);
const MAX_READ = 64 * 1024;
const HANG_MS = 5000;

const validHello = fc
  .record({ version: fc.constantFrom(1, 2, 3), mode: fc.constantFrom(0, 0, 0, 1, 2, 3) })
  .map(({ version, mode }) =>
    encodePacket({ type: 'hello', version, versionCompatible: 1, maxCommandPacketLength: 0x400, mode }),
  );
const firehoseXml = fc
  .constantFrom(
    '<?xml version="1.0" ?><data><log value="hi" /></data>',
    '<data><response value="ACK" /></data>',
    '<?xml',
  )
  .map((s) => text.encode(s));
/** Transfers a device might send: mostly plausible packets (some broken), some garbage and XML. */
const transfer: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: packetBytes },
  { weight: 1, arbitrary: firehoseXml },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
);
/** A plausible upload: HELLO, reads inside the programmer, END_OF_IMAGE_TX, DONE_RESP (then some broken). */
const goodRead = fc
  .tuple(fc.integer({ min: 0, max: PROGRAMMER_SIZE - 1 }), fc.integer({ min: 1, max: 2048 }))
  .map(([offset, length]) =>
    encodePacket({ type: 'read-data', imageId: 13, offset, length: Math.min(length, PROGRAMMER_SIZE - offset) }),
  );
const session = fc
  .tuple(
    fc
      .constantFrom(0, 3)
      .map((mode) =>
        encodePacket({ type: 'hello', version: 2, versionCompatible: 1, maxCommandPacketLength: 0x400, mode }),
      ),
    fc.array(goodRead, { maxLength: 6 }),
    fc
      .constantFrom(0, 0, 0, 0x21, 0x0c)
      .map((status) => encodePacket({ type: 'end-of-image-tx', imageId: 13, status })),
    fc.constant(encodePacket({ type: 'done-resp', imageTxStatus: 1 })),
  )
  .map(([h, reads, eoi, done]) => [h, ...reads, eoi, done]);
/** A session with some of its packets replaced, mutated or followed by junk. */
const brokenSession = fc
  .tuple(session, fc.array(fc.tuple(fc.nat(), transfer, fc.boolean()), { maxLength: 3 }))
  .map(([parts, edits]) => {
    const out = [...parts];
    for (const [at, t, replace] of edits) out.splice(at % (out.length + 1), replace ? 1 : 0, t);
    return out;
  });
/** A whole device script, re-cut at random points half of the time. */
const script = fc
  .tuple(
    fc.oneof(
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.option(validHello, { freq: 5, nil: undefined }), fc.array(transfer, { maxLength: 12 }))
          .map(([hello, rest]) => (hello ? [hello, ...rest] : rest)),
      },
      { weight: 1, arbitrary: session },
      { weight: 2, arbitrary: brokenSession },
    ),
    fc.array(fc.nat(), { maxLength: 8 }),
    fc.boolean(),
  )
  .map(([parts, cuts, recut]) => (recut ? split(concat(parts), cuts) : parts));

const hostParams = fc.record({
  readInfo: fc.boolean(),
  end: fc.constantFrom('silence' as const, 'disconnect' as const),
});

function checkOutcome(r: unknown, pipe: ScriptedPipe): void {
  if (r instanceof RescueError) expect(r.message.length).toBeGreaterThan(10);
  // What the host sends is bounded by the programmer and its own per-request cap, never by the device.
  expect(pipe.largestWrite).toBeLessThanOrEqual(MAX_READ);
  expect(pipe.bytesWritten).toBeLessThanOrEqual(PROGRAMMER.length * 16 + MAX_READ + 64 * 1024);
}

describe('fuzz: Sahara host against a device sending generated packets', () => {
  it(
    'saharaUpload ends with an outcome or a documented RescueError, within bounds',
    async () => {
      await fc.assert(
        fc.asyncProperty(script, hostParams, async (transfers, p) => {
          const pipe = new ScriptedPipe(transfers, p.end);
          const r = await settlesWith(
            saharaUpload(new PipeReader(pipe), PROGRAMMER, {
              helloTimeoutMs: 1000,
              packetTimeoutMs: 1000,
              readInfo: p.readInfo,
              maxReadLength: MAX_READ,
            }),
            HANG_MS,
            HOST_CODES,
            'saharaUpload',
          );
          checkOutcome(r, pipe);
        }),
        params(0x5a4a02, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'saharaReadInfo ends with an identity or a documented RescueError, within bounds',
    async () => {
      await fc.assert(
        fc.asyncProperty(script, hostParams, async (transfers, p) => {
          const pipe = new ScriptedPipe(transfers, p.end);
          const r = await settlesWith(
            saharaReadInfo(new PipeReader(pipe), { helloTimeoutMs: 1000, packetTimeoutMs: 1000 }),
            HANG_MS,
            HOST_CODES,
            'saharaReadInfo',
          );
          checkOutcome(r, pipe);
          if (!(r instanceof RescueError)) for (const h of r.pkHashes) expect(h).toMatch(/^[0-9a-f]+$/);
        }),
        params(0x5a4a03, 300),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'over a real in-memory USB link with short timeouts (FUZZ_RUNS/50 cases: real timers), a device sending generated transfers never hangs the host',
    async () => {
      await fc.assert(
        fc.asyncProperty(script, async (transfers) => {
          const pair = createMemoryPipePair({ maxPacketSize: 512 });
          const run = settlesWith(
            saharaUpload(new PipeReader(pair.host), PROGRAMMER, {
              helloTimeoutMs: 20,
              packetTimeoutMs: 20,
              maxReadLength: MAX_READ,
            }),
            HANG_MS,
            HOST_CODES,
            'saharaUpload over memory pipes',
          );
          // The device drains what the host sends and answers each of its writes with the next transfer.
          const dev = (async () => {
            for (const t of transfers) {
              await pair.device.write(t, { timeoutMs: 200 });
              await pair.device.read(1 << 20, { timeoutMs: 5 }).catch(() => undefined);
            }
          })().catch(() => undefined);
          const r = await run;
          pair.disconnect();
          await dev;
          if (r instanceof RescueError) expect(r.message.length).toBeGreaterThan(10);
        }),
        params(0x5a4a04, 40, 1 / 50),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
