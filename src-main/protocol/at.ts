// The AT command channel as pure logic: split the byte stream into lines, tell final result codes
// from response lines and unsolicited result codes (URCs), and parse the answers the wizard needs
// (ATI, AT+QGMR/CGMR, AT+CGSN, AT+CFUN?, AT+QCFG="usbnet"). Bytes in, decisions out; no I/O.

import { luhnValid } from './imei.js';

/** Longest line kept; anything past it is dropped up to the next line end (the line is marked). */
export const AT_MAX_LINE = 1024;
/** Longest command accepted for sending. */
export const AT_MAX_COMMAND = 512;

export interface AtLine {
  text: string;
  /** The line was longer than AT_MAX_LINE and was cut. */
  truncated: boolean;
}

/**
 * Splits an AT byte stream into lines. CR, LF and CRLF all end a line; empty lines are skipped.
 * Bytes that are not printable ASCII are shown as '?', so binary garbage gives readable (and
 * bounded) lines, never a huge string.
 */
export class AtLineSplitter {
  private chars: number[] = [];
  private truncated = false;

  push(chunk: Uint8Array): AtLine[] {
    const out: AtLine[] = [];
    for (const b of chunk) {
      if (b === 0x0d || b === 0x0a) {
        this.endLine(out);
        continue;
      }
      if (this.chars.length >= AT_MAX_LINE) {
        this.truncated = true;
        continue;
      }
      this.chars.push(b >= 0x20 && b < 0x7f ? b : b === 0x09 ? 0x20 : 0x3f);
    }
    return out;
  }

  /** Bytes of an unfinished line (for a "> " prompt or a diagnostic). */
  get partial(): string {
    return String.fromCharCode(...this.chars);
  }

  /** Drop an unfinished line (noise that arrived before a command was sent). Returns how many bytes. */
  discardPartial(): number {
    const n = this.chars.length;
    this.chars = [];
    this.truncated = false;
    return n;
  }

  private endLine(out: AtLine[]): void {
    if (this.chars.length > 0) {
      const text = String.fromCharCode(...this.chars).trim();
      if (text !== '' || this.truncated) out.push({ text, truncated: this.truncated });
    }
    this.chars = [];
    this.truncated = false;
  }
}

export type AtFinal =
  | { kind: 'ok' }
  | {
      kind: 'error';
      text: string;
      /** +CME/+CMS error number when given as a number */ code?: number;
      type: 'ERROR' | 'CME' | 'CMS' | 'CALL';
    };

const CALL_FINALS = ['NO CARRIER', 'NO DIALTONE', 'BUSY', 'NO ANSWER', 'CONNECT'];

/** Whether a line is a final result code, and which. */
export function classifyFinal(line: string): AtFinal | undefined {
  const t = line.trim();
  if (t === 'OK') return { kind: 'ok' };
  if (t === 'ERROR') return { kind: 'error', text: 'ERROR', type: 'ERROR' };
  const m = /^\+(CME|CMS) ERROR:\s*(.*)$/.exec(t);
  if (m) {
    const detail = m[2]!.trim();
    const final: AtFinal = { kind: 'error', text: t, type: m[1] as 'CME' | 'CMS' };
    if (/^\d{1,5}$/.test(detail)) final.code = Number(detail);
    return final;
  }
  if (CALL_FINALS.some((f) => t === f || t.startsWith(`${f} `))) return { kind: 'error', text: t, type: 'CALL' };
  return undefined;
}

/** Prefixes of unsolicited result codes a Quectel module sends on its own. */
export const URC_PREFIXES = [
  'RDY',
  'POWERED DOWN',
  'NORMAL POWER DOWN',
  'RING',
  '+QIND:',
  '+CPIN:',
  '+QUSIM:',
  '+CFUN:',
  '+CREG:',
  '+CGREG:',
  '+CEREG:',
  '+C5GREG:',
  '+QIURC:',
  '+CMTI:',
  '+CMT:',
  '+CDS:',
  '+CUSD:',
  '+CGEV:',
  '+QGPSURC:',
  '+QNETDEVSTATUS:',
  '+QSIMSTAT:',
  '+CRING:',
  '+QCSQ:',
  '+QSTK:',
  'UNDER_VOLTAGE',
  'OVER_VOLTAGE',
];

/** The "+NAME" a command queries or sets ("AT+CPIN?" -> "+CPIN"), or undefined for basic commands. */
export function commandName(cmd: string): string | undefined {
  const m = /^AT([+$^%][A-Za-z0-9]+)/i.exec(cmd.trim());
  return m ? m[1]!.toUpperCase() : undefined;
}

/**
 * Whether a line is a URC rather than part of the answer to `cmd`. A known URC prefix is a URC,
 * except when the running command asks for exactly that information (+CPIN: answers AT+CPIN?).
 */
export function isUrc(line: string, cmd?: string): boolean {
  const t = line.trim();
  const prefix = URC_PREFIXES.find((p) => (p.endsWith(':') ? t.startsWith(p) : t === p || t.startsWith(`${p} `)));
  if (!prefix) return false;
  const name = cmd === undefined ? undefined : commandName(cmd);
  if (name !== undefined && prefix.endsWith(':') && prefix.slice(0, -1).toUpperCase() === name) return false;
  return true;
}

/** Whether a response line is the module echoing the command back (ATE1). */
export function isEcho(line: string, cmd: string): boolean {
  return line.trim().toUpperCase() === cmd.trim().toUpperCase();
}

/** A command fit to send: starts with AT, printable, no line ends, bounded. Returns a problem or undefined. */
export function commandProblem(cmd: string): string | undefined {
  if (!/^AT/i.test(cmd)) return `"${preview(cmd)}" is not an AT command (it must start with AT).`;
  if (cmd.length > AT_MAX_COMMAND)
    return `the command is ${cmd.length} characters long; at most ${AT_MAX_COMMAND} are sent.`;
  if (!/^[\x20-\x7e]*$/.test(cmd)) return 'the command holds line breaks or characters that are not printable ASCII.';
  return undefined;
}

export function preview(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

// ---- answers -------------------------------------------------------------------------------

/** A response did not have the expected shape. */
export class AtParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AtParseError';
  }
}

export interface AtiInfo {
  manufacturer: string;
  model: string;
  revision: string;
}

/** ATI: "Quectel" / "EC25" / "Revision: EC25EFAR06A11M4G". */
export function parseAti(lines: readonly string[]): AtiInfo {
  const body = lines.map((l) => l.trim()).filter((l) => l !== '');
  const revLine = body.find((l) => /^Revision:/i.test(l));
  if (!revLine) throw new AtParseError(`ATI answered without a "Revision:" line (${describeLines(body)}).`);
  const revision = revLine.replace(/^Revision:\s*/i, '').trim();
  const others = body.filter((l) => l !== revLine);
  if (others.length < 2 || revision === '')
    throw new AtParseError(`ATI did not name manufacturer, model and revision (${describeLines(body)}).`);
  return { manufacturer: others[0]!, model: others[1]!, revision };
}

/** AT+QGMR / AT+CGMR: the firmware version line ("EC25EFAR06A11M4G_01.001.01.001"), prefixes removed. */
export function parseFirmwareVersion(lines: readonly string[]): string {
  for (const raw of lines) {
    const l = raw
      .trim()
      .replace(/^\+(QGMR|CGMR|GMR):\s*/i, '')
      .replace(/^Revision:\s*/i, '')
      .replace(/^"(.*)"$/, '$1')
      .trim();
    if (l === '') continue;
    if (!/^[A-Za-z0-9][\w.\-+ ]*$/.test(l))
      throw new AtParseError(`The firmware version "${preview(l)}" holds unexpected characters.`);
    return l;
  }
  throw new AtParseError('The module answered OK but gave no firmware version.');
}

/** AT+CGSN: a 15-digit IMEI (bare, "+CGSN: ..." or quoted), Luhn checked. */
export function parseImei(lines: readonly string[]): string {
  for (const raw of lines) {
    const l = raw
      .trim()
      .replace(/^\+CGSN:\s*/i, '')
      .replace(/^"(.*)"$/, '$1');
    if (l === '') continue;
    if (!/^\d{15}$/.test(l)) throw new AtParseError(`"${preview(l)}" is not a 15-digit IMEI.`);
    if (!luhnValid(l)) throw new AtParseError(`The IMEI ${l} fails its check digit: the module's IMEI is damaged.`);
    return l;
  }
  throw new AtParseError('The module answered OK but gave no IMEI (it may have been erased).');
}

/** AT+CFUN?: "+CFUN: 1" -> 1 (0 minimum, 1 full, 4 flight mode, 5 factory test / no RF calibration...). */
export function parseCfun(lines: readonly string[]): number {
  for (const l of lines) {
    const m = /^\+CFUN:\s*(\d{1,3})\b/.exec(l.trim());
    if (m) return Number(m[1]);
  }
  throw new AtParseError(`No "+CFUN: n" line in the answer (${describeLines(lines)}).`);
}

/** AT+QCFG="usbnet": '+QCFG: "usbnet",0' -> 0 (0 QMI/RmNet, 1 ECM, 2 MBIM, 3 RNDIS). */
export function parseUsbnet(lines: readonly string[]): number {
  for (const l of lines) {
    const m = /^\+QCFG:\s*"usbnet"\s*,\s*(\d{1,3})\b/i.exec(l.trim());
    if (m) return Number(m[1]);
  }
  throw new AtParseError(`No '+QCFG: "usbnet",n' line in the answer (${describeLines(lines)}).`);
}

export const USBNET_NAMES: Record<number, string> = { 0: 'QMI/RmNet', 1: 'ECM', 2: 'MBIM', 3: 'RNDIS' };

function describeLines(lines: readonly string[]): string {
  if (lines.length === 0) return 'no lines';
  return (
    lines
      .slice(0, 4)
      .map((l) => `"${preview(l, 40)}"`)
      .join(', ') + (lines.length > 4 ? ', ...' : '')
  );
}
