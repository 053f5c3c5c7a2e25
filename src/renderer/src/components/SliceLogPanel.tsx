/**
 * The slice's log (`slices.logs`), collapsed by default: the container's last lines,
 * following (read again every FOLLOW_MS while open and Follow is on), searchable (the
 * host filters; the search is sent after the operator pauses typing). The lines are the
 * slice's text: rendered as text only, bidi-isolated (SliceText), already cleaned, cut
 * and token-masked by the host, at most SLICE_LOG_LINES_MAX of them.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { SLICE_LOG_LINES_MAX, SLICE_LOG_QUERY_MAX_CHARS, type SliceLogPage } from '@shared/slice-logs';
import { useApi } from '../state/context';
import { messageOf } from '../state/store';
import { SliceText } from './SliceText';

/** How often a followed log is read again. */
const FOLLOW_MS = 2_000;
/** A search is sent once typing pauses this long. */
const SEARCH_PAUSE_MS = 300;

function timeOf(at: number | null): string {
  return at === null ? '' : new Date(at).toLocaleTimeString(undefined, { hour12: false });
}

export function SliceLogPanel({ accountId, accountName }: { accountId: string; accountName: string | undefined }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [follow, setFollow] = useState(true);
  const [typed, setTyped] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState<SliceLogPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  const list = useRef<HTMLOListElement>(null);

  const load = useCallback(async () => {
    const ask = ++latest.current;
    try {
      const answer = await api.invoke('slices.logs', { accountId, ...(query ? { query } : {}), limit: SLICE_LOG_LINES_MAX });
      if (ask !== latest.current) return; // a newer read is on its way
      setPage(answer);
      setError(null);
    } catch (failure) {
      if (ask === latest.current) setError(messageOf(failure));
    }
  }, [api, accountId, query]);

  useEffect(() => {
    const timer = setTimeout(() => setQuery(typed.trim()), SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [typed]);

  useEffect(() => {
    if (!open) return;
    void load();
    if (!follow) return;
    const timer = setInterval(() => void load(), FOLLOW_MS);
    return () => clearInterval(timer);
  }, [open, follow, load]);

  // Following keeps the newest line in sight.
  useLayoutEffect(() => {
    if (follow && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [page, follow]);

  const who = accountName ?? 'this account';
  return (
    <details className="card history slice-log" data-testid="slice-log" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Slice log</summary>
      <div className="row slice-log-controls">
        <input
          type="search"
          aria-label="Search the slice log"
          placeholder="Search the log"
          maxLength={SLICE_LOG_QUERY_MAX_CHARS}
          value={typed}
          onChange={(event) => setTyped(event.currentTarget.value)}
        />
        <label>
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.currentTarget.checked)} /> Follow
        </label>
        {!follow && (
          <button type="button" onClick={() => void load()}>
            Read again
          </button>
        )}
      </div>
      {error && (
        <p className="field-error" role="alert">
          The slice log could not be read: {error}
        </p>
      )}
      {!page && !error && (
        <p className="muted" role="status">
          Reading the slice log…
        </p>
      )}
      {page?.words && <p className="muted">{page.words}</p>}
      {page && page.running && page.lines.length === 0 && <p className="muted">{query ? 'No line of the log contains that.' : 'The slice has written nothing yet.'}</p>}
      {page && page.lines.length > 0 && (
        <>
          <ol className="slice-log-lines" aria-label={`Slice log of ${who}`} ref={list}>
            {page.lines.map((line, i) => (
              <li key={i} className={line.stream === 'stderr' ? 'slice-log-line stderr' : 'slice-log-line'} data-testid="slice-log-line">
                <time>{timeOf(line.at)}</time>
                <SliceText className="slice-log-text">{line.text}</SliceText>
              </li>
            ))}
          </ol>
          {page.omitted > 0 && (
            <p className="muted" data-testid="slice-log-omitted">
              {query ? `${page.omitted} other line${page.omitted === 1 ? '' : 's'} of the log's end hidden by the search.` : `${page.omitted} older line${page.omitted === 1 ? '' : 's'} not shown.`}
            </p>
          )}
        </>
      )}
    </details>
  );
}
