/** Unread counts per account (issue 21 part 2): WhatsApp's per-chat counts, incoming messages, reading in the panel. */
import { describe, expect, it } from 'vitest';
import type { Chat, ChatMessage } from '@shared/types';
import { UnreadBook } from '../../../src/main/core/unread/unread-book';

const A = 'acc_alpha1';
const B = 'acc_bravo1';
const chat = (id: string, unreadCount: number): Chat => ({ id, name: id, isGroup: false, unreadCount });
let seq = 0;
const incoming = (chatId: string, fromMe = false): ChatMessage => ({ id: `m${++seq}`, chatId, fromMe, body: 'hi', timestamp: 1_000 + seq });

describe('the unread book', () => {
  it('sums WhatsApp\'s per-chat counts per account, a later page replacing what it says of the same chats', () => {
    const book = new UnreadBook();
    expect(book.seed(A, [chat('1@c.us', 2), chat('2@c.us', 0), chat('3@g.us', 5)])).toBe(true);
    expect(book.seed(B, [chat('1@c.us', 1)])).toBe(true);
    expect([book.total(A), book.total(B)]).toEqual([7, 1]);
    expect(book.seed(A, [chat('3@g.us', 1)])).toBe(true);
    expect(book.total(A)).toBe(3);
    expect(book.seed(A, [chat('3@g.us', 1)])).toBe(false);
  });

  it('counts each incoming message; one we send answers (reads) that chat', () => {
    const book = new UnreadBook();
    book.seed(A, [chat('1@c.us', 1)]);
    expect(book.message(A, incoming('1@c.us'))).toBe(true);
    expect(book.message(A, incoming('9@c.us'))).toBe(true); // a chat past the first page, or new
    expect(book.total(A)).toBe(3);
    expect(book.message(A, incoming('1@c.us', true))).toBe(true);
    expect(book.total(A)).toBe(1);
    expect(book.message(A, incoming('1@c.us', true))).toBe(false);
  });

  it('reading a chat in the panel clears it, and WhatsApp\'s count (still unread on the phone) does not bring it back', () => {
    const book = new UnreadBook();
    book.seed(A, [chat('1@c.us', 3), chat('2@c.us', 1)]);
    expect(book.read(A, '1@c.us')).toBe(true);
    expect(book.total(A)).toBe(1);
    expect(book.seed(A, [chat('1@c.us', 3), chat('2@c.us', 1)])).toBe(false);
    expect(book.total(A)).toBe(1);
    // A message after the read counts again.
    book.message(A, incoming('1@c.us'));
    expect(book.total(A)).toBe(2);
    expect(book.read(A, '2@c.us')).toBe(true);
    expect(book.read(A, '2@c.us')).toBe(false);
  });

  it('forgets an account', () => {
    const book = new UnreadBook();
    book.seed(A, [chat('1@c.us', 3)]);
    expect(book.forget(A)).toBe(true);
    expect(book.total(A)).toBe(0);
    expect(book.forget(A)).toBe(false);
  });
});
