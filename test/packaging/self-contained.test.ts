// The repository tests itself: no file in it may point at the `shared` folder that sits beside
// the checkout on the project's own machines (reference notes and real fixtures), which a clone
// does not have. The repository's own `shared/` (types used by main and renderer) is inside, so a
// relative import of it from `src-main/cli/` is fine; the same words that climb out of the
// checkout (one level up from the top, three from `test/helpers/`) are not.

import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Relative references: a run of `../` followed by a name, in any quoting or prose. */
const DOTTED = /((?:\.\.[\\/])+)([A-Za-z0-9_.-]+)/g;
/** path.join / resolve style: '..', '..', 'shared'. */
const JOINED = /((?:['"]\.\.['"]\s*,\s*)+)['"]([A-Za-z0-9_.-]+)['"]/g;

/** Every place in text (a file at fileRel) whose relative reference to a `shared` folder resolves outside ROOT. */
export function outsideReferences(fileRel: string, text: string): string[] {
  const found: string[] = [];
  const base = dirname(join(ROOT, fileRel));
  const check = (ups: number, name: string, shown: string) => {
    if (name !== 'shared') return;
    const target = resolve(base, ...Array<string>(ups).fill('..'), name);
    if (target !== ROOT && !target.startsWith(ROOT + sep)) found.push(`${fileRel}: ${shown}`);
  };
  for (const m of text.matchAll(DOTTED)) check(m[1]!.length / 3, m[2]!, m[0]);
  for (const m of text.matchAll(JOINED)) check((m[1]!.match(/\.\./g) ?? []).length, m[2]!, m[0]);
  return found;
}

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  return out
    .toString('utf8')
    .split('\0')
    .filter((f) => f && f !== 'package-lock.json');
}

describe('the repository is self-contained', () => {
  it('finds an outside reference when there is one (the check itself can fail)', () => {
    const up = (n: number) => '../'.repeat(n);
    expect(outsideReferences('test/helpers/x.ts', `resolve(here, '${up(3)}shared/fixtures')`)).toHaveLength(1);
    expect(outsideReferences('README.md', `read ${up(1)}shared/reference first`)).toHaveLength(1);
    expect(outsideReferences('test/x.ts', "join(here, '..', '..', 'shared')")).toHaveLength(1);
    expect(outsideReferences('src-main/cli/main.ts', "from '../../shared/errors.js'")).toEqual([]);
    expect(outsideReferences('test/helpers/x.ts', "'../fixtures/real/eg25g'")).toEqual([]);
  });

  it('no file in the repository refers to a folder outside it', () => {
    const problems: string[] = [];
    for (const file of trackedFiles()) {
      const path = join(ROOT, file);
      let size: number;
      try {
        const st = statSync(path);
        if (!st.isFile()) continue;
        size = st.size;
      } catch {
        continue; // deleted in the work tree
      }
      if (size > 2 * 1024 * 1024) continue;
      const buf = readFileSync(path);
      if (buf.includes(0)) continue; // binary
      problems.push(...outsideReferences(relative(ROOT, path), buf.toString('utf8')));
    }
    expect(problems, 'copy what a test needs into test/fixtures with its SOURCE.md').toEqual([]);
  });
});
