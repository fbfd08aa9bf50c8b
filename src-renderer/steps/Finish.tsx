import { useEffect, useState } from 'react';
import { useRun, isBusy, restoreFileOf } from '../store/run.js';
import { checkFinish, restoreCalibration, startOver, undoUpgrade } from '../store/actions.js';
import { useDevices } from '../store/devices.js';
import { StepFrame } from '../components/StepFrame.js';
import { PathField } from '../components/PathField.js';
import { PathActions } from '../components/StepTools.js';
import { verificationWords } from '../format.js';
import { canGoNext } from './gates.js';
import { useGateContext } from './use-gate.js';
import { T } from '../text.js';

const MODE_WORDS = T.finish.modes;

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
      title={T.finish.title}
      intro={<p>{T.finish.intro}</p>}
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
          T.finish.noBackup
        )}
      </p>
      <div
        className={`finish-status ${good ? 'notice notice-ok' : finish ? 'notice notice-warn' : 'notice'}`}
        data-testid="finish-status"
        data-state={waiting ? 'waiting' : good ? 'ok' : finish ? 'attention' : 'unknown'}
        role="status"
        aria-live="polite"
      >
        {waiting && T.finish.waiting}
        {!waiting && finish && (MODE_WORDS[finish.mode] ?? finish.mode)}
        {!waiting && !finish && T.finish.notChecked}
      </div>
      <dl className="facts">
        <dt>{T.finish.firmware}</dt>
        <dd data-testid="finish-firmware">{finish?.firmware ?? (waiting ? '…' : 'not known')}</dd>
        <dt>{T.finish.radio}</dt>
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
            <strong>{T.finish.lostCalibration}</strong>{' '}
            {backup
              ? `Restore it from the backup made at the start (${backup.path}): first see what would change, then restore. The IMEI is never written from here.`
              : T.finish.chooseQcn}
          </p>
          {normalDevice && (
            <PathField
              id="restore-file"
              label={T.finish.qcnField}
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
                {pending === 'restore' && !restore ? T.finish.comparing : T.finish.compare}
              </button>
              {restore?.dryRun && restore.write.length > 0 && (
                <button
                  type="button"
                  className="primary"
                  data-testid="restore-run"
                  disabled={busy}
                  onClick={() => void restoreCalibration(normalDevice.id, false)}
                >
                  {pending === 'restore' ? T.finish.restoring : T.finish.restoreN(restore.write.length)}
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
          {T.finish.checkAgain}
        </button>
        <button type="button" data-testid="rescue-another" disabled={busy} onClick={startOver}>
          {T.finish.another}
        </button>
        {finish?.snapshot && (
          <button
            type="button"
            data-testid="undo-upgrade"
            disabled={busy}
            title={finish.snapshot.path}
            onClick={() => void undoUpgrade(finish.snapshot!.path, normalDevice?.id)}
          >
            {pending === 'undo'
              ? 'Undoing…'
              : `Undo this upgrade (back to ${finish.snapshot.firmware ?? 'the earlier firmware'}, saved ${new Date(finish.snapshot.createdAt).toLocaleString()})`}
          </button>
        )}
      </div>
    </StepFrame>
  );
}
