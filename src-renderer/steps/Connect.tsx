import { useState } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { useDevices } from '../store/devices.js';
import { useSettings } from '../store/settings.js';
import { setDemoMode } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { canGoNext } from './gates.js';
import { useGateContext } from './use-gate.js';
import { T } from '../text.js';

const MODE_NAMES: Record<string, string> = {
  normal: 'Running (normal mode)',
  edl: 'Download mode (EDL 9008)',
  'memory-dump': 'Crash dump (900e)',
  fastboot: 'Fastboot',
  unknown: 'Unknown mode',
};

export function Connect() {
  const state = useDevices((s) => s.state);
  const busy = useRun((s) => isBusy(s));
  const silent = useSettings((s) => s.demoSilent);
  const setSilent = useSettings((s) => s.setDemoSilent);
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
    <StepFrame
      id="connect"
      title="Connect the modem"
      intro={<p>Plug the modem in. It shows up below within a second or two, with what its current mode means.</p>}
      gate={gate}
    >
      {state && !state.usbAvailable && (
        <p className="notice notice-warn">
          {state.reason ?? 'This computer gives Modem Rescue no access to USB devices.'}
        </p>
      )}
      <ul className="device-list" aria-label="Modems found" aria-live="polite">
        {state === undefined && <li className="device-empty">Looking for modems…</li>}
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
              {d.demo && <span className="badge badge-demo">demo</span>}
            </div>
            <p className="device-explain">{d.explanation}</p>
            {(d.ports.at || d.ports.dm || d.ports.edl) && (
              <p className="device-ports">
                {d.ports.dm && <span>DM port {d.ports.dm}</span>}
                {d.ports.at && <span>AT port {d.ports.at}</span>}
                {d.ports.edl && <span>EDL port {d.ports.edl}</span>}
              </p>
            )}
          </li>
        ))}
      </ul>
      <fieldset className="demo-box">
        <legend>No modem at hand?</legend>
        <label className="check">
          <input
            type="checkbox"
            data-testid="demo-toggle"
            checked={demo}
            disabled={busy}
            onChange={(e) => toggleDemo(e.target.checked)}
          />
          Use the demo modem (a virtual EC25): the whole wizard works, nothing real is touched.
        </label>
        <label className="check check-sub">
          <input
            type="checkbox"
            data-testid="demo-silent"
            checked={silent}
            disabled={busy || demo}
            onChange={(e) => setSilent(e.target.checked)}
          />
          Start it as a silent, "bricked" modem that only answers after the manual EDL steps.
        </label>
      </fieldset>
    </StepFrame>
  );
}
