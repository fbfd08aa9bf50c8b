import type { DeviceSummary } from '../../shared/api.js';
import { T } from '../text.js';

export type EdlIndicatorState = 'waiting' | 'on-bus' | 'present';

/** present: in download mode and answering; on-bus: 05c6:9008 enumerated, its greeting not (yet) heard. */
export function edlIndicatorState(device: DeviceSummary | undefined): EdlIndicatorState {
  if (!device) return 'waiting';
  return device.greeting?.state === 'answered' ? 'present' : 'on-bus';
}

/** Turns green only when a modem in download mode (05c6:9008) is on the bus and answers. */
export function EdlIndicator({ device }: { device: DeviceSummary | undefined }) {
  const state = edlIndicatorState(device);
  const cls =
    state === 'present' ? 'indicator indicator-on' : state === 'on-bus' ? 'indicator indicator-half' : 'indicator';
  return (
    <div className={cls} data-testid="edl-indicator" data-state={state} role="status" aria-live="polite">
      <span className="indicator-dot" aria-hidden="true" />
      <span>
        {state === 'waiting'
          ? T.edlIndicator.waiting
          : state === 'present'
            ? T.edlIndicator.answering(device!.name, device!.vidPid)
            : T.edlIndicator.onBus(device!.vidPid, device!.name, device!.greeting?.state === 'silent')}
        {device?.greeting && state !== 'waiting' && (
          <span className="indicator-detail" data-testid="edl-greeting">
            {' '}
            {device.greeting.detail}
          </span>
        )}
      </span>
    </div>
  );
}
