import type { SliceView } from '@shared/types';
import { phaseSummary } from '../format';

/** The phase as a coloured pill plus words (colour is never the only signal). */
export function PhaseBadge({ view, testId }: { view: SliceView | undefined; testId?: string }) {
  const phase = view?.phase ?? 'setup';
  return (
    <span className={`badge badge-${phase}`} data-testid={testId} data-phase={phase}>
      {phaseSummary(view)}
    </span>
  );
}
