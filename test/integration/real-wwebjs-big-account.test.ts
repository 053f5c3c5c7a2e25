/**
 * The "done when", with the real library: whatsapp-web.js 1.34.7 in the Chromium
 * slice image, against the stand-in WhatsApp Web holding 20,000 chats (400-character last
 * messages) and 50,000 contacts, built inside its page. Ready with the contact count; the
 * first page and the next by cursor (no overlap, no gap); a search by name finds chat
 * #19,990; a send to it reaches WhatsApp; the slice is never restarted nor refused.
 * Before paging, `getChats()` serialised every chat: 3,000 such chats already made a
 * 1.6 MB answer, a 502 and a restart. Times are printed (the bench reports them), never asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStage } from '@shared/stages';
import { exerciseBigAccount, expectNeverRestarted, sliceMemoryMiB } from '../helpers/big-account';
import type { TestCore } from '../helpers/core';
import { startRealLibraryRig, stopRealLibraryRig, type RealLibraryRig } from '../helpers/real-library';
import { StandinWhatsApp, standinChatName, standinContactId } from '../standin-whatsapp/server';

const SIZE = { chats: 20_000, contacts: 50_000, lastMessageChars: 400 };

let t: TestCore;
let standin: StandinWhatsApp;
let homeId = '';
let rig: RealLibraryRig | undefined;
const figures: Record<string, number> = {};

beforeAll(async () => {
  rig = await startRealLibraryRig({ codes: 3, firstCodeMs: 30_000, nextCodeMs: 20_000, syncMs: 1_500, size: SIZE }, { qrTtlMs: 60_000, healthIntervalMs: 2_000 });
  ({ t, standin, homeId } = rig);
}, 600_000);

afterAll(async () => {
  await stopRealLibraryRig(rig);
  if (Object.keys(figures).length > 0) process.stderr.write(`[real-wwebjs-big-account] ${JSON.stringify(figures)}\n`);
}, 120_000);

describe('the real whatsapp-web.js with 20,000 chats and 50,000 contacts (stand-in WhatsApp Web)', () => {
  it('is Ready with its contact count, pages its chats, finds #19,990 by name, sends to it, and is never restarted', async () => {
    const accountId = (await t.call('accounts.add', { name: 'Big real shop' })).id;
    await t.call('slices.connect', { accountId });
    const code = await t.events.waitFor('slice', (v) => v.accountId === accountId && ((v.stage === 'qr' && Boolean(v.qr)) || isTerminalStage(v.stage)), 120_000, 'the first code');
    expect(code.stage, code.error ?? '').toBe('qr');
    const scannedAt = Date.now();
    standin.scan(code.qr!.payload);
    const ready = await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.stage === 'ready' || isTerminalStage(v.stage)), 180_000, 'ready after the scan');
    expect(ready.stage, ready.error ?? '').toBe('ready');
    figures.scanToReadyMs = Date.now() - scannedAt;
    expect((await t.call('slices.view', { accountId })).contacts).toBe(SIZE.contacts);

    const target = { id: standinContactId(19_989), name: standinChatName(19_989) };
    const measured = await exerciseBigAccount(t, accountId, { newestIds: Array.from({ length: 100 }, (_, i) => standinContactId(i)), target });
    Object.assign(figures, { firstPageMs: measured.firstPageMs, nextPageMs: measured.nextPageMs, searchMs: measured.searchMs });
    await standin.waitForReport('sent', (data) => (data as { chatId?: string }).chatId === target.id, 30_000);
    // Unread counts are WhatsApp's: chat 1 of the stand-in has 1 unread, chat 0 none.
    const [first, second] = await t.call('chats.list', { accountId, limit: 2 });
    expect([first!.id, second!.id]).toEqual([target.id, standinContactId(0)]);
    expect(second!.unreadCount).toBe(0);
    expect((await t.call('chats.list', { accountId, query: standinChatName(1) }))[0]!.unreadCount).toBe(1);

    const thread = await t.call('chats.messages', { accountId, chatId: target.id });
    expect(thread.at(-1)).toMatchObject({ id: measured.sentMessageId, fromMe: true });
    expect(thread.at(-2)!.body).toHaveLength(SIZE.lastMessageChars);

    await expectNeverRestarted(t, accountId);
    expect(standin.of('page_error').map((report) => String(report.data).split('\n')[0])).toEqual([]);
    const memory = await sliceMemoryMiB(homeId, accountId);
    if (memory !== null) figures.sliceMemoryMiB = memory;
  }, 600_000);
});
