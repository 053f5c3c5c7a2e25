/**
 * A bar with an accessible name. With a `value` it is determinate; without one it is
 * indeterminate (no aria-valuenow, a moving stripe): progress nobody measured is
 * never drawn as a full bar.
 */
export function ProgressBar({ value, label, testId, tone }: { value?: number | undefined; label: string; testId?: string; tone?: 'accent' | 'warn' }) {
  if (value === undefined) {
    return (
      <div className="progress progress-indeterminate" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} data-testid={testId} data-indeterminate="true">
        <div className="progress-fill" />
      </div>
    );
  }
  const clamped = Math.max(0, Math.min(100, value));
  return (
    <div
      className={`progress ${tone === 'warn' ? 'progress-warn' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(clamped)}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: `${clamped}%` }} />
    </div>
  );
}
