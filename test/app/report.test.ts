// "Save report": the zip holds the engine's report, this run's log and the app's versions, and no
// full IMEI anywhere. The run log masks IMEIs as it writes and keeps one file per run.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { describe, expect, it } from 'vitest';
import type { ApiEvent, ApiMethod, Params, Result } from '../../shared/api.js';
import type { Engine } from '../../src-main/app/engine.js';
import { saveAppReport } from '../../src-main/app/report.js';
import { maskImeisInLine, RunLog } from '../../src-main/app/run-log.js';
import { buildZip } from '../../src-main/util/zip-writer.js';

const IMEI = '866758040123456';

async function unzip(file: string): Promise<Map<string, string>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const out = new Map<string, string>();
  for await (const entry of zip.eachEntry()) {
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const data = Buffer.concat(chunks);
    expect(crc32(data) >>> 0, `CRC of ${entry.fileName}`).toBe(entry.crc32);
    out.set(entry.fileName, data.toString('utf8'));
  }
  zip.close();
  return out;
}

class ReportingEngine implements Engine {
  constructor(private readonly dir: string) {}
  async call<M extends ApiMethod>(method: M, _params: Params<M>): Promise<Result<M>> {
    if (method !== 'saveReport') throw new Error('unexpected');
    const file = path.join(this.dir, 'report-20261128-170000Z.json');
    // The engine masks its own report; a raw one here shows main masks again.
    writeFileSync(
      file,
      JSON.stringify(
        { devices: [{ id: 'demo', imei: IMEI }], plan: { packagePath: '/pkg' }, app: { version: '0.1.0' } },
        null,
        2,
      ),
    );
    return { path: file } as Result<M>;
  }
  on(_l: (e: ApiEvent) => void): () => void {
    return () => undefined;
  }
  async dispose(): Promise<void> {}
}

describe('run log', () => {
  it('masks IMEI-looking numbers and leaves other numbers alone', () => {
    expect(maskImeisInLine(`AT+GSN -> ${IMEI} OK`)).toBe('AT+GSN -> ***********3456 OK');
    expect(maskImeisInLine('wrote 1048576 bytes at 0x2000 in 1795887558926 ms')).toBe(
      'wrote 1048576 bytes at 0x2000 in 1795887558926 ms',
    );
    expect(maskImeisInLine('IMEISV 8667580401234501')).toBe('IMEISV ************4501');
  });

  it('writes one file per run, one line per entry, with IMEIs masked and line breaks folded', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mr-log-'));
    const a = new RunLog({ dir, now: () => Date.UTC(2026, 10, 28, 17, 0, 0) });
    a.info(`backup of ${IMEI} done`);
    a.warn('two\nlines');
    const b = new RunLog({ dir, now: () => Date.UTC(2026, 10, 28, 17, 5, 0) });
    b.info('second run');
    expect(readdirSync(dir).length).toBe(2);
    const text = readFileSync(a.file, 'utf8');
    expect(text).not.toContain(IMEI);
    expect(text).toContain('***********3456');
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(readFileSync(b.file, 'utf8')).toContain('second run');
  });

  it('stops growing at its cap and says so; keeps only the newest runs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mr-log-'));
    let t = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 5; i++) new RunLog({ dir, now: () => (t += 1000), keepRuns: 3 }).info(`run ${i}`);
    expect(readdirSync(dir).length).toBe(3);
    const log = new RunLog({ dir, now: () => (t += 1000), maxBytes: 300 });
    for (let i = 0; i < 50; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
    const text = readFileSync(log.file, 'utf8');
    expect(text.length).toBeLessThan(500);
    expect(text).toContain('later lines of this run are not kept');
  });
});

describe('save report', () => {
  it('zips the engine report, the run log and the app versions with every IMEI masked', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mr-report-'));
    const log = new RunLog({ dir: path.join(dir, 'logs') });
    log.info(`devices: 2c7c:0125 normal, IMEI ${IMEI}`);
    const { path: zipPath } = await saveAppReport({
      engine: new ReportingEngine(dir),
      logFile: log.file,
      app: {
        name: 'Modem Rescue',
        version: '0.1.0',
        versions: { electron: '39.0.0', node: '22.0.0' },
        packaged: false,
      },
    });
    expect(zipPath.endsWith('.zip')).toBe(true);
    const files = await unzip(zipPath);
    expect([...files.keys()].sort()).toEqual(['report.json', 'run.log', 'system.json']);
    for (const text of files.values()) expect(text).not.toContain(IMEI);
    expect(files.get('report.json')).toContain('***********3456');
    expect(JSON.parse(files.get('report.json')!).plan).toEqual({ packagePath: '/pkg' });
    expect(files.get('run.log')).toContain('devices: 2c7c:0125 normal');
    const system = JSON.parse(files.get('system.json')!) as {
      app: { versions: { electron: string } };
      os: { platform: string };
    };
    expect(system.app.versions.electron).toBe('39.0.0');
    expect(system.os.platform).toBe(process.platform);
  });

  it('writes zips other tools read: names, sizes and CRCs check out', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mr-zip-'));
    const file = path.join(dir, 'a.zip');
    const big = Buffer.alloc(100_000, 7);
    writeFileSync(
      file,
      buildZip([
        { name: 'empty.txt', data: new Uint8Array(0) },
        { name: 'dir/ünï.bin', data: big },
      ]),
    );
    const files = await unzip(file); // yauzl checks the sizes, unzip() the CRCs
    expect(files.get('empty.txt')).toBe('');
    expect(files.get('dir/ünï.bin')?.length).toBe(100_000);
    expect(() => buildZip([{ name: '../evil', data: new Uint8Array(1) }])).toThrow(/Bad zip entry name/);
  });
});
