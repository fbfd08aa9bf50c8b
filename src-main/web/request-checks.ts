// What a request to the browser-mode server must look like before anything is served: the right
// Host (a page on another name that resolves to 127.0.0.1, i.e. DNS rebinding, is refused), an
// Origin of our own page (or none, for non-browser clients), and the per-run token.

import type { IncomingMessage } from 'node:http';
import { tokenMatches } from './token.js';

export const LOOPBACK_HOST = '127.0.0.1';

/** The names this server answers to: 127.0.0.1:PORT and localhost:PORT, nothing else. */
export function allowedHosts(port: number): string[] {
  return [`${LOOPBACK_HOST}:${port}`, `localhost:${port}`];
}

export function hostAllowed(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  return allowedHosts(port).includes(host.toLowerCase());
}

/** A browser always sends Origin on a WebSocket; it must be our own page. No Origin = not a browser. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

/** The cookie that lets the page's own assets (scripts, styles) load after the token-bearing page. */
export function tokenCookieName(port: number): string {
  return `modem_rescue_token_${port}`;
}

export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token from ?token= or, failing that, from the cookie the page set. */
export function requestCarriesToken(req: IncomingMessage, url: URL, port: number, token: string): boolean {
  if (tokenMatches(url.searchParams.get('token'), token)) return true;
  return tokenMatches(cookieValue(req.headers.cookie, tokenCookieName(port)), token);
}

/** Parse the request target against our own origin; undefined when it is not a path. */
export function requestUrl(req: IncomingMessage, port: number): URL | undefined {
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, `http://${LOOPBACK_HOST}:${port}`);
  } catch {
    return undefined;
  }
}
