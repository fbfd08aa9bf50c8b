// The desktop app's pickers: the right native dialog for each kind of path, the person's cancel
// respected, and "show in folder" only for an absolute path that exists.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialogHandlers, openDialogOptions } from '../../src-main/app/dialogs.js';

describe('open dialog options', () => {
  it('offers a folder or a .zip for the package, a folder for backups, a .qcn for restore', () => {
    expect(openDialogOptions('package', 'linux').properties).toEqual(['openDirectory']);
    const zip = openDialogOptions('package', 'win32', undefined, 'zip');
    expect(zip.properties).toEqual(['openFile']);
    expect(zip.filters?.[0]?.extensions).toEqual(['zip']);
    expect(openDialogOptions('package', 'darwin').properties).toEqual(['openFile', 'openDirectory']);
    expect(openDialogOptions('backup-folder', 'linux').properties).toContain('openDirectory');
    expect(openDialogOptions('qcn', 'linux', '/home/me').filters?.[0]?.extensions).toEqual(['qcn', 'xqcn']);
    expect(openDialogOptions('qcn', 'linux', '/home/me').defaultPath).toBe('/home/me');
  });
});

describe('dialog handlers', () => {
  it('returns the chosen path, nothing on cancel, and refuses an unknown kind', async () => {
    let answer = { canceled: false, filePaths: ['/home/me/pkg'] };
    const h = dialogHandlers({
      win: {} as never,
      showOpenDialog: () => Promise.resolve(answer),
      showItemInFolder: () => undefined,
      platform: 'linux',
    });
    expect(await h.pickPath({ what: 'package' })).toEqual({ path: '/home/me/pkg' });
    answer = { canceled: true, filePaths: [] };
    expect(await h.pickPath({ what: 'qcn' })).toEqual({});
    await expect(h.pickPath({ what: 'etc' as never })).rejects.toThrow(/Unknown kind/);
  });

  it('shows only an existing file given by its full path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mr-dialogs-'));
    const shown: string[] = [];
    const h = dialogHandlers({
      win: {} as never,
      showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
      showItemInFolder: (p) => shown.push(p),
    });
    try {
      const f = join(dir, 'b.qcn');
      await writeFile(f, 'q');
      expect(await h.showInFolder({ path: f })).toEqual({ shown: true });
      expect(await h.showInFolder({ path: 'b.qcn' })).toEqual({ shown: false });
      expect(await h.showInFolder({ path: join(dir, 'missing.qcn') })).toEqual({ shown: false });
      expect(shown).toEqual([f]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
