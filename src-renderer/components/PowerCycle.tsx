import { useEffect, useRef, useState } from 'react';
import type { PowerCycleActionView } from '../../shared/api.js';
import { loadPowerCycleActions, runPowerCycle } from '../store/actions.js';
import { isBusy, useRun } from '../store/run.js';
import { T } from '../text.js';

/**
 * Power-cycling the modem from this computer (suspend and wake, USB re-connect, port power):
 * each action says what it will do and runs only after the person says so.
 */
export function PowerCycle({ deviceId }: { deviceId: string | undefined }) {
  const [actions, setActions] = useState<PowerCycleActionView[] | undefined>();
  const [confirming, setConfirming] = useState<PowerCycleActionView | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const busy = useRun((s) => isBusy(s));
  const confirmRef = useRef<HTMLDivElement>(null);
  // The confirmation opens below the buttons, often below the fold: bring it into view and give
  // it the keyboard, so the click visibly did something.
  useEffect(() => {
    if (!confirming) return;
    const el = confirmRef.current;
    el?.scrollIntoView({ block: 'nearest', behavior: 'instant' });
    el?.querySelector<HTMLButtonElement>('[data-testid="power-cycle-run"]')?.focus({ preventScroll: true });
  }, [confirming]);
  useEffect(() => {
    let live = true;
    void loadPowerCycleActions(deviceId).then((a) => live && setActions(a));
    return () => {
      live = false;
    };
  }, [deviceId]);
  if (!actions || actions.length === 0) return null;
  const run = async (a: PowerCycleActionView): Promise<void> => {
    setConfirming(undefined);
    setMessage(undefined);
    const said = await runPowerCycle(a.id, deviceId);
    if (said) setMessage(said);
  };
  return (
    <div className="power-cycle" data-testid="power-cycle">
      <h3>{T.powerCycle.title}</h3>
      <ul className="plain-list">
        {actions.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              data-testid={`power-cycle-${a.id}`}
              disabled={!a.available || busy}
              onClick={() => setConfirming(a)}
            >
              {a.label}
            </button>{' '}
            {!a.available && <span className="muted">{a.reason}</span>}
          </li>
        ))}
      </ul>
      {confirming && (
        <div
          ref={confirmRef}
          className="notice scroll-clear"
          data-testid="power-cycle-confirm"
          role="dialog"
          aria-label={T.powerCycle.confirmLabel(confirming.label)}
        >
          <p>
            <strong>{T.powerCycle.willDo}</strong> {confirming.explanation}
            {confirming.needsAdmin ? T.powerCycle.needsPassword : ''}
          </p>
          <div className="button-row">
            <button
              type="button"
              className="primary"
              data-testid="power-cycle-run"
              disabled={busy}
              onClick={() => void run(confirming)}
            >
              {T.powerCycle.doIt}
            </button>
            <button type="button" onClick={() => setConfirming(undefined)}>
              {T.powerCycle.notNow}
            </button>
          </div>
        </div>
      )}
      {message && (
        <p className="notice notice-ok" role="status" data-testid="power-cycle-result">
          {message}
        </p>
      )}
    </div>
  );
}
