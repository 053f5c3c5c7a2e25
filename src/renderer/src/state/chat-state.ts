/**
 * Chats and threads as pure reducers, so the merge of three sources — snapshots
 * from the slice, the answer to a send, and live events — is testable alone.
 *
 * An outgoing message is first known by its send answer (`queueId` when queued,
 * `messageId` when sent), then perhaps by its echo (`chat.message` with the same
 * id) and by `message.status` (queueId → messageId). All three fold into one row.
 */
import type { AppEvent } from '@shared/contract';
import type { Chat, ChatMessage, SendResult } from '@shared/types';

export interface ThreadMessage extends ChatMessage {
  queueId?: string;
  error?: string | null;
  /** Written from this panel (known from the send answer before any snapshot has it). */
  local?: boolean;
}

export interface ChatState {
  chats: Record<string, Chat[]>;
  threads: Record<string, ThreadMessage[]>;
}

export function emptyChatState(): ChatState {
  return { chats: {}, threads: {} };
}

export function threadKey(accountId: string, chatId: string): string {
  return `${accountId}\u0000${chatId}`;
}

export function setChats(state: ChatState, accountId: string, chats: Chat[]): ChatState {
  return { ...state, chats: { ...state.chats, [accountId]: chats } };
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
  return { ...state, threads: { ...state.threads, [key]: sortByTime([...merged, ...pending]) } };
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
  const existing = thread.find((m) => m.id === id);
  const row: ThreadMessage = {
    ...(existing ?? { id, chatId, fromMe: true, body: text, timestamp: now }),
    local: true,
    status: result.status,
    error: result.error,
    ...(result.queueId ? { queueId: result.queueId } : {}),
  };
  const next = existing ? thread.map((m) => (m.id === id ? row : m)) : [...thread, row];
  return { ...state, threads: { ...state.threads, [key]: next } };
}

export function reduceChatEvent(state: ChatState, event: AppEvent): ChatState {
  if (event.type === 'chat.message') {
    const { accountId, message } = event.data;
    const key = threadKey(accountId, message.chatId);
    const thread = state.threads[key] ?? [];
    const existing = thread.find((m) => m.id === message.id);
    const nextThread = existing
      ? thread.map((m) => (m.id === message.id ? { ...m, ...message, status: message.status ?? m.status } : m))
      : sortByTime([...thread, message]);
    const chats = state.chats[accountId];
    const nextChats = chats?.map((c) =>
      c.id === message.chatId
        ? {
            ...c,
            lastMessage: { body: message.body, timestamp: message.timestamp, fromMe: message.fromMe },
            unreadCount: message.fromMe ? c.unreadCount : c.unreadCount + 1,
          }
        : c,
    );
    return {
      chats: nextChats ? { ...state.chats, [accountId]: nextChats } : state.chats,
      threads: { ...state.threads, [key]: nextThread },
    };
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
