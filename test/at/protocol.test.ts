// The pure AT logic: line splitting at every boundary, final result codes, URCs, answer parsers.

import { describe, expect, it } from 'vitest';
import {
  AT_MAX_LINE,
  AtLineSplitter,
  AtParseError,
  classifyFinal,
  commandName,
  commandProblem,
  isEcho,
  isUrc,
  parseAti,
  parseCfun,
  parseFirmwareVersion,
  parseImei,
  parseUsbnet,
} from '../../src-main/protocol/at.js';
import { luhnValid } from '../../src-main/protocol/imei.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function splitAll(chunks: Uint8Array[]): string[] {
  const s = new AtLineSplitter();
  return chunks.flatMap((c) => s.push(c).map((l) => l.text));
}

describe('AtLineSplitter', () => {
  const stream = 'ATI\r\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A11M4G\r\n\r\nOK\r\n';
  const expected = ['ATI', 'Quectel', 'EC25', 'Revision: EC25EFAR06A11M4G', 'OK'];

  it('splits a whole answer into its lines, skipping empty ones', () => {
    expect(splitAll([enc(stream)])).toEqual(expected);
  });

  it('gives the same lines whatever the chunk boundaries (every split point, and byte by byte)', () => {
    const bytes = enc(stream);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(splitAll([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
    }
    expect(splitAll([...bytes].map((b) => Uint8Array.of(b)))).toEqual(expected);
  });

  it('accepts bare LF, bare CR and CRLF endings', () => {
    expect(splitAll([enc('a\nb\rc\r\nd\n\re\r')])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps an unfinished line until its end arrives', () => {
    const s = new AtLineSplitter();
    expect(s.push(enc('\r\n+CFUN: 1'))).toEqual([]);
    expect(s.partial).toBe('+CFUN: 1');
    expect(s.push(enc('\r\n'))).toEqual([{ text: '+CFUN: 1', truncated: false }]);
  });

  it('cuts an endless line at AT_MAX_LINE and marks it, then carries on', () => {
    const s = new AtLineSplitter();
    const huge = new Uint8Array(1_000_000).fill(0x41);
    expect(s.push(huge)).toEqual([]);
    expect(s.partial.length).toBe(AT_MAX_LINE);
    const lines = s.push(enc('\r\nOK\r\n'));
    expect(lines).toHaveLength(2);
    expect(lines[0]!.truncated).toBe(true);
    expect(lines[0]!.text.length).toBe(AT_MAX_LINE);
    expect(lines[1]).toEqual({ text: 'OK', truncated: false });
  });

  it('shows binary garbage as printable characters', () => {
    const lines = new AtLineSplitter().push(Uint8Array.of(0x00, 0xff, 0x7e, 0x41, 0x1b, 0x0d, 0x0a));
    expect(lines).toEqual([{ text: '??~A?', truncated: false }]);
  });
});

describe('final result codes', () => {
  it('recognises OK and the error finals', () => {
    expect(classifyFinal('OK')).toEqual({ kind: 'ok' });
    expect(classifyFinal('ERROR')).toMatchObject({ kind: 'error', type: 'ERROR' });
    expect(classifyFinal('+CME ERROR: 10')).toEqual({ kind: 'error', text: '+CME ERROR: 10', type: 'CME', code: 10 });
    expect(classifyFinal('+CME ERROR: SIM not inserted')).toEqual({
      kind: 'error',
      text: '+CME ERROR: SIM not inserted',
      type: 'CME',
    });
    expect(classifyFinal('+CMS ERROR: 500')).toMatchObject({ kind: 'error', type: 'CMS', code: 500 });
    expect(classifyFinal('NO CARRIER')).toMatchObject({ kind: 'error', type: 'CALL' });
    expect(classifyFinal('BUSY')).toMatchObject({ kind: 'error', type: 'CALL' });
  });

  it('does not take response lines for finals', () => {
    for (const l of ['OKAY', 'Quectel', '+CFUN: 1', 'ERRORS', 'Revision: OK', '+CME: 3'])
      expect(classifyFinal(l)).toBeUndefined();
  });
});

describe('URCs and echo', () => {
  it("knows the module's unsolicited lines", () => {
    for (const l of [
      'RDY',
      '+QIND: SMS DONE',
      '+CPIN: READY',
      '+QUSIM: 1',
      'POWERED DOWN',
      '+CFUN: 1',
      '+CREG: 1',
      'RING',
    ])
      expect(isUrc(l)).toBe(true);
    for (const l of ['Quectel', 'EC25', 'OK', '+QGMR: x', 'RDYX', 'RINGING']) expect(isUrc(l)).toBe(false);
  });

  it('takes a URC-looking line as the answer when the command asked for exactly that', () => {
    expect(isUrc('+CPIN: READY', 'AT+CPIN?')).toBe(false);
    expect(isUrc('+CFUN: 1', 'AT+CFUN?')).toBe(false);
    expect(isUrc('+CPIN: READY', 'AT+CFUN?')).toBe(true);
    expect(isUrc('+QIND: "FOTA","END",0', 'AT+QGMR')).toBe(true);
    expect(commandName('at+cfun?')).toBe('+CFUN');
    expect(commandName('ATI')).toBeUndefined();
  });

  it('recognises the echo of the command, whatever its case', () => {
    expect(isEcho('AT+QGMR', 'at+qgmr')).toBe(true);
    expect(isEcho('AT+QGMR?', 'AT+QGMR')).toBe(false);
  });

  it('refuses commands that are not AT commands, too long or contain line breaks', () => {
    expect(commandProblem('ATI')).toBeUndefined();
    expect(commandProblem('AT+QCFG="usbnet"')).toBeUndefined();
    expect(commandProblem('reboot')).toMatch(/not an AT command/);
    expect(commandProblem('ATI\rAT+CFUN=0')).toMatch(/line breaks/);
    expect(commandProblem(`AT${'X'.repeat(600)}`)).toMatch(/at most/);
  });
});

describe('answer parsers', () => {
  it('reads ATI', () => {
    expect(parseAti(['Quectel', 'EC25', 'Revision: EC25EFAR06A11M4G'])).toEqual({
      manufacturer: 'Quectel',
      model: 'EC25',
      revision: 'EC25EFAR06A11M4G',
    });
    expect(() => parseAti(['Quectel', 'EC25'])).toThrow(AtParseError);
    expect(() => parseAti(['Revision: X'])).toThrow(/manufacturer/);
  });

  it('reads the firmware version of AT+QGMR and AT+CGMR, with or without a prefix', () => {
    expect(parseFirmwareVersion(['EC25EFAR06A11M4G_01.001.01.001'])).toBe('EC25EFAR06A11M4G_01.001.01.001');
    expect(parseFirmwareVersion(['+CGMR: EC20CEFAR02A01M4G'])).toBe('EC20CEFAR02A01M4G');
    expect(parseFirmwareVersion(['Revision: EC20CEFAR02A01M4G'])).toBe('EC20CEFAR02A01M4G');
    expect(() => parseFirmwareVersion([])).toThrow(/no firmware version/);
    expect(() => parseFirmwareVersion(['EC25<script>'])).toThrow(/unexpected characters/);
  });

  it("checks the IMEI's Luhn digit", () => {
    expect(luhnValid('490154203237518')).toBe(true);
    expect(luhnValid('490154203237519')).toBe(false);
    expect(parseImei(['490154203237518'])).toBe('490154203237518');
    expect(parseImei(['+CGSN: "490154203237518"'])).toBe('490154203237518');
    expect(() => parseImei(['490154203237519'])).toThrow(/check digit/);
    expect(() => parseImei(['49015420323751'])).toThrow(/15-digit/);
    expect(() => parseImei([])).toThrow(/no IMEI/);
  });

  it('reads +CFUN and the usbnet mode', () => {
    expect(parseCfun(['+CFUN: 5'])).toBe(5);
    expect(() => parseCfun(['+CFUN: x'])).toThrow(AtParseError);
    expect(parseUsbnet(['+QCFG: "usbnet",3'])).toBe(3);
    expect(parseUsbnet(['+QCFG: "USBNET", 0'])).toBe(0);
    expect(() => parseUsbnet(['+QCFG: "nat",1'])).toThrow(/usbnet/);
  });
});
