import { useEffect, useRef, useState } from 'react';
import type { DeviceSummary } from '../../shared/api.js';
import { useRun, isBusy } from '../store/run.js';
import { useDevices } from '../store/devices.js';
import { useSettings } from '../store/settings.js';
import { benchList, canFlashAll, modulesInEdl, outcomeOf, rowState, useBench } from '../store/bench.js';
import { EMPTY_PROGRESS } from '../store/flash-progress.js';
import { enterEdl, enterEdlEach, flashAll } from '../store/actions.js';
import { CancelConfirm } from '../components/CancelConfirm.js';
import { ErrorCard } from '../components/ErrorCard.js';
import { PackageForm } from '../components/PackageForm.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { LogTail } from '../components/LogTail.js';
import { formatBytes, verificationWords } from '../format.js';
import { T } from '../text.js';

const B = T.bench;
const MODE_NAMES = T.connect.modes;

/** One confirmation for the whole bench: which modems, which package, whether power may be cut. */
function ConfirmAll({ modules, onGo, onBack }: { modules: DeviceSummary[]; onGo: () => void; onBack: () => void }) {
  const view = useRun((s) => s.packageView);
  const consent = useBench((s) => s.powerConsent);
  return (
    <section
      className="notice notice-warn confirm"
      data-testid="bench-confirm"
      role="alertdialog"
      aria-labelledby="bench-confirm-title"
    >
      <h3 id="bench-confirm-title">{B.confirm.title(modules.length)}</h3>
      <dl className="facts">
        <div>
          <dt>{B.confirm.package}</dt>
          <dd data-testid="bench-confirm-package">
            <span className="path">{view?.root}</span>
            {view?.version && <span className="muted"> {view.version}</span>}
          </dd>
        </div>
        <div>
          <dt>{B.confirm.modules}</dt>
          <dd>
            <ul className="plain-list" data-testid="bench-confirm-list">
              {modules.map((d) => (
                <li key={d.id}>
                  {d.name}
                  {d.serial && <span className="muted"> {B.serial(d.serial)}</span>}
                </li>
              ))}
            </ul>
          </dd>
        </div>
        <div>
          <dt>{B.confirm.powerCycle}</dt>
          <dd>{consent ? B.confirm.powerOn : B.confirm.powerOff}</dd>
        </div>
      </dl>
      <p>{B.confirm.body}</p>
      <div className="button-row">
        <button type="button" className="primary danger" data-testid="bench-confirm-go" autoFocus onClick={onGo}>
          {B.confirm.go(modules.length)}
        </button>
        <button type="button" data-testid="bench-confirm-back" onClick={onBack}>
          {B.confirm.back}
        </button>
      </div>
    </section>
  );
}

/** One module: name, mode, serial, its own progress and state; opens to its log and error card. */
function BenchRow({ d, present, busy }: { d: DeviceSummary; present: boolean; busy: boolean }) {
  const progress = useBench((s) => s.rows[d.id]) ?? EMPTY_PROGRESS;
  const outcome = useBench((s) => outcomeOf(s.result, d.id));
  const open = useBench((s) => s.expanded.includes(d.id));
  const toggle = useBench((s) => s.toggle);
  const state = rowState(progress);
  const error = outcome?.error ?? (progress.result?.ok === false ? progress.result.error : undefined);
  const panel = `bench-panel-${d.id}`;
  return (
    <li className={`device device-${d.mode} bench-row`} data-testid="bench-row" data-module={d.id} data-state={state}>
      <div className="device-head">
        <span className="device-name">{d.name}</span>
        <span className={`badge badge-${d.mode}`} data-testid="bench-mode" data-mode={present ? d.mode : 'gone'}>
          {present ? (MODE_NAMES[d.mode] ?? d.mode) : B.offBus}
        </span>
        {d.serial && <code className="device-id">{B.serial(d.serial)}</code>}
        {d.demo && <span className="badge badge-demo">{T.app.demoBadge}</span>}
        <span className={`bench-state state-${state}`} data-testid="bench-state">
          {B.state[state]}
        </span>
        <span className="num">{progress.percent}%</span>
      </div>
      <ProgressBar small percent={progress.percent} label={B.progressLabel(d.name)} testId="bench-progress" />
      {progress.recovery && (
        <p className="muted" data-testid="bench-recovery">
          <strong>{state === 'done' ? B.recovered : B.recovering}</strong> {progress.recovery.message}
          {progress.recovery.count > 1 && <span> {T.flash.timesSoFar(progress.recovery.count)}</span>}
        </p>
      )}
      {outcome?.ok && outcome.bytesWritten !== undefined && (
        <p className="muted" data-testid="bench-done">
          {B.rowDone(formatBytes(outcome.bytesWritten), outcome.seconds, verificationWords(outcome.verified ?? ''))}
          {(outcome.powerCycles ?? 0) > 0 && <span> {B.powerCycled(outcome.powerCycles ?? 0)}</span>}
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          className="link-button"
          data-testid="bench-row-toggle"
          aria-expanded={open}
          aria-controls={panel}
          onClick={() => toggle(d.id)}
        >
          {open ? B.hide : B.show}
        </button>
        {d.mode === 'normal' && (
          <button type="button" data-testid="bench-row-edl" disabled={busy} onClick={() => void enterEdl(d.id)}>
            {B.toEdl}
          </button>
        )}
      </div>
      {open && (
        <div id={panel} data-testid="bench-panel">
          {error && <ErrorCard error={error} />}
          <LogTail lines={progress.log} />
        </div>
      )}
    </li>
  );
}

/** The bench's package: the one chosen in the wizard, or one chosen here (the demo's made on the spot). */
function BenchPackage({ busy }: { busy: boolean }) {
  const view = useRun((s) => s.packageView);
  return (
    <>
      <PackageForm
        id="bench-package-path"
        words={B.package}
        testIds={{ path: 'bench-package-path', check: 'bench-package-check', demo: 'bench-package-demo' }}
        busy={busy}
      />
      {view && (
        <p className="muted" data-testid="bench-package">
          {B.packageChosen(view.root, view.version)}
        </p>
      )}
    </>
  );
}

export function Bench() {
  const state = useDevices((s) => s.state);
  const busy = useRun((s) => isBusy(s));
  const pending = useRun((s) => s.pending);
  const lastError = useRun((s) => s.lastError);
  const patch = useRun((s) => s.patch);
  const view = useRun((s) => s.packageView);
  const verify = useSettings((s) => s.verify);
  const setVerify = useSettings((s) => s.setVerify);
  const consent = useBench((s) => s.powerConsent);
  const result = useBench((s) => s.result);
  const runIds = useBench((s) => s.running);
  const setBench = useBench((s) => s.patch);
  const [confirming, setConfirming] = useState(false);
  const [askCancel, setAskCancel] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus({ preventScroll: true }), []);
  const devices = state?.devices ?? [];
  const inEdl = modulesInEdl(state);
  const running = devices.filter((d) => d.mode === 'normal');
  const gate = canFlashAll(state, view, busy);
  const flashing = pending === 'flashAll';
  return (
    <section className="step" data-testid="bench" aria-labelledby="title-bench">
      <header className="step-header">
        <div className="step-title-row">
          <h1 id="title-bench" tabIndex={-1} ref={heading}>
            {B.title}
          </h1>
          <button
            type="button"
            data-testid="bench-close"
            disabled={flashing}
            onClick={() => patch({ benchOpen: false })}
          >
            {B.close}
          </button>
        </div>
        <div className="step-intro">
          <p>{B.intro}</p>
        </div>
      </header>
      {lastError && <ErrorCard error={lastError} onDismiss={() => patch({ lastError: undefined })} />}
      <div className="step-body">
        <BenchPackage busy={busy} />
        <div className="flash-controls">
          <label className="check">
            <input
              type="checkbox"
              data-testid="bench-verify"
              checked={verify}
              disabled={busy}
              onChange={(e) => setVerify(e.target.checked)}
            />
            {T.flash.verify}
          </label>
          <label className="check">
            <input
              type="checkbox"
              data-testid="bench-power-consent"
              checked={consent}
              disabled={busy}
              onChange={(e) => setBench({ powerConsent: e.target.checked })}
            />
            {B.powerConsent}
          </label>
          <p className="muted explain">{consent ? T.flash.powerConsentOn : B.powerConsentOff}</p>
          <div className="button-row">
            <button
              type="button"
              className="primary"
              data-testid="bench-flash-all"
              disabled={!gate.ok || confirming}
              onClick={() => setConfirming(true)}
            >
              {flashing ? B.flashing : B.flashAll}
            </button>
            <button
              type="button"
              data-testid="bench-cancel"
              disabled={!flashing || askCancel}
              onClick={() => setAskCancel(true)}
            >
              {B.cancel}
            </button>
            {running.length > 0 && (
              <button
                type="button"
                data-testid="bench-all-edl"
                disabled={busy}
                onClick={() => void enterEdlEach(running.map((d) => d.id))}
              >
                {pending === 'enterEdl' ? B.switching : B.allToEdl}
              </button>
            )}
            {!gate.ok && !flashing && (
              <span className="muted" data-testid="bench-flash-reason">
                {B.why[gate.why]}
              </span>
            )}
          </div>
        </div>
        {confirming && !flashing && (
          <ConfirmAll
            modules={inEdl}
            onGo={() => {
              setConfirming(false);
              void flashAll(inEdl.map((d) => d.id));
            }}
            onBack={() => setConfirming(false)}
          />
        )}
        {askCancel && flashing && (
          <CancelConfirm prefix="bench" words={B.cancelConfirm} onClose={() => setAskCancel(false)} />
        )}
        {result && (
          <p
            className={`notice ${result.modules.every((m) => m.ok) ? 'notice-ok' : 'notice-fail'}`}
            role="status"
            data-testid="bench-summary"
          >
            {B.summary(result.modules.filter((m) => m.ok).length, result.modules.length, result.seconds)}
          </p>
        )}
        <ul className="device-list" aria-label={B.listLabel} data-testid="bench-list">
          {devices.length === 0 && runIds.length === 0 && <li className="device-empty">{B.empty}</li>}
          {benchList(state, runIds, result).map((r) => (
            <BenchRow key={r.device.id} d={r.device} present={r.present} busy={busy} />
          ))}
        </ul>
      </div>
    </section>
  );
}
