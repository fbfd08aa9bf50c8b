import { useState } from 'react';
import type { StepId } from '../../shared/api.js';
import { pickerKind, revealPath, saveReport } from '../store/actions.js';
import { useRun } from '../store/run.js';
import { copyText, downloadUrl } from '../log-export.js';
import { T } from '../text.js';

/** On every step: Help for this step, and Save report (a zip; browser mode downloads it). */
export function StepTools({ id }: { id: StepId }) {
  const pending = useRun((s) => s.pending);
  const patch = useRun((s) => s.patch);
  return (
    <div className="step-tools">
      <button type="button" className="link-button" data-testid="help-link" onClick={() => patch({ help: id })}>
        {T.app.help}
      </button>
      <button
        type="button"
        data-testid="save-report"
        onClick={() =>
          void saveReport().then((r) => {
            if (r?.download) downloadUrl(r.download.url, r.download.name);
          })
        }
        // A report is wanted most when something is stuck: only another save blocks it.
        disabled={pending === 'saveReport'}
      >
        {pending === 'saveReport' ? T.report.saving : T.report.save}
      </button>
    </div>
  );
}

/** Where the report went, with a way to open its folder (desktop app) or copy its path. */
export function ReportSaved() {
  const reportPath = useRun((s) => s.reportPath);
  const [said, setSaid] = useState<string | undefined>();
  if (!reportPath) return null;
  const kind = pickerKind();
  return (
    <p className="notice notice-ok report-saved" role="status" data-testid="report-saved">
      {kind === 'upload' ? T.report.downloaded : T.report.saved} <span className="path">{reportPath}</span>{' '}
      <PathActions path={reportPath} onSaid={setSaid} />
      {said && <span className="muted"> {said}</span>}
    </p>
  );
}

/** "Open folder" where the front end can show a file, else "Copy path". */
export function PathActions({ path, onSaid, testId }: { path: string; onSaid?: (s: string) => void; testId?: string }) {
  const kind = pickerKind();
  if (kind === 'dialog')
    return (
      <button type="button" data-testid={testId ? `${testId}-open` : undefined} onClick={() => void revealPath(path)}>
        {T.report.openFolder}
      </button>
    );
  return (
    <button
      type="button"
      data-testid={testId ? `${testId}-copy` : undefined}
      onClick={() => void copyText(path).then((ok) => onSaid?.(ok ? T.report.copied : T.log.copyFailed))}
    >
      {T.report.copyPath}
    </button>
  );
}
