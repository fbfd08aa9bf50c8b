import { useEffect, useRef } from 'react';
import type { StepId } from '../../shared/api.js';
import { useRun } from '../store/run.js';
import { T } from '../text.js';

/** The local help page: the story, EDL, the pads, drivers, then one part per step (opened at it). */
export function Help({ at }: { at: StepId }) {
  const patch = useRun((s) => s.patch);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const section = document.getElementById(`help-${at}`);
    section?.scrollIntoView({ block: 'start', behavior: 'instant' });
    heading.current?.focus({ preventScroll: true });
  }, [at]);
  return (
    <section className="help step" data-testid="help-page" aria-labelledby="help-title">
      <header className="step-header">
        <div className="step-title-row">
          <h1 id="help-title" tabIndex={-1} ref={heading}>
            {T.help.title}
          </h1>
          <button type="button" className="primary" data-testid="help-close" onClick={() => patch({ help: undefined })}>
            {T.help.back}
          </button>
        </div>
        <p className="muted">{T.help.intro}</p>
        <nav aria-label={T.help.contents}>
          <ul className="help-toc">
            {T.help.sections.map((s) => (
              <li key={s.id}>
                <a href={`#help-${s.id}`}>{s.title}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      {T.help.sections.map((s) => (
        <section key={s.id} id={`help-${s.id}`} className="help-section scroll-clear" data-testid={`help-${s.id}`}>
          <h2>{s.title}</h2>
          {s.paras.map((p) => (
            <p key={p}>{p}</p>
          ))}
        </section>
      ))}
    </section>
  );
}
