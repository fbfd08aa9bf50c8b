// The main window's hardening, with Electron mocked: webPreferences, CSP, permissions,
// navigation and new windows, and the external-link allow-list.

import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBrowserWindow, fakeElectron } from './electron-fakes.js';

const electron = vi.hoisted(() => ({ current: undefined as unknown as ReturnType<typeof fakeElectron> }));
vi.mock('electron', async () => {
  const { fakeElectron: make } = await import('./electron-fakes.js');
  electron.current = make();
  return electron.current;
});

const { createMainWindow, MIN_HEIGHT, MIN_WIDTH } = await import('../../src-main/app/window.js');
const { CONTENT_SECURITY_POLICY, isAllowedExternal } = await import('../../src-main/app/security.js');
const { PAGE_URL } = await import('../../src-main/app/app-protocol.js');

function open(): { win: FakeBrowserWindow; refused: string[] } {
  const refused: string[] = [];
  const win = createMainWindow({
    onRefused: (what, url) => refused.push(`${what} ${url}`),
  }) as unknown as FakeBrowserWindow;
  return { win, refused };
}

function navigate(win: FakeBrowserWindow, event: string, url: string): boolean {
  let prevented = false;
  win.webContents.emit(event, { preventDefault: () => (prevented = true) }, url);
  return prevented;
}

beforeEach(() => {
  electron.current.shell.openExternal.mockClear();
});

describe('main window', () => {
  it('runs the page sandboxed, isolated, without Node, with our preload, at least 1024x700', () => {
    const { win } = open();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(path.isAbsolute(prefs.preload as string)).toBe(true);
    expect(path.basename(prefs.preload as string)).toBe('preload.cjs');
    expect(path.dirname(prefs.preload as string)).toBe(path.resolve('src-main/app'));
    expect([win.options.minWidth, win.options.minHeight]).toEqual([1024, 700]);
    expect([MIN_WIDTH, MIN_HEIGHT]).toEqual([1024, 700]);
    expect(win.loaded).toEqual([PAGE_URL]);
  });

  it('puts the strict CSP on every response, replacing a weaker one', () => {
    const { win } = open();
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    let answer: { responseHeaders?: Record<string, string[]> } | undefined;
    win.webContents.session.headersListener!(
      {
        url: PAGE_URL,
        resourceType: 'mainFrame',
        responseHeaders: { 'content-security-policy': ["script-src * 'unsafe-inline'"], 'Content-Type': ['text/html'] },
      },
      (r) => (answer = r as typeof answer),
    );
    expect(answer?.responseHeaders?.['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(answer?.responseHeaders?.['content-security-policy']).toBeUndefined();
    expect(answer?.responseHeaders?.['Content-Type']).toEqual(['text/html']);
  });

  it('refuses every permission the page asks for', () => {
    const { win } = open();
    const granted: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'serial', 'usb', 'hid'])
      win.webContents.session.permissionRequest!(win.webContents, p, (g) => granted.push(g));
    expect(granted).toEqual([false, false, false, false, false, false]);
    expect(win.webContents.session.permissionCheck!(win.webContents, 'usb')).toBe(false);
  });

  it('never opens a new window; an allowed link goes to the browser, others nowhere', () => {
    const { win, refused } = open();
    expect(win.webContents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler!({ url: 'https://www.quectel.com/download/ec25' })).toEqual({ action: 'deny' });
    expect(electron.current.shell.openExternal.mock.calls).toEqual([['https://www.quectel.com/download/ec25']]);
    expect(refused).toEqual(['window.open https://evil.example/']);
  });

  it('blocks navigation away from the app (and redirects); its own page may reload', () => {
    const { win } = open();
    expect(navigate(win, 'will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(navigate(win, 'will-redirect', 'file:///etc/passwd')).toBe(true);
    expect(navigate(win, 'will-navigate', 'https://www.quectel.com/')).toBe(true);
    expect(electron.current.shell.openExternal.mock.calls).toEqual([['https://www.quectel.com/']]);
    expect(navigate(win, 'will-navigate', PAGE_URL)).toBe(false);
    let webview = false;
    win.webContents.emit('will-attach-webview', { preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
  });
});

describe('external link allow-list', () => {
  it.each([
    ['https://www.quectel.com/', true],
    ['https://www.quectel.com/product/lte-ec25-series', true],
    ['http://www.quectel.com/', false],
    ['https://www.quectel.com.evil.example/', false],
    ['https://evil.example/?https://www.quectel.com/', false],
    ['https://user@www.quectel.com/', false],
    ['https://www.quectel.com:8443/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s -> %s', (url, ok) => {
    expect(isAllowedExternal(url)).toBe(ok);
  });
});
