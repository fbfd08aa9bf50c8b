import type { DeviceState } from '../../shared/api.js';
import { T } from '../text.js';

const SHORT_MODE = T.deviceStrip.modes;

/** The modem's live state on every step after Connect (which shows the full list instead). */
export function DeviceStrip({ state }: { state: DeviceState | undefined }) {
  return (
    <section className="device-strip" aria-label={T.deviceStrip.label} aria-live="polite">
      <h2>{T.deviceStrip.title}</h2>
      {!state && <p>{T.deviceStrip.looking}</p>}
      {state && state.devices.length === 0 && <p>{T.deviceStrip.none}</p>}
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
