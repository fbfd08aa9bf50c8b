import { useEffect, useRef, type ReactNode } from 'react';
import type { StepId } from '../../shared/api.js';
import { ErrorCard } from './ErrorCard.js';
import { useRun } from '../store/run.js';
import type { Gate } from '../steps/gates.js';
import { ReportSaved, StepTools } from './StepTools.js';
import { T } from '../text.js';

/** The frame every step shares: heading, the error card, the content, Back / Next. */
export function StepFrame(props: {
  id: StepId;
  title: string;
  intro: ReactNode;
  gate: Gate;
  backDisabled?: boolean;
  hideNext?: boolean;
  children: ReactNode;
}) {
  const lastError = useRun((s) => s.lastError);
  const next = useRun((s) => s.next);
  const back = useRun((s) => s.back);
  const patch = useRun((s) => s.patch);
  const gateId = `gate-${props.id}`;
  // A new step takes the keyboard focus to its heading, so keyboard and screen-reader users start at the top.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus({ preventScroll: true }), []);
  return (
    <section className="step" data-testid={`step-${props.id}`} aria-labelledby={`title-${props.id}`}>
      <header className="step-header">
        <div className="step-title-row">
          <h1 id={`title-${props.id}`} tabIndex={-1} ref={heading}>
            {props.title}
          </h1>
          <StepTools id={props.id} />
        </div>
        <div className="step-intro">{props.intro}</div>
      </header>
      <ReportSaved />
      {lastError && <ErrorCard error={lastError} onDismiss={() => patch({ lastError: undefined })} />}
      <div className="step-body">{props.children}</div>
      <footer className="step-nav">
        <button type="button" data-testid="back" onClick={back} disabled={props.id === 'connect' || props.backDisabled}>
          {T.app.back}
        </button>
        {!props.gate.ok && (
          <p className="gate-reason" id={gateId} role="status">
            {props.gate.reason}
          </p>
        )}
        {!props.hideNext && (
          <button
            type="button"
            className="primary"
            data-testid="next"
            onClick={next}
            disabled={!props.gate.ok}
            aria-describedby={props.gate.ok ? undefined : gateId}
          >
            {T.app.next}
          </button>
        )}
      </footer>
    </section>
  );
}
