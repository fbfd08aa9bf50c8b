// Numbers as a person reads them.

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '—';
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'estimating…';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s left`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s left`;
  return `${Math.floor(m / 60)} h ${m % 60} min left`;
}

/** What "Verification: digest" (and the others) means, in words a person can check against. */
export function verificationWords(verified: string): string {
  switch (verified) {
    case 'digest':
      return 'the modem computed a SHA-256 fingerprint of every partition written, and each matched the package';
    case 'read-back':
      return 'every partition written was read back from the modem and matched the package byte for byte';
    case 'mixed':
      return 'every partition written was checked against the package, by the modem’s fingerprint or by reading it back';
    case 'skipped':
      return 'not checked: verification was turned off for this flash';
    default:
      return verified;
  }
}
