// The per-run secret of the browser mode: 32 random bytes as hex, required on the page URL and on
// the WebSocket, compared in constant time so its value cannot be guessed byte by byte.

import { randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_BYTES = 32;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('hex');
}

/** True only when `candidate` is exactly `token`; takes the same time whatever the candidate holds. */
export function tokenMatches(candidate: string | null | undefined, token: string): boolean {
  if (typeof candidate !== 'string') return false;
  const expected = Buffer.from(token, 'utf8');
  // Hash-free constant-time compare: copy into a buffer of the expected length so a wrong
  // length costs the same as a wrong byte (timingSafeEqual throws on unequal lengths).
  const given = Buffer.alloc(expected.length);
  given.write(candidate.slice(0, expected.length), 'utf8');
  const sameBytes = timingSafeEqual(given, expected);
  return sameBytes && Buffer.byteLength(candidate, 'utf8') === expected.length;
}

/** A token given by the caller must look like one we would make (hex, at least 32 characters). */
export function isUsableToken(token: string): boolean {
  return /^[0-9a-f]{32,128}$/.test(token);
}
