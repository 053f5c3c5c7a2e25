import type { SliceView } from '@shared/types';
import { phaseShort, phaseSummary } from '../format';

/** The phase as a coloured pill plus words (colour is never the only signal). */
export function PhaseBadge({ view, testId, compact }: { view: SliceView | undefined; testId?: string; compact?: boolean }) {
  const phase = view?.phase ?? 'setup';
  return (
    <span className={`badge badge-${phase}`} data-testid={testId} data-phase={phase} title={compact ? phaseSummary(view) : undefined}>
      {compact ? phaseShort(view) : phaseSummary(view)}
    </span>
  );
}
