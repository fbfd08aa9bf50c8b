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
          {T.finish.verification(verificationWords(flash.verified), flash.resumed)}
        </p>
      )}
      <p data-testid="finish-backup">
        {backup ? (
          <>
            {T.finish.backupLead}
            <span className="path">{backup.path}</span>
            {T.finish.backupTail}
            <PathActions path={backup.path} testId="finish-backup" onSaid={setSaid} />
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
        <dd data-testid="finish-firmware">{finish?.firmware ?? (waiting ? '…' : T.finish.notKnown)}</dd>
        <dt>{T.finish.radio}</dt>
        <dd>
          {finish?.radioOk === undefined ? T.finish.notKnown : finish.radioOk ? T.finish.radioOk : T.finish.radioLost}
        </dd>
      </dl>
      {finish?.radioOk === false && (
        <div className="notice notice-warn restore" data-testid="restore-offer">
          <p>
            <strong>{T.finish.lostCalibration}</strong>{' '}
            {backup ? T.finish.restoreFromBackup(backup.path) : T.finish.chooseQcn}
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
              ? T.finish.nothingDiffers(restore.same)
              : T.finish.wouldWrite(restore.write)
            : restore.outcome === 'partly restored'
              ? T.finish.partlyRestored(
                  restore.written,
                  restore.verified,
                  [...restore.refused, ...restore.failed, ...restore.invalid].join('; '),
                  restore.freshBackup,
                )
              : T.finish.restored(restore.written, restore.verified, restore.freshBackup)}
          {restore.dryRun && restore.invalid.length > 0 && (
            <span>{T.finish.cannotWrite(restore.invalid.join('; '))}</span>
          )}
          {restore.skipped.length > 0 && (
            <span className="muted">{T.finish.leftAlone(restore.skipped.join(', '))}</span>
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
              ? T.finish.undoing
              : T.finish.undo(finish.snapshot.firmware, new Date(finish.snapshot.createdAt).toLocaleString())}
          </button>
        )}
      </div>
    </StepFrame>
  );
}
