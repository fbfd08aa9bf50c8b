// Numbers as a person reads them, in the words of text.ts.

import { T } from './text.js';

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return T.format.bytes(n);
  const units = T.format.units;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return T.format.amount(v < 10 ? v.toFixed(1) : String(Math.round(v)), units[i] ?? '');
}

export function formatSpeed(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '—';
  return T.format.perSecond(formatBytes(bytesPerSecond));
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return T.format.estimating;
  const s = Math.round(seconds);
  if (s < 60) return T.format.secondsLeft(s);
  const m = Math.floor(s / 60);
  if (m < 60) return T.format.minutesLeft(m, s % 60);
  return T.format.hoursLeft(Math.floor(m / 60), m % 60);
}

/** What "Verification: digest" (and the others) means, in words a person can check against. */
export function verificationWords(verified: string): string {
  const words = Object.hasOwn(T.format.verification, verified) ? T.format.verification[verified] : undefined;
  return words ?? verified;
}
