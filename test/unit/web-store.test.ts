/**
 * The renderer store's one subtle rule: a snapshot that was in flight while an
 * event arrived must not overwrite that event (the event is the newer truth).
 */
import { describe, expect, it } from 'vitest';
import type { SlicedeckApi } from '@shared/client';
import type { SliceView } from '@shared/types';
import { createAppStore } from '../../src/renderer/src/state/store';

const view = (accountId: string, phase: SliceView['phase'], stage: SliceView['stage']): SliceView => ({
  accountId,
  phase,
  stage,
  stageStartedAt: 1,
  startedAt: 1,
});

/** An api whose answers the test releases by hand, to order them against events. */
function heldApi(answers: Record<string, unknown>) {
  const pending: (() => void)[] = [];
  const api: SlicedeckApi = {
    invoke: ((name: string) =>
      new Promise((resolve) => {
        pending.push(() => resolve(answers[name] as never));
      })) as SlicedeckApi['invoke'],
    subscribe: () => () => undefined,
  };
  return { api, release: () => pending.splice(0).forEach((go) => go()) };
}

describe('the renderer store', () => {
  it('keeps an event that arrived while a snapshot was in flight', async () => {
    const { api, release } = heldApi({
      'accounts.list': [{ id: 'acc_aaaa', name: 'A', createdAt: 1 }],
      'slices.list': [view('acc_aaaa', 'provisioning', 'starting'), view('acc_bbbb', 'setup', 'idle')],
      'system.status': { docker: 'ok' },
    });
    const store = createAppStore(api);
    const refreshing = store.getState().refresh();
    store.getState().applyEvent({ type: 'slice', data: { ...view('acc_aaaa', 'qr', 'qr') } });
    release();
    await refreshing;
    const { slices, accounts } = store.getState();
    expect(slices['acc_aaaa']!.phase).toBe('qr');
    expect(slices['acc_bbbb']!.phase).toBe('setup');
    expect(accounts.map((a) => a.id)).toEqual(['acc_aaaa']);
  });

  it('turns a failed command into one readable notice, not a pile', () => {
    const { api } = heldApi({});
    const store = createAppStore(api);
    store.getState().notify(new Error('Docker is not answering.'));
    store.getState().notify(new Error('Docker is not answering.'));
    expect(store.getState().notices.map((n) => n.message)).toEqual(['Docker is not answering.']);
  });

  it('drops slice views of removed accounts when the account list changes', () => {
    const { api } = heldApi({});
    const store = createAppStore(api);
    store.getState().applyEvent({ type: 'slice', data: view('acc_gone', 'qr', 'qr') });
    store.getState().applyEvent({ type: 'accounts', data: [] });
    expect(store.getState().slices).toEqual({});
  });

  it('re-reads the chat lists and threads it holds after a reconnect (events of the gap were never seen)', async () => {
    const answers: Record<string, unknown> = {
      'chats.list': [{ id: 'c1@c.us', name: 'Ann', unreadCount: 0, lastMessageAt: 1 }],
      'chats.messages': [{ id: 'm1', chatId: 'c1@c.us', fromMe: false, body: 'before', timestamp: 1 }],
    };
    const api: SlicedeckApi = {
      invoke: (async (name: string) => answers[name]) as SlicedeckApi['invoke'],
      subscribe: () => () => undefined,
    };
    const store = createAppStore(api);
    await store.getState().loadChats('acc_aaaa');
    await store.getState().loadThread('acc_aaaa', 'c1@c.us');
    // While the stream was down the host got a new chat and a new message.
    answers['chats.list'] = [...(answers['chats.list'] as object[]), { id: 'c2@c.us', name: 'Bo', unreadCount: 1, lastMessageAt: 2 }];
    answers['chats.messages'] = [...(answers['chats.messages'] as object[]), { id: 'm2', chatId: 'c1@c.us', fromMe: false, body: 'during the gap', timestamp: 2 }];
    await store.getState().reloadChats();
    const { chat } = store.getState();
    expect(chat.chats['acc_aaaa']!.map((c) => c.id)).toEqual(['c1@c.us', 'c2@c.us']);
    expect(Object.values(chat.threads)[0]!.map((m) => m.body)).toEqual(['before', 'during the gap']);
  });
});
