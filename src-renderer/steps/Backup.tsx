import { useEffect } from 'react';
import { useRun, isBusy } from '../store/run.js';
import { useDevices } from '../store/devices.js';
import { loadDefaultBackupFolder, startBackup } from '../store/actions.js';
import { StepFrame } from '../components/StepFrame.js';
import { PathField } from '../components/PathField.js';
import { canGoNext, normalDevice } from './gates.js';
import { useGateContext } from './use-gate.js';

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
    <StepFrame
      id="backup"
      title="Back up the QCN"
      intro={
        <p>
          The QCN holds this modem's own calibration and identity (IMEI). A flash can lose it, and no other modem's copy
          will do. Save it first while the modem still runs.
        </p>
      }
      gate={canGoNext('backup', ctx)}
    >
      {!device && !backup && (
        <p className="notice notice-warn">
          No modem in normal mode is connected, so no backup can be made now. A modem that does not start cannot be
          backed up.
        </p>
      )}
      <PathField
        id="backup-folder"
        label="Save the backup in this folder"
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
          {pending === 'backup' ? 'Backing up…' : backup ? 'Back up again' : 'Back up now'}
        </button>
      </p>
      {backup && (
        <div className="manifest" data-testid="backup-manifest" role="status">
          <h2>Backup saved</h2>
          <dl>
            <dt>Model</dt>
            <dd>{backup.model}</dd>
            <dt>Firmware</dt>
            <dd>{backup.firmware}</dd>
            <dt>IMEI</dt>
            <dd>
              <code>{backup.imeiMasked}</code>
            </dd>
            <dt>NV items</dt>
            <dd>{backup.nvItems}</dd>
            <dt>EFS files</dt>
            <dd>{backup.efsFiles}</dd>
            <dt>File</dt>
            <dd className="path">{backup.path}</dd>
            <dt>SHA-256</dt>
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
          I understand that without a backup, a flash that loses the calibration leaves the modem without a working
          radio, and that this cannot be undone.
        </label>
      )}
    </StepFrame>
  );
}
