import { useEffect, useState } from 'react';
import { useRun, isBusy, restoreFileOf } from '../store/run.js';
import { checkFinish, restoreCalibration, startOver } from '../store/actions.js';
import { useDevices } from '../store/devices.js';
import { StepFrame } from '../components/StepFrame.js';
import { PathField } from '../components/PathField.js';
import { PathActions } from '../components/StepTools.js';
import { verificationWords } from '../format.js';
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
  const restore = useRun((s) => s.restore);
  const normalDevice = useDevices((s) => s.state?.devices.find((d) => d.mode === 'normal'));
  const pending = useRun((s) => s.pending);
  const busy = useRun((s) => isBusy(s));
  const ctx = useGateContext();
  const [said, setSaid] = useState<string | undefined>();
  const restoreFile = useRun((s) => s.restoreFile);
  const patch = useRun((s) => s.patch);
  const qcn = restoreFileOf({ restoreFile, backup });
  useEffect(() => {
    if (!useRun.getState().finish) void checkFinish();
  }, []);
  const waiting = pending === 'finish';
  const good = finish?.mode === 'normal' && finish.radioOk !== false;
  return (
    <StepFrame
      id="finish"
      title="Verify and finish"
      intro={<p>The modem restarts with the new firmware. Modem Rescue waits for it and asks its version.</p>}
      gate={canGoNext('finish', ctx)}
      hideNext
    >
      {flash && (
        <p className="muted" data-testid="finish-verification">
          Verification: {verificationWords(flash.verified)}
          {flash.resumed ? ' (this flash continued an earlier run)' : ''}.
        </p>
      )}
      <p data-testid="finish-backup">
        {backup ? (
          <>
            Your QCN backup (calibration and IMEI) is kept at <span className="path">{backup.path}</span>: keep it with
            this modem. <PathActions path={backup.path} testId="finish-backup" onSaid={setSaid} />
            {said && <span className="muted"> {said}</span>}
          </>
        ) : (
          'No QCN backup was made in this session.'
        )}
      </p>
      <div
        className={`finish-status ${good ? 'notice notice-ok' : finish ? 'notice notice-warn' : 'notice'}`}
        data-testid="finish-status"
        data-state={waiting ? 'waiting' : good ? 'ok' : finish ? 'attention' : 'unknown'}
        role="status"
        aria-live="polite"
      >
        {waiting && 'Waiting for the modem to start in normal mode…'}
        {!waiting && finish && (MODE_WORDS[finish.mode] ?? finish.mode)}
        {!waiting && !finish && 'The modem has not been checked yet.'}
      </div>
      <dl className="facts">
        <dt>Firmware (AT+QGMR)</dt>
        <dd data-testid="finish-firmware">{finish?.firmware ?? (waiting ? '…' : 'not known')}</dd>
        <dt>Radio</dt>
        <dd>
          {finish?.radioOk === undefined
            ? 'not known'
            : finish.radioOk
              ? 'calibrated, working'
              : 'lost its calibration'}
        </dd>
      </dl>
      {finish?.radioOk === false && (
        <div className="notice notice-warn restore" data-testid="restore-offer">
          <p>
            <strong>The radio lost its calibration.</strong>{' '}
            {backup
              ? `Restore it from the backup made at the start (${backup.path}): first see what would change, then restore. The IMEI is never written from here.`
              : 'Choose this modem\u2019s own QCN backup, if one exists: another modem\u2019s calibration will not do. The IMEI is never written from here.'}
          </p>
          {normalDevice && (
            <PathField
              id="restore-file"
              label="QCN backup of this modem"
              what="qcn"
              testId="restore-file"
              value={restoreFile || backup?.path || ''}
              onChange={(v) => patch({ restoreFile: v, restore: undefined })}
            />
          )}
          {qcn && normalDevice && (
            <div className="button-row">
              <button
                type="button"
                data-testid="restore-dry-run"
                disabled={busy}
                onClick={() => void restoreCalibration(normalDevice.id, true)}
              >
                {pending === 'restore' && !restore ? 'Comparing…' : 'See what would change'}
              </button>
              {restore?.dryRun && restore.write.length > 0 && (
                <button
                  type="button"
                  className="primary"
                  data-testid="restore-run"
                  disabled={busy}
                  onClick={() => void restoreCalibration(normalDevice.id, false)}
                >
                  {pending === 'restore' ? 'Restoring…' : `Restore ${restore.write.length} items`}
                </button>
              )}
            </div>
          )}
        </div>
      )}
      {restore && (
        <div className="notice" data-testid="restore-result" role="status">
          {restore.dryRun
            ? restore.write.length === 0
              ? `Nothing differs from the backup (${restore.same} items checked).`
              : `${restore.write.length} items differ and would be written: ${restore.write.slice(0, 8).join(', ')}${restore.write.length > 8 ? ', …' : ''}.`
            : restore.outcome === 'partly restored'
              ? `Partly restored: ${restore.written} items written, ${restore.verified} read back and equal. Not restored: ${[...restore.refused, ...restore.failed, ...restore.invalid].join('; ')}. A backup of the state before was saved first: ${restore.freshBackup ?? 'see the log'}.`
              : `Restored ${restore.written} items, ${restore.verified} read back and equal. A backup of the state before was saved first: ${restore.freshBackup ?? 'see the log'}.`}
          {restore.dryRun && restore.invalid.length > 0 && (
            <span> Cannot be written: {restore.invalid.join('; ')}.</span>
          )}
          {restore.skipped.length > 0 && (
            <span className="muted"> Left as they are (identity items): {restore.skipped.join(', ')}.</span>
          )}
        </div>
      )}
      <div className="button-row">
        <button type="button" onClick={() => void checkFinish()} disabled={busy}>
          Check the modem again
        </button>
        <button type="button" data-testid="rescue-another" disabled={busy} onClick={startOver}>
          Rescue another modem
        </button>
      </div>
    </StepFrame>
  );
}
