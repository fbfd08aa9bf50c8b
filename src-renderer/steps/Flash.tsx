import { useRun, isBusy } from '../store/run.js';
import { useSettings } from '../store/settings.js';
import { cancel, demoAction, startFlash } from '../store/actions.js';
import { useDevices } from '../store/devices.js';
import { currentPartition, percentOf } from '../store/flash-progress.js';
import { StepFrame } from '../components/StepFrame.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { LogTail } from '../components/LogTail.js';
import { formatBytes, formatEta, formatSpeed } from '../format.js';
import { canGoNext, canStartFlash } from './gates.js';
import { useGateContext } from './use-gate.js';

const STEP_VERBS = { program: 'Writing', erase: 'Erasing', patch: 'Patching', reset: '' } as const;

function describeStep(operation: keyof typeof STEP_VERBS, label: string): string {
  const verb = STEP_VERBS[operation];
  return verb ? `${verb} ${label}` : label.charAt(0).toUpperCase() + label.slice(1);
}

export function Flash() {
  const progress = useRun((s) => s.progress);
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
      intro={<p>Keep the modem connected and the computer awake until this finishes. If the modem stalls, Modem Rescue resends and goes on by itself.</p>}
      gate={canGoNext('flash', ctx)}
      backDisabled={busy}
    >
      <div className="flash-controls">
        <label className="check">
          <input type="checkbox" data-testid="flash-verify" checked={verify} disabled={busy} onChange={(e) => setVerify(e.target.checked)} />
          Read back and check every partition after writing it
        </label>
        <p className="muted explain">
          {verify
            ? 'Recommended. It takes a little longer, and proves that what is on the modem is exactly the package.'
            : 'Without it, a bad write is only noticed when the modem fails to start, or later.'}
        </p>
        <div className="button-row">
          <button type="button" className="primary" data-testid="flash-start" disabled={!start.ok || flashing} onClick={() => void startFlash()}>
            {flashing ? 'Flashing…' : flash ? 'Flash again' : 'Start flashing'}
          </button>
          <button type="button" data-testid="flash-cancel" disabled={!flashing} onClick={() => void cancel()}>
            Cancel safely
          </button>
          {!start.ok && !flashing && !flash && <span className="muted">{start.reason}</span>}
        </div>
      </div>
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
          <span>{progress.result?.ok === false ? 'Stopped: see the message above.' : (progress.phaseMessage ?? (flash ? 'Done.' : 'Not started.'))}</span>
          <span className="num">{progress.percent}%</span>
        </div>
        <ProgressBar percent={progress.percent} label="Overall progress" testId="flash-progress" />
        <div className="stats">
          <span data-testid="flash-partition">
            {progress.result?.ok ? `All ${progress.partitions.length} steps done` : part ? describeStep(part.operation, part.label) : '—'}
          </span>
          <span data-testid="flash-speed">{formatSpeed(progress.bytesPerSecond)}</span>
          <span data-testid="flash-eta">{progress.result?.ok ? 'finished' : flashing ? formatEta(progress.etaSeconds) : '—'}</span>
          <span className="muted">
            {formatBytes(progress.totalBytesDone)} of {formatBytes(progress.totalBytes)}
          </span>
        </div>
        {part && part.bytes > 0 && <ProgressBar small percent={percentOf(part.bytesDone, part.bytes)} label={`Progress of ${part.label}`} />}
      </div>
      {flash && (
        <p className="notice notice-ok" role="status">
          Flashed {formatBytes(flash.bytesWritten)} in {Math.round(flash.seconds)} s{flash.resumed ? ', continuing an earlier run' : ''}. Verification:{' '}
          {flash.verified}.
        </p>
      )}
      <LogTail lines={progress.log} />
    </StepFrame>
  );
}
