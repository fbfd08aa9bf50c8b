import { useEffect, useState } from 'react';
import type { SnapshotPlanView } from '../../shared/api.js';
import { useRun, isBusy } from '../store/run.js';
import { useSettings } from '../store/settings.js';
import { demoAction, loadSnapshotPlan, startFlash } from '../store/actions.js';
import { useDevices } from '../store/devices.js';
import { currentPartition, EMPTY_PROGRESS, percentOf } from '../store/flash-progress.js';
import { eraseSummary, moduleStateSentence } from '../store/flash-summary.js';
import { StepFrame } from '../components/StepFrame.js';
import { PowerCycle } from '../components/PowerCycle.js';
import { CancelConfirm } from '../components/CancelConfirm.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { LogTail } from '../components/LogTail.js';
import { formatBytes, formatEta, formatSpeed, verificationWords } from '../format.js';
import { canGoNext, canStartFlash, edlDevice } from './gates.js';
import { useGateContext } from './use-gate.js';
import { T } from '../text.js';

const F = T.flash;

/** Before the first erase: what will happen to which module, and one button that does it. */
function ConfirmErase({ onGo, onBack }: { onGo: (snapshot: boolean | undefined) => void; onBack: () => void }) {
  const view = useRun((s) => s.packageView);
  const backup = useRun((s) => s.backup);
  const device = useDevices((s) => edlDevice(s.state));
  const [plan, setPlan] = useState<SnapshotPlanView | undefined>();
  const [snapshot, setSnapshot] = useState<boolean | undefined>();
  useEffect(() => {
    void loadSnapshotPlan().then((p) => {
      setPlan(p);
      if (p) setSnapshot((s) => s ?? p.recommended);
    });
  }, []);
  if (!view) return null;
  const summary = eraseSummary(view, device, backup);
  return (
    <section
      className="notice notice-warn confirm"
      data-testid="flash-confirm"
      role="alertdialog"
      aria-labelledby="flash-confirm-title"
    >
      <h3 id="flash-confirm-title">{F.confirm.title}</h3>
      <dl className="facts" data-testid="flash-confirm-summary">
        {summary.lines.map((l) => (
          <div key={l.label} className={l.tone ? `tone-${l.tone}` : undefined}>
            <dt>{l.label}</dt>
            <dd>{l.text}</dd>
          </div>
        ))}
      </dl>
      <p>{F.confirm.body}</p>
      {plan && (
        <label className="check">
          <input
            type="checkbox"
            data-testid="flash-snapshot"
            checked={snapshot ?? plan.recommended}
            onChange={(e) => setSnapshot(e.target.checked)}
          />
          {F.confirm.snapshot(
            plan.seconds < 90 ? T.format.seconds(plan.seconds) : T.format.minutes(Math.round(plan.seconds / 60)),
            formatBytes(plan.bytes),
          )}
          <span className="path">{plan.folder}</span>
          {F.confirm.snapshotEnd}
        </label>
      )}
      <div className="button-row">
        <button
          type="button"
          className="primary danger"
          data-testid="flash-confirm-go"
          autoFocus
          onClick={() => onGo(snapshot)}
        >
          {F.confirm.go}
        </button>
        <button type="button" data-testid="flash-confirm-back" onClick={onBack}>
          {F.confirm.back}
        </button>
      </div>
    </section>
  );
}

export function Flash() {
  const flashStarted = useRun((s) => s.flashStarted);
  const liveProgress = useRun((s) => s.progress);
  // Progress belongs to this step's own run: events of earlier steps do not show here.
  const progress = flashStarted ? liveProgress : EMPTY_PROGRESS;
  const view = useRun((s) => s.packageView);
  const [confirming, setConfirming] = useState(false);
  const [askCancel, setAskCancel] = useState(false);
  const flash = useRun((s) => s.flash);
  const pending = useRun((s) => s.pending);
  const busy = useRun((s) => isBusy(s));
  const verify = useSettings((s) => s.verify);
  const setVerify = useSettings((s) => s.setVerify);
  const powerConsent = useSettings((s) => s.powerCycleConsent);
  const setPowerConsent = useSettings((s) => s.setPowerCycleConsent);
  const edl = useDevices((s) => edlDevice(s.state));
  const ctx = useGateContext();
  const demo = useDevices((s) => s.state?.demo ?? false);
  const flashing = pending === 'flash';
  const failed = progress.result?.ok === false;
  const start = canStartFlash(ctx);
  const part = currentPartition(progress);
  return (
    <StepFrame id="flash" title={F.title} intro={<p>{F.intro}</p>} gate={canGoNext('flash', ctx)} backDisabled={busy}>
      <div className="flash-controls">
        <label className="check">
          <input
            type="checkbox"
            data-testid="flash-verify"
            checked={verify}
            disabled={busy}
            onChange={(e) => setVerify(e.target.checked)}
          />
          {F.verify}
        </label>
        <p className="muted explain">{verify ? F.verifyOn : F.verifyOff}</p>
        <label className="check">
          <input
            type="checkbox"
            data-testid="flash-power-consent"
            checked={powerConsent}
            disabled={busy}
            onChange={(e) => setPowerConsent(e.target.checked)}
          />
          {F.powerConsent}
        </label>
        <p className="muted explain">{powerConsent ? F.powerConsentOn : F.powerConsentOff}</p>
        <div className="button-row">
          <button
            type="button"
            className="primary"
            data-testid="flash-start"
            disabled={!start.ok || flashing || confirming}
            onClick={() => setConfirming(true)}
          >
            {flashing ? F.flashing : flash ? F.again : failed ? F.resume : F.start}
          </button>
          <button
            type="button"
            data-testid="flash-cancel"
            disabled={!flashing || askCancel}
            onClick={() => setAskCancel(true)}
          >
            {F.cancel}
          </button>
          {!start.ok && !flashing && !flash && (
            <span className="muted" data-testid="flash-start-reason">
              {start.reason}
            </span>
          )}
        </div>
      </div>
      {confirming && !flashing && (
        <ConfirmErase
          onGo={(snapshot) => {
            setConfirming(false);
            void startFlash(snapshot);
          }}
          onBack={() => setConfirming(false)}
        />
      )}
      {askCancel && flashing && (
        <CancelConfirm prefix="flash" words={F.cancelConfirm} onClose={() => setAskCancel(false)} />
      )}
      {failed && !flashing && (
        <p className="notice notice-fail" data-testid="flash-module-state" role="status">
          {moduleStateSentence(progress, view)}
        </p>
      )}
      {progress.recovery && progress.result?.ok !== false && (
        <div className="notice notice-warn recovery" data-testid="recovery-message" role="status">
          <strong>{progress.result?.ok ? F.recovered : F.recovering}</strong>
          {progress.recovery.message}
          {progress.recovery.count > 1 && <span className="muted">{F.timesSoFar(progress.recovery.count)}</span>}
        </div>
      )}
      {progress.powerCycles && progress.powerCycles.length > 0 && (
        <section className="notice notice-warn" data-testid="flash-power-cycles" aria-labelledby="flash-pc-title">
          <h3 id="flash-pc-title">{F.powerCycles}</h3>
          <ul className="plain-list">
            {progress.powerCycles.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        </section>
      )}
      {failed && !flashing && (
        <section className="panel" data-testid="flash-next" aria-labelledby="flash-next-title">
          <h3 id="flash-next-title">{F.next.title}</h3>
          <ol>
            <li>{F.next.cutPower}</li>
            <li>
              {F.next.resumeLead}
              <strong>{F.resume}</strong>
              {F.next.resumeTail}
            </li>
          </ol>
          <p className="muted" data-testid="flash-next-state">
            {edl?.greeting?.state === 'answered' ? F.next.answers : edl ? F.next.notYet : F.next.waiting}
          </p>
          {!demo && <PowerCycle deviceId={edl?.id} />}
        </section>
      )}
      {demo && failed && !flashing && (
        <div className="demo-actions" role="group" aria-label={F.demo.group}>
          <span className="badge badge-demo">{T.app.demoBadge}</span>
          <button type="button" data-testid="demo-replug" disabled={busy} onClick={() => void demoAction('replug')}>
            {F.demo.replug}
          </button>
          <span className="muted">{F.demo.explain}</span>
        </div>
      )}
      <div className="progress-block">
        <div className="progress-head">
          <span>
            {progress.result?.ok === false ? F.stopped : (progress.phaseMessage ?? (flash ? F.done : F.notStarted))}
          </span>
          <span className="num">{progress.percent}%</span>
        </div>
        <ProgressBar percent={progress.percent} label={F.overall} testId="flash-progress" />
        <div className="stats">
          <span data-testid="flash-partition">
            {progress.result?.ok
              ? F.allDone(progress.partitions.length)
              : part
                ? F.doing[part.operation](part.label)
                : '—'}
          </span>
          <span data-testid="flash-speed" className={progress.stalled && flashing ? 'stalled' : undefined}>
            {progress.stalled && flashing ? F.stalled : formatSpeed(progress.bytesPerSecond)}
          </span>
          <span data-testid="flash-eta">
            {progress.result?.ok
              ? F.finished
              : flashing
                ? progress.stalled
                  ? F.noData
                  : formatEta(progress.etaSeconds)
                : '—'}
          </span>
          <span className="muted">
            {F.ofTotal(formatBytes(progress.totalBytesDone), formatBytes(progress.totalBytes))}
          </span>
        </div>
        {part && part.bytes > 0 && (
          <ProgressBar small percent={percentOf(part.bytesDone, part.bytes)} label={F.partProgress(part.label)} />
        )}
      </div>
      {flash && (
        <p className="notice notice-ok" role="status">
          {F.flashed(
            formatBytes(flash.bytesWritten),
            Math.round(flash.seconds),
            flash.resumed,
            verificationWords(flash.verified),
          )}
        </p>
      )}
      <LogTail lines={progress.log} exportable />
    </StepFrame>
  );
}
