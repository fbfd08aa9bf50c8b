import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultProbe, fallbackMessage, findElectronRuntime, type RuntimeProbe } from '../../src-main/web/electron-runtime.js';

const installed = (binary: unknown): RuntimeProbe => ({
  resolve: () => '/x/node_modules/electron/index.js',
  load: () => binary,
  checkExecutable: defaultProbe().checkExecutable,
});

describe('finding the Electron runtime for npm start', () => {
  it('says the package is not installed when electron does not resolve (this machine)', () => {
    const found = findElectronRuntime();
    expect(found).toEqual({ available: false, reason: 'the electron package is not installed' });
    expect(fallbackMessage('the electron package is not installed')).toBe(
      'The Electron runtime is not available on this machine (the electron package is not installed); serving the wizard in your browser instead.',
    );
  });

  it('reports a package whose runtime download never happened', () => {
    const found = findElectronRuntime({ ...installed(''), load: () => { throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again\nmore'); } });
    expect(found.available).toBe(false);
    expect(!found.available && found.reason).toBe('the electron package has no runtime: Electron failed to install correctly, please delete node_modules/electron and try installing again');
  });

  it('needs the named binary to exist and be executable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mr-electron-'));
    try {
      const bin = join(dir, 'electron');
      expect(findElectronRuntime(installed(bin))).toEqual({ available: false, reason: `${bin} is missing or not executable` });
      await writeFile(bin, '#!/bin/sh\n');
      await chmod(bin, 0o644);
      expect(findElectronRuntime(installed(bin)).available).toBe(false);
      await chmod(bin, 0o755);
      expect(findElectronRuntime(installed(bin))).toEqual({ available: true, binary: bin });
      expect(findElectronRuntime(installed(dir)).available).toBe(false);
      expect(findElectronRuntime(installed(42)).available).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
