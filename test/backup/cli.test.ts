import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeBackupCommand } from '../../src-main/cli/commands/backup.js';
import { qcnDumpCommand } from '../../src-main/cli/commands/qcn-dump.js';
import { makeRestoreCommand } from '../../src-main/cli/commands/restore.js';
import { xqcnToTree } from '../../src-main/qcn/xqcn.js';
import { qcnToTree, readQcn, treeToQcn, writeQcn } from '../../src-main/qcn/layout.js';
import { compareQcn } from '../../src-main/qcn/compare.js';
import { parseBackupFile, treeDifferences } from '../../src-main/qcn/qcn-file.js';
import { type CfbStorage } from '../../src-main/qcn/cfb.js';
import { readCfb } from '../../src-main/qcn/cfb-reader.js';
import { writeCfb } from '../../src-main/qcn/cfb-writer.js';
import type { ModulePortSource } from '../../src-main/platform/port-map.js';
import { startNormalModem, type TestModem } from './normal-modem.js';
import { textIo } from '../helpers/cli-io.js';

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
    const b = textIo({ merged: true });
    expect(await makeBackupCommand(deps).run(['--port', 'DM', '--out', out], b)).toBe(0);
    expect(b.text()).toContain(`IMEI ${modem.state.imei(0)}`);
    expect(b.text()).toContain('Backup written and verified');

    const d = textIo({ merged: true });
    expect(await qcnDumpCommand.run(['dump', out], d)).toBe(0);
    expect(d.text()).toContain('model number 24655');
    expect(d.text()).toContain(`IMEI: ${modem.state.imei(0)}`);
    expect(d.text()).toMatch(
      /files: +[1-9]\d* rfnv calibration in all; \d+ EFS backup, \d+ provisioning, 0 NV item files/,
    );
    const j = textIo({ merged: true });
    expect(await qcnDumpCommand.run(['dump', out, '--json'], j)).toBe(0);
    expect(JSON.parse(j.text()).imeis[0].imei).toBe(modem.state.imei(0));
    const x = textIo({ merged: true });
    expect(await qcnDumpCommand.run(['dump', out, '--xqcn'], x)).toBe(0);
    expect(treeToQcn(xqcnToTree(x.text())).nvItems.length).toBe(JSON.parse(j.text()).nvItems.length);

    modem.state.nvWrite(10, 1, new Uint8Array(128).fill(3), { unlocked: true });
    const r = textIo({ merged: true });
    expect(await makeRestoreCommand(deps).run([out, '--port', 'DM', '--dry-run'], r)).toBe(0);
    expect(r.text()).toContain('Dry run: 1 to write');
    expect(r.text()).toContain('write   NV 10 (SIM 1) (differs)');
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });

  it('without --port and no module found: the port map error, naming --port', async () => {
    const none: ModulePortSource = {
      description: 'test bus',
      availability: async () => ({ available: true }),
      modules: async () => [],
    } as unknown as ModulePortSource;
    await expect(
      makeBackupCommand({ portSource: () => none }).run(['--out', join(dir, 'x.qcn')], textIo({ merged: true })),
    ).rejects.toMatchObject({ code: 'PORT_NOT_FOUND' });
    await expect(makeBackupCommand().run([], textIo({ merged: true }))).rejects.toMatchObject({ code: 'USAGE' });
    await expect(makeRestoreCommand().run(['--dry-run'], textIo({ merged: true }))).rejects.toMatchObject({
      code: 'USAGE',
    });
  });

  it('qcn dump refuses a damaged file with QCN_CORRUPT', async () => {
    const bad = join(dir, 'bad.qcn');
    (await import('node:fs')).writeFileSync(bad, Buffer.alloc(4096, 0x41));
    await expect(qcnDumpCommand.run(['dump', bad], textIo({ merged: true }))).rejects.toMatchObject({
      code: 'QCN_CORRUPT',
    });
  });

  it('restore of an item the module refuses: "Partly restored", the item and the module\u2019s reason, exit code 4 (also in --json)', async () => {
    modem = await startNormalModem();
    const deps = { openerFor: (p: string) => (p === 'DM' ? modem!.bus.dmOpener : undefined!) };
    const out = join(dir, 'b.qcn');
    expect(await makeBackupCommand(deps).run(['--port', 'DM', '--out', out], textIo({ merged: true }))).toBe(0);
    const q = readQcn(new Uint8Array(readFileSync(out)));
    const extra = join(dir, 'extra.qcn');
    writeFileSync(
      extra,
      writeQcn({
        ...q,
        nvItems: [...q.nvItems, { id: 7400, index: 0, context: 0, data: new Uint8Array(128).fill(2) }],
      }),
    );
    modem.state.nvWrite(10, 1, new Uint8Array(128).fill(3), { unlocked: true });
    const r = textIo({ merged: true });
    expect(await makeRestoreCommand(deps).run([extra, '--port', 'DM'], r)).toBe(4);
    expect(r.text()).toContain('Partly restored: 1 items from');
    expect(r.text()).toContain(
      '  refused  NV 7400: the item number or its data is not valid for this modem (BADPARM)\n',
    );
    expect(r.text()).toContain('The state before the restore is saved in');
    await expect.poll(() => modem!.resets, { timeout: 2000 }).toBe(1);
    const j = textIo({ merged: true });
    expect(
      await makeRestoreCommand(deps).run([extra, '--port', 'DM', '--json', '--backup-dir', join(dir, 'again')], j),
    ).toBe(4);
    const json = JSON.parse(j.text().trim().split('\n').at(-1)!); // after the event lines
    expect([json.ok, json.outcome, json.refused[0].label]).toEqual([false, 'partly restored', 'NV 7400']);
  });

  it('qcn dump counts rfnv files where QPST keeps them; qcn convert turns XQCN into QCN and back without loss', async () => {
    const fixture = join(__dirname, '../fixtures/qpst-synthetic/full.xqcn');
    const d = textIo({ merged: true });
    expect(await qcnDumpCommand.run(['dump', fixture], d)).toBe(0);
    expect(d.text()).toContain(
      '  NV items:  14 default, 2 SIM 1, 0 SIM 2 (8 records of entries 1.. of multi-entry items)\n',
    );
    expect(d.text()).toContain(
      '  files:     3 rfnv calibration in all; 6 EFS backup, 5 provisioning, 0 NV item files\n',
    );
    expect(d.text()).toContain('    pdp_profiles/ap_embd_call_prof_num_Subscription01 (1 bytes)\n');
    const qcn = join(dir, 'full.qcn');
    const c1 = textIo({ merged: true });
    expect(await qcnDumpCommand.run(['convert', fixture, qcn], c1)).toBe(0);
    expect(c1.text()).toMatch(/^Converted .* every stream the same\.\n$/);
    const xqcn = join(dir, 'back.xqcn');
    expect(await qcnDumpCommand.run(['convert', qcn, xqcn], textIo({ merged: true }))).toBe(0);
    expect(
      compareQcn(
        parseBackupFile(new Uint8Array(readFileSync(fixture)), fixture),
        parseBackupFile(new Uint8Array(readFileSync(xqcn)), xqcn),
        { mtimes: true },
      ),
    ).toEqual([]);
    // Only the root storage's name differs from QPST's export: it names the file written.
    expect(readFileSync(xqcn, 'latin1')).toBe(
      readFileSync(fixture, 'latin1').replace('C:\\Users\\tester\\Desktop\\00000000_0.xqcn', 'back.xqcn'),
    );
    await expect(
      qcnDumpCommand.run(['convert', fixture, join(dir, 'x.bin')], textIo({ merged: true })),
    ).rejects.toMatchObject({
      code: 'USAGE',
    });
    // A stream this tool does not model is carried over both ways.
    const tree = qcnToTree(parseBackupFile(new Uint8Array(readFileSync(fixture)), fixture));
    const def = (tree.children[1] as CfbStorage).children[0] as CfbStorage;
    def.children.push({
      kind: 'storage',
      name: 'Vendor_Extra',
      children: [{ kind: 'stream', name: 'Blob', data: Uint8Array.of(1, 2, 3) }],
    });
    const odd = join(dir, 'odd.qcn');
    writeFileSync(odd, writeCfb(tree));
    expect(await qcnDumpCommand.run(['convert', odd, join(dir, 'odd.xqcn')], textIo({ merged: true }))).toBe(0);
    expect(readFileSync(join(dir, 'odd.xqcn'), 'latin1')).toContain(
      "<Storage Name='Vendor_Extra'>\n        <Stream Length='3' Name='Blob' Value='01 02 03 '/>",
    );
    expect(
      await qcnDumpCommand.run(['convert', join(dir, 'odd.xqcn'), join(dir, 'odd2.qcn')], textIo({ merged: true })),
    ).toBe(0);
    expect(treeDifferences(tree, readCfb(new Uint8Array(readFileSync(join(dir, 'odd2.qcn')))))).toEqual([]);
  });
});
