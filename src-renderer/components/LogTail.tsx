import { useEffect, useRef, useState } from 'react';
import type { LogLine } from '../store/log-ring.js';
import { copyText, downloadText, logFileName, logText } from '../log-export.js';
import { T } from '../text.js';

/** The newest log lines, scrolled to the end as they arrive; with Save log / Copy log when `exportable`. */
export function LogTail({ lines, exportable = false }: { lines: readonly LogLine[]; exportable?: boolean }) {
  const ref = useRef<HTMLOListElement>(null);
  // Debug lines (the device's expected complaints during negotiation, the demo module's own
  // chatter) go into the saved log, not on screen: they would read as alarms.
  const shown = lines.filter((l) => l.level !== 'debug');
  const [said, setSaid] = useState<string | undefined>();
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  const text = (): string => logText(lines, T.log.header(new Date().toISOString()));
  return (
    <div className="log-panel">
      {exportable && (
        // Never disabled by a running flash or a failure: the log is wanted most then.
        <div className="button-row log-actions">
          <button
            type="button"
            data-testid="log-save"
            disabled={lines.length === 0}
            onClick={() => downloadText(logFileName(new Date()), text())}
          >
            {T.log.save}
          </button>
          <button
            type="button"
            data-testid="log-copy"
            disabled={lines.length === 0}
            onClick={() => void copyText(text()).then((ok) => setSaid(ok ? T.log.copied : T.log.copyFailed))}
          >
            {T.log.copy}
          </button>
          {said && (
            <span className="muted" role="status" data-testid="log-copy-status">
              {said}
            </span>
          )}
        </div>
      )}
      <ol className="log-tail" ref={ref} data-testid="log-tail" aria-label={T.log.label} aria-live="off" tabIndex={0}>
        {shown.length === 0 && <li className="log-empty">{T.log.empty}</li>}
        {shown.map((l) => (
          <li key={l.seq} className={`log-${l.level}`}>
            {l.text}
          </li>
        ))}
      </ol>
    </div>
  );
}
