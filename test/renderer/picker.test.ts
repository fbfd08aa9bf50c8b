// The browser mode's picker sends each chosen file to /upload with the page's token and the
// upload header, in a stable order, and returns the path the server gave; a refusal comes back
// as the server's own ErrorReport. The desktop picker asks the main process through the API.

import { describe, expect, it } from 'vitest';
import type { ApiMethod, RescueApi, UploadFile } from '../../shared/api.js';
import { ApiCallError } from '../../src-renderer/api/call-error.js';
import { dialogPicker, uploadPicker, type UploadHost } from '../../src-renderer/api/picker.js';

function file(relativePath: string, text: string): UploadFile {
  return { relativePath, size: text.length, body: new Blob([text]) };
}

function host(
  answer: (url: URL) => { status: number; body: unknown },
): UploadHost & { sent: URL[]; headers: Record<string, string>[] } {
  const sent: URL[] = [];
  const headers: Record<string, string>[] = [];
  return {
    sent,
    headers,
    search: '?token=abc123',
    randomId: () => 'batch0001',
    fetch: (u, init) => {
      const url = new URL(u, 'http://127.0.0.1:1');
      sent.push(url);
      headers.push(init.headers);
      const a = answer(url);
      return Promise.resolve({ status: a.status, json: () => Promise.resolve(a.body) });
    },
  };
}

describe('upload picker', () => {
  it('sends every file of a folder with token, batch and header, and returns the folder path', async () => {
    const h = host((url) => ({
      status: 200,
      body: { ok: true, path: `/tmp/up/${url.searchParams.get('name')?.split('/')[0]}` },
    }));
    const sent: number[] = [];
    const path = await uploadPicker(h).upload(
      'package',
      [file('Pkg/update/b.mbn', 'bb'), file('Pkg/a.xml', 'a')],
      (n) => sent.push(n),
    );
    expect(path).toBe('/tmp/up/Pkg');
    expect(h.sent.map((u) => u.searchParams.get('name'))).toEqual(['Pkg/a.xml', 'Pkg/update/b.mbn']);
    expect(h.sent.every((u) => u.pathname === '/upload' && u.searchParams.get('token') === 'abc123')).toBe(true);
    expect(
      h.sent.every((u) => u.searchParams.get('batch') === 'batch0001' && u.searchParams.get('what') === 'package'),
    ).toBe(true);
    expect(h.headers.every((x) => x['X-Modem-Rescue-Upload'] === '1')).toBe(true);
    expect(sent).toEqual([1, 3]);
  });

  it("stops at the first refusal and throws the server's report", async () => {
    const report = { code: 'PACKAGE_UNSAFE_PATH', category: 'package', message: 'points outside', nextStep: 'x' };
    const h = host(() => ({ status: 400, body: { ok: false, error: report } }));
    const e = await uploadPicker(h)
      .upload('package', [file('a.zip', 'z'), file('b.zip', 'z')])
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiCallError);
    expect((e as ApiCallError).report.code).toBe('PACKAGE_UNSAFE_PATH');
    expect(h.sent).toHaveLength(1);
  });

  it('says so when the server answers nothing it understands, and refuses an empty choice', async () => {
    const h = host(() => ({ status: 502, body: 'gateway' }));
    await expect(uploadPicker(h).upload('qcn', [file('m.qcn', 'q')])).rejects.toThrow(/HTTP 502/);
    await expect(uploadPicker(h).upload('qcn', [])).rejects.toThrow(/No file/);
  });
});

describe('dialog picker', () => {
  it('asks the main process for the dialog and for show-in-folder', async () => {
    const calls: { method: ApiMethod; params: unknown }[] = [];
    const api = {
      call: (method: ApiMethod, params: unknown) => {
        calls.push({ method, params });
        return Promise.resolve(method === 'pickPath' ? { path: '/home/me/pkg.zip' } : { shown: true });
      },
      onEvent: () => () => undefined,
    } as unknown as RescueApi;
    const p = dialogPicker(api);
    expect(p.kind).toBe('dialog');
    expect(await p.choose('package', 'zip', '/home/me')).toBe('/home/me/pkg.zip');
    expect(await p.reveal('/home/me/b.qcn')).toBe(true);
    expect(calls).toEqual([
      { method: 'pickPath', params: { what: 'package', as: 'zip', defaultPath: '/home/me' } },
      { method: 'showInFolder', params: { path: '/home/me/b.qcn' } },
    ]);
  });
});
