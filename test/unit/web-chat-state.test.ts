import { describe, expect, it } from 'vitest';
import type { Chat, ChatMessage, SendResult } from '@shared/types';
import {
  THREAD_KEEP,
  THREAD_SCROLLBACK,
  appendChats,
  applySendResult,
  emptyChatState,
  insertByTime,
  nextChatsCursor,
  oldestMessageId,
  prependOlder,
  reduceChatEvent,
  setChats,
  setThread,
  threadKey,
} from '../../src/renderer/src/state/chat-state';

const A = 'acc_test1';
const C = 'alice@c.us';
const key = threadKey(A, C);
const incoming: ChatMessage = { id: 'm1', chatId: C, fromMe: false, body: 'hi', timestamp: 1 };
const result = (over: Partial<SendResult>): SendResult => ({ status: 'sent', instanceState: 'ready', queueDepth: 0, messageId: null, queueId: null, error: null, ...over });

describe('chat state', () => {
  it('a sent message shows as sent, and its echo does not duplicate it', () => {
    let s = setThread(emptyChatState(), A, C, [incoming]);
    s = applySendResult(s, A, C, 'yo', result({ status: 'sent', messageId: 'm2' }), 10);
    s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: { id: 'm2', chatId: C, fromMe: true, body: 'yo', timestamp: 11 } } });
    expect(s.threads[key]!.map((m) => [m.id, m.status ?? null])).toEqual([
      ['m1', null],
      ['m2', 'sent'],
    ]);
  });

  it('a queued message turns sent when its status event arrives, folding in the echo', () => {
    let s = setThread(emptyChatState(), A, C, []);
    s = applySendResult(s, A, C, 'later', result({ status: 'queued', queueId: 'q1', instanceState: 'connecting' }), 10);
    expect(s.threads[key]![0]!.status).toBe('queued');
    s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: { id: 'm9', chatId: C, fromMe: true, body: 'later', timestamp: 12 } } });
    s = reduceChatEvent(s, { type: 'message.status', data: { accountId: A, chatId: C, queueId: 'q1', messageId: 'm9', status: 'sent', error: null } });
    expect(s.threads[key]!).toHaveLength(1);
    expect(s.threads[key]![0]).toMatchObject({ id: 'm9', status: 'sent', queueId: 'q1' });
  });

  it('a failed send keeps its words', () => {
    const s = applySendResult(emptyChatState(), A, C, 'x', result({ status: 'failed', error: 'Not linked.' }), 10);
    expect(s.threads[key]![0]).toMatchObject({ status: 'failed', error: 'Not linked.' });
  });

  it('a snapshot keeps our still-queued rows', () => {
    let s = applySendResult(emptyChatState(), A, C, 'wait', result({ status: 'queued', queueId: 'q2' }), 5);
    s = setThread(s, A, C, [incoming]);
    expect(s.threads[key]!.map((m) => m.body)).toEqual(['hi', 'wait']);
  });

  it('a snapshot read before the queue was flushed does not lose the row that is now sent', () => {
    let s = applySendResult(emptyChatState(), A, C, 'flush', result({ status: 'queued', queueId: 'q3' }), 5);
    s = reduceChatEvent(s, { type: 'message.status', data: { accountId: A, chatId: C, queueId: 'q3', messageId: 'm7', status: 'sent', error: null } });
    s = setThread(s, A, C, [incoming]);
    expect(s.threads[key]!.map((m) => [m.body, m.status ?? null])).toEqual([
      ['hi', null],
      ['flush', 'sent'],
    ]);
  });

  it('an incoming message updates the chat list preview and unread count', () => {
    let s = setChats(emptyChatState(), A, [{ id: C, name: 'Alice', isGroup: false, unreadCount: 0 }]);
    s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: incoming } });
    expect(s.chats[A]![0]).toMatchObject({ unreadCount: 1, lastMessage: { body: 'hi' } });
  });
});

describe('the host queue id ties our row to the snapshot', () => {
  it('a row we sent is not doubled when a snapshot lists it under WhatsApp’s id', () => {
    const accountId = 'acc_test1';
    const chatId = '15550000001@c.us';
    let state = emptyChatState();
    state = applySendResult(state, accountId, chatId, 'hi', { status: 'queued', instanceState: 'connecting', queueDepth: 1, messageId: null, queueId: 'out_0123456789abcdef', error: null }, 1_000);
    state = setThread(state, accountId, chatId, [{ id: 'true_x_ABC', chatId, fromMe: true, body: 'hi', timestamp: 1_001, status: 'sent', queueId: 'out_0123456789abcdef' }]);
    const thread = state.threads[threadKey(accountId, chatId)]!;
    expect(thread).toHaveLength(1);
    expect(thread[0]).toMatchObject({ id: 'true_x_ABC', status: 'sent' });
  });
});

describe('a big account in the renderer', () => {
  const msg = (i: number, over: Partial<ChatMessage> = {}): ChatMessage => ({ id: `m${i}`, chatId: C, fromMe: false, body: `b${i}`, timestamp: i * 10, ...over });

  it('inserts an incoming message in time order (late arrivals too) and keeps only the newest THREAD_KEEP', () => {
    let s = setThread(emptyChatState(), A, C, [msg(1), msg(3), msg(5)]);
    s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: msg(4) } });
    s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: msg(0) } });
    expect(s.threads[key]!.map((m) => m.id)).toEqual(['m0', 'm1', 'm3', 'm4', 'm5']);
    for (let i = 6; i < THREAD_KEEP + 50; i++) s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: msg(i) } });
    const thread = s.threads[key]!;
    expect(thread).toHaveLength(THREAD_KEEP);
    expect(thread.at(-1)!.id).toBe(`m${THREAD_KEEP + 49}`);
    expect(oldestMessageId(thread)).toBe(thread[0]!.id);
    expect(insertByTime([msg(1), msg(2)], msg(2, { id: 'same-time' })).map((m) => m.id)).toEqual(['m1', 'm2', 'same-time']);
  });

  it('pages back in time: older rows go in front once each, up to THREAD_SCROLLBACK, and an empty page marks the start', () => {
    let s = setThread(emptyChatState(), A, C, [msg(100), msg(101)]);
    s = prependOlder(s, A, C, [msg(98), msg(99), msg(100)]);
    expect(s.threads[key]!.map((m) => m.id)).toEqual(['m98', 'm99', 'm100', 'm101']);
    expect(s.threadStart[key]).toBe(false);
    s = prependOlder(s, A, C, []);
    expect(s.threadStart[key]).toBe(true);

    let big = setThread(emptyChatState(), A, C, [msg(1_000_000)]);
    for (let page = 0; page < THREAD_SCROLLBACK / 200 + 2; page++) {
      const oldest = Number(oldestMessageId(big.threads[key]!)!.slice(1));
      big = prependOlder(big, A, C, Array.from({ length: 200 }, (_, i) => msg(oldest - 200 + i)));
    }
    expect(big.threads[key]).toHaveLength(THREAD_SCROLLBACK);
    expect(big.threadStart[key]).toBe(true);
  });

  it('appends the next page of chats once each; a message moves its chat to the top, even one not read yet', () => {
    const chat = (i: number): Chat => ({ id: `${i}@c.us`, name: `Chat ${i}`, isGroup: false, unreadCount: 0, cursor: `c1.${100 - i}.${i}@c.us` });
    let s = setChats(emptyChatState(), A, [chat(1), chat(2)]);
    s = appendChats(s, A, [chat(2), chat(3)]);
    expect(s.chats[A]!.map((c) => c.id)).toEqual(['1@c.us', '2@c.us', '3@c.us']);
    expect(nextChatsCursor(s.chats[A]!)).toBe('c1.97.3@c.us');
    s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: { ...msg(7), chatId: '3@c.us' } } });
    expect(s.chats[A]!.map((c) => [c.id, c.unreadCount])).toEqual([['3@c.us', 1], ['1@c.us', 0], ['2@c.us', 0]]);
    // The cursor still continues after the last row read from the slice.
    expect(nextChatsCursor(s.chats[A]!)).toBe('c1.98.2@c.us');
    s = reduceChatEvent(s, { type: 'chat.message', data: { accountId: A, message: { ...msg(8), chatId: '15559990000@c.us' } } });
    expect(s.chats[A]![0]).toMatchObject({ id: '15559990000@c.us', name: '15559990000', unreadCount: 1 });
    s = appendChats(s, A, []);
    expect(s.chatsEnd[A]).toBe(true);
  });
});
