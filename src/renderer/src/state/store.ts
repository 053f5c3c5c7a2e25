/**
 * The renderer's one store, fed by the host's events. It holds projections only:
 * slice views come from the host as they are (never inferred from timers).
 *
 * Snapshots (list/view calls) race with events: an event that arrives while a
 * snapshot is in flight is newer than, or reflected in a later event than, that
 * snapshot — so for that account the event wins and the snapshot is ignored.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SlicedeckApi } from '@shared/client';
import type { AppEvent } from '@shared/contract';
import type { Account, SliceStats, SliceView, SystemStatus } from '@shared/types';
import { CHATS_PAGE_DEFAULT, MESSAGES_PAGE_DEFAULT } from '@shared/paging';
import { appendChats, applySendResult, emptyChatState, nextChatsCursor, oldestMessageId, prependOlder, reduceChatEvent, setChats, setThread, threadKey, type ChatState } from './chat-state';
import type { SendResult } from '@shared/types';
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from '@shared/notifications';

export type StreamState = 'connecting' | 'open' | 'lost';

export interface Notice {
  id: number;
  message: string;
}

export interface AppState {
  accounts: Account[];
  accountsLoaded: boolean;
  slices: Record<string, SliceView>;
  system: SystemStatus | null;
  stream: StreamState;
  /** Command failures shown as readable messages until dismissed. */
  notices: Notice[];
  chat: ChatState;
  /** Docker stats per account, while the Dashboard asks (null until the first answer). */
  stats: Record<string, SliceStats> | null;
  /** Which accounts notify of incoming messages (the host's, notifications.get). */
  notifications: NotificationSettings;
}

export interface AppActions {
  applyEvent(event: AppEvent): void;
  /** Re-reads accounts, slices and system status (start, and after every reconnect). */
  refresh(): Promise<void>;
  /** The host's current view of one account (e.g. when its page opens). */
  refreshSlice(accountId: string): Promise<void>;
  /** Asks for stats (which also keeps the host sampling for a while). */
  loadStats(): Promise<void>;
  /** Re-reads Docker/image status (while a banner is up, to notice the fix). */
  refreshSystem(): Promise<void>;
  /** Asks the host to build the slice image; resolves when the build is over (throws the refusal). */
  buildImage(): Promise<void>;
  setStream(state: StreamState): void;
  /** The first page of chats (the list starts again from it). */
  loadChats(accountId: string): Promise<void>;
  /** The next page of chats, after the last one read; false when there were no more. */
  loadMoreChats(accountId: string): Promise<boolean>;
  /** The newest page of a chat's messages. */
  loadThread(accountId: string, chatId: string): Promise<void>;
  /** The page before the oldest message held; false when there was nothing older. */
  loadOlder(accountId: string, chatId: string): Promise<boolean>;
  /**
   * Re-reads every chat list and thread the panel holds. After a reconnect of the event
   * stream (the host drops a reader that falls behind), events sent meanwhile were never
   * seen: what is shown must come from the host again, not from before the gap.
   */
  reloadChats(): Promise<void>;
  /** Sends and records the slice's answer (queued / sent / failed) on the new row. */
  send(accountId: string, chatId: string, text: string): Promise<SendResult>;
  /** Stores the notification setting in the host and shows what it kept. */
  setNotifications(settings: NotificationSettings): Promise<void>;
  notify(error: unknown): void;
  dismiss(id: number): void;
}

export type AppStore = StoreApi<AppState & AppActions>;

export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

export function createAppStore(api: SlicedeckApi): AppStore {
  // Per-key counters of events seen; a snapshot only lands where none arrived meanwhile.
  const sliceEvents = new Map<string, number>();
  let accountEvents = 0;
  let systemEvents = 0;
  let noticeId = 0;

  return createStore<AppState & AppActions>()((set, get) => ({
    accounts: [],
    accountsLoaded: false,
    slices: {},
    system: null,
    stream: 'connecting',
    notices: [],
    chat: emptyChatState(),
    stats: null,
    notifications: DEFAULT_NOTIFICATION_SETTINGS,

    applyEvent(event) {
      switch (event.type) {
        case 'slice':
          sliceEvents.set(event.data.accountId, (sliceEvents.get(event.data.accountId) ?? 0) + 1);
          set((s) => ({ slices: { ...s.slices, [event.data.accountId]: event.data } }));
          return;
        case 'accounts': {
          accountEvents++;
          const ids = new Set(event.data.map((a) => a.id));
          set((s) => ({
            accounts: event.data,
            accountsLoaded: true,
            slices: Object.fromEntries(Object.entries(s.slices).filter(([id]) => ids.has(id))),
          }));
          return;
        }
        case 'system':
          systemEvents++;
          set({ system: event.data });
          return;
        case 'stats':
          set({ stats: byAccount(event.data) });
          return;
        case 'chat.message':
        case 'message.status':
          set((s) => ({ chat: reduceChatEvent(s.chat, event) }));
          return;
      }
    },

    async refresh() {
      const seenAccounts = accountEvents;
      const seenSystem = systemEvents;
      const seenSlices = new Map(sliceEvents);
      const [accounts, slices, system, notifications] = await Promise.allSettled([
        api.invoke('accounts.list'),
        api.invoke('slices.list'),
        api.invoke('system.status'),
        api.invoke('notifications.get'),
      ]);
      if (notifications.status === 'fulfilled') set({ notifications: notifications.value });
      if (accounts.status === 'fulfilled' && accountEvents === seenAccounts) set({ accounts: accounts.value, accountsLoaded: true });
      if (slices.status === 'fulfilled') {
        set((s) => {
          const next = { ...s.slices };
          for (const view of slices.value) {
            if ((sliceEvents.get(view.accountId) ?? 0) === (seenSlices.get(view.accountId) ?? 0)) next[view.accountId] = view;
          }
          return { slices: next };
        });
      }
      if (system.status === 'fulfilled' && systemEvents === seenSystem) set({ system: system.value });
      const failed = [accounts, slices, system, notifications].find((r) => r.status === 'rejected');
      if (failed && failed.status === 'rejected') get().notify(failed.reason);
    },

    async refreshSlice(accountId) {
      const seen = sliceEvents.get(accountId) ?? 0;
      try {
        const view = await api.invoke('slices.view', { accountId });
        if ((sliceEvents.get(accountId) ?? 0) === seen) set((s) => ({ slices: { ...s.slices, [accountId]: view } }));
      } catch (error) {
        get().notify(error);
      }
    },

    async loadChats(accountId) {
      const chats = await api.invoke('chats.list', { accountId, limit: CHATS_PAGE_DEFAULT });
      set((s) => ({ chat: setChats(s.chat, accountId, chats) }));
    },

    async loadMoreChats(accountId) {
      const { chat } = get();
      const cursor = nextChatsCursor(chat.chats[accountId] ?? []);
      if (chat.chatsEnd[accountId] || !cursor) return false;
      const page = await api.invoke('chats.list', { accountId, cursor, limit: CHATS_PAGE_DEFAULT });
      set((s) => ({ chat: appendChats(s.chat, accountId, page) }));
      return page.length > 0;
    },

    async loadThread(accountId, chatId) {
      const messages = await api.invoke('chats.messages', { accountId, chatId, limit: MESSAGES_PAGE_DEFAULT });
      set((s) => ({ chat: setThread(s.chat, accountId, chatId, messages) }));
    },

    async loadOlder(accountId, chatId) {
      const { chat } = get();
      const key = threadKey(accountId, chatId);
      const before = oldestMessageId(chat.threads[key] ?? []);
      if (chat.threadStart[key] || !before) return false;
      const older = await api.invoke('chats.messages', { accountId, chatId, before, limit: MESSAGES_PAGE_DEFAULT });
      set((s) => ({ chat: prependOlder(s.chat, accountId, chatId, older) }));
      return older.length > 0;
    },

    async reloadChats() {
      const { chats, threads } = get().chat;
      const lists = Object.keys(chats).map((accountId) => get().loadChats(accountId));
      const open = Object.keys(threads).map((key) => {
        const [accountId, chatId] = key.split('\u0000');
        return get().loadThread(accountId!, chatId!);
      });
      // A chat that can no longer be read (slice gone) keeps its last rows; the page says why.
      await Promise.allSettled([...lists, ...open]);
    },

    async send(accountId, chatId, text) {
      const result = await api.invoke('messages.send', { accountId, chatId, text });
      set((s) => ({ chat: applySendResult(s.chat, accountId, chatId, text, result, Date.now()) }));
      return result;
    },

    async loadStats() {
      const stats = await api.invoke('slices.stats');
      set({ stats: byAccount(stats) });
    },

    async refreshSystem() {
      const seen = systemEvents;
      try {
        const system = await api.invoke('system.status');
        if (systemEvents === seen) set({ system });
      } catch {
        // The banner already says what is wrong; a failed re-check adds nothing.
      }
    },

    async buildImage() {
      const seen = systemEvents;
      const system = await api.invoke('system.buildImage');
      // Events already carried the outcome (and perhaps something newer): the answer only fills a gap.
      if (systemEvents === seen) set({ system });
    },

    async setNotifications(settings) {
      set({ notifications: await api.invoke('notifications.set', settings) });
    },

    setStream(stream) {
      set({ stream });
    },

    notify(error) {
      const message = messageOf(error);
      // The same failure twice in a row is one notice, not a pile.
      if (get().notices.at(-1)?.message === message) return;
      set((s) => ({ notices: [...s.notices.slice(-3), { id: ++noticeId, message }] }));
    },

    dismiss(id) {
      set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
    },
  }));
}

function byAccount(stats: SliceStats[]): Record<string, SliceStats> {
  return Object.fromEntries(stats.map((entry) => [entry.accountId, entry]));
}
