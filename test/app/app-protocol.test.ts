// The app scheme serves dist-renderer/ and nothing else, every response with the CSP.

import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appResponse, PAGE_URL, resolveAppFile } from '../../src-main/app/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/security.js';

function rendererDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mr-renderer-'));
  mkdirSync(path.join(root, 'dist-renderer', 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'dist-renderer', 'index.html'), '<!doctype html><title>Modem Rescue</title>');
  writeFileSync(path.join(root, 'dist-renderer', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'secret.txt'), 'not for the page');
  return path.join(root, 'dist-renderer');
}

describe('app scheme', () => {
  it('serves the page and its assets with the CSP and the right types', async () => {
    const root = rendererDir();
    const page = await appResponse(root, { url: PAGE_URL, method: 'GET' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Modem Rescue');
    const js = await appResponse(root, { url: 'app://modem-rescue/assets/app.js', method: 'GET' });
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it.each([
    'app://modem-rescue/../secret.txt',
    'app://modem-rescue/%2e%2e/secret.txt',
    'app://modem-rescue/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://modem-rescue/..%5csecret.txt',
    'app://modem-rescue/%00index.html',
    'app://other-host/index.html',
    'https://modem-rescue/index.html',
    'app://modem-rescue/missing.js',
    'app://modem-rescue/assets',
  ])('answers 404 for %s', async (url) => {
    const res = await appResponse(rendererDir(), { url, method: 'GET' });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('not for the page');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it("a link inside the folder that leads out of it is not followed (as the browser mode's server)", async () => {
    const root = rendererDir();
    symlinkSync(path.join(root, '..', 'secret.txt'), path.join(root, 'assets', 'innocent.js'));
    const res = await appResponse(root, { url: 'app://modem-rescue/assets/innocent.js', method: 'GET' });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('not for the page');
  });

  it('refuses other methods and maps / to the page', async () => {
    const root = rendererDir();
    expect((await appResponse(root, { url: PAGE_URL, method: 'POST' })).status).toBe(405);
    expect((await resolveAppFile(root, 'app://modem-rescue/'))?.path).toBe(
      await realpath(path.join(root, 'index.html')),
    );
  });
});
