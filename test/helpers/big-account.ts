/**
 * What a big account must do through the real core, whichever WhatsApp is behind the
 * slice (the simulated client, or the real library against the stand-in): the first page
 * of chats, the next one by cursor with no overlap and no gap, a search deep in the list,
 * a send to the chat found, and a slice that was never restarted nor refused.
 */
import { expect } from 'vitest';
import type { Chat } from '@shared/types';
import type { TestCore } from './core';
import { containersOfHome, docker } from './docker';

export interface BigAccountExpectations {
  /** The ids of the first chats, newest first (at least two pages' worth). */
  newestIds: string[];
  /** The chat to find by a name search, and to send to. */
  target: { id: string; name: string };
}

export interface BigAccountFigures {
  firstPageMs: number;
  nextPageMs: number;
  searchMs: number;
}

export async function exerciseBigAccount(t: TestCore, accountId: string, expected: BigAccountExpectations, limit = 50): Promise<BigAccountFigures & { sentMessageId: string }> {
  let started = Date.now();
  const first = await t.call('chats.list', { accountId, limit });
  const firstPageMs = Date.now() - started;
  expect(first).toHaveLength(limit);
  started = Date.now();
  const next = await t.call('chats.list', { accountId, limit, cursor: first.at(-1)!.cursor! });
  const nextPageMs = Date.now() - started;
  expect(next).toHaveLength(limit);
  // No overlap, no gap: the two pages are exactly the newest 2×limit chats, in order.
  expect([...first, ...next].map((chat: Chat) => chat.id)).toEqual(expected.newestIds.slice(0, 2 * limit));

  started = Date.now();
  const found = await t.call('chats.list', { accountId, query: expected.target.name });
  const searchMs = Date.now() - started;
  expect(found.map((chat) => [chat.id, chat.name])).toEqual([[expected.target.id, expected.target.name]]);

  const sent = await t.call('messages.send', { accountId, chatId: expected.target.id, text: `Your order is on its way (${Date.now()})` });
  expect(sent).toMatchObject({ status: 'sent', instanceState: 'ready' });
  return { firstPageMs, nextPageMs, searchMs, sentMessageId: sent.messageId! };
}

/** The slice of this account was never restarted and never refused for breaking the protocol. */
export async function expectNeverRestarted(t: TestCore, accountId: string): Promise<void> {
  const view = await t.call('slices.view', { accountId });
  const history = await t.call('slices.history', { accountId });
  expect(history.filter((row) => ['restart', 'slice.protocol', 'slice.dead'].includes(row.type)).map((row) => `${row.type}: ${row.message ?? ''}`)).toEqual([]);
  expect(view.phase).toBe('ready');
  expect(view.restarts ?? 0).toBe(0);
}

/** The account's running slice's memory (usage − cache), MiB; null when there is none. */
export async function sliceMemoryMiB(homeId: string, accountId: string): Promise<number | null> {
  const [container] = await containersOfHome(homeId, { accountId, all: false });
  if (!container) return null;
  const stats = (await docker.getContainer(container.Id).stats({ stream: false })) as { memory_stats?: { usage?: number; stats?: { cache?: number } } };
  const usage = stats.memory_stats?.usage;
  return usage === undefined ? null : Math.round((usage - (stats.memory_stats?.stats?.cache ?? 0)) / 1024 / 1024);
}
