import { useEffect, useState } from 'react';
import type { SnapshotPlanView } from '../../shared/api.js';
import { useRun, isBusy } from '../store/run.js';
import { useSettings } from '../store/settings.js';
import { cancel, demoAction, loadSnapshotPlan, startFlash } from '../store/actions.js';
import { useDevices } from '../store/devices.js';
import { currentPartition, EMPTY_PROGRESS, percentOf } from '../store/flash-progress.js';
import { eraseSummary, moduleStateSentence } from '../store/flash-summary.js';
import { StepFrame } from '../components/StepFrame.js';
import { PowerCycle } from '../components/PowerCycle.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { LogTail } from '../components/LogTail.js';
import { formatBytes, formatEta, formatSpeed, verificationWords } from '../format.js';
import { canGoNext, canStartFlash, edlDevice } from './gates.js';
import { useGateContext } from './use-gate.js';

const STEP_VERBS = { program: 'Writing', erase: 'Erasing', patch: 'Patching', reset: '' } as const;

function describeStep(operation: keyof typeof STEP_VERBS, label: string): string {
  const verb = STEP_VERBS[operation];
  return verb ? `${verb} ${label}` : label.charAt(0).toUpperCase() + label.slice(1);
}

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
      <h3 id="flash-confirm-title">Erase and flash this modem?</h3>
      <dl className="facts" data-testid="flash-confirm-summary">
        {summary.lines.map((l) => (
          <div key={l.label} className={l.tone ? `tone-${l.tone}` : undefined}>
            <dt>{l.label}</dt>
            <dd>{l.text}</dd>
          </div>
        ))}
      </dl>
      <p>
        Once the first partition is erased, the modem has no working firmware until the flash completes. If it stops,
        run it again: it continues safely.
      </p>
      {plan && (
        <label className="check">
          <input
            type="checkbox"
            data-testid="flash-snapshot"
            checked={snapshot ?? plan.recommended}
            onChange={(e) => setSnapshot(e.target.checked)}
          />
          First save the firmware now on the modem, to undo this upgrade later (about{' '}
          {plan.seconds < 90 ? `${plan.seconds} s` : `${Math.round(plan.seconds / 60)} min`}, up to{' '}
          {formatBytes(plan.bytes)} of disk in <span className="path">{plan.folder}</span>)
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
          Erase and flash
        </button>
        <button type="button" data-testid="flash-confirm-back" onClick={onBack}>
          Not now
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
    <StepFrame
      id="flash"
      title="Flash the modem"
      intro={
        <p>
          Keep the modem connected and the computer awake until this finishes. If the modem stalls, Modem Rescue resends
          and goes on by itself.
        </p>
      }
      gate={canGoNext('flash', ctx)}
      backDisabled={busy}
    >
      <div className="flash-controls">
        <label className="check">
          <input
            type="checkbox"
            data-testid="flash-verify"
            checked={verify}
            disabled={busy}
            onChange={(e) => setVerify(e.target.checked)}
          />
          Read back and check every partition after writing it
        </label>
        <p className="muted explain">
          {verify
            ? 'Recommended. It takes a little longer, and proves that what is on the modem is exactly the package.'
            : 'Without it, a bad write is only noticed when the modem fails to start, or later.'}
        </p>
        <label className="check">
          <input
            type="checkbox"
            data-testid="flash-power-consent"
            checked={powerConsent}
            disabled={busy}
            onChange={(e) => setPowerConsent(e.target.checked)}
          />
          If the modem hangs, let Modem Rescue cut its power and continue by itself
        </label>
        <p className="muted explain">
          {powerConsent
            ? "It switches the modem's USB port off and on where the hub allows it, else suspends this computer for a few seconds and wakes it (a laptop's modem slot loses power then). Each time is shown below."
            : 'If the modem hangs, the flash stops and asks you to power-cycle it; then Resume continues it.'}
        </p>
        <div className="button-row">
          <button
            type="button"
            className="primary"
            data-testid="flash-start"
            disabled={!start.ok || flashing || confirming}
            onClick={() => setConfirming(true)}
          >
            {flashing ? 'Flashing…' : flash ? 'Flash again' : failed ? 'Resume the flash' : 'Start flashing'}
          </button>
          <button
            type="button"
            data-testid="flash-cancel"
            disabled={!flashing || askCancel}
            onClick={() => setAskCancel(true)}
          >
            Cancel safely
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
        <section
          className="notice notice-warn confirm"
          data-testid="flash-cancel-confirm"
          role="alertdialog"
          aria-labelledby="flash-cancel-title"
        >
          <h3 id="flash-cancel-title">Stop the flash?</h3>
          <p>
            The modem will be left without working firmware until you run the flash again; it comes back in download
            mode, and the next run continues after what is already verified.
          </p>
          <div className="button-row">
            <button
              type="button"
              className="danger"
              data-testid="flash-cancel-go"
              autoFocus
              onClick={() => {
                setAskCancel(false);
                void cancel();
              }}
            >
              Stop the flash
            </button>
            <button type="button" data-testid="flash-cancel-keep" onClick={() => setAskCancel(false)}>
              Keep flashing
            </button>
          </div>
        </section>
      )}
      {failed && !flashing && (
        <p className="notice notice-fail" data-testid="flash-module-state" role="status">
          {moduleStateSentence(progress, view)}
        </p>
      )}
      {progress.recovery && progress.result?.ok !== false && (
        <div className="notice notice-warn recovery" data-testid="recovery-message" role="status">
          <strong>{progress.result?.ok ? 'Recovered: ' : 'Recovering: '}</strong>
          {progress.recovery.message}
          {progress.recovery.count > 1 && <span className="muted"> ({progress.recovery.count} times so far)</span>}
        </div>
      )}
      {progress.powerCycles && progress.powerCycles.length > 0 && (
        <section className="notice notice-warn" data-testid="flash-power-cycles" aria-labelledby="flash-pc-title">
          <h3 id="flash-pc-title">Modem Rescue cut the modem&apos;s power, as you allowed</h3>
          <ul className="plain-list">
            {progress.powerCycles.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        </section>
      )}
      {failed && !flashing && (
        <section className="panel" data-testid="flash-next" aria-labelledby="flash-next-title">
          <h3 id="flash-next-title">What to do now</h3>
          <ol>
            <li>
              Cut the modem&apos;s power: unplug it for five seconds, or use an action below. It comes back in download
              mode.
            </li>
            <li>
              When the indicator says it answers, press <strong>Resume the flash</strong>: it continues after the
              partitions already written and verified.
            </li>
          </ol>
          <p className="muted" data-testid="flash-next-state">
            {edl?.greeting?.state === 'answered'
              ? 'The modem is in download mode and answers: you can resume.'
              : edl
                ? 'The modem is in download mode; waiting for it to answer…'
                : 'Waiting for the modem to come back in download mode (05c6:9008)…'}
          </p>
          {!demo && <PowerCycle deviceId={edl?.id} />}
        </section>
      )}
      {demo && failed && !flashing && (
        <div className="demo-actions" role="group" aria-label="Demo modem: act out the power cycle">
          <span className="badge badge-demo">demo</span>
          <button type="button" data-testid="demo-replug" disabled={busy} onClick={() => void demoAction('replug')}>
            Unplug and replug the modem
          </button>
          <span className="muted">What the person would do with a real module that stopped answering.</span>
        </div>
      )}
      <div className="progress-block">
        <div className="progress-head">
          <span>
            {progress.result?.ok === false
              ? 'Stopped: see the message above.'
              : (progress.phaseMessage ?? (flash ? 'Done.' : 'Not started.'))}
          </span>
          <span className="num">{progress.percent}%</span>
        </div>
        <ProgressBar percent={progress.percent} label="Overall progress" testId="flash-progress" />
        <div className="stats">
          <span data-testid="flash-partition">
            {progress.result?.ok
              ? `All ${progress.partitions.length} steps done`
              : part
                ? describeStep(part.operation, part.label)
                : '—'}
          </span>
          <span data-testid="flash-speed" className={progress.stalled && flashing ? 'stalled' : undefined}>
            {progress.stalled && flashing ? 'stalled' : formatSpeed(progress.bytesPerSecond)}
          </span>
          <span data-testid="flash-eta">
            {progress.result?.ok
              ? 'finished'
              : flashing
                ? progress.stalled
                  ? 'no data moving'
                  : formatEta(progress.etaSeconds)
                : '—'}
          </span>
          <span className="muted">
            {formatBytes(progress.totalBytesDone)} of {formatBytes(progress.totalBytes)}
          </span>
        </div>
        {part && part.bytes > 0 && (
          <ProgressBar small percent={percentOf(part.bytesDone, part.bytes)} label={`Progress of ${part.label}`} />
        )}
      </div>
      {flash && (
        <p className="notice notice-ok" role="status">
          Flashed {formatBytes(flash.bytesWritten)} in {Math.round(flash.seconds)} s
          {flash.resumed ? ', continuing an earlier run' : ''}. Verification: {verificationWords(flash.verified)}.
        </p>
      )}
      <LogTail lines={progress.log} exportable />
    </StepFrame>
  );
}
