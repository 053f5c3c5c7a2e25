/**
 * A list that draws only the rows in view (plus a few either side), so 20,000 chats cost
 * the DOM a few dozen rows. Rows have one fixed height; the list's own height comes from
 * its container (CSS). `onNearEnd` asks for the next page when the view nears the last row.
 */
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface WindowedListProps<T> {
  items: readonly T[];
  rowHeight: number;
  keyOf(item: T): string;
  renderRow(item: T, index: number): ReactNode;
  /** Called when the last drawn row is within `overscan` rows of the end (the caller guards against repeats). */
  onNearEnd?: () => void;
  /** Rows drawn beyond the view on each side. */
  overscan?: number;
  className?: string;
  testId?: string;
}

/** Before the container is measured (or where it cannot be): a typical list height. */
const FALLBACK_VIEWPORT_PX = 480;

export function WindowedList<T>({ items, rowHeight, keyOf, renderRow, onNearEnd, overscan = 6, className = '', testId }: WindowedListProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(FALLBACK_VIEWPORT_PX);

  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setViewport(element.clientHeight || FALLBACK_VIEWPORT_PX);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);

  useEffect(() => {
    if (onNearEnd && last >= items.length - overscan) onNearEnd();
  }, [last, items.length, overscan, onNearEnd]);

  return (
    <div ref={ref} className={`windowed ${className}`} onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)} data-testid={testId}>
      <ul style={{ height: items.length * rowHeight }} data-rows={items.length}>
        {items.slice(first, last).map((item, offset) => (
          <li key={keyOf(item)} style={{ top: (first + offset) * rowHeight, height: rowHeight }}>
            {renderRow(item, first + offset)}
          </li>
        ))}
      </ul>
    </div>
  );
}
