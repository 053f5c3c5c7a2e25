import type { SliceView } from '@shared/types';
import { SliceText } from './SliceText';

/**
 * The host's note beside a phase (PRODUCT §1 step 6): "reconnecting by itself…",
 * "restarting the slice…", or why a Ready account went back to Connect. Not an error:
 * the account needs nothing from the operator unless the words say so.
 */
export function SliceNote({ view }: { view: SliceView | undefined }) {
  if (!view?.note) return null;
  return (
    <p className="slice-note" role="status" data-testid="slice-note">
      <SliceText>{view.note}</SliceText>
    </p>
  );
}
