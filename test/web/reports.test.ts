// Browser mode's report download: GET /reports/<name> serves a report zip of the engine's
// reports folder as an attachment, with the token; no other name, no other folder.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../src-main/web/server.js';
import { FakeService, makeRendererDir, rawRequest } from './helpers.js';

let server: WebServer;
let root: string;
let reports: string;

beforeEach(async () => {
  const made = await makeRendererDir();
  root = made.root;
  reports = await mkdtemp(join(tmpdir(), 'mr-reports-'));
  await writeFile(join(reports, 'report-20261206-051425Z.zip'), 'PK report');
  await writeFile(join(reports, 'report-20261206-051425Z.json'), '{"secret":1}');
  server = await startWebServer({ service: new FakeService(), rendererDir: made.dir, port: 0, reportsDir: reports });
});

afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
  await rm(reports, { recursive: true, force: true });
});

describe('report downloads', () => {
  it('serves a report zip as an attachment, only with the token', async () => {
    const ok = await rawRequest(server.port, `/reports/report-20261206-051425Z.zip?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('PK report');
    expect(ok.headers['content-disposition']).toBe('attachment; filename="report-20261206-051425Z.zip"');
    expect((await rawRequest(server.port, '/reports/report-20261206-051425Z.zip')).status).toBe(403);
  });

  it('serves nothing else from the folder, and nothing outside it', async () => {
    for (const name of [
      'report-20261206-051425Z.json',
      '..%2F..%2Fetc%2Fpasswd',
      '../secret.txt',
      'report-20261206-051425Z.zip%00',
      'other.zip',
    ]) {
      const r = await rawRequest(server.port, `/reports/${name}?token=${server.token}`);
      expect(r.status, name).toBe(404);
    }
  });
});
