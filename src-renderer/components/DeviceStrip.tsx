import type { DeviceState } from '../../shared/api.js';

const SHORT_MODE: Record<string, string> = {
  normal: 'running',
  edl: 'download mode',
  'memory-dump': 'crash dump',
  fastboot: 'fastboot',
  unknown: 'unknown mode',
};

/** The modem's live state on every step after Connect (which shows the full list instead). */
export function DeviceStrip({ state }: { state: DeviceState | undefined }) {
  return (
    <section className="device-strip" aria-label="Connected modem" aria-live="polite">
      <h2>Modem now</h2>
      {!state && <p>Looking…</p>}
      {state && state.devices.length === 0 && <p>None connected</p>}
      <ul>
        {state?.devices.map((d) => (
          <li key={d.id} data-testid="device" data-mode={d.mode} className={`strip-${d.mode}`}>
            <span className="indicator-dot" aria-hidden="true" />
            <span>
              {SHORT_MODE[d.mode] ?? d.mode} <code>{d.vidPid}</code>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
