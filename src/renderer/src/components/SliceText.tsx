/**
 * Text the panel did not write — a slice's words, contact and chat names, message
 * bodies, names typed by someone — shown bidi-isolated (issue 19, finding 9): `<bdi>`
 * with `dir="auto"` takes its direction from its own first strong character and cannot
 * reorder the panel's words around it (a right-to-left name before "— ready 12m" would
 * otherwise pull them into its run). The host already strips override and control
 * characters from a slice's words (src/shared/text-safety.ts); this is the second line.
 */
import type { ReactNode } from 'react';

export function SliceText({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <bdi dir="auto" className={className ? `isolated-text ${className}` : 'isolated-text'}>
      {children}
    </bdi>
  );
}
