import type { DeviceSummary } from '../../shared/api.js';

/** Turns green when a modem in download mode (05c6:9008) is on the bus. */
export function EdlIndicator({ device }: { device: DeviceSummary | undefined }) {
  const present = device !== undefined;
  return (
    <div
      className={present ? 'indicator indicator-on' : 'indicator'}
      data-testid="edl-indicator"
      data-state={present ? 'present' : 'waiting'}
      role="status"
      aria-live="polite"
    >
      <span className="indicator-dot" aria-hidden="true" />
      {present
        ? `Download mode found: ${device.name} (${device.vidPid})`
        : 'Waiting for a modem in download mode (05c6:9008)…'}
    </div>
  );
}
