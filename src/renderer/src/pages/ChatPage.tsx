/**
 * Chat: the account's chats (a windowed list read page by page as it scrolls, and a search
 * the slice runs over every chat), one thread (older messages read as it scrolls up), a send box; outgoing rows show their state as ticks (queued 🕓, sent ✓, delivered ✓✓, read ✓✓ blue, failed) and a queued one can be cancelled. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { CHATS_PAGE_DEFAULT } from '@shared/paging';
import type { Chat, OutgoingStatus } from '@shared/types';
import { SliceText } from '../components/SliceText';
import { HistoryPanel } from '../components/HistoryPanel';
import { SliceLogPanel } from '../components/SliceLogPanel';
import { MediaBubble } from '../components/MediaBubble';
import { PhaseBadge } from '../components/PhaseBadge';
import { SimFaults } from '../components/SimFaults';
import { SliceNote } from '../components/SliceNote';
import { WindowedList } from '../components/WindowedList';
import { formatTime } from '../format';
import { hrefOf } from '../router';
import { threadKey, type ThreadMessage } from '../state/chat-state';
import { useActions, useApi, useApp } from '../state/context';
import { messageOf } from '../state/store';

const EMPTY_CHATS: Chat[] = [];
const EMPTY_THREAD: ThreadMessage[] = [];
/** One chat row, in px (the windowed list needs one fixed height; styles.css .chat-rows matches). */
export const CHAT_ROW_PX = 60;
/** The search asks the slice once typing pauses this long. */
const SEARCH_DEBOUNCE_MS = 250;
/** Older messages are read when the thread is scrolled to within this many px of its top. */
const OLDER_AT_PX = 80;

interface SearchResults {
  query: string;
  chats: Chat[];
  end: boolean;
  error: string | null;
}

/** The server-side search: the first page once typing pauses, the next as the results scroll. */
function useChatSearch(accountId: string, text: string, enabled: boolean) {
  const api = useApi();
  const [results, setResults] = useState<SearchResults | null>(null);
  const loading = useRef(false);
  const query = text.trim();

  useEffect(() => {
    if (!enabled || !query) {
      setResults(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api
        .invoke('chats.list', { accountId, query, limit: CHATS_PAGE_DEFAULT })
        .then((chats) => current && setResults({ query, chats, end: chats.length === 0, error: null }))
        .catch((error: unknown) => current && setResults({ query, chats: [], end: true, error: messageOf(error) }));
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [accountId, query, enabled, api]);

  const more = useCallback(() => {
    if (!results || results.end || loading.current) return;
    const cursor = results.chats.at(-1)?.cursor;
    if (!cursor) return;
    loading.current = true;
    api
      .invoke('chats.list', { accountId, query: results.query, cursor, limit: CHATS_PAGE_DEFAULT })
      .then((page) => setResults((now) => (now && now.query === results.query ? { ...now, chats: [...now.chats, ...page], end: page.length === 0 } : now)))
      .catch((error: unknown) => setResults((now) => (now ? { ...now, end: true, error: messageOf(error) } : now)))
      .finally(() => {
        loading.current = false;
      });
  }, [accountId, api, results]);

  return { results, searching: Boolean(query) && results?.query !== query, more };
}

/** WhatsApp's ticks, with words for screen readers and tooltips. */
const STATUS_MARK: Record<OutgoingStatus, { mark: string; words: string }> = {
  queued: { mark: '🕓', words: 'Queued: waiting for WhatsApp' },
  sent: { mark: '✓', words: 'Sent' },
  delivered: { mark: '✓✓', words: 'Delivered to the phone' },
  read: { mark: '✓✓', words: 'Read' },
  failed: { mark: '!', words: 'Not sent' },
  cancelled: { mark: '✕', words: 'Cancelled' },
};

export function ChatPage({ accountId, chatId }: { accountId: string; chatId?: string }) {
  const account = useApp((s) => s.accounts.find((a) => a.id === accountId));
  const view = useApp((s) => s.slices[accountId]);
  const simulation = useApp((s) => s.system?.simulation ?? false);
  const chats = useApp((s) => s.chat.chats[accountId]);
  const chatsEnd = useApp((s) => s.chat.chatsEnd[accountId] ?? false);
  const { refreshSlice, loadChats, loadMoreChats, notify } = useActions();
  const api = useApi();
  const [disconnecting, setDisconnecting] = useState(false);
  const [selected, setSelected] = useState<string | null>(chatId ?? null);
  // A notification clicked while this account's page is open names another chat.
  useEffect(() => {
    if (chatId) setSelected(chatId);
  }, [chatId]);
  const [query, setQuery] = useState('');
  const [loadError, setLoadError] = useState<string | null>(null);
  const ready = view?.phase === 'ready';
  // While linking, WhatsApp is not ready to list chats, but a message can already be queued.
  const usable = ready || view?.phase === 'linking';
  const [newNumber, setNewNumber] = useState('');

  useEffect(() => {
    void refreshSlice(accountId);
  }, [accountId, refreshSlice]);

  useEffect(() => {
    if (!ready) return;
    setLoadError(null);
    loadChats(accountId).catch((error: unknown) => setLoadError(messageOf(error)));
  }, [accountId, ready, loadChats]);

  // Destroys the slice; the WhatsApp session stays, so connecting again needs no new scan.
  const disconnect = async () => {
    setDisconnecting(true);
    try {
      await api.invoke('slices.destroy', { accountId });
    } catch (error) {
      notify(error);
    } finally {
      setDisconnecting(false);
    }
  };

  const search = useChatSearch(accountId, query, ready);
  const needle = query.trim();
  const shown = needle ? (search.results?.chats ?? EMPTY_CHATS) : (chats ?? EMPTY_CHATS);
  const loadingMore = useRef(false);
  const nextPage = useCallback(() => {
    if (chatsEnd || loadingMore.current || !chats || chats.length === 0) return;
    loadingMore.current = true;
    loadMoreChats(accountId)
      .catch((error: unknown) => setLoadError(messageOf(error)))
      .finally(() => {
        loadingMore.current = false;
      });
  }, [accountId, chats, chatsEnd, loadMoreChats]);
  // The chat picked (perhaps from a search, which the list may not hold once the search is cleared).
  const [picked, setPicked] = useState<Chat | null>(null);
  const selectedChat = shown.find((c) => c.id === selected) ?? (chats ?? EMPTY_CHATS).find((c) => c.id === selected) ?? (picked?.id === selected ? picked : undefined);

  return (
    <section className="page chat-page" aria-labelledby="chat-title">
      <header className="page-header row spread">
        <div>
          <a className="back" href={hrefOf({ page: 'accounts' })}>
            ← Accounts
          </a>
          <h1 id="chat-title">Chats of {account ? <SliceText>{account.name}</SliceText> : 'account'}</h1>
        </div>
        <div className="row">
          <PhaseBadge view={view} testId="chat-phase" />
          {view && view.phase !== 'setup' && view.phase !== 'expired' && (
            <button type="button" disabled={disconnecting} onClick={() => void disconnect()} aria-label={`Disconnect ${account?.name ?? 'this account'}`}>
              {disconnecting ? 'Disconnecting…' : 'Disconnect'}
            </button>
          )}
        </div>
      </header>

      <SliceNote view={view} />
      {simulation && view?.phase === 'ready' && <SimFaults accountId={accountId} />}

      {view && !usable && (
        <div className="card empty" role="status">
          <h2>This account is not connected</h2>
          <p>
            Connect it first; its chats appear here once WhatsApp is linked.
            {/* After a logout on the phone the note above says a new code is needed. */}
            {!view.note && ' A disconnected account that was linked before comes back without a new scan.'}
          </p>
          <a className="button primary" href={hrefOf({ page: 'connect', accountId })}>
            Go to Connect
          </a>
        </div>
      )}

      {view?.phase === 'linking' && (
        <p className="card" role="status" data-testid="chat-linking">
          WhatsApp is still loading contacts ({view.contacts ?? 0} so far); the chats appear here when it is done. Messages sent now are queued and go out then.
        </p>
      )}

      {usable && (
        <div className="chat-layout card">
          <aside className="chat-list" aria-label="Chats">
            <input type="search" aria-label="Search chats" placeholder="Search chats" value={query} onChange={(e) => setQuery(e.target.value)} />
            {loadError && (
              <p className="field-error" role="alert">
                <SliceText>{loadError}</SliceText>
              </p>
            )}
            <form
              className="new-chat"
              aria-label="New chat"
              onSubmit={(e) => {
                e.preventDefault();
                const digits = newNumber.replace(/\D/g, '');
                if (digits.length < 6) return;
                setSelected(`${digits}@c.us`);
                setNewNumber('');
              }}
            >
              <input aria-label="Phone number" placeholder="Phone number" inputMode="tel" value={newNumber} onChange={(e) => setNewNumber(e.target.value)} />
              <button type="submit" disabled={newNumber.replace(/\D/g, '').length < 6}>
                Open
              </button>
            </form>
            {!chats && !loadError && ready && <p className="muted">Loading chats…</p>}
            {search.results?.error && (
              <p className="field-error" role="alert">
                {search.results.error}
              </p>
            )}
            <WindowedList
              // Another search, or back to the list: start at its top.
              key={needle ? `search:${search.results?.query ?? ''}` : 'all'}
              className="chat-rows"
              testId="chat-rows"
              items={shown}
              rowHeight={CHAT_ROW_PX}
              keyOf={(chat) => chat.id}
              onNearEnd={needle ? search.more : nextPage}
              renderRow={(chat) => (
                <button
                  type="button"
                  className={`chat-item ${chat.id === selected ? 'selected' : ''}`}
                  aria-current={chat.id === selected ? 'true' : undefined}
                  onClick={() => {
                    setSelected(chat.id);
                    setPicked(chat);
                  }}
                >
                  <SliceText className="chat-name">{chat.name}</SliceText>
                  {chat.isGroup && <span className="chat-kind muted" data-testid="chat-kind-group">Group</span>}
                  {chat.unreadCount > 0 && chat.id !== selected && <span className="unread" aria-label={`${chat.unreadCount} unread`}>{chat.unreadCount}</span>}
                  {chat.lastMessage && <SliceText className="chat-preview muted">{chat.lastMessage.body}</SliceText>}
                </button>
              )}
            />
            {needle && search.searching && <p className="muted">Searching…</p>}
            {((needle && search.results && !search.searching) || (!needle && chats)) && shown.length === 0 && <p className="muted">{needle ? `No chat matches “${query}”.` : 'No chats yet.'}</p>}
          </aside>
          {selected ? (
            <Thread key={selected} accountId={accountId} ready={ready} chat={selectedChat} chatId={selected} />
          ) : (
            <div className="thread empty-thread muted">Pick a chat on the left to read and write.</div>
          )}
        </div>
      )}
      <HistoryPanel key={accountId} accountId={accountId} accountName={account?.name} />
      <SliceLogPanel key={`log-${accountId}`} accountId={accountId} accountName={account?.name} />
    </section>
  );
}

function Thread({ accountId, chatId, chat, ready }: { accountId: string; chatId: string; chat: Chat | undefined; ready: boolean }) {
  const messages = useApp((s) => s.chat.threads[threadKey(accountId, chatId)]) ?? EMPTY_THREAD;
  const atStart = useApp((s) => s.chat.threadStart[threadKey(accountId, chatId)] ?? false);
  const { loadThread, loadOlder, send } = useActions();
  const api = useApi();
  // Open is read: the account's unread count drops (chats.markRead), again for each message that comes in while open.
  const newestIncoming = messages.findLast((message) => !message.fromMe)?.id;
  useEffect(() => {
    api.invoke('chats.markRead', { accountId, chatId }).catch(() => undefined); // a count left standing is all a failure costs
  }, [api, accountId, chatId, newestIncoming]);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const cancel = async (queueId: string) => {
    setCancelling(queueId);
    setError(null);
    try {
      await api.invoke('messages.cancel', { accountId, queueId });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setCancelling(null);
    }
  };
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const end = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const loadingOlder = useRef(false);
  /** Distance from the bottom before an older page went in front: kept, so the view does not jump. */
  const fromBottom = useRef<number | null>(null);

  // The history can only be read once WhatsApp is ready; rows queued before stay (see setThread).
  useEffect(() => {
    if (!ready) return;
    setError(null);
    loadThread(accountId, chatId).catch((e: unknown) => setError(messageOf(e)));
  }, [accountId, chatId, ready, loadThread]);

  // A new newest message (sent or received) scrolls to it; an older page read in front does not.
  const newestId = messages.at(-1)?.id;
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [newestId]);

  const oldestId = messages[0]?.id;
  useLayoutEffect(() => {
    const element = list.current;
    if (element && fromBottom.current !== null) element.scrollTop = element.scrollHeight - fromBottom.current;
    fromBottom.current = null;
  }, [oldestId]);

  const onScroll = () => {
    const element = list.current;
    if (!element || !ready || atStart || loadingOlder.current || element.scrollTop > OLDER_AT_PX || messages.length === 0) return;
    loadingOlder.current = true;
    fromBottom.current = element.scrollHeight - element.scrollTop;
    loadOlder(accountId, chatId)
      .catch((e: unknown) => setError(messageOf(e)))
      .finally(() => {
        loadingOlder.current = false;
      });
  };

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!text.trim() || sending) return;
    setSending(true);
    setError(null);
    try {
      await send(accountId, chatId, text);
      setText('');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    }
  };

  return (
    <div className="thread" aria-label={`Conversation with ${chat?.name ?? chatId}`} role="region">
      <h2 className="thread-title">
        <SliceText>{chat?.name ?? chatId}</SliceText>
      </h2>
      <ol className="messages" aria-label="Messages" ref={list} onScroll={onScroll} data-testid="thread-messages">
        {atStart && messages.length > 0 && (
          <li className="muted thread-start" data-testid="thread-start">
            The beginning of this chat
          </li>
        )}
        {messages.map((m) => (
          <li key={m.id} className={`message ${m.fromMe ? 'out' : 'in'}`} data-status={m.status}>
            {m.media && <MediaBubble accountId={accountId} message={{ ...m, media: m.media }} />}
            {(m.body || !m.media) && <SliceText className="body">{m.body}</SliceText>}
            <span className="meta">
              {formatTime(m.timestamp)}
              {m.fromMe && m.status && (
                <span className={`status status-${m.status}`} title={m.error ?? STATUS_MARK[m.status].words}>
                  <span aria-hidden="true" className="status-mark">
                    {STATUS_MARK[m.status].mark}{' '}
                  </span>
                  <span data-testid="message-status" data-status={m.status}>
                    {m.status}
                  </span>
                </span>
              )}
              {m.fromMe && m.status === 'queued' && m.queueId && (
                <button type="button" className="ghost small" disabled={cancelling === m.queueId} onClick={() => void cancel(m.queueId!)} aria-label={`Cancel the queued message “${m.body.slice(0, 40)}”`}>
                  Cancel
                </button>
              )}
            </span>
            {m.status === 'failed' && m.error && <span className="field-error">{m.error}</span>}
          </li>
        ))}
        <div ref={end} />
      </ol>
      {error && (
        <p className="field-error" role="alert">
          <SliceText>{error}</SliceText>
        </p>
      )}
      <form className="send-box" onSubmit={submit}>
        <textarea aria-label="Message" placeholder="Write a message" rows={2} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} maxLength={4096} />
        <button type="submit" className="primary" disabled={sending || !text.trim()}>
          Send
        </button>
      </form>
    </div>
  );
}
