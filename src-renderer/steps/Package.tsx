import { useRun, isBusy } from '../store/run.js';
import { StepFrame } from '../components/StepFrame.js';
import { PackageForm } from '../components/PackageForm.js';
import { formatBytes } from '../format.js';
import { canGoNext } from './gates.js';
import { useGateContext } from './use-gate.js';
import { T } from '../text.js';

const MATCH_WORDS = T.package.match;

export function Package() {
  const view = useRun((s) => s.packageView);
  const busy = useRun((s) => isBusy(s));
  const patch = useRun((s) => s.patch);
  const overrideTyped = useRun((s) => s.overrideTyped);
  const ctx = useGateContext();
  return (
    <StepFrame id="package" title={T.package.title} intro={<p>{T.package.intro}</p>} gate={canGoNext('package', ctx)}>
      <PackageForm
        id="package-path"
        words={T.package}
        testIds={{ path: 'package-path', check: 'package-inspect', demo: 'package-demo' }}
        busy={busy}
        primary
      />
      {view && (
        <div className="package-summary" data-testid="package-summary">
          <dl className="facts">
            <dt>{T.package.facts.version}</dt>
            <dd>{view.version ?? T.package.facts.notStated}</dd>
            <dt>{T.package.facts.module}</dt>
            <dd className={`match-${view.moduleMatch}`}>{MATCH_WORDS[view.moduleMatch]}</dd>
            <dt>{T.package.facts.plan}</dt>
            <dd>
              <span className="path">{view.rawprogram}</span>
              <br />
              <span className="muted">{view.rawprogramReason}</span>
            </dd>
            <dt>{T.package.facts.toWrite}</dt>
            <dd>{T.package.steps(view.partitions.length, formatBytes(view.totalBytes))}</dd>
          </dl>
          {view.warnings.length > 0 && (
            <ul className="warnings" aria-label={T.package.warnings}>
              {view.warnings.map((w, i) => (
                <li key={i} className="notice notice-warn">
                  {w}
                </li>
              ))}
            </ul>
          )}
          <details className="partitions">
            <summary>{T.package.partitions(view.partitions.length)}</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">{T.package.table.partition}</th>
                  <th scope="col">{T.package.table.action}</th>
                  <th scope="col" className="num">
                    {T.package.table.size}
                  </th>
                </tr>
              </thead>
              <tbody>
                {view.partitions.map((p, i) => (
                  <tr key={i}>
                    <td>{p.label}</td>
                    <td>{p.operation}</td>
                    <td className="num">{p.bytes > 0 ? formatBytes(p.bytes) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
          {view.moduleMatch === 'no' && view.problems.length === 0 && view.overrideWord && (
            <div className="notice notice-fail" data-testid="package-not-for-module">
              <p>
                <strong>{T.package.notForModule}</strong>
                {T.package.notForModuleTail}
              </p>
              <div className="field">
                <label htmlFor="package-override">{T.package.override(view.overrideWord)}</label>
                <input
                  id="package-override"
                  type="text"
                  data-testid="package-override"
                  value={overrideTyped}
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(e) => patch({ overrideTyped: e.target.value })}
                />
              </div>
            </div>
          )}
          {view.flashable ? (
            <p className="notice notice-ok">{T.package.flashable}</p>
          ) : view.moduleMatch === 'no' && view.problems.length === 0 ? null : (
            <p className="notice notice-fail">{T.package.notFlashable}</p>
          )}
        </div>
      )}
      {view && view.problems.length > 0 && (
        <ul className="problems" data-testid="package-problems" aria-label={T.package.problems}>
          {view.problems.map((p, i) => (
            <li key={i}>
              <code>{p.code}</code> {p.message}
              {p.file && <span className="path"> ({p.file})</span>}
            </li>
          ))}
        </ul>
      )}
    </StepFrame>
  );
}
