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
});
