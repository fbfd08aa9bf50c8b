import { useEffect } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { loadChecks, runFix } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { canGoNext } from './gates.js';
import { useGateContext } from './use-gate.js';

const STATE_WORDS = { ok: 'OK', warn: 'Check', fail: 'Problem', unknown: 'Not checked' } as const;

export function Prepare() {
  const checks = useRun((s) => s.checks);
  const busy = useRun((s) => isBusy(s));
  const ctx = useGateContext();
  useEffect(() => {
    void loadChecks();
  }, []);
  return (
    <StepFrame
      id="prepare"
      title="Prepare this computer"
      intro={
        <p>
          Modem Rescue checks what this computer needs to talk to the modem: access rights, drivers, and services that
          grab modems.
        </p>
      }
      gate={canGoNext('prepare', ctx)}
    >
      {checks === undefined && <p className="muted">Checking…</p>}
      {checks && checks.length === 0 && <p className="muted">No checks apply to this computer.</p>}
      {checks && (
        <ul className="check-list">
          {checks.map((c) => (
            <li key={c.id} className={`check-row state-${c.state}`} data-testid="check" data-state={c.state}>
              <span className={`badge badge-${c.state}`}>{STATE_WORDS[c.state]}</span>
              <div className="check-text">
                <strong>{c.title}</strong>
                <p>{c.detail}</p>
                {c.fix && (
                  <div className="fix">
                    <p className="muted">
                      {c.fix.explanation}
                      {c.fix.needsAdmin && ' This asks for administrator rights.'}
                    </p>
                    <button type="button" onClick={() => void runFix(c.fix!.id)} disabled={busy}>
                      {c.fix.label}
                    </button>
                  </div>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <p>
        <button type="button" onClick={() => void loadChecks()} disabled={busy}>
          Check again
        </button>
      </p>
    </StepFrame>
  );
}
