// The window's security rules: the Content Security Policy, no permissions, no navigation away
// from the app, no new windows, and external links only to an allow-list, opened in the user's
// browser.

import type { Session, WebContents } from 'electron';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Links the app may open in the user's browser (https only, these sites only). */
export const EXTERNAL_ALLOW_LIST: readonly string[] = [
  'https://www.quectel.com/',
  'https://modem-rescue.github.io/',
  'https://github.com/modem-rescue/',
];

/** Whether `url` may be opened outside the app: https, and under one of the allowed prefixes. */
export function isAllowedExternal(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '' || u.port !== '') return false;
  const normal = u.href;
  return EXTERNAL_ALLOW_LIST.some((prefix) => normal.startsWith(prefix));
}

/** Whether `url` is one of the app's own pages. */
export function isAppUrl(url: string, appOrigin: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === appOrigin;
  } catch {
    return false;
  }
}

/** CSP on every response the session receives, and every permission request refused. */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(details.responseHeaders ?? {})) {
      if (k.toLowerCase() !== 'content-security-policy') headers[k] = v;
    }
    headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders: headers });
  });
  // Camera, microphone, notifications, geolocation, serial, HID, USB...: the page needs none.
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export interface ContentsRules {
  appOrigin: string;
  openExternal: (url: string) => Promise<void>;
  /** Told about every refused navigation or window (the app logs it). */
  onRefused?: (what: string, url: string) => void;
}

const hardened = new WeakSet<object>();

/**
 * No navigation, no redirects away, no new windows, no webviews; allowed links go to the browser.
 * Once per contents: the window hardens its own, and the app-wide guard (main.ts,
 * 'web-contents-created') every other that might ever appear.
 */
export function hardenContents(contents: WebContents, rules: ContentsRules): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);
  const openOutside = (url: string, what: string): void => {
    if (isAllowedExternal(url)) void rules.openExternal(url).catch(() => undefined);
    else rules.onRefused?.(what, url);
  };
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url, 'window.open');
    return { action: 'deny' };
  });
  const stay = (event: { preventDefault(): void }, url: string): void => {
    // Reloading our own page is fine; anything else is refused (and opened outside if allowed).
    if (isAppUrl(url, rules.appOrigin)) return;
    event.preventDefault();
    openOutside(url, 'navigation');
  };
  contents.on('will-navigate', stay);
  contents.on('will-redirect', stay);
  contents.on('will-frame-navigate', (event: { preventDefault(): void; url?: string; isMainFrame?: boolean }) => {
    if (event.isMainFrame === false) event.preventDefault();
  });
  contents.on('will-attach-webview', (event: { preventDefault(): void }) => event.preventDefault());
}
