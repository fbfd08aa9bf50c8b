// Windows Plug and Play device records, read from what Windows' own tools print: PowerShell's
// Get-PnpDevice as JSON (the same in every display language) and `pnputil /enum-devices` text
// (English labels; other languages are read as far as the labels match). Pure parsing, no I/O;
// output that is malformed or oversized gives a clear error, never a crash.

import { RescueError } from '../../../shared/errors.js';

export interface PnpDevice {
  /** "USB\VID_05C6&PID_9008\5&1A2B3C4D&0&3" */
  instanceId: string;
  /** Device description or friendly name ("Qualcomm HS-USB QDLoader 9008 (COM5)"). */
  name?: string;
  /** Setup class name: "Ports", "USBDevice", "libusbK devices"; absent when no driver is installed. */
  className?: string;
  /** Kernel service of the bound driver: "WinUSB", "qcusbser", "libusbK"; absent when none. */
  service?: string;
  /** The driver package: "oem42.inf", "winusb.inf". */
  driverInf?: string;
  /** Device Manager problem code (0 or absent = none; 28 = drivers not installed; -1 = a problem not known by number). */
  problemCode?: number;
  /** "OK", "Error", "Started", "Problem", "Disabled", ... as the tool reports it. */
  status?: string;
}

/** The most text either parser accepts: far more than any real machine's device list. */
export const MAX_PNP_OUTPUT = 8 * 1024 * 1024;
const MAX_DEVICES = 20_000;

function tooLarge(tool: string, size: number): RescueError {
  return new RescueError(
    'HOST_IO',
    `The device list from ${tool} is ${size} characters long, more than the ${MAX_PNP_OUTPUT} accepted; it was not read.`,
  );
}

/** The command that lists present Qualcomm (05C6) and Quectel (2C7C) USB devices as JSON. */
export const GET_PNP_DEVICE_SCRIPT = [
  "$ErrorActionPreference = 'Stop';",
  "$d = @(Get-PnpDevice -PresentOnly | Where-Object { $_.InstanceId -match '^USB\\\\VID_(05C6|2C7C)&' } |",
  'Select-Object InstanceId, FriendlyName, Class, Service, Status, ConfigManagerErrorCode);',
  'ConvertTo-Json -InputObject $d -Compress -Depth 2',
].join(' ');

function optString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Device Manager problem names PowerShell 7 may print instead of numbers (-1: another problem). */
const PROBLEM_NAMES: Record<string, number> = {
  CM_PROB_NONE: 0,
  CM_PROB_FAILED_START: 10,
  CM_PROB_DISABLED: 22,
  CM_PROB_FAILED_INSTALL: 28,
  CM_PROB_FAILED_ADD: 31,
  CM_PROB_FAILED_POST_START: 43,
};

/** Get-PnpDevice records from GET_PNP_DEVICE_SCRIPT's output (an array, one object, or nothing). */
export function parsePowerShellPnpJson(text: string): PnpDevice[] {
  if (text.length > MAX_PNP_OUTPUT) throw tooLarge('Get-PnpDevice', text.length);
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (e) {
    throw new RescueError('HOST_IO', `Get-PnpDevice printed something that is not JSON (${trimmed.slice(0, 60)}...).`, {
      cause: e,
    });
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length > MAX_DEVICES)
    throw new RescueError(
      'HOST_IO',
      `Get-PnpDevice listed ${items.length} devices; more than ${MAX_DEVICES} are not read.`,
    );
  const out: PnpDevice[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const r = item as Record<string, unknown>;
    const instanceId = optString(r.InstanceId);
    if (!instanceId) continue;
    const dev: PnpDevice = { instanceId };
    const name = optString(r.FriendlyName);
    if (name) dev.name = name;
    const className = optString(r.Class);
    if (className) dev.className = className;
    const service = optString(r.Service);
    if (service) dev.service = service;
    // PowerShell 5.1 prints enums as numbers, 7 sometimes as names ("CM_PROB_FAILED_INSTALL").
    const status = r.Status;
    if (typeof status === 'string' && status.trim() !== '') dev.status = status.trim();
    else if (typeof status === 'number') dev.status = status === 0 ? 'OK' : `status ${status}`;
    const problem = r.ConfigManagerErrorCode;
    if (typeof problem === 'number' && Number.isInteger(problem) && problem >= 0) dev.problemCode = problem;
    else if (typeof problem === 'string' && /^CM_PROB_\w+$/i.test(problem))
      dev.problemCode = PROBLEM_NAMES[problem.toUpperCase()] ?? -1;
    out.push(dev);
  }
  return out;
}

/** pnputil labels (English) and the fields they fill. */
const PNPUTIL_LABELS: ReadonlyArray<[RegExp, keyof PnpDevice]> = [
  [/^instance id$/i, 'instanceId'],
  [/^device description$/i, 'name'],
  [/^class name$/i, 'className'],
  [/^(service|service name)$/i, 'service'],
  [/^driver name$/i, 'driverInf'],
  [/^problem code$/i, 'problemCode'],
  [/^status$/i, 'status'],
];

/**
 * Records from `pnputil /enum-devices [/connected]`: blocks of "Label:   value" lines, one block
 * per device, each starting at "Instance ID:". The banner and unknown labels are skipped.
 */
export function parsePnputilDevices(text: string): PnpDevice[] {
  if (text.length > MAX_PNP_OUTPUT) throw tooLarge('pnputil', text.length);
  const out: PnpDevice[] = [];
  let current: PnpDevice | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*([^:]{1,60}?)\s*:\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    const field = PNPUTIL_LABELS.find(([re]) => re.test(m[1]!))?.[1];
    const value = m[2]!;
    if (field === 'instanceId') {
      if (value === '') continue;
      if (out.length >= MAX_DEVICES)
        throw new RescueError('HOST_IO', `pnputil listed more than ${MAX_DEVICES} devices; the rest was not read.`);
      current = { instanceId: value };
      out.push(current);
    } else if (current && field && value !== '') {
      if (field === 'problemCode') {
        // "28 (0x1C) [CM_PROB_FAILED_INSTALL]"
        const code = /^(\d{1,4})\b/.exec(value);
        if (code) current.problemCode = Number(code[1]);
      } else {
        current[field] = value;
      }
    }
  }
  return out;
}

export interface UsbIds {
  vendorId: number;
  productId: number;
  interfaceNumber?: number;
}

/** VID, PID and interface number (MI_xx) of a USB instance id; undefined for other buses. */
export function usbIdsOf(instanceId: string): UsbIds | undefined {
  const m = /^USB\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})(?:&MI_([0-9A-F]{2}))?\\/i.exec(instanceId);
  if (!m) return undefined;
  const ids: UsbIds = { vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16) };
  if (m[3] !== undefined) ids.interfaceNumber = parseInt(m[3], 16);
  return ids;
}

/** "COM5" from a friendly name like "Qualcomm HS-USB QDLoader 9008 (COM5)". */
export function comPortInName(name: string | undefined): string | undefined {
  const m = /\((COM\d{1,3})\)\s*$/i.exec(name ?? '');
  return m ? m[1]!.toUpperCase() : undefined;
}

/** "COM5" from `reg query "HKLM\...\Enum\<instance>\Device Parameters" /v PortName`. */
export function parseRegPortName(text: string): string | undefined {
  const m = /^\s*PortName\s+REG_SZ\s+(COM\d{1,3})\s*$/im.exec(text.slice(0, 64 * 1024));
  return m ? m[1]!.toUpperCase() : undefined;
}
