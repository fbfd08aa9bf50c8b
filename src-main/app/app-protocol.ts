// The wizard's pages come from the app itself, through a private scheme (app://modem-rescue/),
// not file://: the page gets a real origin ('self' in the CSP means exactly the app's files),
// every response carries the CSP header, and IPC senders are checked against this origin.
// Only files inside dist-renderer/ are served; anything else is a 404.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findStaticFile, type StaticFile } from '../util/static-files.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://modem-rescue`;
export const PAGE_URL = `${APP_ORIGIN}/index.html`;

/** Largest file served (the renderer's bundles are far smaller). */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Headers on every response of the app scheme. */
export function securityHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

/**
 * The file under `root` that `url` names, or undefined when it is not ours to serve: resolved the
 * way the browser mode's server resolves its files (util/static-files.ts: decoded, inside the
 * folder, links followed and still inside, a regular file).
 */
export async function resolveAppFile(root: string, url: string): Promise<StaticFile | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return undefined;
  return findStaticFile(root, u.pathname === '' ? '/' : u.pathname);
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: securityHeaders('text/plain; charset=utf-8') });
}

/** Answer one request of the app scheme from `root` (dist-renderer/). */
export async function appResponse(root: string, request: { url: string; method: string }): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return new Response('Method not allowed', { status: 405, headers: securityHeaders('text/plain; charset=utf-8') });
  const file = await resolveAppFile(path.resolve(root), request.url);
  if (!file || file.size > MAX_FILE_BYTES) return notFound();
  try {
    const body = await readFile(file.path);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: securityHeaders(file.contentType),
    });
  } catch {
    return notFound();
  }
}
