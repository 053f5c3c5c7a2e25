/** Chat: the account's chats with search, one thread, a send box; outgoing rows show their state as ticks (queued 🕓, sent ✓, delivered ✓✓, read ✓✓ blue, failed) and a queued one can be cancelled. */
import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Chat, OutgoingStatus } from '@shared/types';
import { HistoryPanel } from '../components/HistoryPanel';
import { MediaBubble } from '../components/MediaBubble';
import { PhaseBadge } from '../components/PhaseBadge';
import { SimFaults } from '../components/SimFaults';
import { SliceNote } from '../components/SliceNote';
import { formatTime } from '../format';
import { hrefOf } from '../router';
import { threadKey, type ThreadMessage } from '../state/chat-state';
import { useActions, useApi, useApp } from '../state/context';
import { messageOf } from '../state/store';

const EMPTY_CHATS: Chat[] = [];
const EMPTY_THREAD: ThreadMessage[] = [];

/** WhatsApp's ticks, with words for screen readers and tooltips. */
const STATUS_MARK: Record<OutgoingStatus, { mark: string; words: string }> = {
  queued: { mark: '🕓', words: 'Queued: waiting for WhatsApp' },
  sent: { mark: '✓', words: 'Sent' },
  delivered: { mark: '✓✓', words: 'Delivered to the phone' },
  read: { mark: '✓✓', words: 'Read' },
  failed: { mark: '!', words: 'Not sent' },
  cancelled: { mark: '✕', words: 'Cancelled' },
};

export function ChatPage({ accountId }: { accountId: string }) {
  const account = useApp((s) => s.accounts.find((a) => a.id === accountId));
  const view = useApp((s) => s.slices[accountId]);
  const simulation = useApp((s) => s.system?.simulation ?? false);
  const chats = useApp((s) => s.chat.chats[accountId]);
  const { refreshSlice, loadChats, notify } = useActions();
  const api = useApi();
  const [disconnecting, setDisconnecting] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
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

  const needle = query.trim().toLowerCase();
  const shown = useMemo(() => (chats ?? EMPTY_CHATS).filter((c) => !needle || c.name.toLowerCase().includes(needle)), [chats, needle]);

  return (
    <section className="page chat-page" aria-labelledby="chat-title">
      <header className="page-header row spread">
        <div>
          <a className="back" href={hrefOf({ page: 'accounts' })}>
            ← Accounts
          </a>
          <h1 id="chat-title">Chats of {account?.name ?? 'account'}</h1>
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
                {loadError}
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
            <ul>
              {shown.map((chat) => (
                <li key={chat.id}>
                  <button
                    type="button"
                    className={`chat-item ${chat.id === selected ? 'selected' : ''}`}
                    aria-current={chat.id === selected ? 'true' : undefined}
                    onClick={() => setSelected(chat.id)}
                  >
                    <span className="chat-name">{chat.name}</span>
                    {chat.isGroup && <span className="chat-kind muted" data-testid="chat-kind-group">Group</span>}
                    {chat.unreadCount > 0 && chat.id !== selected && <span className="unread" aria-label={`${chat.unreadCount} unread`}>{chat.unreadCount}</span>}
                    {chat.lastMessage && <span className="chat-preview muted">{chat.lastMessage.body}</span>}
                  </button>
                </li>
              ))}
            </ul>
            {chats && shown.length === 0 && <p className="muted">{needle ? `No chat matches “${query}”.` : 'No chats yet.'}</p>}
          </aside>
          {selected ? (
            <Thread accountId={accountId} ready={ready} chat={(chats ?? EMPTY_CHATS).find((c) => c.id === selected)} chatId={selected} />
          ) : (
            <div className="thread empty-thread muted">Pick a chat on the left to read and write.</div>
          )}
        </div>
      )}
      <HistoryPanel key={accountId} accountId={accountId} accountName={account?.name} />
    </section>
  );
}

function Thread({ accountId, chatId, chat, ready }: { accountId: string; chatId: string; chat: Chat | undefined; ready: boolean }) {
  const messages = useApp((s) => s.chat.threads[threadKey(accountId, chatId)]) ?? EMPTY_THREAD;
  const { loadThread, send } = useActions();
  const api = useApi();
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

  // The history can only be read once WhatsApp is ready; rows queued before stay (see setThread).
  useEffect(() => {
    if (!ready) return;
    setError(null);
    loadThread(accountId, chatId).catch((e: unknown) => setError(messageOf(e)));
  }, [accountId, chatId, ready, loadThread]);

  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

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
      <h2 className="thread-title">{chat?.name ?? chatId}</h2>
      <ol className="messages" aria-label="Messages">
        {messages.map((m) => (
          <li key={m.id} className={`message ${m.fromMe ? 'out' : 'in'}`} data-status={m.status}>
            {m.media && <MediaBubble accountId={accountId} message={{ ...m, media: m.media }} />}
            {(m.body || !m.media) && <span className="body">{m.body}</span>}
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
          {error}
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
