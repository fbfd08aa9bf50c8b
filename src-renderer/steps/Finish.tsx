import { useEffect } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { checkFinish, saveReport } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { canGoNext } from './gates.js';
import { useGateContext } from './use-gate.js';

const MODE_WORDS: Record<string, string> = {
  normal: 'The modem started normally.',
  edl: 'The modem is still in download mode.',
  'memory-dump': 'The modem crashed (crash-dump mode).',
  fastboot: 'The modem is in fastboot mode.',
  unknown: 'The modem is in a mode Modem Rescue does not know.',
};

export function Finish() {
  const flash = useRun((s) => s.flash);
  const finish = useRun((s) => s.finish);
  const backup = useRun((s) => s.backup);
  const reportPath = useRun((s) => s.reportPath);
  const pending = useRun((s) => s.pending);
  const busy = useRun((s) => isBusy(s));
  const ctx = useGateContext();
  useEffect(() => {
    if (!useRun.getState().finish) void checkFinish();
  }, []);
  const waiting = pending === 'finish';
  const good = finish?.mode === 'normal' && finish.radioOk !== false;
  return (
    <StepFrame id="finish" title="Verify and finish" intro={<p>The modem restarts with the new firmware. Modem Rescue waits for it and asks its version.</p>} gate={canGoNext('finish', ctx)} hideNext>
      {flash && (
        <p className="muted">
          Verification: {flash.verified}
          {flash.resumed ? ' (continued an earlier run)' : ''}.
        </p>
      )}
      <div className={`finish-status ${good ? 'notice notice-ok' : finish ? 'notice notice-warn' : 'notice'}`} data-testid="finish-status" data-state={waiting ? 'waiting' : good ? 'ok' : finish ? 'attention' : 'unknown'} role="status" aria-live="polite">
        {waiting && 'Waiting for the modem to start in normal mode…'}
        {!waiting && finish && (MODE_WORDS[finish.mode] ?? finish.mode)}
        {!waiting && !finish && 'The modem has not been checked yet.'}
      </div>
      <dl className="facts">
        <dt>Firmware (AT+QGMR)</dt>
        <dd data-testid="finish-firmware">{finish?.firmware ?? (waiting ? '…' : 'not known')}</dd>
        <dt>Radio</dt>
        <dd>{finish?.radioOk === undefined ? 'not known' : finish.radioOk ? 'calibrated, working' : 'lost its calibration'}</dd>
      </dl>
      {finish?.radioOk === false && (
        <div className="notice notice-warn restore">
          <strong>The radio lost its calibration.</strong>{' '}
          {backup ? (
            <>
              Restore the backup you made: <code>modem-rescue restore {backup.path}</code>
            </>
          ) : (
            'Restore this modem\u2019s own QCN backup, if one exists: another modem\u2019s calibration will not do.'
          )}
        </div>
      )}
      <div className="button-row">
        <button type="button" onClick={() => void checkFinish()} disabled={busy}>
          Check the modem again
        </button>
        <button type="button" className="primary" data-testid="save-report" onClick={() => void saveReport()} disabled={busy}>
          {pending === 'saveReport' ? 'Saving…' : 'Save report'}
        </button>
      </div>
      {reportPath && (
        <p className="notice notice-ok" role="status">
          Report saved: <span className="path">{reportPath}</span>
        </p>
      )}
    </StepFrame>
  );
}
