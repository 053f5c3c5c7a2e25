import { describe, expect, it } from 'vitest';
import type { ChatMessage, SendResult } from '@shared/types';
import { applySendResult, emptyChatState, reduceChatEvent, setChats, setThread, threadKey } from '../../src/renderer/src/state/chat-state';

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
