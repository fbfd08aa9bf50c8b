// The module's whole life: normal mode -> DIAG EDL switch -> EDL (PBL HELLO) -> flash of a newer
// package -> reset -> normal mode again, reporting the new version, with NV and EFS untouched;
// and the same state after a restart of the simulator.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagClient } from '../../src-main/host/diag-client.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { loadPackage } from '../../src-main/package/load.js';
import { readFirmwareHeader } from '../../src-main/sim/firmware-image.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MODELS } from '../../src-main/sim/models.js';
import { nvToImei } from '../../src-main/protocol/imei.js';
import { modelImeis } from '../../src-main/sim/normal-state.js';
import { atExchange, cleanup, startNormal, tempDir, waitForState } from './harness.js';
import { readFileSync, readdirSync } from 'node:fs';

afterEach(cleanup);

const NEW_FW = 'EC25EFAR06A12M4G_01.002.01.002';

describe('normal mode -> EDL -> flash -> normal mode', () => {
  it('make-package puts the version at the start of NON-HLOS.ubi', async () => {
    const made = await makePackage({ model: 'ec25', outDir: tempDir(), sizeMiB: 2, firmware: NEW_FW });
    expect(made.root.endsWith(NEW_FW)).toBe(true);
    const ubi = readFileSync(join(made.root, 'update', 'NON-HLOS.ubi'));
    expect(readFirmwareHeader(ubi.subarray(0, 4096))).toBe(NEW_FW);
    expect(readdirSync(join(made.root, 'update'))).toContain('NON-HLOS.ubi');
  });

  it('switches to EDL over DIAG, takes a flash, comes back in normal mode with the new version and the same NV/EFS', async () => {
    const stateDir = tempDir();
    const h = await startNormal({ stateDir, normal: { atUrcEvery: 0 } });
    const states: string[] = [];
    h.modem.on('state', (s: string) => states.push(s));
    const d = await h.diag();
    expect(await d.nvWrite(10, Uint8Array.of(42))).toBe(0);
    await d.efs.putItem('/nv/item_files/modem/mine', Uint8Array.of(1, 2));
    await d.switchToEdl();
    await d.close();
    await waitForState(h.modem, 'edl');
    expect(h.normal.plugged).toBe(false);

    const made = await makePackage({ model: 'ec25', outDir: tempDir(), sizeMiB: 3, seed: 5, firmware: NEW_FW });
    const pkg = await loadPackage(made.root);
    try {
      const r = await flashPackage({ package: pkg, opener: h.edl.opener, openTimeoutMs: 5000 });
      // Every partition written and checked on the module (by its digest), nothing resumed.
      expect(r.partitions.length).toBeGreaterThan(5);
      expect(r.partitions.every((p) => p.method === 'digest')).toBe(true);
      expect(r.bytesWritten).toBe(
        pkg.plan
          .filter((s) => s.operation === 'program')
          .reduce((n, s) => n + Math.ceil(s.bytes / s.sector_size) * s.sector_size, 0),
      );
    } finally {
      await pkg.dispose();
    }
    await waitForState(h.modem, 'normal');
    expect(states).toEqual(expect.arrayContaining(['rebooting', 'edl', 'firehose', 'normal']));
    expect(h.modem.bootedFirmware).toBe(NEW_FW);

    const at = await h.openAt();
    await atExchange(at, 'ATE0\r');
    expect(await atExchange(at, 'AT+QGMR\r')).toBe(`\r\n${NEW_FW}\r\n\r\nOK\r\n`);
    expect(await atExchange(at, 'ATI\r')).toContain('Revision: EC25EFAR06A12M4G');
    await at.close();
    const d2 = new DiagClient(await h.openDm(), { timeoutMs: 2000 });
    expect((await d2.extBuildId()).build).toBe(NEW_FW);
    expect((await d2.nvRead(10)).data[0]).toBe(42);
    expect(nvToImei((await d2.nvRead(550)).data)).toBe(modelImeis(MODELS.ec25)[0]);
    expect(await d2.efs.getItem('/nv/item_files/modem/mine')).toEqual(Uint8Array.of(1, 2));
    await d2.close();

    // Restart the simulator on the same state folder: same firmware, same NV, boots to normal.
    await h.stop();
    const again = await startNormal({ stateDir });
    expect(again.modem.state).toBe('normal');
    const d3 = await again.diag();
    expect((await d3.extBuildId()).build).toBe(NEW_FW);
    expect((await d3.nvRead(10)).data[0]).toBe(42);
    expect(await d3.efs.getItem('/nv/item_files/modem/mine')).toEqual(Uint8Array.of(1, 2));
  });

  it('an EG25-G started on a blank NAND gets its factory firmware and reports it', async () => {
    const h = await startNormal({ model: 'eg25g', normal: { atUrcEvery: 0 } });
    expect(h.modem.bootChainIntact().ok).toBe(true);
    const at = await h.openAt();
    await atExchange(at, 'ATE0\r');
    expect(await atExchange(at, 'ATI\r')).toBe(
      '\r\nQuectel\r\n\r\nEG25\r\n\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n',
    );
    expect(await atExchange(at, 'AT+QGMR\r')).toContain(MODELS.eg25g.firmware);
    await at.close();
  });

  it('CONTROL reset re-enumerates in normal mode; a power cycle with USB_BOOT held goes to EDL', async () => {
    const h = await startNormal();
    const d = await h.diag();
    const seen: string[] = [];
    h.modem.on('state', (s: string) => seen.push(s));
    await d.control(2);
    await d.close();
    await waitForState(h.modem, 'rebooting');
    await waitForState(h.modem, 'normal');
    expect(seen).toEqual(['rebooting', 'normal']);
    h.modem.powerCycle({ edl: true });
    await waitForState(h.modem, 'edl');
    h.modem.powerCycle();
    await waitForState(h.modem, 'normal');
  });
});
