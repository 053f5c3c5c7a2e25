/**
 * The durable outgoing queue (issue 9, part 2), on real slices (the slice app in this
 * process, on the in-memory runtime: no Docker) and a real SQLite file: idempotency keys,
 * acks (delivered, read), a Disconnect with the cap and cancel, the drain in the order
 * the messages were queued, and the uncertain case (handed over, no answer) resolved by
 * looking before resending. Moved down from test/integration/core-outbox.test.ts; the
 * crash tests (core-outbox-crash) keep a real host process killed mid-send.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNewAccount } from '../../helpers/core';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';

let t: MemoryCore;
beforeAll(async () => {
  t = await makeMemoryCore({ qrTtlMs: 20_000, simContacts: 5, simAckDelayMs: 150, simReplyDelayMs: 0, outboxCap: 3 });
});
afterAll(async () => {
  await t?.cleanup();
});

const CHAT = '15550000002@c.us';

async function mine(accountId: string, body: string) {
  return (await t.call('chats.messages', { accountId, chatId: CHAT })).filter((m) => m.fromMe && m.body === body);
}

describe('the outgoing queue', () => {
  let accountId: string;
  beforeAll(async () => {
    accountId = (await linkNewAccount(t, 'Outbox')).accountId;
  });

  it('ten sends with the same idempotency key make one message', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => t.call('messages.send', { accountId, chatId: CHAT, text: 'only once, please', idempotencyKey: 'order-42' })),
    );
    const ids = new Set(answers.map((a) => a.queueId));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.status !== 'failed')).toBe(true);
    await t.events.waitFor('message.status', (s) => s.queueId === answers[0]!.queueId && s.status === 'sent', 15_000, 'the message sent');
    // Once more, after it was sent: still the same message.
    const again = await t.call('messages.send', { accountId, chatId: CHAT, text: 'only once, please', idempotencyKey: 'order-42' });
    expect(again).toMatchObject({ queueId: answers[0]!.queueId, status: 'sent' });
    expect(await mine(accountId, 'only once, please')).toHaveLength(1);
  });

  it('acks move a sent message to delivered, then read, live and in the chat', async () => {
    const sent = await t.call('messages.send', { accountId, chatId: CHAT, text: 'ack me' });
    expect(sent).toMatchObject({ status: 'sent', messageId: expect.any(String), queueId: expect.stringMatching(/^out_/) });
    await t.events.waitFor('message.status', (s) => s.queueId === sent.queueId && s.status === 'delivered', 15_000, 'delivered');
    await t.events.waitFor('message.status', (s) => s.queueId === sent.queueId && s.status === 'read', 15_000, 'read');
    const [row] = await mine(accountId, 'ack me');
    expect(row).toMatchObject({ id: sent.messageId, status: 'read', queueId: sent.queueId });
  });

  it('after Disconnect messages wait (cap with words, cancel) and go out after the next link, once each, in the order they were queued', async () => {
    await t.call('slices.destroy', { accountId });
    const first = await t.call('messages.send', { accountId, chatId: CHAT, text: 'wait 1' });
    const second = await t.call('messages.send', { accountId, chatId: CHAT, text: 'wait 2' });
    const third = await t.call('messages.send', { accountId, chatId: CHAT, text: 'wait 3' });
    for (const answer of [first, second, third]) expect(answer).toMatchObject({ status: 'queued', instanceState: 'disconnected' });
    const full = await t.call('messages.send', { accountId, chatId: CHAT, text: 'wait 4' });
    expect(full.status).toBe('failed');
    expect(full.error).toMatch(/queue of this account is full \(3 messages/);
    expect((await t.call('slices.view', { accountId })).queued).toBe(3);

    await t.call('messages.cancel', { accountId, queueId: second.queueId! });
    await expect(t.call('messages.cancel', { accountId, queueId: second.queueId! })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/already cancelled/) });
    await expect(t.call('messages.cancel', { accountId, queueId: 'out_0000000000000000' })).rejects.toMatchObject({ code: 'not_found' });

    await t.call('slices.connect', { accountId });
    await t.events.waitFor('message.status', (s) => s.queueId === third.queueId && s.status === 'sent', 30_000, 'the last waiting message sent');
    expect(await mine(accountId, 'wait 1')).toHaveLength(1);
    expect(await mine(accountId, 'wait 3')).toHaveLength(1);
    expect(await mine(accountId, 'wait 4')).toHaveLength(0);
    // The cancelled one never went out (and is not listed in the chat).
    const thread = await t.call('chats.messages', { accountId, chatId: CHAT });
    expect(thread.filter((m) => m.body === 'wait 2')).toEqual([]);
    // Drained oldest first: handed over, and so in the chat, in the order they were queued.
    const sentOrder = t.events.of('message.status').filter((s) => s.status === 'sent' && (s.queueId === first.queueId || s.queueId === third.queueId)).map((s) => s.queueId);
    expect(sentOrder).toEqual([first.queueId, third.queueId]);
    const bodies = thread.filter((m) => m.fromMe && /^wait \d$/.test(m.body ?? '')).map((m) => m.body);
    expect(bodies).toEqual(['wait 1', 'wait 3']);
    expect((await t.call('slices.view', { accountId })).queued).toBeUndefined();
  });

  it('a message handed over with no answer (host died mid-send) is looked up, not sent twice', async () => {
    const sent = await t.call('messages.send', { accountId, chatId: CHAT, text: 'did it go?' });
    expect(sent.status).toBe('sent');
    // Make SQLite say what a host killed between handing it over and the answer leaves behind,
    // plus one that was handed over but never reached WhatsApp.
    const db = new Database(join(t.dataDir, 'slicedeck.db'));
    db.prepare(`UPDATE outbox SET status = 'sending', message_id = NULL, sending_at = ? WHERE id = ?`).run(Date.now() - 1_000, sent.queueId);
    db.prepare(
      `INSERT INTO outbox (id, account_id, chat_id, body, status, attempts, sending_at, created_at, updated_at) VALUES ('out_00000000000000aa', ?, ?, 'never arrived', 'sending', 1, ?, ?, ?)`,
    ).run(accountId, CHAT, Date.now(), Date.now(), Date.now());
    db.close();
    t.events.clear();
    t = await t.reopen();
    await t.events.waitFor('message.status', (s) => s.queueId === 'out_00000000000000aa' && s.status === 'sent', 30_000, 'the lost one sent');
    expect(await mine(accountId, 'did it go?')).toHaveLength(1);
    expect(await mine(accountId, 'never arrived')).toHaveLength(1);
    const [found] = await mine(accountId, 'did it go?');
    expect(found!.queueId).toBe(sent.queueId);
  });
});
