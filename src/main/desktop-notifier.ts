/**
 * The desktop app's notifications of incoming messages (issue 21 part 2), without
 * importing Electron: the shell passes in how to show one (Electron's `Notification` in
 * the main process), what the window shows, the setting and the account names. Whether to
 * notify and with what words is the shared pure decision (@shared/notifications), the same
 * the web panel uses; clicking a notification opens that chat.
 */
import type { AppEvent, AppEventSource } from '@shared/contract';
import { notificationFor, type NotificationSettings, type NotificationText, type Viewing } from '@shared/notifications';

export interface DesktopNotifierOptions {
  events: AppEventSource;
  settings: () => Promise<NotificationSettings>;
  accountName: (accountId: string) => Promise<string | undefined>;
  /** What the window shows now (viewingOf). */
  viewing: () => Viewing;
  /** Shows one; `onClick` when the operator clicks it. */
  show: (text: NotificationText, onClick: () => void) => void;
  /** Opens the panel on a chat (a hash route of the window). */
  open: (hash: string) => void;
  onError?: (error: unknown) => void;
}

/** The chat page of an account with one chat open (src/renderer/src/routes.ts reads it). */
export function chatHash(accountId: string, chatId: string): string {
  return `#/chat/${encodeURIComponent(accountId)}/${encodeURIComponent(chatId)}`;
}

/** The account whose chat page a window shows, if the operator can see it (shown and focused). */
export function viewingOf(url: string, seen: boolean): Viewing {
  const match = /#\/chat\/([^/?#]+)/.exec(url);
  if (!seen || !match) return { accountId: null };
  try {
    return { accountId: decodeURIComponent(match[1]!) };
  } catch {
    return { accountId: null };
  }
}

/** Subscribes to incoming messages; returns the unsubscribe. */
export function startDesktopNotifier(options: DesktopNotifierOptions): () => void {
  const onEvent = async (event: Extract<AppEvent, { type: 'chat.message' }>) => {
    const { accountId, message } = event.data;
    if (message.fromMe) return; // before any read: most messages on a busy account are ours
    const [settings, accountName] = await Promise.all([options.settings(), options.accountName(accountId)]);
    const text = notificationFor(settings, options.viewing(), { accountId, accountName: accountName ?? accountId, message });
    if (text) options.show(text, () => options.open(chatHash(text.accountId, text.chatId)));
  };
  return options.events.subscribe((event) => {
    if (event.type === 'chat.message') onEvent(event).catch((error: unknown) => options.onError?.(error));
  });
}
