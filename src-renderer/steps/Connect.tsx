import { useState } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { useDevices } from '../store/devices.js';
import { useSettings } from '../store/settings.js';
import { setDemoMode } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { canGoNext } from './gates.js';
import { useGateContext } from './use-gate.js';
import { T } from '../text.js';

const MODE_NAMES = T.connect.modes;

export function Connect() {
  const state = useDevices((s) => s.state);
  const busy = useRun((s) => isBusy(s));
  const silent = useSettings((s) => s.demoSilent);
  const setSilent = useSettings((s) => s.setDemoSilent);
  const patch = useRun((s) => s.patch);
  const ctx = useGateContext();
  const gate = canGoNext('connect', ctx);
  // The box follows the click at once; the engine's device state confirms (or, on failure, reverts) it.
  const [wantDemo, setWantDemo] = useState<boolean | undefined>(undefined);
  const demo = wantDemo ?? state?.demo ?? false;
  const toggleDemo = (on: boolean): void => {
    setWantDemo(on);
    void setDemoMode(on).finally(() => setWantDemo(undefined));
  };
  return (
    <StepFrame id="connect" title={T.connect.title} intro={<p>{T.connect.intro}</p>} gate={gate}>
      {state && !state.usbAvailable && <p className="notice notice-warn">{state.reason ?? T.connect.noUsb}</p>}
      {state && state.devices.length > 1 && (
        <div className="notice bench-hint" data-testid="bench-hint">
          <p>{T.bench.connectHint(state.devices.length)}</p>
          <button type="button" className="primary" data-testid="open-bench" onClick={() => patch({ benchOpen: true })}>
            {T.bench.open(state.devices.length)}
          </button>
        </div>
      )}
      <ul className="device-list" aria-label={T.connect.listLabel} aria-live="polite">
        {state === undefined && <li className="device-empty">{T.connect.looking}</li>}
        {state && state.devices.length === 0 && (
          // Never "go on" while Next is disabled.
          <li className="device-empty" data-testid="device-empty">
            {gate.ok ? T.connect.noneGoOn : T.connect.noneBlocked}
          </li>
        )}
        {state?.devices.map((d) => (
          <li key={d.id} className={`device device-${d.mode}`} data-testid="device" data-mode={d.mode}>
            <div className="device-head">
              <span className="device-name">{d.name}</span>
              <span className={`badge badge-${d.mode}`}>{MODE_NAMES[d.mode] ?? d.mode}</span>
              <code className="device-id">{d.vidPid}</code>
              {d.demo && <span className="badge badge-demo">{T.app.demoBadge}</span>}
            </div>
            <p className="device-explain">{d.explanation}</p>
            {(d.ports.at || d.ports.dm || d.ports.edl) && (
              <p className="device-ports">
                {d.ports.dm && (
                  <span>
                    {T.connect.port.dm} {d.ports.dm}
                  </span>
                )}
                {d.ports.at && (
                  <span>
                    {T.connect.port.at} {d.ports.at}
                  </span>
                )}
                {d.ports.edl && (
                  <span>
                    {T.connect.port.edl} {d.ports.edl}
                  </span>
                )}
              </p>
            )}
          </li>
        ))}
      </ul>
      <fieldset className="demo-box">
        <legend>{T.connect.demoLegend}</legend>
        <label className="check">
          <input
            type="checkbox"
            data-testid="demo-toggle"
            checked={demo}
            disabled={busy}
            onChange={(e) => toggleDemo(e.target.checked)}
          />
          {T.connect.demoOn}
        </label>
        <label className="check check-sub">
          <input
            type="checkbox"
            data-testid="demo-silent"
            checked={silent}
            disabled={busy || demo}
            onChange={(e) => setSilent(e.target.checked)}
          />
          {T.connect.demoSilent}
        </label>
      </fieldset>
    </StepFrame>
  );
}
