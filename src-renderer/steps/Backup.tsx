import { useEffect } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { useDevices } from '../store/devices.js';
import { loadDefaultBackupFolder, startBackup } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { PathField } from '../components/PathField.js';
import { canGoNext, normalDevice } from './gates.js';
import { useGateContext } from './use-gate.js';
import { T } from '../text.js';

export function Backup() {
  const folder = useRun((s) => s.backupFolder);
  const backup = useRun((s) => s.backup);
  const understood = useRun((s) => s.backupSkipUnderstood);
  const pending = useRun((s) => s.pending);
  const busy = useRun((s) => isBusy(s));
  const patch = useRun((s) => s.patch);
  const device = normalDevice(useDevices((s) => s.state));
  const ctx = useGateContext();
  useEffect(() => {
    void loadDefaultBackupFolder();
  }, []);
  return (
    <StepFrame id="backup" title={T.backup.title} intro={<p>{T.backup.intro}</p>} gate={canGoNext('backup', ctx)}>
      {!device && !backup && <p className="notice notice-warn">{T.backup.noDevice}</p>}
      <PathField
        id="backup-folder"
        label={T.backup.folder}
        what="backup-folder"
        testId="backup-folder"
        value={folder}
        onChange={(v) => patch({ backupFolder: v })}
      />
      <p>
        <button
          type="button"
          className={backup ? undefined : 'primary'}
          data-testid="backup-start"
          disabled={!device || busy || !folder.trim()}
          onClick={() => device && void startBackup(device.id)}
        >
          {pending === 'backup' ? T.backup.running : backup ? T.backup.again : T.backup.start}
        </button>
      </p>
      {backup && (
        <div className="manifest" data-testid="backup-manifest" role="status">
          <h2>{T.backup.saved}</h2>
          <dl>
            <dt>{T.backup.facts.model}</dt>
            <dd>{backup.model}</dd>
            <dt>{T.backup.facts.firmware}</dt>
            <dd>{backup.firmware}</dd>
            <dt>{T.backup.facts.imei}</dt>
            <dd>
              <code>{backup.imeiMasked}</code>
            </dd>
            <dt>{T.backup.facts.nv}</dt>
            <dd>{backup.nvItems}</dd>
            <dt>{T.backup.facts.efs}</dt>
            <dd>{backup.efsFiles}</dd>
            <dt>{T.backup.facts.file}</dt>
            <dd className="path">{backup.path}</dd>
            <dt>{T.backup.facts.sha}</dt>
            <dd className="path">{backup.sha256}</dd>
          </dl>
        </div>
      )}
      {!backup && (
        <label className="check skip">
          <input
            type="checkbox"
            data-testid="backup-skip-understand"
            checked={understood}
            onChange={(e) => patch({ backupSkipUnderstood: e.target.checked })}
          />
          {T.backup.skip}
        </label>
      )}
    </StepFrame>
  );
}
