// Temporary folders of runs killed outright (kill -9): named with their process id, they are
// removed by a later run once that process is gone and the folder is old enough; a live process's
// folder, a new one, and anything that is not such a folder are left alone.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, STALE_MS, sweepStaleTempDirs } from '../../src-main/util/temp-dir.js';

const parent = mkdtempSync(path.join(tmpdir(), 'mr-temp-dirs-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** The id of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function folder(name: string, ageMs: number): string {
  const dir = path.join(parent, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'system.ubi'), 'x');
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(dir, t, t);
  return dir;
}

describe.runIf(process.platform !== 'win32')('stale temporary folders', () => {
  it('removes only old folders of dead processes, then makes its own with its pid in the name', async () => {
    const dead = deadPid();
    const stale = folder(`modem-rescue-pkg-${dead}-AbC123`, STALE_MS + 60_000);
    const fresh = folder(`modem-rescue-pkg-${dead}-Fresh1`, 1000);
    const living = folder(`modem-rescue-pkg-${process.ppid}-Alive1`, STALE_MS + 60_000);
    const other = folder(`modem-rescue-pkg-${dead}-toolongname`, STALE_MS + 60_000);
    const target = folder('outside-target', 0);
    symlinkSync(target, path.join(parent, `modem-rescue-pkg-${dead}-Link12`));
    const made = await makeTempDir('modem-rescue-pkg-', parent);
    try {
      expect(existsSync(stale)).toBe(false);
      for (const kept of [fresh, living, other, path.join(target, 'system.ubi')])
        expect(existsSync(kept), kept).toBe(true);
      expect(path.basename(made.path)).toMatch(new RegExp(`^modem-rescue-pkg-${process.pid}-[A-Za-z0-9]{6}$`));
      // Its own folder is never swept by itself, however old.
      utimesSync(made.path, 1, 1);
      expect(await sweepStaleTempDirs('modem-rescue-pkg-', parent)).toEqual([]);
    } finally {
      await made.remove();
    }
    expect(existsSync(made.path)).toBe(false);
  });
});
