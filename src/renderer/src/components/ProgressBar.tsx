/** A determinate bar with an accessible name and value. */
export function ProgressBar({ value, label, testId, tone }: { value: number; label: string; testId?: string; tone?: 'accent' | 'warn' }) {
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
