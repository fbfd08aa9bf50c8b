// The acceptance run: `backup --port <DM tty>` against the virtual EC25 on pseudo-terminals.
import CFB from 'cfb';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backupCommand } from '../../src-main/cli/commands/backup.js';
import type { CliIo } from '../../src-main/cli/io.js';
import { nvToImei } from '../../src-main/protocol/imei.js';
import { PtyNormalPort } from '../../src-main/sim/normal-port.js';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { socatAvailable } from '../helpers/socat.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!socatAvailable())('backup over pseudo-terminals', () => {
  it('`backup --port DM --out F.qcn` writes a QCN whose IMEI is the modem IMEI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-qcn-pty-'));
    const normal = new PtyNormalPort();
    const edl = new PtyPort();
    const modem = new VirtualModem(
      { model: 'ec25', stateDir: join(dir, 'modem'), mode: 'normal', normalPort: normal, reEnumerateDelayMs: 30 },
      edl,
    );
    await modem.start();
    cleanups.push(async () => {
      await modem.stop();
      await normal.dispose();
      await edl.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    let text = '';
    const io: CliIo = {
      out: (t) => void (text += t),
      err: (t) => void (text += t),
      isTTY: false,
      columns: 80,
      signal: new AbortController().signal,
    };
    const out = join(dir, 'ec25.qcn');
    expect(await backupCommand.run(['--port', normal.dmPath, '--out', out], io)).toBe(0);
    const c = CFB.read(readFileSync(out), { type: 'buffer' });
    const arr = Buffer.from(
      CFB.find(c, 'Root Entry/00024655/default/NV_NUMBERED_ITEMS/NV_ITEM_ARRAY')!.content as Uint8Array,
    );
    let imei: string | undefined;
    for (let o = 0; o < arr.length; o += 136)
      if (arr.readUInt16LE(o + 4) === 550) imei = nvToImei(arr.subarray(o + 8, o + 136));
    expect(imei).toBe(modem.normalState!.imei(0));
    expect(text).toContain(`IMEI ${imei}`);
  }, 60_000);
});
