// Browser mode's uploads: files chosen in the page reach a private folder (0700) through
// POST /upload with the token, Origin and upload header; names that would leave the folder,
// oversized files, short bodies and mixed uploads are refused before or while writing; the
// previous upload of a kind goes when the next starts, and everything goes when the server closes.

import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../src-main/web/server.js';
import { uploadNameParts } from '../../src-main/web/uploads.js';
import { FakeService, makeRendererDir } from './helpers.js';

let server: WebServer;
let root: string;
let parent: string;

beforeEach(async () => {
  const made = await makeRendererDir();
  root = made.root;
  parent = await mkdtemp(join(tmpdir(), 'mr-upl-parent-'));
  server = await startWebServer({
    service: new FakeService(),
    rendererDir: made.dir,
    port: 0,
    uploads: { parent, limits: { maxFileBytes: { package: 1024 * 1024, qcn: 1000 }, maxFiles: 3 } },
  });
});

afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
  await rm(parent, { recursive: true, force: true });
});

interface Sent {
  status: number;
  body: { ok: boolean; path?: string; error?: { code: string; message: string } };
}

function upload(
  q: { what: string; batch: string; name: string },
  data: Buffer,
  opts: { token?: string | null; header?: boolean; origin?: string; length?: number } = {},
): Promise<Sent> {
  const token = opts.token === undefined ? server.token : opts.token;
  const params = new URLSearchParams({ ...q, ...(token ? { token } : {}) });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/upload?${params.toString()}`,
        headers: {
          host: `127.0.0.1:${server.port}`,
          'content-length': String(opts.length ?? data.length),
          ...(opts.header === false ? {} : { 'x-modem-rescue-upload': '1' }),
          ...(opts.origin ? { origin: opts.origin } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Sent['body'],
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.length !== undefined && opts.length > data.length) {
      // Announce more than is sent, then end the request: the body arrives short.
      req.write(data);
      setImmediate(() => req.destroy());
    } else req.end(data);
  });
}

describe('uploads: names', () => {
  it('refuses names that leave the folder, absolute names and what is neither a .zip nor a folder', () => {
    expect(() => uploadNameParts('package', '../evil.zip')).toThrow(/outside/);
    expect(() => uploadNameParts('package', 'Pkg\\..\\..\\x.mbn')).toThrow(/outside/);
    expect(() => uploadNameParts('package', '/etc/passwd')).toThrow(/absolute/);
    expect(() => uploadNameParts('package', 'C:/x.zip')).toThrow(/absolute/);
    expect(() => uploadNameParts('package', 'notes.txt')).toThrow(/neither a .zip nor a folder/);
    expect(() => uploadNameParts('qcn', 'dir/b.qcn')).toThrow(/not a QCN/);
    expect(uploadNameParts('package', 'Pkg/update/firehose/prog.mbn')).toEqual([
      'Pkg',
      'update',
      'firehose',
      'prog.mbn',
    ]);
    expect(uploadNameParts('qcn', 'module.QCN')).toEqual(['module.QCN']);
  });
});

describe('uploads: the server', () => {
  it('writes a .zip into a private folder and answers with its path', async () => {
    const r = await upload({ what: 'package', batch: 'aaaaaaaa1', name: 'pkg.zip' }, Buffer.from('PK zip bytes'));
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    const path = r.body.path ?? '';
    expect(path.startsWith(parent)).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('PK zip bytes');
    if (process.platform !== 'win32') {
      expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
      expect((await stat(dirname(dirname(path)))).mode & 0o777).toBe(0o700);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    }
  });

  it('puts a folder together file by file and answers with the folder', async () => {
    const a = await upload({ what: 'package', batch: 'bbbbbbbb1', name: 'Pkg/md5.txt' }, Buffer.from('x'));
    const b = await upload({ what: 'package', batch: 'bbbbbbbb1', name: 'Pkg/update/prog.mbn' }, Buffer.from('yy'));
    expect(a.body.path).toBe(b.body.path);
    expect(await readFile(join(b.body.path ?? '', 'update', 'prog.mbn'), 'utf8')).toBe('yy');
    const mixed = await upload({ what: 'package', batch: 'bbbbbbbb1', name: 'Other/x.bin' }, Buffer.from('z'));
    expect(mixed.status).toBe(400);
    expect(mixed.body.error?.message).toMatch(/one folder or one .zip/);
    const twice = await upload({ what: 'package', batch: 'bbbbbbbb1', name: 'Pkg/md5.txt' }, Buffer.from('x'));
    expect(twice.body.error?.message).toMatch(/sent twice/);
  });

  it('refuses zip slip, a missing token, a foreign Origin, a missing upload header and a backup folder', async () => {
    const slip = await upload({ what: 'package', batch: 'cccccccc1', name: 'Pkg/../../escape.bin' }, Buffer.from('x'));
    expect(slip.status).toBe(400);
    expect(slip.body.error?.code).toBe('PACKAGE_UNSAFE_PATH');
    const q = { what: 'package', batch: 'cccccccc2', name: 'a.zip' };
    expect((await upload(q, Buffer.from('x'), { token: null })).status).toBe(403);
    expect((await upload(q, Buffer.from('x'), { token: '0'.repeat(64) })).status).toBe(403);
    expect((await upload(q, Buffer.from('x'), { origin: 'http://evil.example' })).status).toBe(403);
    expect((await upload(q, Buffer.from('x'), { header: false })).status).toBe(403);
    expect((await upload({ ...q, what: 'backup-folder' }, Buffer.from('x'))).status).toBe(400);
    // Nothing of the refused ones was written anywhere.
    const written = await readdir(parent, { recursive: true });
    expect(written.filter((n) => n.endsWith('escape.bin') || n.endsWith('a.zip'))).toEqual([]);
  });

  it('refuses files over the size limit, too many files, and a body shorter than announced', async () => {
    const big = await upload({ what: 'qcn', batch: 'dddddddd1', name: 'm.qcn' }, Buffer.alloc(1001));
    expect(big.status).toBe(400);
    expect(big.body.error?.message).toMatch(/more than the 1000 bytes/);
    for (const n of ['a', 'b', 'c'])
      expect((await upload({ what: 'package', batch: 'dddddddd2', name: `P/${n}` }, Buffer.from(n))).status).toBe(200);
    const fourth = await upload({ what: 'package', batch: 'dddddddd2', name: 'P/d' }, Buffer.from('d'));
    expect(fourth.body.error?.message).toMatch(/more than 3 files/);
    await expect(
      upload({ what: 'qcn', batch: 'dddddddd3', name: 'm.qcn' }, Buffer.from('abc'), { length: 500 }),
    ).rejects.toThrow();
  });

  it('removes the previous upload of a kind when the next starts, and all of them when the server closes', async () => {
    const first = await upload({ what: 'package', batch: 'eeeeeeee1', name: 'one.zip' }, Buffer.from('1'));
    const qcn = await upload({ what: 'qcn', batch: 'eeeeeeee2', name: 'm.qcn' }, Buffer.from('q'));
    const second = await upload({ what: 'package', batch: 'eeeeeeee3', name: 'two.zip' }, Buffer.from('2'));
    await expect(stat(first.body.path ?? '')).rejects.toThrow();
    expect((await stat(qcn.body.path ?? '')).isFile()).toBe(true);
    expect((await stat(second.body.path ?? '')).isFile()).toBe(true);
    await server.close();
    expect(await readdir(parent)).toEqual([]);
  });
});
