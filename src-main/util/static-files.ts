// Finding a file of the built renderer for a request path, without ever leaving its folder:
// the decoded path is resolved, symlinks are followed, and the result must still lie inside.

import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticFile {
  path: string;
  size: number;
  contentType: string;
}

function inside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

/**
 * The file `pathname` (a URL path, still percent-encoded) names inside `root`, or undefined when
 * there is none or it would lie outside. "/" is index.html.
 */
export async function findStaticFile(root: string, pathname: string): Promise<StaticFile | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const wanted = decoded === '/' ? '/index.html' : decoded;
  const rootResolved = resolve(root);
  const candidate = resolve(rootResolved, `.${wanted}`);
  if (!inside(rootResolved, candidate)) return undefined;
  try {
    // Follow symlinks on both sides: a link inside the folder must not lead out of it.
    const [realRoot, realFile] = await Promise.all([realpath(rootResolved), realpath(candidate)]);
    if (!inside(realRoot, realFile)) return undefined;
    const info = await stat(realFile);
    if (!info.isFile()) return undefined;
    return { path: realFile, size: info.size, contentType: contentTypeFor(realFile) };
  } catch {
    return undefined;
  }
}
