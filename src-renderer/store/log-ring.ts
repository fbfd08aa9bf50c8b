// A bounded list of log lines: the newest `capacity` lines, oldest dropped first.

export interface LogLine {
  seq: number;
  level: string;
  text: string;
}

export const LOG_CAPACITY = 200;
/** A single line longer than this is cut: a flood from the device must not grow the page. */
export const MAX_LINE_CHARS = 500;

export function appendLog(lines: readonly LogLine[], line: Omit<LogLine, 'seq'>, capacity = LOG_CAPACITY): LogLine[] {
  const last = lines[lines.length - 1];
  const seq = last ? last.seq + 1 : 1;
  const text = line.text.length > MAX_LINE_CHARS ? `${line.text.slice(0, MAX_LINE_CHARS)}…` : line.text;
  const kept = lines.length >= capacity ? lines.slice(lines.length - capacity + 1) : lines.slice();
  kept.push({ seq, level: line.level, text });
  return kept;
}
