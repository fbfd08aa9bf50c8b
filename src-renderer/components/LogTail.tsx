import { useEffect, useRef } from 'react';
import type { LogLine } from '../store/log-ring.js';

/** The newest log lines, scrolled to the end as they arrive. */
export function LogTail({ lines }: { lines: readonly LogLine[] }) {
  const ref = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <ol className="log-tail" ref={ref} data-testid="log-tail" aria-label="Log" aria-live="off" tabIndex={0}>
      {lines.length === 0 && <li className="log-empty">The log appears here while the modem is flashed.</li>}
      {lines.map((l) => (
        <li key={l.seq} className={`log-${l.level}`}>
          {l.text}
        </li>
      ))}
    </ol>
  );
}
