// modem-rescue detect [--json]: which modems are connected and in which mode. Finding nothing is
// not an error: it says so, and what to check.

import { EXIT_CODES } from '../../../shared/errors.js';
import { detectDevices, type DetectResult, type DetectedDevice } from '../../flows/detect.js';
import { createUsbEnumerator, type UsbEnumerator } from '../../platform/usb-enumerator.js';
import { parse } from '../args.js';
import type { CliIo, CommandSpec } from '../io.js';

const MODE_LABEL: Record<DetectedDevice['mode'], string> = {
  edl: 'EDL (download mode)',
  'memory-dump': 'crash dump (900E)',
  fastboot: 'fastboot',
  normal: 'normal (running)',
  unknown: 'unknown',
};

const WHAT_TO_CHECK = [
  'the modem has power and its USB cable (or mini-PCIe/M.2 slot) is connected;',
  'a running EC25-class modem shows up as 2c7c:0125, in download mode as 05c6:9008;',
  'on Linux, `lsusb` should list it; on Windows, Device Manager (Ports or Other devices).',
];

export function formatDetectResult(result: DetectResult): string {
  const lines: string[] = [];
  if (!result.usbAvailable) {
    lines.push(`USB devices cannot be listed here: ${result.reason ?? 'no USB subsystem'}.`);
    lines.push('No modem found. A modem can only be detected on a computer it is plugged into.');
    return `${lines.join('\n')}\n`;
  }
  if (result.devices.length === 0) {
    lines.push('No modem found. Check that:');
    for (const w of WHAT_TO_CHECK) lines.push(`  - ${w}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Found ${result.devices.length} modem${result.devices.length > 1 ? 's' : ''}:`);
  for (const d of result.devices) {
    lines.push('');
    lines.push(`  USB ${d.busPath}  ${d.id}  ${MODE_LABEL[d.mode]}`);
    lines.push(`    ${d.name}${d.chip ? ` (${d.chip})` : ''}`);
    const strings = [d.manufacturer, d.product].filter((s): s is string => s !== undefined).join(' ');
    if (strings) lines.push(`    reports itself as: ${strings}${d.serial ? `, serial ${d.serial}` : ''}`);
    lines.push(`    ${d.explanation}`);
    if (d.edlTty)
      lines.push(
        `    serial port: ${d.edlTty} (flash with --port ${d.edlTty}, or let Modem Rescue take the USB interface)`,
      );
    if (d.diagTty) lines.push(`    DM/DIAG port: ${d.diagTty}`);
    const drivers = d.interfaces.filter((i) => i.driver).map((i) => `If${i.number}=${i.driver}`);
    if (drivers.length) lines.push(`    drivers: ${drivers.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function makeDetectCommand(enumerator: () => UsbEnumerator): CommandSpec {
  return {
    name: 'detect',
    summary: 'List connected Qualcomm/Quectel modems, their mode and what it means',
    usage: 'detect [--json]',
    run: async (args: string[], io: CliIo): Promise<number> => {
      const { values } = parse(args, { json: { type: 'boolean' } }, false);
      const result = await detectDevices(enumerator());
      if (values.json) io.out(`${JSON.stringify(result)}\n`);
      else io.out(formatDetectResult(result));
      return EXIT_CODES.ok;
    },
  };
}

export const detectCommand: CommandSpec = makeDetectCommand(() => createUsbEnumerator());
