/** A progress bar readers and tests can query (role=progressbar, aria-valuenow 0-100). */
export function ProgressBar({
  percent,
  label,
  testId,
  small,
}: {
  percent: number;
  label: string;
  testId?: string;
  small?: boolean;
}) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div
      className={small ? 'progress progress-small' : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
      data-testid={testId}
    >
      {/* Width through a CSS custom property, set by React via the CSSOM (allowed by a strict CSP). */}
      <div className="progress-fill" style={{ ['--pct' as string]: `${value}%` }} />
    </div>
  );
}
