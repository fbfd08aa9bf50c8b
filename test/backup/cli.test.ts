import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBackupCommand } from '../../src-main/cli/commands/backup.js';
import { qcnDumpCommand } from '../../src-main/cli/commands/qcn-dump.js';
import { makeRestoreCommand } from '../../src-main/cli/commands/restore.js';
import type { CliIo } from '../../src-main/cli/io.js';
import { xqcnToTree } from '../../src-main/qcn/xqcn.js';
import { treeToQcn } from '../../src-main/qcn/layout.js';
import type { ModulePortSource } from '../../src-main/platform/port-map.js';
import { startNormalModem, type TestModem } from './normal-modem.js';

function io(): CliIo & { text: () => string } {
  let out = '';
  return { out: (t) => (out += t), err: (t) => (out += t), isTTY: false, columns: 80, signal: new AbortController().signal, text: () => out };
}

let dir: string;
let modem: TestModem | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-qcn-cli-'));
});
afterEach(async () => {
  await modem?.stop();
  modem = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('backup, restore and qcn dump commands', () => {
  it('backup --out, qcn dump (text, --json, --xqcn), restore --dry-run', async () => {
    modem = await startNormalModem();
    const deps = { openerFor: (p: string) => (p === 'DM' ? modem!.bus.dmOpener : undefined!) };
    const out = join(dir, 'b.qcn');
    const b = io();
    expect(await makeBackupCommand(deps).run(['--port', 'DM', '--out', out], b)).toBe(0);
    expect(b.text()).toContain(`IMEI ${modem.state.imei(0)}`);
    expect(b.text()).toContain('Backup written and verified');

    const d = io();
    expect(await qcnDumpCommand.run(['dump', out], d)).toBe(0);
    expect(d.text()).toContain('model number 24655');
    expect(d.text()).toContain(`IMEI: ${modem.state.imei(0)}`);
    expect(d.text()).toMatch(/files: +[1-9]\d* rfnv calibration in all; \d+ EFS backup, \d+ provisioning, 0 NV item files/);
    const j = io();
    expect(await qcnDumpCommand.run(['dump', out, '--json'], j)).toBe(0);
    expect(JSON.parse(j.text()).imeis[0].imei).toBe(modem.state.imei(0));
    const x = io();
    expect(await qcnDumpCommand.run(['dump', out, '--xqcn'], x)).toBe(0);
    expect(treeToQcn(xqcnToTree(x.text())).nvItems.length).toBe(JSON.parse(j.text()).nvItems.length);

    modem.state.nvWrite(10, 1, new Uint8Array(128).fill(3), { unlocked: true });
    const r = io();
    expect(await makeRestoreCommand(deps).run([out, '--port', 'DM', '--dry-run'], r)).toBe(0);
    expect(r.text()).toContain('Dry run: 1 to write');
    expect(r.text()).toContain('write   NV 10 (SIM 1) (differs)');
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });

  it('without --port and no module found: the port map error, naming --port', async () => {
    const none: ModulePortSource = { description: 'test bus', availability: async () => ({ available: true }), modules: async () => [] } as unknown as ModulePortSource;
    await expect(makeBackupCommand({ portSource: () => none }).run(['--out', join(dir, 'x.qcn')], io())).rejects.toMatchObject({ code: 'PORT_NOT_FOUND' });
    await expect(makeBackupCommand().run([], io())).rejects.toMatchObject({ code: 'USAGE' });
    await expect(makeRestoreCommand().run(['--dry-run'], io())).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('qcn dump refuses a damaged file with QCN_CORRUPT', async () => {
    const bad = join(dir, 'bad.qcn');
    (await import('node:fs')).writeFileSync(bad, Buffer.alloc(4096, 0x41));
    await expect(qcnDumpCommand.run(['dump', bad], io())).rejects.toMatchObject({ code: 'QCN_CORRUPT' });
  });
});
