import { STEP_IDS, type StepId } from '../../shared/api.js';
import { T } from '../text.js';

export const STEP_TITLES: Record<StepId, string> = T.steps;

/** The seven steps, the current one marked. */
export function StepList({ current }: { current: StepId }) {
  const at = STEP_IDS.indexOf(current);
  return (
    <nav aria-label={T.app.stepsLabel}>
      <ol className="steps" data-testid="steps">
        {STEP_IDS.map((id, i) => (
          <li
            key={id}
            className={i === at ? 'current' : i < at ? 'done' : 'todo'}
            aria-current={i === at ? 'step' : undefined}
          >
            <span className="step-num" aria-hidden="true">
              {i < at ? '✓' : i + 1}
            </span>
            <span className="step-title">{STEP_TITLES[id]}</span>
          </li>
        ))}
      </ol>
    </nav>
  );
}
