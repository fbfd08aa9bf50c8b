// The normal-mode module on pseudo-terminals, as `modem-rescue sim --pty --mode normal` runs it:
// DIAG and AT over real ttys, the EDL switch making the EDL tty appear at its stable path.

import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { simCommand } from '../../src-main/cli/commands/sim.js';
import { DiagClient } from '../../src-main/host/diag-client.js';
import { saharaReadInfo } from '../../src-main/host/sahara-host.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import { SerialOpener } from '../../src-main/transport/serial.js';
import { MODELS } from '../../src-main/sim/models.js';
import { nvToImei } from '../../src-main/protocol/imei.js';
import { modelImeis } from '../../src-main/sim/normal-state.js';
import { socatAvailable } from '../helpers/socat.js';
import { atExchange, cleanup, tempDir } from './harness.js';

afterEach(cleanup);

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!socatAvailable())('sim --pty --mode normal', () => {
  it('prints the DM tty, the AT tty and the EDL tty; DIAG and AT answer; the EDL switch brings up the EDL tty', async () => {
    const lines: string[] = [];
    let errText = '';
    const stop = new AbortController();
    const io = {
      out: (t: string) => lines.push(...t.split('\n').filter(Boolean)),
      err: (t: string) => (errText += t),
      isTTY: false,
      columns: 80,
      signal: stop.signal,
    };
    const running = simCommand.run(['--pty', '--mode', 'normal', '--state', tempDir(), '--quiet'], io);
    try {
      await waitFor(() => lines.length >= 3, 10_000, `three lines from sim (got ${JSON.stringify(lines)}; ${errText})`);
      const [dmPath, atPath, edlLine] = lines as [string, string, string];
      expect(edlLine).toMatch(/^edl: \//);
      const edlPath = edlLine.slice(5);
      expect(existsSync(dmPath) && existsSync(atPath)).toBe(true);
      expect(existsSync(edlPath)).toBe(false);

      const at = await new SerialOpener(atPath).open({ timeoutMs: 3000 });
      expect(await atExchange(at, 'AT+CGSN\r', /OK\r\n$/, 3000)).toContain(modelImeis(MODELS.ec25)[0]);
      await at.close();

      const d = new DiagClient(await new SerialOpener(dmPath).open({ timeoutMs: 3000 }), { timeoutMs: 3000 });
      expect(nvToImei((await d.nvRead(550)).data)).toBe(modelImeis(MODELS.ec25)[0]);
      expect((await d.efs.listDir('/nv/item_files/rfnv')).length).toBeGreaterThan(20);
      await d.switchToEdl();
      await d.close();
      await waitFor(() => existsSync(edlPath) && !existsSync(dmPath), 8000, 'the EDL tty');
      const edl = await new SerialOpener(edlPath).open({ timeoutMs: 3000 });
      const info = await saharaReadInfo(new PipeReader(edl), { helloTimeoutMs: 3000 });
      expect(info.serialNumber).toBe(MODELS.ec25.serial.toString(16).padStart(8, '0'));
      await edl.close();
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
  }, 30_000);
});
