// What the Flash step says before the first erase and after a stop: the confirmation's summary
// (which module, which package, what is erased and written, whether calibration is kept, where
// the QCN backup is) and, after a cancel or a failure, the state the module was left in. Pure.

import type { BackupView, DeviceSummary, PackageView } from '../../shared/api.js';
import { formatBytes } from '../format.js';
import { T } from '../text.js';
import type { FlashProgress } from './flash-progress.js';

export interface EraseSummary {
  lines: { label: string; text: string; tone?: 'warn' | 'ok' }[];
}

function listed(names: string[], max = 6): string {
  const unique = names.filter((n, i) => names.indexOf(n) === i);
  return unique.length <= max
    ? unique.join(', ')
    : T.summary.andMore(unique.slice(0, max).join(', '), unique.length - max);
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
      label: T.summary.module,
      text: device
        ? T.summary.moduleText(
            device.name,
            device.vidPid,
            device.demo ? T.summary.demoModule : T.summary.usb(device.id),
          )
        : T.summary.noModule,
    },
    { label: T.summary.package, text: view.version ?? view.root },
    { label: T.summary.erasedFirst, text: T.summary.erased(erases.length, listed(erases)) },
    {
      label: T.summary.thenWritten,
      text: T.summary.written(programs.length, formatBytes(view.totalBytes), listed(programs.map((p) => p.label))),
    },
    {
      label: T.summary.alreadyThere,
      text: T.summary.alreadyThereText,
    },
    view.keepsCalibration
      ? { label: T.summary.calibration, text: T.summary.calibrationKept, tone: 'ok' }
      : {
          label: T.summary.calibration,
          text: T.summary.calibrationErased,
          tone: 'warn',
        },
    backup
      ? { label: T.summary.qcn, text: T.summary.qcnVerified(backup.path), tone: 'ok' }
      : {
          label: T.summary.qcn,
          text: T.summary.qcnNone,
          tone: 'warn',
        },
  ];
  if (view.moduleMatch === 'no')
    lines.splice(2, 0, {
      label: T.summary.warning,
      text: T.summary.otherModule,
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
  if (!erased && written === 0) return T.summary.state.untouched;
  if (written === 0) {
    return T.summary.state.erasedOnly;
  }
  if (written >= total) return T.summary.state.allWritten(total);
  return T.summary.state.partly(written, total);
}
