// The Flash step's words before the first erase and after a stop.

import { describe, expect, it } from 'vitest';
import type { BackupView, DeviceSummary, PackageView } from '../../shared/api.js';
import { applyEngineEvent, EMPTY_PROGRESS, type FlashProgress } from '../../src-renderer/store/flash-progress.js';
import { eraseSummary, moduleStateSentence } from '../../src-renderer/store/flash-summary.js';

const VIEW: PackageView = {
  root: '/p/EC25EFAR06A12M4G',
  version: 'EC25EFAR06A12M4G',
  moduleMatch: 'yes',
  rawprogram: 'rawprogram_nand_p4K_b256K_update.xml',
  rawprogramReason: 'update',
  partitions: [
    { label: 'sbl1.mbn', operation: 'erase', bytes: 0 },
    { label: 'NON-HLOS.ubi', operation: 'erase', bytes: 0 },
    { label: 'NON-HLOS.ubi', operation: 'program', bytes: 3_000_000 },
    { label: 'sbl1.mbn', operation: 'program', bytes: 300_000 },
    { label: 'restart the modem', operation: 'reset', bytes: 0 },
  ],
  totalBytes: 3_300_000,
  warnings: [],
  problems: [],
  flashable: true,
  keepsCalibration: true,
};
const EDL: DeviceSummary = {
  id: '1-1.2',
  mode: 'edl',
  name: 'Qualcomm HS-USB QDLoader 9008 (EDL)',
  vidPid: '05c6:9008',
  explanation: '',
  ports: {},
  demo: false,
};
const BACKUP = { path: '/home/me/ModemRescue/EC25-1234.qcn' } as BackupView;

const text = (v: PackageView, d?: DeviceSummary, b?: BackupView) =>
  Object.fromEntries(eraseSummary(v, d, b).lines.map((l) => [l.label, l.text]));

describe('the erase confirmation', () => {
  it('names the module, the package, what is erased and written, calibration and the backup', () => {
    expect(text(VIEW, EDL, BACKUP)).toEqual({
      Module: 'Qualcomm HS-USB QDLoader 9008 (EDL) (05c6:9008, USB 1-1.2)',
      Package: 'EC25EFAR06A12M4G',
      'Erased first': '2 partitions: sbl1.mbn, NON-HLOS.ubi',
      'Then written': '2 images, 3.1 MiB: NON-HLOS.ubi, sbl1.mbn (the boot loader last)',
      'Already there': expect.stringMatching(/neither erased nor written; the boot loader always is/),
      'Calibration and IMEI': 'kept: this package leaves EFS/NV alone',
      'QCN backup': 'verified, /home/me/ModemRescue/EC25-1234.qcn',
    });
  });

  it('says loudly when calibration is erased, no backup exists, or the package is for another module', () => {
    const t = text({ ...VIEW, keepsCalibration: false, moduleMatch: 'no', overrideWord: 'EG25' }, EDL, undefined);
    expect(t['Calibration and IMEI']).toMatch(/^ERASED/);
    expect(t['QCN backup']).toMatch(/^none made in this session/);
    expect(t.Warning).toMatch(/for another module/);
  });
});

function run(events: Parameters<typeof applyEngineEvent>[1][]): FlashProgress {
  return events.reduce(applyEngineEvent, EMPTY_PROGRESS);
}
const start = (index: number, operation: 'erase' | 'program', label: string) => ({
  type: 'step-start' as const,
  index,
  total: 5,
  operation,
  label,
  bytes: 0,
});
const done = (index: number, operation: 'erase' | 'program', label: string) => ({
  type: 'step-done' as const,
  index,
  operation,
  label,
  seconds: 0.1,
});

describe('the module state after a stop', () => {
  it('nothing erased yet: the modem is as it was', () => {
    expect(moduleStateSentence(EMPTY_PROGRESS, VIEW)).toMatch(/^Nothing was erased or written in this run/);
  });

  it('erased, nothing written: no firmware, back in download mode; never "nothing changed"', () => {
    const p = run([start(0, 'erase', 'sbl1.mbn'), done(0, 'erase', 'sbl1.mbn'), start(1, 'erase', 'NON-HLOS.ubi')]);
    const s = moduleStateSentence(p, VIEW);
    expect(s).toMatch(/erased and nothing new was written yet: the modem has no working firmware/);
    expect(s).not.toMatch(/nothing (else )?was changed/i);
  });

  it('part written: N of M images written and verified, the next run continues', () => {
    const p = run([
      start(0, 'erase', 'sbl1.mbn'),
      done(0, 'erase', 'sbl1.mbn'),
      start(2, 'program', 'NON-HLOS.ubi'),
      done(2, 'program', 'NON-HLOS.ubi'),
      start(3, 'program', 'sbl1.mbn'),
    ]);
    expect(moduleStateSentence(p, VIEW)).toMatch(
      /erased and 1 of 2 images were written and verified.*continues after what is verified/,
    );
  });
});
