// Checks electron-builder.yml as far as possible without the Electron runtime (which cannot be
// downloaded here): targets per OS, identity, every file it references exists, native modules
// and the engine worker stay outside the asar, no rebuild, no auto-update, .qcn association,
// the deb's postinst installs the udev rule from where extraResources puts it, and the entry
// point is a file the build produces.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { globMatches } from './globs.js';
import { parseYamlSubset, type YamlValue } from './yaml-subset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const config = parseYamlSubset(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, YamlValue>;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function section(name: string): Record<string, YamlValue> {
  const s = config[name];
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error(`electron-builder.yml has no ${name} section`);
  return s;
}

function strings(v: YamlValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return [String(v)];
}

interface Resource {
  from: string;
  to: string;
}
function resources(v: YamlValue | undefined): Resource[] {
  if (!Array.isArray(v)) return [];
  return v.map((r) => {
    if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.from !== 'string' || typeof r.to !== 'string')
      throw new Error(`extraResources entry without from/to: ${JSON.stringify(r)}`);
    return { from: r.from, to: r.to };
  });
}

/** PNG width and height from the IHDR chunk, after checking the signature. */
function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  expect(b.subarray(0, 8).toString('hex'), `${path} is a PNG`).toBe('89504e470d0a1a0a');
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it('names the app and packs the Electron version package.json pins', () => {
    expect(config.appId).toMatch(/^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)+$/);
    expect(config.productName).toBe('Modem Rescue');
    expect(config.electronVersion).toMatch(/^\d{2,}\.\d+\.\d+$/);
    // Pinned exactly (no range), and the same version electron-builder packs.
    expect(pkg.devDependencies.electron).toBe(config.electronVersion);
    expect(pkg.devDependencies['electron-builder']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.scripts.dist).toMatch(/scripts\/dist\.js/);
  });

  it('builds AppImage and deb for Linux, NSIS and portable for Windows, dmg for macOS', () => {
    expect(strings(section('linux').target).sort()).toEqual(['AppImage', 'deb']);
    expect(strings(section('win').target).sort()).toEqual(['nsis', 'portable']);
    expect(strings(section('mac').target)).toEqual(['dmg']);
  });

  it('never rebuilds the N-API prebuilds and never publishes or auto-updates', () => {
    expect(config.npmRebuild).toBe(false);
    expect(config.buildDependenciesFromSource).toBe(false);
    expect('publish' in config).toBe(true);
    expect(config.publish).toBeNull();
    for (const os of ['linux', 'win', 'mac']) expect(section(os).publish ?? null).toBeNull();
  });

  it('unpacks only the native modules; the engine stays in the integrity-checked asar', () => {
    const globs = strings(config.asarUnpack);
    const unpacked = (p: string): boolean => globs.some((g) => globMatches(g, p));
    expect(unpacked('node_modules/usb/prebuilds/linux-x64/node.napi.glibc.node')).toBe(true);
    expect(unpacked('node_modules/@serialport/bindings-cpp/prebuilds/win32-x64/node.napi.node')).toBe(true);
    expect(unpacked('dist/src-main/app/worker-entry.js')).toBe(false);
    expect(unpacked('dist/shared/errors.js')).toBe(false);
    expect(unpacked('dist-renderer/index.html')).toBe(false);
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['usb', 'serialport']));
  });

  it('flips the Electron fuses that seal the app', () => {
    expect(section('electronFuses')).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('associates .qcn backups with the app', () => {
    const assoc = config.fileAssociations;
    expect(Array.isArray(assoc)).toBe(true);
    const qcn = (assoc as YamlValue[]).find(
      (a) => a && typeof a === 'object' && !Array.isArray(a) && a.ext === 'qcn',
    ) as Record<string, YamlValue> | undefined;
    expect(qcn).toBeDefined();
    expect(typeof qcn!.name).toBe('string');
  });

  it('references only files that exist in the repository', () => {
    const referenced: string[] = [];
    const all = [...resources(config.extraResources), ...resources(section('win').extraResources)];
    expect(all.length).toBeGreaterThan(0);
    for (const r of all) referenced.push(r.from);
    referenced.push(String(section('deb').afterInstall));
    for (const os of ['linux', 'win', 'mac'])
      if (section(os).icon !== undefined) referenced.push(String(section(os).icon));
    for (const p of referenced) expect(existsSync(join(root, p)), `${p} exists`).toBe(true);
    expect(existsSync(join(root, String(section('directories').buildResources)))).toBe(true);
  });

  it('has icons big enough for every platform: 1024 px for the icns/ico, and the Linux size set', () => {
    expect(pngSize(join(root, String(section('win').icon)))).toEqual({ width: 1024, height: 1024 });
    expect(pngSize(join(root, String(section('mac').icon)))).toEqual({ width: 1024, height: 1024 });
    const linuxIcons = join(root, String(section('linux').icon));
    expect(statSync(linuxIcons).isDirectory()).toBe(true);
    for (const size of [16, 32, 48, 64, 128, 256, 512])
      expect(pngSize(join(linuxIcons, `${size}x${size}.png`))).toEqual({ width: size, height: size });
    expect(readFileSync(join(root, 'assets', 'icon.svg'), 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 32 32"/);
  });

  it('ships the Windows WinUSB driver package and the Zadig instructions where the app looks for them', () => {
    const win = resources(section('win').extraResources);
    expect(win).toEqual(
      expect.arrayContaining([
        { from: 'assets/windows/modem-rescue-winusb.inf', to: 'windows/modem-rescue-winusb.inf' },
        { from: 'assets/windows/zadig-instructions.txt', to: 'windows/zadig-instructions.txt' },
      ]),
    );
  });

  it('installs the udev rule from the deb postinst, from where extraResources places it', () => {
    const rule = resources(config.extraResources).find((r) => r.from.endsWith('.rules'));
    expect(rule).toBeDefined();
    const postinst = readFileSync(join(root, String(section('deb').afterInstall)), 'utf8');
    expect(postinst.startsWith('#!/bin/sh')).toBe(true);
    // electron-builder installs a deb under /opt/<productName>/, extraResources under resources/.
    expect(postinst).toContain(`/opt/${String(config.productName)}/resources/${rule!.to}`);
    expect(postinst).toMatch(/install -m 0644 "\$RULE_SRC" \/etc\/udev\/rules\.d\/60-modem-rescue\.rules/);
    expect(postinst).toMatch(/udevadm control --reload-rules/);
  });

  it('starts at the Electron main process that `npm run build` produces', () => {
    expect(pkg.main).toBe('dist/src-main/app/main.js');
    const tsconfig = readFileSync(join(root, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"outDir":\s*"dist"/);
    expect(existsSync(join(root, 'src-main', 'app', 'main.ts'))).toBe(true);
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.json\b/);
    // `npm test` builds first; a bare vitest run in a fresh clone has no dist/ yet.
    if (existsSync(join(root, 'dist'))) expect(existsSync(join(root, pkg.main)), `${pkg.main} was built`).toBe(true);
    // Built files are packed: the files globs include what main.js sits in and the renderer.
    const files = strings(config.files);
    expect(files.some((g) => globMatches(g, pkg.main))).toBe(true);
    expect(files.some((g) => globMatches(g, 'dist-renderer/index.html'))).toBe(true);
  });
});
