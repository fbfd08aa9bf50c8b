import { useState } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { useSettings } from '../store/settings.js';
import { cancel, demoAction, startFlash } from '../store/actions.js';
import { useDevices } from '../store/devices.js';
import { currentPartition, EMPTY_PROGRESS, percentOf } from '../store/flash-progress.js';
import { eraseSummary, moduleStateSentence } from '../store/flash-summary.js';
import { StepFrame } from '../components/StepFrame.js';
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
function ConfirmErase({ onGo, onBack }: { onGo: () => void; onBack: () => void }) {
  const view = useRun((s) => s.packageView);
  const backup = useRun((s) => s.backup);
  const device = useDevices((s) => edlDevice(s.state));
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
      <div className="button-row">
        <button type="button" className="primary danger" data-testid="flash-confirm-go" autoFocus onClick={onGo}>
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
        <div className="button-row">
          <button
            type="button"
            className="primary"
            data-testid="flash-start"
            disabled={!start.ok || flashing || confirming}
            onClick={() => setConfirming(true)}
          >
            {flashing ? 'Flashing…' : flash ? 'Flash again' : failed ? 'Run the flash again' : 'Start flashing'}
          </button>
          <button
            type="button"
            data-testid="flash-cancel"
            disabled={!flashing || askCancel}
            onClick={() => setAskCancel(true)}
          >
            Cancel safely
          </button>
          {!start.ok && !flashing && !flash && <span className="muted">{start.reason}</span>}
        </div>
      </div>
      {confirming && !flashing && (
        <ConfirmErase
          onGo={() => {
            setConfirming(false);
            void startFlash();
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
          <span data-testid="flash-speed">{formatSpeed(progress.bytesPerSecond)}</span>
          <span data-testid="flash-eta">
            {progress.result?.ok ? 'finished' : flashing ? formatEta(progress.etaSeconds) : '—'}
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
