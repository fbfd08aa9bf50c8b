import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultProbe, fallbackMessage, findElectronRuntime, runBounded } from '../../src-main/web/electron-runtime.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-electron-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An electron package folder as npm leaves it: package.json, install.js, no binary yet. */
async function electronPackage(installScript: string): Promise<string> {
  const pkg = join(dir, 'node_modules', 'electron');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app' }));
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'electron', version: '45.6.1' }));
  await writeFile(join(pkg, 'install.js'), installScript);
  return pkg;
}

/** An install.js that "downloads": writes dist/electron (executable) and path.txt. */
const FAKE_DOWNLOAD = `const fs = require('fs');
fs.mkdirSync(__dirname + '/dist', { recursive: true });
fs.writeFileSync(__dirname + '/dist/electron', '#!/bin/sh\\n', { mode: 0o755 });
fs.writeFileSync(__dirname + '/path.txt', 'electron');`;

describe('finding the Electron runtime for npm start', () => {
  it('says the package is not installed when electron does not resolve', async () => {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app' }));
    const found = await findElectronRuntime({ probe: defaultProbe(dir) });
    expect(found).toEqual({ available: false, reason: 'the electron package is not installed (run `npm install`)' });
    expect(fallbackMessage('x')).toBe(
      'The Electron runtime is not available on this machine (x); serving the wizard in your browser instead.',
    );
  });

  it('this checkout has the electron package (a devDependency) and only looks when asked not to fetch', async () => {
    const found = await findElectronRuntime({ fetch: false });
    // No binary was ever downloaded on these machines; where one was, it is found.
    if (!found.available) expect(found.reason).toBe('the Electron runtime has not been downloaded yet');
    else expect(found.binary).toMatch(/electron/);
  });

  it('downloads a missing runtime with the package install script, then uses it', async () => {
    await electronPackage(FAKE_DOWNLOAD);
    const told: number[] = [];
    const found = await findElectronRuntime({
      probe: defaultProbe(dir),
      timeoutMs: 20_000,
      onFetch: (ms) => told.push(ms),
    });
    expect(told).toEqual([20_000]);
    expect(found).toEqual({ available: true, binary: join(dir, 'node_modules', 'electron', 'dist', 'electron') });
    // Once there, no second download.
    const again = await findElectronRuntime({ probe: defaultProbe(dir), onFetch: () => told.push(0) });
    expect(again.available).toBe(true);
    expect(told).toEqual([20_000]);
  });

  it('offline: the download error becomes the reason, quickly', async () => {
    await electronPackage(
      `console.error('Error: getaddrinfo ENOTFOUND github.com'); console.error('    at x (y.js:1:1)'); process.exit(1);`,
    );
    const found = await findElectronRuntime({ probe: defaultProbe(dir), timeoutMs: 20_000 });
    expect(found).toEqual({
      available: false,
      reason: 'the Electron runtime could not be downloaded: Error: getaddrinfo ENOTFOUND github.com',
    });
  });

  it('a download that never answers is stopped at the time limit', async () => {
    await electronPackage('setInterval(() => {}, 1000);');
    const started = Date.now();
    const found = await findElectronRuntime({ probe: defaultProbe(dir), timeoutMs: 1_000 });
    expect(found).toEqual({
      available: false,
      reason: 'the Electron runtime could not be downloaded: no answer from the download server within 1 s',
    });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('needs the named binary to be an executable file', async () => {
    const pkg = await electronPackage('process.exit(0)');
    await writeFile(join(pkg, 'path.txt'), 'electron');
    await mkdir(join(pkg, 'dist'));
    const bin = join(pkg, 'dist', 'electron');
    const look = () => findElectronRuntime({ probe: defaultProbe(dir), fetch: false });
    expect(await look()).toEqual({ available: false, reason: `${bin} is missing or not executable` });
    await writeFile(bin, '#!/bin/sh\n');
    await chmod(bin, 0o644);
    expect((await look()).available).toBe(false);
    await chmod(bin, 0o755);
    expect(await look()).toEqual({ available: true, binary: bin });
    // A download that "succeeds" without leaving a binary is not taken at its word.
    await rm(bin);
    const found = await findElectronRuntime({ probe: defaultProbe(dir) });
    expect(found).toEqual({
      available: false,
      reason: 'the Electron runtime could not be downloaded: the download ended but left no executable binary',
    });
  });

  it('runBounded reports a script that cannot start', async () => {
    const outcome = await runBounded(join(dir, 'missing.js'), dir, 10_000);
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toMatch(/Cannot find module/);
  });
});
