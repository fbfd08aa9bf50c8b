// The Flash step's log as a person saves or copies it: one line each, its level in front, every
// IMEI masked. Pure, and the two ways out of the page (a download, the clipboard).

import { maskImeisInText } from '../shared/api.js';
import type { LogLine } from './store/log-ring.js';

export function logText(lines: readonly LogLine[], header?: string): string {
  const body = lines.map((l) => `[${l.level}] ${maskImeisInText(l.text)}`);
  return `${[...(header ? [maskImeisInText(header)] : []), ...body].join('\n')}\n`;
}

/** "modem-rescue-log-20261206-051425.txt" */
export function logFileName(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `modem-rescue-log-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.txt`;
}

/** Hands `text` to the browser as a file download (both front ends: Electron asks where to save it). */
export function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  downloadUrl(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function downloadUrl(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

/** Copies `text`; false when the page may not use the clipboard (then the person saves it instead). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // An older or locked-down browser: the selection way.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
