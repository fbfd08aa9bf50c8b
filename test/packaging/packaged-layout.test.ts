// The packaged app's layout, built the way electron-builder builds it, without the Electron
// download: the app's files chosen by electron-builder.yml's `files`, the production dependencies,
// an app.asar made with @electron/asar (the version electron-builder packs with) and the files
// matched by `asarUnpack` written to app.asar.unpacked/. Then, with Node:
// - every native module (.node) is unpacked (dlopen cannot read inside an archive), and nothing
//   else of the app: the engine worker and its import graph stay inside app.asar, where the
//   embedded integrity check (electronFuses) covers them;
// - the native modules load from app.asar.unpacked/;
// - the engine worker starts from the packaged files (as Electron's asar file system presents them)
//   and answers real API calls, so a file missing from the package fails here.
// A wrong rule fails here rather than on a user's machine.

import asar from '@electron/asar';
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatches, selectedBy } from './globs.js';
import { parseYamlSubset, type YamlValue } from './yaml-subset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const config = parseYamlSubset(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, YamlValue>;
const list = (v: YamlValue | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);
const FILES = list(config.files);
const UNPACK = list(config.asarUnpack);
const WORKER = 'dist/src-main/app/worker-entry.js';
const built = existsSync(join(root, WORKER)) && existsSync(join(root, 'dist-renderer', 'index.html'));

/** Every regular file under dir (relative to root), skipping nested node_modules when asked. */
function walk(dir: string, skipNodeModules: boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) {
      if (skipNodeModules && name === 'node_modules') continue;
      walk(path, skipNodeModules, out);
    } else if (st.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

/** The app's own files (package.json's folder, `files` globs) and its production dependencies. */
function appFiles(): string[] {
  const own = ['package.json', ...['dist', 'dist-renderer', 'bin'].flatMap((d) => walk(join(root, d), false))].filter(
    (f) => selectedBy(FILES, f),
  );
  const prodDirs = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== root);
  // The "!" patterns of `files` apply to dependencies too.
  const deps = prodDirs
    .flatMap((d) => walk(d, true))
    .filter((f) => selectedBy(['**/*', ...FILES.filter((g) => g.startsWith('!'))], f));
  return [...own, ...deps];
}

const unpacked = (rel: string): boolean => UNPACK.some((g) => globMatches(g, rel));

let work: string;
let archive: string;
let header: { files: Record<string, unknown> };
let packed: string[];

/** The archive's entry for rel (a file record), or undefined. */
function entry(rel: string): { unpacked?: boolean; size?: number } | undefined {
  let node: unknown = header;
  for (const part of rel.split('/')) {
    const files = (node as { files?: Record<string, unknown> }).files;
    if (!files || !(part in files)) return undefined;
    node = files[part];
  }
  return node as { unpacked?: boolean; size?: number };
}

beforeAll(async () => {
  if (!built) return;
  work = await mkdtemp(join(tmpdir(), 'mr-packaged-'));
  packed = appFiles();
  archive = join(work, 'resources', 'app.asar');
  await asar.createPackageFromStreams(
    archive,
    packed.map((rel) => {
      const path = join(root, rel);
      const stat = lstatSync(path);
      return {
        path: rel,
        type: 'file' as const,
        unpacked: unpacked(rel),
        stat: { mode: stat.mode, size: stat.size },
        streamGenerator: () => createReadStream(path),
      };
    }),
  );
  header = asar.getRawHeader(archive).header as { files: Record<string, unknown> };
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!built)('the packaged app (asar with electron-builder.yml rules)', () => {
  it('packs the main entry, the wizard and the production dependencies, not the sources or maps', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    for (const f of [
      pkg.main,
      'dist-renderer/index.html',
      'package.json',
      'node_modules/yauzl/package.json',
      'node_modules/ws/package.json',
    ]) {
      expect(entry(f), `${f} is in the package`).toBeDefined();
    }
    expect(packed.some((f) => f.endsWith('.map'))).toBe(false);
    expect(packed.some((f) => f.startsWith('src-main/') || f.startsWith('test/'))).toBe(false);
    // The benchmarks and the test harness built beside the app are not shipped.
    expect(packed.some((f) => f.startsWith('dist/bench/') || f.startsWith('dist/test/'))).toBe(false);
    expect(packed.some((f) => f.startsWith('node_modules/electron/') || f.startsWith('node_modules/vitest/'))).toBe(
      false,
    );
  });

  it('unpacks every native module, with a prebuild for this platform', () => {
    const natives = packed.filter((f) => f.endsWith('.node'));
    expect(natives.length).toBeGreaterThan(0);
    for (const f of natives) {
      expect(entry(f)?.unpacked, `${f} is unpacked`).toBe(true);
      expect(existsSync(join(`${archive}.unpacked`, f)), `${f} is in app.asar.unpacked`).toBe(true);
    }
    const here = `${process.platform}-${process.arch}`;
    expect(natives.some((f) => f.startsWith(`node_modules/usb/prebuilds/${here}/`))).toBe(true);
    expect(natives.some((f) => f.startsWith(`node_modules/@serialport/bindings-cpp/prebuilds/${here}/`))).toBe(true);
  });

  it('keeps the engine worker and its whole import graph inside the archive (integrity-checked)', () => {
    const seen = new Set<string>();
    const queue = [WORKER];
    while (queue.length > 0) {
      const rel = queue.pop()!;
      if (seen.has(rel)) continue;
      seen.add(rel);
      const e = entry(rel);
      expect(e, `${rel} is in the package`).toBeDefined();
      expect(e!.unpacked ?? false, `${rel} stays in app.asar`).toBe(false);
      const text = asar.extractFile(archive, rel).toString('utf8');
      for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        queue.push(join(dirname(rel), m[1]!).split(sep).join('/'));
      }
    }
    expect(seen.size).toBeGreaterThan(10);
    // Only native modules' folders are unpacked at all.
    const unpackedFiles = packed.filter(unpacked);
    expect(unpackedFiles.every((f) => /^node_modules\/(usb|@serialport)\//.test(f))).toBe(true);
  });

  it('loads the native modules for this platform from app.asar.unpacked', async () => {
    const here = `${process.platform}-${process.arch}`;
    const natives = packed.filter(
      (f) => f.endsWith('.node') && f.includes(`/prebuilds/${here}/`) && !f.includes('musl'),
    );
    expect(natives.length).toBeGreaterThanOrEqual(2);
    const script = `for (const f of ${JSON.stringify(natives.map((f) => join(`${archive}.unpacked`, f)))}) {
      const m = { exports: {} }; process.dlopen(m, f); if (Object.keys(m.exports).length === 0) throw new Error(f + ' exported nothing');
    } console.log('loaded');`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe('loaded');
  });

  it('starts the engine worker from the packaged files and answers API calls', async () => {
    // What Electron's asar file system presents to the app: archive and unpacked files together.
    const view = join(work, 'view');
    asar.extractAll(archive, view);
    const probe = join(work, 'probe.mjs');
    await writeFile(
      probe,
      `import { startEngineWorker } from ${JSON.stringify(join(view, 'dist/src-main/app/engine-worker.js'))};
const devices = {
  opener: () => ({ description: 'none', open: async () => { throw new Error('no device in this test'); } }),
  enumerator: { availability: async () => ({ available: false, reason: 'no USB here' }), list: async () => [] },
};
const engine = startEngineWorker({ stateDir: ${JSON.stringify(join(work, 'state'))}, devices });
const state = await engine.call('setDemoMode', { on: true });
const pkg = await engine.call('makeDemoPackage', {});
const view = await engine.call('inspectPackage', { path: pkg });
console.log(JSON.stringify({ demo: state.demo, flashable: view.flashable, partitions: view.partitions.length }));
await engine.dispose();`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, [probe], { timeout: 60_000 });
    const answer = JSON.parse(stdout.trim().split('\n').pop()!) as {
      demo: boolean;
      flashable: boolean;
      partitions: number;
    };
    expect(answer).toEqual({ demo: true, flashable: true, partitions: expect.any(Number) });
    expect(answer.partitions).toBeGreaterThan(5);
  }, 90_000);
});
