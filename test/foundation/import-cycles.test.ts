// The layers stay layers: no module of the app (main process, renderer, shared types) imports,
// through any chain, a module that imports it back. Type-only imports count too: a cycle of
// types is a cycle of concepts.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|tsx|cts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function graph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const g = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const base = resolve(dirname(f), m[1]!).replace(/\.(c?js)$/, '');
      const hit = ['.ts', '.tsx', '.cts'].map((e) => base + e).find((p) => known.has(p));
      if (hit) deps.push(hit);
    }
    g.set(f, deps);
  }
  return g;
}

/** Strongly connected components with more than one module (Tarjan). */
function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) found.push(c);
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return found;
}

it('no import cycle among the modules of src-main, src-renderer and shared', () => {
  const files = ['src-main', 'src-renderer', 'shared'].flatMap((d) => sources(join(ROOT, d)));
  expect(files.length).toBeGreaterThan(100);
  const g = graph(files);
  // The graph is real: the flash operation reaches the host sessions it drives.
  expect(g.get(join(ROOT, 'src-main/flows/flash-run.ts'))).toContain(join(ROOT, 'src-main/host/firehose-host.ts'));
  expect(cycles(g).map((c) => c.map((f) => relative(ROOT, f)))).toEqual([]);
});

it('the check sees a cycle when there is one', () => {
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  expect(cycles(g).map((c) => c.sort())).toEqual([['a', 'b', 'c']]);
});
