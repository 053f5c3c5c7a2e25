/**
 * Desktop notifications for incoming messages (issue 21 part 2): the operator's setting
 * and the one pure decision both shells use — the Electron main process (Notification)
 * and the web panel (the browser's Notification API) — unit-tested under Node.
 */
import type { ChatMessage, MediaKind } from './types';
import { cleanSliceWords, isolateInPlainText } from './text-safety';

/** `off`: none; `accounts`: only for the accounts named; `all`: every account. */
export const NOTIFY_MODES = ['off', 'accounts', 'all'] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];

export interface NotificationSettings {
  mode: NotifyMode;
  /** The accounts notified in `accounts` mode (kept while another mode is chosen). */
  accountIds: string[];
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = { mode: 'off', accountIds: [] };

/** A notification's body is a preview, not the message: at most this many bytes of UTF-8. */
export const NOTIFICATION_BODY_MAX_BYTES = 160;
/** Its title names the account and the chat: at most this many bytes each. */
export const NOTIFICATION_NAME_MAX_BYTES = 64;

/** What the panel shows on screen now: the chat page of this account is open (and seen), or not. */
export interface Viewing {
  /** The account whose chat page is open in a window the operator can see; null: none. */
  accountId: string | null;
}

export interface IncomingFor {
  accountId: string;
  accountName: string;
  message: ChatMessage;
  /** The chat's name if the panel knows it (else its number is shown). */
  chatName?: string;
}

export interface NotificationText {
  title: string;
  body: string;
  /** One notification per chat is replaced by the next, not stacked (the Notification `tag`). */
  tag: string;
  /** Clicking it opens this chat. */
  accountId: string;
  chatId: string;
}

const MEDIA_WORDS: Record<MediaKind, string> = {
  image: 'Photo',
  video: 'Video',
  audio: 'Audio',
  voice: 'Voice message',
  sticker: 'Sticker',
  document: 'Document',
  location: 'Location',
};

/**
 * Notify or not, and with what words: only an incoming message, of an account the setting
 * covers, whose chat page is not what the operator is looking at. Everything shown is the
 * slice's text (a contact's name, a message), so it is cleaned of control and bidi
 * characters and cut to a preview (text-safety.ts).
 */
export function notificationFor(settings: NotificationSettings, viewing: Viewing, incoming: IncomingFor): NotificationText | null {
  const { accountId, message } = incoming;
  if (message.fromMe) return null;
  if (settings.mode === 'off') return null;
  if (settings.mode === 'accounts' && !settings.accountIds.includes(accountId)) return null;
  if (viewing.accountId === accountId) return null;
  const chat = bounded(incoming.chatName || message.chatId.split('@')[0]!, NOTIFICATION_NAME_MAX_BYTES) || 'a chat';
  const account = bounded(incoming.accountName, NOTIFICATION_NAME_MAX_BYTES) || 'an account';
  const text = bounded(message.body, NOTIFICATION_BODY_MAX_BYTES);
  const media = message.media ? MEDIA_WORDS[message.media.kind] : null;
  const body = media ? (text ? `${media}: ${text}` : media) : text || 'New message';
  return { title: `${isolateInPlainText(chat)} — ${isolateInPlainText(account)}`, body, tag: `${accountId}/${message.chatId}`, accountId, chatId: message.chatId };
}

function bounded(text: string, maxBytes: number): string {
  return cleanSliceWords(text.replace(/\s+/g, ' '), maxBytes).trim();
}
