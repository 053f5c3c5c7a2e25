/** A tiny memory trend: one polyline scaled to its own range (a shape, not a chart). */
import type { MemorySample } from '@shared/types';

export function Sparkline({ samples, label, width = 120, height = 28 }: { samples: MemorySample[]; label: string; width?: number; height?: number }) {
  if (samples.length < 2) return <span className="muted sparkline-empty">collecting…</span>;
  const values = samples.map((s) => s.bytes);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = width / (samples.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
    </svg>
  );
}
