/**
 * Desktop notifications in the web mode (issue 21 part 2): the browser's Notification API,
 * once the operator allowed it (the Notifications panel asks). Whether to notify and with
 * what words is the shared pure decision (@shared/notifications), as in the desktop app,
 * where the main process shows them instead. Clicking one focuses the panel on that chat.
 */
import type { SlicedeckApi } from '@shared/client';
import { notificationFor, type NotificationSettings, type Viewing } from '@shared/notifications';
import { hrefOf, parseRoute } from './routes';
import type { AppStore } from './state/store';

/** What the browser offers: absent in a browser without notifications (then nothing is shown). */
export function browserNotifications(win: Window = window): typeof Notification | null {
  const api = (win as unknown as { Notification?: typeof Notification }).Notification;
  return typeof api === 'function' ? api : null;
}

/** The chat page the operator is looking at: its route, in a tab that is visible. */
export function viewingNow(win: Window = window): Viewing {
  const route = parseRoute(win.location.hash);
  const seen = win.document.visibilityState === 'visible';
  return { accountId: seen && route.page === 'chat' ? route.accountId : null };
}

export function startWebNotifications(api: SlicedeckApi, store: AppStore, win: Window = window): () => void {
  return api.subscribe((event) => {
    if (event.type !== 'chat.message') return;
    const Notify = browserNotifications(win);
    if (!Notify || Notify.permission !== 'granted') return;
    const state = store.getState();
    const settings: NotificationSettings = state.notifications;
    const { accountId, message } = event.data;
    const accountName = state.accounts.find((account) => account.id === accountId)?.name ?? accountId;
    const chatName = state.chat.chats[accountId]?.find((chat) => chat.id === message.chatId)?.name;
    const shown = notificationFor(settings, viewingNow(win), { accountId, accountName, message, ...(chatName ? { chatName } : {}) });
    if (!shown) return;
    const notification = new Notify(shown.title, { body: shown.body, tag: shown.tag });
    notification.onclick = () => {
      win.focus();
      win.location.hash = hrefOf({ page: 'chat', accountId: shown.accountId, chatId: shown.chatId });
      notification.close();
    };
  });
}

