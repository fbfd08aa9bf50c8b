// The AT channel under fuzz (normal-mode port, before the EDL switch): any bytes into the line
// splitter, any lines into the answer parsers. Lines stay bounded, the split does not depend on
// the transfer boundaries, and the parsers answer or throw AtParseError, nothing else.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AT_MAX_LINE,
  AtLineSplitter,
  AtParseError,
  classifyFinal,
  isEcho,
  isUrc,
  parseAti,
  parseCfun,
  parseFirmwareVersion,
  parseImei,
  parseUsbnet,
} from '../../src-main/protocol/at.js';
import { PROPERTY_TIMEOUT_MS, bounded, concat, onlyThrows, params, split, text } from './fuzz-kit.js';

const LINES = [
  'OK',
  'ERROR',
  '+CME ERROR: 10',
  '+CMS ERROR: 500',
  'NO CARRIER',
  'Quectel',
  'EC25',
  'Revision: EC25EFAR06A06M4G',
  '+QGMR: EC25EFAR06A06M4G_01.001',
  '867962041234567',
  '+CFUN: 1',
  '+QCFG: "usbnet",0',
  'RDY',
  '+QIND: SMS DONE',
  'AT+CGSN',
  '',
];
const line = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...LINES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const stream = fc.oneof(
  fc
    .array(fc.tuple(line, fc.constantFrom('\r\n', '\r', '\n', '\r\r\n')), { maxLength: 12 })
    .map((ls) => text.encode(ls.map(([l, e]) => l + e).join(''))),
  fc.uint8Array({ maxLength: 600 }),
  fc
    .integer({ min: AT_MAX_LINE - 2, max: 3 * AT_MAX_LINE })
    .map((n) => concat([new Uint8Array(n).fill(0x41), text.encode('\r\nOK\r\n')])),
);

describe('fuzz: AT channel', () => {
  it(
    'the line splitter: bounded lines, the same lines whatever the transfer boundaries',
    () => {
      fc.assert(
        fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
          const lines = (chunks: readonly Uint8Array[]): string[] => {
            const s = new AtLineSplitter();
            return chunks
              .flatMap((c) => s.push(c))
              .map((l) => {
                expect(l.text.length).toBeLessThanOrEqual(AT_MAX_LINE);
                expect(l.text).toMatch(/^[\x20-\x7e]*$/);
                return `${l.truncated ? 'cut ' : ''}${l.text}`;
              });
          };
          expect(bounded(() => lines(split(bytes, cuts)), 1000, 'AtLineSplitter')).toEqual(lines([bytes]));
        }),
        params(0xa7001, 500),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the answer parsers take any lines: a value or AtParseError',
    () => {
      fc.assert(
        fc.property(fc.array(line, { maxLength: 8 }), (ls) => {
          for (const parse of [parseAti, parseFirmwareVersion, parseImei, parseCfun, parseUsbnet] as ((
            l: readonly string[],
          ) => unknown)[]) {
            bounded(() => onlyThrows(() => parse(ls), [AtParseError]), 1000, parse.name);
          }
          for (const l of ls) {
            classifyFinal(l);
            isUrc(l, 'AT+CGSN');
            isEcho(l, 'AT+CGSN');
          }
        }),
        params(0xa7002, 500),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
