/**
 * The account's audit trail, collapsed by default. Read only while open: on opening,
 * then again shortly after `slice` events of this account (coalesced, so a burst of
 * contact counts is one read), and after the event stream comes back. No polling.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SliceEventRecord } from '@shared/types';
import { historyRows } from '../history';
import { useApi, useApp } from '../state/context';
import { messageOf } from '../state/store';
import { SliceText } from './SliceText';

/** Events within this window share one read (the host writes the entry before it emits). */
const COALESCE_MS = 300;

export function HistoryPanel({ accountId, accountName }: { accountId: string; accountName: string | undefined }) {
  const api = useApi();
  const stream = useApp((s) => s.stream);
  const [open, setOpen] = useState(false);
  const [records, setRecords] = useState<SliceEventRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  const load = useCallback(async () => {
    const ask = ++latest.current;
    try {
      const answer = await api.invoke('slices.history', { accountId });
      if (ask !== latest.current) return; // a newer read is on its way
      setRecords(answer);
      setError(null);
    } catch (failure) {
      if (ask === latest.current) setError(messageOf(failure));
    }
  }, [api, accountId]);

  useEffect(() => {
    if (!open) return;
    void load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = api.subscribe((event) => {
      if (event.type !== 'slice' || event.data.accountId !== accountId || timer) return;
      timer = setTimeout(() => {
        timer = null;
        void load();
      }, COALESCE_MS);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [open, accountId, api, load]);

  // Entries written while the stream was down came with no event: read again when it is back.
  const streamBefore = useRef(stream);
  useEffect(() => {
    const before = streamBefore.current;
    streamBefore.current = stream;
    if (open && stream === 'open' && before !== 'open') void load();
  }, [open, stream, load]);

  const rows = records ? historyRows(records, Date.now()) : null;
  const who = accountName ?? 'this account';
  return (
    <details className="card history" data-testid="history" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>History</summary>
      {error && (
        <div className="row">
          <p className="field-error" role="alert">
            The history could not be read: {error}
          </p>
          <button type="button" onClick={() => void load()}>
            Reload history
          </button>
        </div>
      )}
      {!rows && !error && (
        <p className="muted" role="status">
          Reading the history…
        </p>
      )}
      {rows && rows.length === 0 && <p className="muted">Nothing has happened yet for this account.</p>}
      {rows && rows.length > 0 && (
        <ol className="history-list" aria-label={`History of ${who}`}>
          {rows.map((row) => (
            <li key={row.id} className={`history-entry ${row.tone === 'bad' ? 'bad' : ''}`} data-testid="history-entry">
              <time dateTime={new Date(row.at).toISOString()}>{row.time}</time>
              <span className="history-label">{row.label}</span>
              {row.message && <SliceText className="history-message">{row.message}</SliceText>}
              {row.repeated && <span className="history-repeated">{row.repeated}</span>}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
