// The Finish step's calibration restore through the service: the module's own backup, a radio whose
// calibration changed, a dry run that lists exactly what differs, then a restore that writes it
// back, reads it back, and never touches the IMEI.

import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readQcn, writeQcn } from '../../src-main/qcn/layout.js';
import { DiagClient } from '../../src-main/host/diag-client.js';
import { imeiToNv, nvToImei } from '../../src-main/protocol/imei.js';
import type { RescueService } from '../../src-main/service/rescue-service.js';
import { closeAll, makeService } from './harness.js';

afterEach(closeAll);

/** A DIAG session on the demo module's DM port, the way a second tool would open it. */
async function withDiag<T>(service: RescueService, work: (d: DiagClient) => Promise<T>): Promise<T> {
  const opener = (
    service as unknown as {
      demo: {
        dmOpener: {
          open(io: { timeoutMs: number }): Promise<import('../../src-main/transport/transport.js').BulkPipe>;
        };
      };
    }
  ).demo.dmOpener;
  const d = new DiagClient(await opener.open({ timeoutMs: 5000 }));
  try {
    return await work(d);
  } finally {
    await d.close();
  }
}

async function retry<T>(work: () => Promise<T>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await work();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('restore from the wizard', () => {
  it('dry run lists the changed calibration item; the restore writes it back, verified; the IMEI stays', async () => {
    const h = makeService({ backupNvRange: [0, 2600] });
    await h.service.call('setDemoMode', { on: true });
    const folder = await h.service.call('defaultBackupFolder', {});
    const backup = await h.service.call('backup', { deviceId: 'demo', folder });

    // The radio loses a calibration item; someone also changed the IMEI (which a restore here must not touch).
    const original570 = await withDiag(h.service, async (d) => {
      const before = await d.nvRead(570);
      await d.nvWrite(570, new Uint8Array(128).fill(0x5a));
      await d.spc('000000');
      await d.nvWrite(550, imeiToNv('490154203237518'));
      return before.data;
    });

    const dry = await h.service.call('restore', { deviceId: 'demo', file: backup.path, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.write).toEqual(['NV 570']);
    expect(dry.skipped).toEqual(['NV 550']);
    expect(dry.written).toBe(0);

    const done = await h.service.call('restore', { deviceId: 'demo', file: backup.path, dryRun: false });
    expect(done.written).toBe(1);
    expect(done.verified).toBe(1);
    expect(done.freshBackup).toMatch(/\.qcn$/);
    // The restore resets the module at the end: ask again (bounded) until it answers after the restart.
    const after = await retry(() =>
      withDiag(h.service, async (d) => ({ cal: (await d.nvRead(570)).data, imei: (await d.nvRead(550)).data })),
    );
    expect([...after.cal]).toEqual([...original570]);
    expect(nvToImei(after.imei)).toBe('490154203237518');
  });

  it('an item the module refuses: the view says "partly restored" and names it with the module\u2019s reason; the rest is written', async () => {
    const h = makeService({ backupNvRange: [0, 2600] });
    await h.service.call('setDemoMode', { on: true });
    const folder = await h.service.call('defaultBackupFolder', {});
    const backup = await h.service.call('backup', { deviceId: 'demo', folder });
    const q = readQcn(new Uint8Array(readFileSync(backup.path)));
    const file = backup.path.replace(/\.qcn$/, '-extra.qcn');
    writeFileSync(
      file,
      writeQcn({
        ...q,
        nvItems: [...q.nvItems, { id: 7400, index: 0, context: 0, data: new Uint8Array(128).fill(1) }],
      }),
    );
    await withDiag(h.service, (d) => d.nvWrite(570, new Uint8Array(128).fill(0x5a)));

    const dry = await h.service.call('restore', { deviceId: 'demo', file, dryRun: true });
    expect(dry.outcome).toBe('dry run');
    expect(dry.write.sort()).toEqual(['NV 570', 'NV 7400']);
    const done = await h.service.call('restore', { deviceId: 'demo', file, dryRun: false });
    expect(done.outcome).toBe('partly restored');
    expect(done.refused).toEqual(['NV 7400: the item number or its data is not valid for this modem (BADPARM)']);
    expect(done.failed).toEqual([]);
    expect(done.invalid).toEqual([]);
    expect([done.written, done.verified]).toEqual([1, 1]);
  });
});
