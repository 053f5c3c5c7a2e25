/**
 * Unread counts per account (issue 21 part 2) through a real core and real slices (the
 * slice app in this process, on the in-memory runtime): WhatsApp's per-chat counts read
 * when the account becomes Ready, an incoming message, a chat read in the panel, a logout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNewAccount } from '../../helpers/core';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';

let t: MemoryCore;
beforeAll(async () => {
  // A sized account: chat i has i % 4 unread (none when its last message is ours), so the total is never 0.
  t = await makeMemoryCore({ simContacts: 5, simChats: 12, simReplyDelayMs: 300, simAckDelayMs: 0 });
});
afterAll(async () => {
  await t?.cleanup();
});

const unreadOf = async (accountId: string) => (await t.call('slices.view', { accountId })).unread ?? 0;

describe('unread counts per account', () => {
  it('are WhatsApp\'s counts once Ready, grow with an incoming message, drop when a chat is read, and go with a logout', async () => {
    const { accountId } = await linkNewAccount(t, 'Una');
    // Read by the host itself once Ready (nobody listed the chats yet): the view carries it.
    const seeded = await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.unread ?? 0) > 0, 30_000, 'the unread count once Ready');
    const chats = await t.call('chats.list', { accountId, limit: 200 });
    const whatsapps = chats.reduce((sum, chat) => sum + chat.unreadCount, 0);
    expect(seeded.unread).toBe(whatsapps);

    // Writing to a person answers (reads) that chat; the contact's answer is one more unread.
    const person = chats.find((chat) => !chat.isGroup && chat.unreadCount > 0)!;
    t.events.clear();
    await t.call('messages.send', { accountId, chatId: person.id, text: 'hello' });
    await t.events.waitFor('chat.message', (m) => m.accountId === accountId && !m.message.fromMe, 30_000, 'the contact\'s answer');
    await expect.poll(() => unreadOf(accountId), { timeout: 10_000 }).toBe(whatsapps - person.unreadCount + 1);

    // Read in the panel: 0 for that chat, and WhatsApp's count (still unread there) does not bring it back.
    const other = chats.find((chat) => chat.id !== person.id && chat.unreadCount > 0)!;
    await t.call('chats.markRead', { accountId, chatId: other.id });
    const afterRead = whatsapps - person.unreadCount + 1 - other.unreadCount;
    expect(await unreadOf(accountId)).toBe(afterRead);
    await t.call('chats.list', { accountId, limit: 200 });
    expect(await unreadOf(accountId)).toBe(afterRead);

    // Logged out on the phone: no count for chats that are no longer this device's.
    await t.call('sim.fault', { accountId, kind: 'phone_logout' });
    await t.events.waitFor('slice', (v) => v.accountId === accountId && v.phase === 'setup', 45_000, 'the account to leave Ready');
    expect(await unreadOf(accountId)).toBe(0);
  });

  it('refuses to mark a chat of an account that does not exist', async () => {
    await expect(t.call('chats.markRead', { accountId: 'acc_nosuch1', chatId: '1555@c.us' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
