import { STEP_IDS, type StepId } from '../../shared/api.js';
import { useDevices } from '../store/devices.js';
import { useRun } from '../store/run.js';
import { benchList, useBench } from '../store/bench.js';
import { T } from '../text.js';

export const STEP_TITLES: Record<StepId, string> = T.steps;

/** The seven steps, the current one marked; with several modules connected, the way to the bench view. */
export function StepList({ current }: { current: StepId }) {
  const benchOpen = useRun((s) => s.benchOpen);
  const patch = useRun((s) => s.patch);
  const state = useDevices((s) => s.state);
  const running = useBench((s) => s.running);
  // The bench's rows: the modems on the bus and those of the run that are off it (restarting after their flash).
  const count = benchList(state, running, undefined).length;
  const at = benchOpen ? -1 : STEP_IDS.indexOf(current);
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
      {(count > 1 || benchOpen) && (
        <button
          type="button"
          className={benchOpen ? 'bench-link current' : 'bench-link'}
          data-testid="bench-link"
          aria-current={benchOpen ? 'page' : undefined}
          onClick={() => patch({ benchOpen: true })}
        >
          {T.bench.sidebar(count)}
        </button>
      )}
    </nav>
  );
}
