/**
 * A big account through the real core and a real slice container (simulated WhatsApp):
 * 20,000 chats with 400-character last messages and 50,000 contacts. Ready with the right
 * contact count; the first page, the next by cursor (no overlap, no gap); a search by name
 * finds chat #19,990 (deep in the list, far past any page a client has read); a send to it
 * is delivered; the slice is never restarted or refused (before paging, listing such an
 * account answered more than the host's 1 MiB cap: a 502, then a restart).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatedChatId, simulatedChatName } from '../../src/slice/drivers/simulated';
import { exerciseBigAccount, expectNeverRestarted, sliceMemoryMiB } from '../helpers/big-account';
import { linkNewAccount, makeTestCore, type TestCore } from '../helpers/core';

const CHATS = 20_000;
const CONTACTS = 50_000;

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({
    simContacts: CONTACTS,
    simChats: CHATS,
    simLastMessageChars: 400,
    simAckDelayMs: 50,
    simReplyDelayMs: 0,
    // The contact count climbs in 50 steps while linking.
    simContactIntervalMs: 5,
    healthIntervalMs: 1_000,
  });
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
}, 120_000);

describe('a simulated account of 20,000 chats and 50,000 contacts', () => {
  it('is Ready with its contact count, pages its chats, finds #19,990 by name, delivers a send to it, and is never restarted', async () => {
    const { accountId, view } = await linkNewAccount(t, 'Big shop');
    expect(view.contacts).toBe(CONTACTS);

    const figures = await exerciseBigAccount(t, accountId, {
      newestIds: Array.from({ length: 100 }, (_, i) => simulatedChatId(i)),
      target: { id: simulatedChatId(19_989), name: simulatedChatName(19_989) },
    }).catch(async (error: unknown) => {
      // What the host saw of this slice, to tell a restart from a slow answer.
      const history = await t.call('slices.history', { accountId });
      throw new Error(`${(error as Error).message}\nhistory: ${history.map((row) => `${row.type}/${row.stage ?? ''}: ${row.message ?? ''}`).join(' | ')}`);
    });
    // Delivered: the contact's phone acknowledged it (ack 2), as the outbox records it.
    await t.events.waitFor('message.status', (e) => e.accountId === accountId && e.messageId === figures.sentMessageId && e.status === 'delivered', 30_000, 'the send to #19,990 delivered');

    // The chat that got the message is now the newest; its thread has it.
    const [newest] = await t.call('chats.list', { accountId, limit: 1 });
    expect(newest!.id).toBe(simulatedChatId(19_989));
    const thread = await t.call('chats.messages', { accountId, chatId: simulatedChatId(19_989) });
    expect(thread.at(-1)!.id).toBe(figures.sentMessageId);

    await expectNeverRestarted(t, accountId);
    process.stderr.write(`[core-big-account] ${JSON.stringify({ ...figures, sliceMemoryMiB: await sliceMemoryMiB(t.homeId, accountId) })}\n`);
  }, 240_000);
});
