// What the Flash step says before the first erase and after a stop: the confirmation's summary
// (which module, which package, what is erased and written, whether calibration is kept, where
// the QCN backup is) and, after a cancel or a failure, the state the module was left in. Pure.

import type { BackupView, DeviceSummary, PackageView } from '../../shared/api.js';
import { formatBytes } from '../format.js';
import type { FlashProgress } from './flash-progress.js';

export interface EraseSummary {
  lines: { label: string; text: string; tone?: 'warn' | 'ok' }[];
}

function listed(names: string[], max = 6): string {
  const unique = names.filter((n, i) => names.indexOf(n) === i);
  return unique.length <= max
    ? unique.join(', ')
    : `${unique.slice(0, max).join(', ')} and ${unique.length - max} more`;
}

export function eraseSummary(
  view: PackageView,
  device: DeviceSummary | undefined,
  backup: BackupView | undefined,
): EraseSummary {
  const erases = view.partitions.filter((p) => p.operation === 'erase').map((p) => p.label);
  const programs = view.partitions.filter((p) => p.operation === 'program');
  const lines: EraseSummary['lines'] = [
    {
      label: 'Module',
      text: device
        ? `${device.name} (${device.vidPid}, ${device.demo ? 'demo module' : `USB ${device.id}`})`
        : 'no module in download mode',
    },
    { label: 'Package', text: view.version ?? view.root },
    { label: 'Erased first', text: `${erases.length} partitions: ${listed(erases)}` },
    {
      label: 'Then written',
      text: `${programs.length} images, ${formatBytes(view.totalBytes)}: ${listed(programs.map((p) => p.label))} (the boot loader last)`,
    },
    {
      label: 'Already there',
      text: 'partitions the module already holds (compared by SHA-256 digest before erasing) are neither erased nor written; the boot loader always is. The log names them as it goes.',
    },
    view.keepsCalibration
      ? { label: 'Calibration and IMEI', text: 'kept: this package leaves EFS/NV alone', tone: 'ok' }
      : {
          label: 'Calibration and IMEI',
          text: 'ERASED: this package rewrites EFS/NV; only a QCN backup can bring them back',
          tone: 'warn',
        },
    backup
      ? { label: 'QCN backup', text: `verified, ${backup.path}`, tone: 'ok' }
      : {
          label: 'QCN backup',
          text: 'none made in this session: calibration lost now could not be put back',
          tone: 'warn',
        },
  ];
  if (view.moduleMatch === 'no')
    lines.splice(2, 0, {
      label: 'Warning',
      text: 'this package is for another module; you typed its name to flash it anyway',
      tone: 'warn',
    });
  return { lines };
}

/** After a cancel or a failure: what the module holds now, from what this run did. */
export function moduleStateSentence(progress: FlashProgress, view: PackageView | undefined): string {
  const done = progress.partitions.filter((p) => p.state === 'done');
  const erased = progress.partitions.some((p) => p.operation === 'erase' && p.state !== 'waiting');
  const written = done.filter((p) => p.operation === 'program').length;
  const total = view?.partitions.filter((p) => p.operation === 'program').length ?? written;
  if (!erased && written === 0) return 'Nothing was erased or written in this run: the modem is as it was before it.';
  if (written === 0) {
    return 'Partitions were erased and nothing new was written yet: the modem has no working firmware now and comes back in download mode. Run the flash again; it starts over safely.';
  }
  if (written >= total)
    return `All ${total} images were written and verified; only the final steps were left. Run the flash again to finish.`;
  return `The modem was erased and ${written} of ${total} images were written and verified: it has no working firmware until the rest is written, and comes back in download mode. Run the flash again; it continues after what is verified.`;
}
