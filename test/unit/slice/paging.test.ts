/**
 * Paging by design: chats in pages by last activity with a cursor, a search over every
 * chat, messages in pages back in time — through a real slice (HTTP, the one driver, the
 * simulated client's page running the same in-page functions as Chromium would), plus
 * the pieces alone: the cursor, the in-page order with ties, the byte budget.
 */
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat, ChatMessage } from '@shared/types';
import { CHATS_PAGE_MAX, CHAT_PREVIEW_MAX_CHARS, PAGE_BUDGET_BYTES, compareChatOrder, decodeChatCursor, encodeChatCursor } from '@shared/paging';
import { SLICE_MAX_MESSAGE_BYTES } from '@shared/slice-protocol';
import { simulatedChatId, simulatedChatName } from '../../../src/slice/drivers/simulated';
import { chatsPageInPage, type ChatsPageArgs, type PageChatRow } from '../../../src/slice/drivers/page-queries';
import { fitPage } from '../../../src/slice/page-budget';
import { startSlice, type RunningSlice } from './harness';

let slice: RunningSlice | null = null;
afterEach(async () => {
  await slice?.close();
  slice = null;
});

async function linkedSlice(env: Record<string, string>): Promise<RunningSlice> {
  const running = await startSlice(env);
  const events = await running.events();
  await running.request('POST', '/api/status/initialize', { body: {} });
  await events.waitFor('qr');
  await running.request('POST', '/api/sim/scan', { body: {} });
  await events.waitFor('ready');
  return running;
}

/** Every page of the list, following each page's last cursor; the raw size of each answer too. */
async function walkChats(running: RunningSlice, limit: number, query?: string): Promise<{ pages: Chat[][]; bytes: number[] }> {
  const pages: Chat[][] = [];
  const bytes: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1_000; i++) {
    const params = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}), ...(query ? { query } : {}) });
    const answer = await running.request<Chat[]>('GET', `/api/chats?${params}`);
    expect(answer.status).toBe(200);
    bytes.push(Buffer.byteLength(JSON.stringify(answer.body)));
    if (answer.body.length === 0) return { pages, bytes };
    pages.push(answer.body);
    cursor = answer.body.at(-1)!.cursor;
    expect(cursor).toBeTruthy();
  }
  throw new Error('the list never ended');
}

describe('the chats cursor', () => {
  it('round-trips, refuses what it did not hand out, and orders newest first then by id', () => {
    const cursor = encodeChatCursor({ t: 1_765_000_000, id: '15550001234@c.us' });
    expect(decodeChatCursor(cursor)).toEqual({ t: 1_765_000_000, id: '15550001234@c.us' });
    for (const bad of ['', 'c1.', 'c1.12', 'c2.12.a@c.us', 'c1.x.a@c.us', 'c1.12.a b@c.us', `c1.1.${'a'.repeat(200)}`]) expect(decodeChatCursor(bad), bad).toBeNull();
    const rows = [
      { t: 5, id: 'a' },
      { t: 9, id: 'b' },
      { t: 5, id: 'c' },
    ];
    expect([...rows].sort(compareChatOrder).map((row) => row.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('the in-page chats query', () => {
  /** Runs the function as the page would: its source text in another context, JSON in and out. */
  function runInPage(models: unknown[], args: ChatsPageArgs): PageChatRow[] {
    const window = { require: (name: string) => (name === 'WAWebCollections' ? { Chat: { getModelsArray: () => models }, Msg: { get: () => undefined } } : {}) };
    const fn = vm.runInNewContext(`(${chatsPageInPage.toString()})`, { window }) as (a: ChatsPageArgs) => PageChatRow[];
    return JSON.parse(JSON.stringify(fn(JSON.parse(JSON.stringify(args)) as ChatsPageArgs))) as PageChatRow[];
  }

  it('walks 500 chats active in the same second without a gap or an overlap (the id breaks the tie)', () => {
    const models = Array.from({ length: 500 }, (_, i) => ({ id: { _serialized: `1555${String(i).padStart(6, '0')}@c.us` }, t: 1_700_000_000, name: `Same ${i}`, unreadCount: i % 3, msgs: { getModelsArray: () => [] } }));
    const seen: string[] = [];
    let after: ChatsPageArgs['after'] = null;
    for (let page = 0; page < 10; page++) {
      const rows = runInPage(models, { after, limit: 200, query: null, nameMax: 256, previewMax: 200 });
      if (rows.length === 0) break;
      seen.push(...rows.map((row) => row.id));
      after = { t: rows.at(-1)!.t, id: rows.at(-1)!.id };
    }
    expect(seen).toHaveLength(500);
    expect(new Set(seen).size).toBe(500);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it('finds by name (any case) and by number, reads unread counts (a chat marked unread, -1, counts 0)', () => {
    const models = [
      { id: { _serialized: '15551230001@c.us' }, t: 3, formattedTitle: 'Ana Silva', unreadCount: 4, msgs: { getModelsArray: () => [] } },
      { id: { _serialized: '15559990002@c.us' }, t: 2, name: 'Bruno Costa', unreadCount: -1, msgs: { getModelsArray: () => [{ id: { fromMe: true }, body: 'x'.repeat(500), t: 2 }] } },
      { id: { _serialized: '120363000000000003@g.us' }, t: 1, formattedTitle: 'Family', unreadCount: 0, groupMetadata: {}, msgs: { getModelsArray: () => [] } },
    ];
    const find = (query: string) => runInPage(models, { after: null, limit: 50, query, nameMax: 256, previewMax: 200 }).map((row) => row.id);
    expect(find('ana s')).toEqual(['15551230001@c.us']);
    expect(find('+1 555 999')).toEqual(['15559990002@c.us']);
    expect(find('fam')).toEqual(['120363000000000003@g.us']);
    expect(find('nobody')).toEqual([]);
    const all = runInPage(models, { after: null, limit: 50, query: null, nameMax: 256, previewMax: 200 });
    expect(all.map((row) => [row.unreadCount, row.isGroup])).toEqual([[4, false], [0, false], [0, true]]);
    expect(all[1]!.last).toMatchObject({ fromMe: true, t: 2 });
    expect(all[1]!.last!.body).toHaveLength(200);
  });
});

describe('the byte budget of a page', () => {
  it('keeps a page of the worst rows a slice can build under the budget, and one huge row under the host cap', () => {
    // Characters JSON escapes as \u00XX: 6 bytes each, the worst a name or a preview can cost.
    const worst = '\u0001'.repeat(256);
    const rows = Array.from({ length: CHATS_PAGE_MAX }, (_, i) => ({ id: `${String(i).padStart(120, '9')}@c.us`, name: worst, isGroup: false, unreadCount: 1, lastMessage: { body: '\u0002'.repeat(CHAT_PREVIEW_MAX_CHARS), timestamp: 1, fromMe: false }, cursor: `c1.1.${'9'.repeat(120)}@c.us` }));
    const kept = fitPage(rows, 'first');
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(rows.length);
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
    expect(kept).toEqual(rows.slice(0, kept.length));

    // Messages keep the newest (the end): the older rest come with before = the first kept.
    const messages = Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, body: '\u0003'.repeat(65_536) }));
    const newest = fitPage(messages, 'last');
    expect(newest).toEqual([messages[49]]);
    expect(Buffer.byteLength(JSON.stringify(newest))).toBeLessThan(SLICE_MAX_MESSAGE_BYTES / 2);
  });
});

describe('a big simulated account, paged through the real slice', () => {
  const CHATS = 3_000;

  it('lists every chat once, newest first, in pages far under the host cap; search finds one chat deep in the list', async () => {
    slice = await linkedSlice({ SIM_CHATS: String(CHATS), SIM_LAST_MESSAGE_CHARS: '400', SIM_CONTACTS: '5000' });
    const status = (await slice.request<{ contacts: number }>('GET', '/api/status')).body;
    expect(status.contacts).toBe(5_000);

    const first = (await slice.request<Chat[]>('GET', '/api/chats')).body;
    expect(first).toHaveLength(50);
    expect(first[0]!.lastMessage!.body.length).toBeLessThanOrEqual(CHAT_PREVIEW_MAX_CHARS);

    const { pages, bytes } = await walkChats(slice, CHATS_PAGE_MAX);
    const ids = pages.flat().map((chat) => chat.id);
    expect(ids).toHaveLength(CHATS);
    expect(new Set(ids).size).toBe(CHATS);
    // The sized account is ordered by index: newest first is chat 0, 1, 2, …
    expect(ids.slice(0, 3)).toEqual([0, 1, 2].map(simulatedChatId));
    expect(ids.at(-1)).toBe(simulatedChatId(CHATS - 1));
    expect(Math.max(...bytes)).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);

    const target = CHATS - 10;
    const byName = (await slice.request<Chat[]>('GET', `/api/chats?query=${encodeURIComponent(simulatedChatName(target - 1).toUpperCase())}`)).body;
    expect(byName.map((chat) => chat.name)).toEqual([simulatedChatName(target - 1)]);
    const byNumber = (await slice.request<Chat[]>('GET', `/api/chats?query=${encodeURIComponent(simulatedChatId(target - 1).split('@')[0]!)}`)).body;
    expect(byNumber.map((chat) => chat.id)).toEqual([simulatedChatId(target - 1)]);
  });

  it('pages a long history back in time without a gap, loading earlier messages as WhatsApp Web does', async () => {
    slice = await linkedSlice({ SIM_CHATS: '20', SIM_HISTORY_MESSAGES: '130' });
    const chatId = simulatedChatId(0);
    const path = (query: string) => `/api/chats/${encodeURIComponent(chatId)}/messages?${query}`;
    const seen: ChatMessage[] = [];
    let before: string | undefined;
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const page = (await slice.request<ChatMessage[]>('GET', path(new URLSearchParams({ limit: '50', ...(before ? { before } : {}) }).toString()))).body;
      sizes.push(page.length);
      if (page.length === 0) break;
      const stamps = page.map((m) => m.timestamp);
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
      if (seen.length > 0) expect(page.at(-1)!.timestamp).toBeLessThanOrEqual(seen[0]!.timestamp);
      seen.unshift(...page);
      before = page[0]!.id;
    }
    expect(sizes).toEqual([50, 50, 30, 0]);
    expect(new Set(seen.map((m) => m.id)).size).toBe(130);

    const unknown = await slice.request<{ error: string }>('GET', path('before=true_nobody_X'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/not in chat .* Reload the chat/);
  });

  it('trims a page of long messages to the byte budget, the rest coming on the next page with no gap', async () => {
    slice = await linkedSlice({ SIM_CHATS: '5', SIM_REPLY_DELAY_MS: '0' });
    const chatId = simulatedChatId(1);
    const long = (i: number) => `${String(i).padStart(4, '0')} ${'é'.repeat(4_000)}`;
    for (let i = 0; i < 80; i++) expect((await slice.request('POST', '/api/messages', { body: { chatId, text: long(i) } })).status).toBe(200);
    const path = (before?: string) => `/api/chats/${encodeURIComponent(chatId)}/messages?limit=200${before ? `&before=${encodeURIComponent(before)}` : ''}`;
    const newest = await slice.request<ChatMessage[]>('GET', path());
    const size = Buffer.byteLength(JSON.stringify(newest.body));
    expect(size).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
    expect(newest.body.length).toBeLessThan(80);
    expect(newest.body.at(-1)!.body).toBe(long(79));
    const older = (await slice.request<ChatMessage[]>('GET', path(newest.body[0]!.id))).body;
    const sent = [...older, ...newest.body].filter((m) => m.fromMe && m.body.length > 4_000).map((m) => m.body);
    // Consecutive, newest last: the second page ends exactly where the first began.
    expect(sent.slice(-newest.body.length - 5)).toEqual(Array.from({ length: newest.body.length + 5 }, (_, k) => long(80 - newest.body.length - 5 + k)));
  });

  it('refuses a limit over the maximum, a made-up cursor and a repeated parameter, with words', async () => {
    slice = await linkedSlice({ SIM_CHATS: '30' });
    const over = await slice.request<{ error: string }>('GET', `/api/chats?limit=${CHATS_PAGE_MAX + 1}`);
    expect(over.status).toBe(400);
    expect(over.body.error).toMatch(/limit must be from 1 to 200/);
    const cursor = await slice.request<{ error: string }>('GET', '/api/chats?cursor=page-2');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatch(/not a chats cursor/);
    const twice = await slice.request<{ error: string }>('GET', '/api/chats?limit=5&limit=6');
    expect(twice.status).toBe(400);
    expect(twice.body.error).toMatch(/limit is given twice/);
    const unknown = await slice.request<{ error: string }>('GET', '/api/chats?page=2');
    expect(unknown.status).toBe(400);
  });
});

describe('messages of a chat that cannot exist', () => {
  it('answers 404 with words for an id WhatsApp would not accept, not a 500', async () => {
    slice = await linkedSlice({ SIM_CHATS: '5' });
    for (const id of ['__proto__', 'constructor', 'acc_doesnotexist']) {
      const answer = await slice.request<{ error: string }>('GET', `/api/chats/${id}/messages`);
      expect(answer.status, id).toBe(404);
      expect(answer.body.error).toMatch(/There is no chat/);
    }
  });
});
