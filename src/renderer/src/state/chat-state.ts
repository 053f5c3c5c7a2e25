/**
 * Chats and threads as pure reducers, so the merge of three sources — snapshots
 * from the slice, the answer to a send, and live events — is testable alone.
 *
 * An outgoing message is first known by its send answer (`queueId` when queued,
 * `messageId` when sent), then perhaps by its echo (`chat.message` with the same
 * id) and by `message.status` (queueId → messageId). All three fold into one row.
 */
import type { AppEvent } from '@shared/contract';
import { CHAT_PREVIEW_MAX_CHARS } from '@shared/paging';
import type { Chat, ChatMessage, SendResult } from '@shared/types';

export interface ThreadMessage extends ChatMessage {
  queueId?: string;
  error?: string | null;
  /** Written from this panel (known from the send answer before any snapshot has it). */
  local?: boolean;
}

export interface ChatState {
  /** The pages of chats read so far, newest activity first (the list is windowed; only visible rows are drawn). */
  chats: Record<string, Chat[]>;
  /** The account's last page came back empty: there are no more chats to read. */
  chatsEnd: Record<string, boolean>;
  threads: Record<string, ThreadMessage[]>;
  /** The thread's oldest page came back empty: nothing older to read. */
  threadStart: Record<string, boolean>;
}

/**
 * What a thread keeps: the newest THREAD_KEEP messages as messages arrive (older ones are
 * read again by paging back when the operator scrolls up), and at most THREAD_SCROLLBACK
 * while paging back, so a busy chat left open for days cannot grow without bound.
 */
export const THREAD_KEEP = 500;
export const THREAD_SCROLLBACK = 2_000;
/** An echo of our own send, or an ack'd row, is among the newest: look that far back for its id. */
const RECENT_WINDOW = 64;

export function emptyChatState(): ChatState {
  return { chats: {}, chatsEnd: {}, threads: {}, threadStart: {} };
}

export function threadKey(accountId: string, chatId: string): string {
  return `${accountId}\u0000${chatId}`;
}

/** The first page of chats: the list starts again from it. */
export function setChats(state: ChatState, accountId: string, chats: Chat[]): ChatState {
  return { ...state, chats: { ...state.chats, [accountId]: chats }, chatsEnd: { ...state.chatsEnd, [accountId]: chats.length === 0 } };
}

/** The next page (read with the last row's cursor); a chat already listed (it moved up since) is kept once. */
export function appendChats(state: ChatState, accountId: string, page: Chat[]): ChatState {
  const current = state.chats[accountId] ?? [];
  const known = new Set(current.map((c) => c.id));
  const fresh = page.filter((c) => !known.has(c.id));
  return { ...state, chats: { ...state.chats, [accountId]: [...current, ...fresh] }, chatsEnd: { ...state.chatsEnd, [accountId]: page.length === 0 } };
}

/** Where the next page of chats starts: the cursor of the last row that has one. */
export function nextChatsCursor(chats: readonly Chat[]): string | undefined {
  for (let i = chats.length - 1; i >= 0; i--) if (chats[i]!.cursor) return chats[i]!.cursor;
  return undefined;
}

/**
 * A snapshot replaces the thread, but keeps our own rows it does not know yet: queued,
 * failed, or sent after the snapshot was taken (it may have been read before the flush).
 */
export function setThread(state: ChatState, accountId: string, chatId: string, messages: ChatMessage[]): ChatState {
  const key = threadKey(accountId, chatId);
  const known = new Set(messages.map((m) => m.id));
  // The host tells which of its messages are which (queueId): a row we wrote is known by either id.
  const knownQueued = new Set(messages.flatMap((m) => (m.queueId ? [m.queueId] : [])));
  const pending = (state.threads[key] ?? []).filter((m) => m.local && !known.has(m.id) && !(m.queueId && knownQueued.has(m.queueId)));
  const previous = new Map((state.threads[key] ?? []).map((m) => [m.id, m]));
  const merged = messages.map((m) => {
    const mine = previous.get(m.id);
    return mine ? { ...mine, ...m, status: m.status ?? mine.status } : m;
  });
  const thread = sortByTime([...merged, ...pending]);
  return { ...state, threads: { ...state.threads, [key]: keepNewest(thread, THREAD_KEEP) }, threadStart: { ...state.threadStart, [key]: messages.length === 0 } };
}

/**
 * An older page (read with `before` = the oldest row we hold) goes in front. Rows we
 * already hold are kept once; past THREAD_SCROLLBACK the thread stops growing backwards.
 */
export function prependOlder(state: ChatState, accountId: string, chatId: string, older: ChatMessage[]): ChatState {
  const key = threadKey(accountId, chatId);
  const thread = state.threads[key] ?? [];
  const held = new Set(thread.slice(0, older.length + RECENT_WINDOW).map((m) => m.id));
  const fresh = older.filter((m) => !held.has(m.id));
  const room = Math.max(0, THREAD_SCROLLBACK - thread.length);
  const added = fresh.slice(Math.max(0, fresh.length - room));
  const start = older.length === 0 || added.length < fresh.length;
  return { ...state, threads: { ...state.threads, [key]: [...added, ...thread] }, threadStart: { ...state.threadStart, [key]: start } };
}

/** The id to page back from: the oldest row WhatsApp knows (not one only our queue holds). */
export function oldestMessageId(thread: readonly ThreadMessage[]): string | undefined {
  return thread.find((m) => !m.id.startsWith('queued:'))?.id;
}

export function applySendResult(
  state: ChatState,
  accountId: string,
  chatId: string,
  text: string,
  result: SendResult,
  now: number,
): ChatState {
  const key = threadKey(accountId, chatId);
  const thread = state.threads[key] ?? [];
  const id = result.messageId ?? `queued:${result.queueId ?? now}`;
  const at = indexOfRecent(thread, id);
  const existing = at >= 0 ? thread[at] : undefined;
  const row: ThreadMessage = {
    ...(existing ?? { id, chatId, fromMe: true, body: text, timestamp: now }),
    local: true,
    status: result.status,
    error: result.error,
    ...(result.queueId ? { queueId: result.queueId } : {}),
  };
  const next = existing ? replaceAt(thread, at, row) : keepNewest([...thread, row], THREAD_KEEP);
  return { ...state, threads: { ...state.threads, [key]: next } };
}

export function reduceChatEvent(state: ChatState, event: AppEvent): ChatState {
  if (event.type === 'chat.message') {
    const { accountId, message } = event.data;
    const key = threadKey(accountId, message.chatId);
    const thread = state.threads[key] ?? [];
    const at = indexOfRecent(thread, message.id);
    const nextThread = at >= 0 ? replaceAt(thread, at, { ...thread[at]!, ...message, status: message.status ?? thread[at]!.status }) : keepNewest(insertByTime(thread, message), THREAD_KEEP);
    const chats = state.chats[accountId];
    return { ...state, chats: chats ? { ...state.chats, [accountId]: moveToTop(chats, message) } : state.chats, threads: { ...state.threads, [key]: nextThread } };
  }
  if (event.type === 'message.status') {
    const { accountId, chatId, queueId, messageId, status, error } = event.data;
    const key = threadKey(accountId, chatId);
    const thread = state.threads[key];
    if (!thread) return state;
    // By the host's queue id, or (a snapshot taken before it was sent) by WhatsApp's id.
    const queued = thread.find((m) => m.queueId === queueId) ?? (messageId ? thread.find((m) => m.id === messageId) : undefined);
    if (!queued) return state;
    const id = messageId ?? queued.id;
    // The echo of the sent message may already be in the thread: fold it into our row.
    const echo = thread.find((m) => m.id === id && m !== queued);
    const row: ThreadMessage = { ...queued, ...(echo ?? {}), id, queueId, status, error };
    const next = thread.filter((m) => m !== echo).map((m) => (m === queued ? row : m));
    return { ...state, threads: { ...state.threads, [key]: next } };
  }
  return state;
}

function sortByTime<T extends { timestamp: number }>(messages: T[]): T[] {
  return [...messages].sort((a, b) => a.timestamp - b.timestamp);
}

/** The newest `keep` rows. */
function keepNewest<T>(rows: T[], keep: number): T[] {
  return rows.length > keep ? rows.slice(rows.length - keep) : rows;
}

function replaceAt<T>(rows: readonly T[], index: number, row: T): T[] {
  const next = rows.slice();
  next[index] = row;
  return next;
}

/** Where `id` is among the newest rows (echoes and acks concern those), or -1. */
function indexOfRecent(thread: readonly { id: string }[], id: string): number {
  for (let i = thread.length - 1; i >= Math.max(0, thread.length - RECENT_WINDOW); i--) if (thread[i]!.id === id) return i;
  return -1;
}

/** Inserts in time order by binary search (after rows of the same time): no sort per event. */
export function insertByTime<T extends { timestamp: number }>(rows: readonly T[], row: T): T[] {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (rows[mid]!.timestamp <= row.timestamp) low = mid + 1;
    else high = mid;
  }
  return [...rows.slice(0, low), row, ...rows.slice(low)];
}

/**
 * A message makes its chat the newest: it moves to the top with the new preview (and one
 * more unread when it came in). A chat not read yet (deep in a big account) is put there
 * by its number until the list is read again.
 */
function moveToTop(chats: readonly Chat[], message: ChatMessage): Chat[] {
  const index = chats.findIndex((c) => c.id === message.chatId);
  const previous: Chat = index >= 0 ? chats[index]! : { id: message.chatId, name: message.chatId.split('@')[0]!, isGroup: message.chatId.endsWith('@g.us'), unreadCount: 0 };
  const { cursor: _stale, ...rest } = previous;
  void _stale;
  const updated: Chat = {
    ...rest,
    lastMessage: { body: message.body.slice(0, CHAT_PREVIEW_MAX_CHARS), timestamp: message.timestamp, fromMe: message.fromMe },
    unreadCount: message.fromMe ? previous.unreadCount : previous.unreadCount + 1,
  };
  return [updated, ...chats.slice(0, Math.max(0, index)), ...(index >= 0 ? chats.slice(index + 1) : chats)];
}
