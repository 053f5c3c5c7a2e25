/**
 * The paging inputs of `chats.list` and `chats.messages` at the contract's edge: every
 * field optional (old callers keep working), each bounded, a bad one refused with words
 * before any slice is asked.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '@shared/contract';
import { CHATS_PAGE_MAX, MESSAGES_PAGE_MAX, encodeChatCursor } from '@shared/paging';

const accountId = 'acc_test1';
const words = (name: 'chats.list' | 'chats.messages', input: unknown) => {
  const parsed = COMMANDS[name].input.safeParse(input);
  return parsed.success ? null : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
};

describe('chats.list paging input', () => {
  it('takes no paging at all, or a cursor the slice handed out, a limit and a search', () => {
    expect(words('chats.list', { accountId })).toBeNull();
    expect(words('chats.list', { accountId, cursor: encodeChatCursor({ t: 1_765_000_000, id: '15550001234@c.us' }), limit: CHATS_PAGE_MAX, query: 'Ana 19990' })).toBeNull();
  });

  it('refuses a made-up cursor, a limit out of bounds, a long or control-character search, with words', () => {
    expect(words('chats.list', { accountId, cursor: 'page=2' })).toMatch(/cursor: cursor is not a chats cursor/);
    expect(words('chats.list', { accountId, limit: CHATS_PAGE_MAX + 1 })).toMatch(/limit: limit must be at most 200/);
    expect(words('chats.list', { accountId, limit: 0 })).toMatch(/limit must be at least 1/);
    expect(words('chats.list', { accountId, limit: 2.5 })).toMatch(/whole number/);
    expect(words('chats.list', { accountId, query: 'x'.repeat(65) })).toMatch(/at most 64 characters/);
    expect(words('chats.list', { accountId, query: 'a\u0000b' })).toMatch(/control characters/);
    expect(words('chats.list', { accountId, page: 2 })).toMatch(/Unrecognized key/);
  });
});

describe('chats.messages paging input', () => {
  it('takes a `before` message id and a bounded limit, and refuses the rest with words', () => {
    expect(words('chats.messages', { accountId, chatId: '1@c.us' })).toBeNull();
    expect(words('chats.messages', { accountId, chatId: '1@c.us', before: 'true_1@c.us_3EB0AB', limit: MESSAGES_PAGE_MAX })).toBeNull();
    expect(words('chats.messages', { accountId, chatId: '1@c.us', before: '' })).toMatch(/before is empty/);
    expect(words('chats.messages', { accountId, chatId: '1@c.us', before: 'a b' })).toMatch(/before must be the id of a message/);
    expect(words('chats.messages', { accountId, chatId: '1@c.us', limit: MESSAGES_PAGE_MAX + 1 })).toMatch(/at most 200/);
  });
});
