/** The desktop app's notifications (issue 21 part 2) without Electron: which messages notify, and a click opens the chat. */
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '@shared/contract';
import type { NotificationSettings, NotificationText, Viewing } from '@shared/notifications';
import { chatHash, startDesktopNotifier, viewingOf } from '../../src/main/desktop-notifier';

const A = 'acc_alpha1';
const B = 'acc_bravo1';

function harness(settings: NotificationSettings, viewing: Viewing) {
  const listeners: ((event: AppEvent) => void)[] = [];
  const shown: { text: NotificationText; click: () => void }[] = [];
  const opened: string[] = [];
  startDesktopNotifier({
    events: { subscribe: (listener) => (listeners.push(listener), () => undefined) },
    settings: async () => settings,
    accountName: async (id) => ({ [A]: 'Sales', [B]: 'Support' })[id],
    viewing: () => viewing,
    show: (text, click) => shown.push({ text, click }),
    open: (hash) => opened.push(hash),
  });
  const incoming = (accountId: string, fromMe = false) =>
    listeners.forEach((l) => l({ type: 'chat.message', data: { accountId, message: { id: `m${Math.random()}`, chatId: '15550002222@c.us', fromMe, body: 'hello', timestamp: 1 } } }));
  return { shown, opened, incoming };
}

describe('the desktop notifier', () => {
  it('shows one notification for an incoming message of an account whose chat page is not open, and its click opens that chat', async () => {
    const { shown, opened, incoming } = harness({ mode: 'all', accountIds: [] }, { accountId: B });
    incoming(A);
    incoming(B); // its page is open: none
    incoming(A, true); // ours: none
    await expect.poll(() => shown.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shown.map(({ text }) => text.title)).toEqual(['15550002222 — Sales']);
    shown[0]!.click();
    expect(opened).toEqual([chatHash(A, '15550002222@c.us')]);
    expect(opened[0]).toBe(`#/chat/${A}/15550002222%40c.us`);
  });

  it('shows none when the setting is off', async () => {
    const { shown, incoming } = harness({ mode: 'off', accountIds: [A] }, { accountId: null });
    incoming(A);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(shown).toHaveLength(0);
  });

  it('reads what the window shows: a chat page counts only while the window is seen', () => {
    expect(viewingOf(`app://slicedeck/index.html#/chat/${A}`, true)).toEqual({ accountId: A });
    expect(viewingOf(`app://slicedeck/index.html#/chat/${A}/15550002222%40c.us`, true)).toEqual({ accountId: A });
    expect(viewingOf(`app://slicedeck/index.html#/chat/${A}`, false)).toEqual({ accountId: null });
    expect(viewingOf(`app://slicedeck/index.html#/connect/${A}`, true)).toEqual({ accountId: null });
  });
});
