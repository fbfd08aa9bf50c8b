// The browser mode's local server: the built wizard (dist-renderer/) and the engine's API over a
// WebSocket at /api, on 127.0.0.1 only, behind a per-run token. A page of another site (even one
// whose name resolves to 127.0.0.1) gets nothing: Host, Origin and the token are checked first.
// No local process can exhaust its descriptors: connections are capped, idle ones (and refused
// ones) closed within seconds, API sockets capped and pinged. Paths in API calls pass the path
// policy (absolute only; backups only under the home).

import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { RescueError, toErrorReport } from '../../shared/errors.js';
import { PathPolicy } from '../service/path-policy.js';
import { MAX_MESSAGE_BYTES, serveApiSocket, type ApiService } from './api-socket.js';
import { guardPaths } from '../service/guarded-service.js';
import { forbiddenPage, securityHeaders } from './pages.js';
import {
  hostAllowed,
  LOOPBACK_HOST,
  originAllowed,
  requestCarriesToken,
  requestUrl,
  tokenCookie,
} from './request-checks.js';
import { findStaticFile } from '../util/static-files.js';
import { UPLOAD_HEADER, UPLOAD_PATH, UploadStore, uploadRequest, type UploadLimits } from './uploads.js';
import { isUsableToken, newToken } from './token.js';

export type { ApiService } from './api-socket.js';

export interface WebServerOptions {
  service: ApiService;
  /** 0 or absent: any free port. */
  port?: number;
  /** The built renderer (index.html and its assets). */
  rendererDir: string;
  /** The per-run token; a fresh random one when absent. */
  token?: string;
  /** Allow inline style attributes in the page's CSP (only if the renderer needs them). */
  inlineStyles?: boolean;
  /** Which paths API calls may name (default: absolute, backups under the home). */
  paths?: PathPolicy;
  limits?: Partial<ServerLimits>;
  /** Where the engine saves reports: GET /reports/report-<stamp>.zip downloads one (browser mode's "Save report"). */
  reportsDir?: string;
  /** Where files chosen in the page go (default: a private folder under the system's temp folder). */
  uploads?: { parent?: string; limits?: Partial<UploadLimits> };
}

export interface ServerLimits {
  /** TCP connections open at once (page, assets and API sockets); further ones are closed at once. */
  maxConnections: number;
  /** An HTTP connection with nothing moving for this long is closed. */
  idleMs: number;
  /** API WebSockets open at once (wizard tabs); further upgrades get 503. */
  maxSockets: number;
  /** Every API socket is pinged this often; one that did not answer the previous ping is closed. */
  pingMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = { maxConnections: 64, idleMs: 5000, maxSockets: 8, pingMs: 15_000 };

export interface WebServer {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  /** Where the server listens, as the operating system reports it (always 127.0.0.1). */
  address(): AddressInfo | undefined;
  close(): Promise<void>;
}

export const API_PATH = '/api';
export const REPORTS_PATH = '/reports/';
/** A report's name as the engine makes it (service/report.ts): nothing else is served from the folder. */
const REPORT_NAME = /^report-\d{8}-\d{6}Z\.zip$/;

/** The report named in `pathname`, when it is a regular file of the reports folder. */
async function findReport(
  dir: string,
  pathname: string,
): Promise<{ path: string; name: string; size: number } | undefined> {
  const name = pathname.slice(REPORTS_PATH.length);
  if (!REPORT_NAME.test(name)) return undefined;
  const file = join(dir, name);
  const st = await lstat(file).catch(() => undefined);
  return st?.isFile() ? { path: file, name, size: st.size } : undefined;
}

/** GET /reports/<name>: the report zip as a download (the page asked for it after Save report). */
async function serveReport(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  reportsDir: string | undefined,
  headers: Record<string, string>,
): Promise<void> {
  const report = reportsDir ? await findReport(reportsDir, url.pathname) : undefined;
  if (!report) {
    const body = 'No such report.\n';
    res.writeHead(404, {
      ...headers,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'application/zip',
    'Content-Length': report.size,
    'Content-Disposition': `attachment; filename="${report.name}"`,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(report.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** The longest an upload (a package of up to a few GiB over loopback) may take. */
export const UPLOAD_TIMEOUT_MS = 30 * 60_000;

/** POST /upload: token, Origin and the upload header checked, then the file written (uploads.ts). */
async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: { port: number; token: string; uploads: UploadStore; headers: Record<string, string> },
): Promise<void> {
  const reply = (status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...ctx.headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...(status >= 400 ? { Connection: 'close' } : {}),
    });
    res.end(text);
    // A refused upload's body is not read: the connection goes.
    if (status >= 400) res.once('finish', () => req.destroy());
  };
  const refuse = (status: number, e: RescueError): void => reply(status, { ok: false, error: toErrorReport(e) });
  if (!originAllowed(req.headers.origin, ctx.port) || req.headers[UPLOAD_HEADER] !== '1')
    return refuse(403, new RescueError('USAGE', 'This upload does not come from the wizard page.'));
  if (!requestCarriesToken(req, url, ctx.port, ctx.token))
    return refuse(403, new RescueError('USAGE', 'This upload lacks the access key of this run.'));
  try {
    const { path } = await ctx.uploads.receive(req, uploadRequest(url, req.headers));
    reply(200, { ok: true, path });
  } catch (e) {
    refuse(
      e instanceof RescueError && e.code === 'HOST_IO' ? 500 : 400,
      e instanceof RescueError ? e : new RescueError('INTERNAL', undefined, { cause: e }),
    );
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** Ping every API socket each `everyMs`; close the ones that did not answer the previous ping. */
function pingSockets(wss: WebSocketServer, everyMs: number): { track(ws: WebSocket): void; stop(): void } {
  const answered = new WeakMap<WebSocket, boolean>();
  const track = (ws: WebSocket): void => {
    answered.set(ws, true);
    ws.on('pong', () => answered.set(ws, true));
  };
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (answered.get(ws) === false) {
        ws.terminate();
        continue;
      }
      answered.set(ws, false);
      ws.ping();
    }
  }, everyMs);
  timer.unref();
  return { track, stop: () => clearInterval(timer) };
}

/** The HTTP server's limits: a cap on connections, header and request timeouts, idle sockets closed. */
function limitConnections(server: Server, lim: ServerLimits): void {
  server.headersTimeout = 5_000;
  // An upload of a firmware package takes longer than a page load; a stalled one is still closed
  // within idleMs (nothing moving), so this bounds only one that keeps trickling.
  server.requestTimeout = UPLOAD_TIMEOUT_MS;
  server.maxConnections = lim.maxConnections;
  server.on('connection', (socket: Socket) => {
    // Idle (or never speaking) connections go; an accepted API socket lifts this (ws sets 0).
    socket.setTimeout(lim.idleMs, () => socket.destroy());
  });
}

interface UpgradeContext {
  port(): number;
  token: string;
  maxSockets: number;
  wss: WebSocketServer;
  pings: { track(ws: WebSocket): void };
  service: ApiService;
}

/** The 'upgrade' listener: path, Host, Origin and token checked, the socket cap kept, then the API. */
function upgradeHandler(ctx: UpgradeContext): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  let upgrading = 0;
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const port = ctx.port();
    const url = requestUrl(req, port);
    if (!url || url.pathname !== API_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!hostAllowed(req.headers.host, port)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!originAllowed(req.headers.origin, port)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!requestCarriesToken(req, url, port, ctx.token)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (ctx.wss.clients.size + upgrading >= ctx.maxSockets) return refuseUpgrade(socket, 503, 'Service Unavailable');
    // Counted until it is accepted or its socket ends (a failed handshake never calls back).
    upgrading++;
    let counted = true;
    const settle = (): void => {
      if (counted) upgrading--;
      counted = false;
    };
    socket.once('close', settle);
    ctx.wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      ctx.pings.track(ws);
      serveApiSocket(ws, ctx.service);
    });
  };
}

/** Listen on 127.0.0.1:`requested`; a port in use or forbidden is a usage error with a next step. */
function listenOn(server: Server, requested: number): Promise<void> {
  return new Promise<void>((resolveListen, rejectListen) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') {
        rejectListen(
          new RescueError('USAGE', `Port ${requested} is already in use on ${LOOPBACK_HOST}.`, {
            nextStep: 'Choose another port with --port N, or leave --port out to use any free one.',
            cause: e,
          }),
        );
      } else if (e.code === 'EACCES') {
        rejectListen(
          new RescueError('HOST_PERMISSION', `Port ${requested} may not be used by this user.`, {
            nextStep: 'Choose a port above 1024 with --port N, or leave --port out.',
            cause: e,
          }),
        );
      } else {
        rejectListen(new RescueError('INTERNAL', `The local server could not start: ${e.message}`, { cause: e }));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolveListen();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port: requested, host: LOOPBACK_HOST, exclusive: true });
  });
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newToken();
  if (!isUsableToken(token))
    throw new RescueError('USAGE', 'The server token must be at least 32 lowercase hex characters.');
  const requested = opts.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    throw new RescueError('USAGE', `--port must be between 0 and 65535, not ${requested}.`);
  }
  let port = requested;
  const lim: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...opts.limits };
  const service = guardPaths(opts.service, opts.paths ?? new PathPolicy());
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, clientTracking: true });
  const pings = pingSockets(wss, lim.pingMs);
  const uploads = new UploadStore(opts.uploads ?? {});

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = securityHeaders(port, Boolean(opts.inlineStyles));
    const answer = (
      status: number,
      body: string,
      type = 'text/plain; charset=utf-8',
      extra: Record<string, string> = {},
    ): void => {
      // A refused request does not keep its connection.
      const close: Record<string, string> = status >= 400 ? { Connection: 'close' } : {};
      res.writeHead(status, {
        ...headers,
        'Content-Type': type,
        'Content-Length': Buffer.byteLength(body),
        ...close,
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!hostAllowed(req.headers.host, port))
      return answer(403, 'This server only answers to 127.0.0.1 and localhost.\n');
    const url = requestUrl(req, port);
    if (req.method === 'POST' && url?.pathname === UPLOAD_PATH)
      return handleUpload(req, res, url, { port, token, uploads, headers });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return answer(405, 'Only GET and HEAD are served here.\n', undefined, { Allow: 'GET, HEAD' });
    if (!url) return answer(400, 'Bad request path.\n');
    if (!requestCarriesToken(req, url, port, token)) return answer(403, forbiddenPage(), 'text/html; charset=utf-8');
    if (url.pathname === API_PATH)
      return answer(426, 'The API speaks WebSocket.\n', undefined, { Upgrade: 'websocket' });
    if (url.pathname.startsWith(REPORTS_PATH)) return serveReport(req, res, url, opts.reportsDir, headers);
    const file = await findStaticFile(opts.rendererDir, url.pathname);
    if (!file) {
      // Browsers ask for a favicon by themselves; without one, say "nothing" rather than log a 404.
      if (url.pathname === '/favicon.ico') return answer(204, '');
      return answer(404, 'Not found.\n');
    }
    const extra: Record<string, string> = {};
    // The page URL carries the token; its scripts and styles then load with the cookie.
    if (url.searchParams.has('token')) extra['Set-Cookie'] = tokenCookie(port, token);
    res.writeHead(200, { ...headers, 'Content-Type': file.contentType, 'Content-Length': file.size, ...extra });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end();
    });
  });
  limitConnections(server, lim);
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  server.on('upgrade', upgradeHandler({ port: () => port, token, maxSockets: lim.maxSockets, wss, pings, service }));

  await listenOn(server, requested);
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new RescueError('INTERNAL', 'The local server has no TCP address.');
  port = address.port;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolveClose) => {
      pings.stop();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.close(() => void uploads.closeAll().finally(() => resolveClose()));
      server.closeAllConnections();
    });
    return closing;
  };

  const currentAddress = (): AddressInfo | undefined => {
    const a = server.address();
    return a !== null && typeof a !== 'string' ? a : undefined;
  };
  return { url: `http://${LOOPBACK_HOST}:${port}/?token=${token}`, port, token, address: currentAddress, close };
}
