// `backup --all --out DIR` and repeated --port (issue 16): several running modules backed up at
// once, each file named by its own module's model and the last four digits of its IMEI (never the
// whole IMEI), each holding that module's identity; one module that drops off fails alone, the
// others are written and verified; the exit code says a module failed.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../shared/errors.js';
import { makeBackupCommand } from '../../src-main/cli/commands/backup.js';
import type { ModulePortSource, ModulePorts } from '../../src-main/platform/port-map.js';
import { readQcn } from '../../src-main/qcn/layout.js';
import { nvToImei, NV_IMEI } from '../../src-main/protocol/imei.js';
import { fleetSerial, getModel } from '../../src-main/sim/models.js';
import { startNormalModem, type TestModem } from './normal-modem.js';
import { textIo } from '../helpers/cli-io.js';

let dir: string;
let modems: TestModem[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-backup-many-'));
});
afterEach(async () => {
  await Promise.all(modems.map((m) => m.stop()));
  modems = [];
  rmSync(dir, { recursive: true, force: true });
});

const EC25 = getModel('ec25');

/** Modems k = 1..n of a bench (their own serials, so their own IMEIs); faults by k. */
async function bench(n: number, faults: Record<number, string[]> = {}, serial = (k: number) => fleetSerial(EC25, k)) {
  modems = await Promise.all(
    Array.from({ length: n }, (_, i) => startNormalModem({ serial: serial(i + 1), faults: faults[i + 1] ?? [] })),
  );
  const byPort = new Map(modems.map((m, i) => [`/dev/ttyUSB${i * 4}`, m]));
  return {
    ports: [...byPort.keys()],
    deps: {
      openerFor: (p: string) => {
        const m = byPort.get(p);
        if (!m) throw new Error(`no modem on ${p}`);
        return m.bus.dmOpener;
      },
    },
  };
}

function imeiIn(file: string): string | undefined {
  const q = readQcn(new Uint8Array(readFileSync(file)));
  const it = q.nvItems.find((i) => i.id === NV_IMEI && i.context === 0);
  return it ? nvToImei(it.data) : undefined;
}

function qcnFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.qcn'))
    .sort();
}

describe('backup of several modules at once', () => {
  it('three modules by --port: one file each, named by model and IMEI last four, each its own identity; the one that drops off fails alone', async () => {
    const { ports, deps } = await bench(3, { 2: ['drop-diag@1500'] });
    const out = join(dir, 'bench');
    const t = textIo({ merged: true, columns: 120 });
    const code = await makeBackupCommand(deps).run([...ports.flatMap((p) => ['--port', p]), '--out', out], t);
    expect(code).toBe(EXIT_CODES.device);
    expect(modems[1]!.dropped).toBe(true);

    const files = qcnFiles(out);
    expect(files).toHaveLength(2);
    for (const k of [0, 2]) {
      const imei = modems[k]!.state.imei(0)!;
      const file = files.find((f) => f.includes(`-${imei.slice(-4)}-`));
      expect(file, `module ${k + 1}'s file is named by its IMEI's last four digits`).toBeDefined();
      expect(file).toMatch(/^EC25[A-Za-z0-9_-]*-\d{4}-\d{8}-\d{6}Z\.qcn$/);
      expect(imeiIn(join(out, file!)), 'the file holds its own module').toBe(imei);
      for (const m of modems) expect(file).not.toContain(m.state.imei(0)!.slice(0, 8));
      expect(readdirSync(out)).toContain(file!.replace(/\.qcn$/, '.manifest.json'));
    }
    expect(
      readdirSync(out).some((f) => f.includes('partial')),
      'no half-written file is left',
    ).toBe(false);

    const text = t.text();
    expect(text).toMatch(/module\s+model\s+IMEI\s+result\s+seconds\s+file/);
    expect(text).toMatch(/\n1 \/dev\/ttyUSB0\s+EC25\S*\s+\*{11}\d{4}\s+OK \(verified\)/);
    expect(text).toMatch(/\n2 \/dev\/ttyUSB4\s+\?\s+\?\s+FAILED \(DEVICE_DISCONNECTED\)/);
    expect(text).toContain('2 of 3 modules backed up.');
    expect(text).toMatch(/\[2 \/dev\/ttyUSB4\] .*\n {2}what to do: /);
    for (const m of modems) expect(text, 'no whole IMEI on screen').not.toContain(m.state.imei(0)!);
  });

  it('--all finds every running module by the port map; a module without a DM port fails alone; --json tags each event with its module', async () => {
    const { ports, deps } = await bench(2);
    const module = (location: string, dm: string | undefined): ModulePorts =>
      ({
        id: '2c7c:0125',
        vendorId: 0x2c7c,
        productId: 0x0125,
        location,
        name: 'EC25',
        interfaces: [],
        ...(dm ? { dm: { number: 0, role: 'dm', path: dm } } : {}),
      }) as ModulePorts;
    const source: ModulePortSource = {
      description: 'the test bus',
      availability: () => Promise.resolve({ available: true }),
      modules: () =>
        Promise.resolve([module('1-1.1', ports[0]), module('1-1.2', undefined), module('1-1.3', ports[1])]),
    };
    const out = join(dir, 'all');
    const t = textIo({ merged: true, columns: 120 });
    const code = await makeBackupCommand({ ...deps, portSource: () => source }).run(
      ['--all', '--out', out, '--json'],
      t,
    );
    expect(code).toBe(EXIT_CODES.device);
    const lines = t
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { module: string; type: string; ok?: boolean; error?: { code: string } });
    const results = lines.filter((l) => l.type === 'result');
    expect(results.map((r) => [r.module, r.ok])).toEqual(
      expect.arrayContaining([
        [ports[0], true],
        ['usb:1-1.2', false],
        [ports[1], true],
      ]),
    );
    expect(results.find((r) => r.module === 'usb:1-1.2')?.error?.code).toBe('PORT_NOT_FOUND');
    expect(lines.filter((l) => l.type === 'progress').map((l) => l.module)).toEqual(
      expect.arrayContaining([ports[0], ports[1]]),
    );
    expect(
      qcnFiles(out)
        .map((f) => imeiIn(join(out, f)))
        .sort(),
    ).toEqual(modems.map((m) => m.state.imei(0)).sort());
  });

  it('two modules whose names would be the same get their own files; an earlier backup is never overwritten', async () => {
    // Same serial, so the same IMEI: the worst case for names (and what a cloned bench can show).
    const { ports, deps } = await bench(2, {}, () => EC25.serial);
    const out = join(dir, 'same');
    for (let run = 0; run < 2; run++)
      expect(
        await makeBackupCommand(deps).run(
          ['--port', ports[0]!, '--port', ports[1]!, '--out', out],
          textIo({ merged: true, columns: 120 }),
        ),
      ).toBe(0);
    const files = qcnFiles(out);
    expect(files).toHaveLength(4);
    expect(new Set(files.map((f) => imeiIn(join(out, f))))).toEqual(new Set([modems[0]!.state.imei(0)]));
  });

  it('refuses a .qcn file name for several modules, and --all with --port', async () => {
    const { ports, deps } = await bench(1);
    const cmd = makeBackupCommand(deps);
    await expect(
      cmd.run(['--all', '--out', join(dir, 'x.qcn')], textIo({ merged: true, columns: 120 })),
    ).rejects.toMatchObject({ code: 'USAGE' });
    await expect(
      cmd.run(['--all', '--port', ports[0]!, '--out', dir], textIo({ merged: true, columns: 120 })),
    ).rejects.toMatchObject({ code: 'USAGE' });
    expect(modems[0]!.requests(), 'nothing was asked of the module').toBe(0);
  });
});
