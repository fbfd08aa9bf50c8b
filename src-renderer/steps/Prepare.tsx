import { useEffect } from 'react';
import type { PlatformCheck } from '../../shared/api.js';
import { useRun, isBusy } from '../store/run.js';
import { loadChecks, runFix } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { canGoNext } from './gates.js';
import { useGateContext } from './use-gate.js';

import { adviceFor, STATE_WORDS } from './check-advice.js';
import { T } from '../text.js';

export function Prepare() {
  const checks = useRun((s) => s.checks);
  const busy = useRun((s) => isBusy(s));
  const ctx = useGateContext();
  useEffect(() => {
    void loadChecks();
  }, []);
  return (
    <StepFrame id="prepare" title={T.prepare.title} intro={<p>{T.prepare.intro}</p>} gate={canGoNext('prepare', ctx)}>
      {checks === undefined && <p className="muted">{T.prepare.checking}</p>}
      {checks && checks.length === 0 && <p className="muted">{T.prepare.none}</p>}
      {checks && (
        <ul className="check-list">
          {checks.map((c) => (
            <li key={c.id} className={`check-row state-${c.state}`} data-testid="check" data-state={c.state}>
              <span className={`badge badge-${c.state}`}>{STATE_WORDS[c.state]}</span>
              <div className="check-text">
                <strong>{c.title}</strong>
                <p>{c.detail}</p>
                <Advice check={c} busy={busy} />
              </div>
            </li>
          ))}
        </ul>
      )}
      <p>
        <button type="button" onClick={() => void loadChecks()} disabled={busy}>
          {T.prepare.again}
        </button>
      </p>
    </StepFrame>
  );
}

function Advice({ check, busy }: { check: PlatformCheck; busy: boolean }) {
  const advice = adviceFor(check);
  if (!advice) return null;
  if (advice.kind === 'manual')
    return (
      <p className="manual-advice" data-testid="check-manual">
        <strong>{T.prepare.whatToDo}</strong> {advice.text}
      </p>
    );
  const fix = advice.fix;
  return (
    <div className="fix">
      <p className="muted">
        {fix.explanation}
        {fix.needsAdmin && T.prepare.needsAdmin}
      </p>
      <button type="button" data-testid="check-fix" onClick={() => void runFix(fix.id)} disabled={busy}>
        {fix.label}
      </button>
    </div>
  );
}
