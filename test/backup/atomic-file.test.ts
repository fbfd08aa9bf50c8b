import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src-main/util/atomic-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces a file and leaves no temporary file', async () => {
    const p = join(dir, 'a.qcn');
    writeFileSync(p, 'old');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['a.qcn']);
  });
  it('fails with HOST_IO when the target cannot be written, keeping the old file and no temporary', async () => {
    const p = join(dir, 'sub');
    writeFileSync(join(dir, 'keep.qcn'), 'old');
    await expect(writeFileAtomic(join(p, 'x.qcn'), 'data')).rejects.toMatchObject({ code: 'HOST_IO' });
    // Renaming a file over a folder fails: the folder stays, nothing half-written appears.
    const folder = join(dir, 'folder.qcn');
    (await import('node:fs')).mkdirSync(folder);
    await expect(writeFileAtomic(folder, 'data')).rejects.toMatchObject({ code: 'HOST_IO' });
    expect(readdirSync(dir).sort()).toEqual(['folder.qcn', 'keep.qcn']);
  });
});
