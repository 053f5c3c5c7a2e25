/**
 * Media through the real core and a real simulated slice container: a chat's photo,
 * voice note, sticker, document and video come with their fields; `messages.media`
 * answers a file within SLICEDECK_MEDIA_MAX_BYTES byte for byte — also one larger than
 * the host's 1 MiB cap on ordinary slice answers — and refuses a larger one with words.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@shared/types';
import { SIM_DOCUMENT_BYTES, SIM_MEDIA } from '../../src/slice/drivers/simulated-media';
import { linkNewAccount, makeTestCore, type TestCore } from '../helpers/core';

let t: TestCore;
let other: TestCore | null = null;
beforeAll(async () => {
  t = await makeTestCore({ simContacts: 6 });
}, 120_000);
afterEach(async () => {
  await other?.cleanup();
  other = null;
});
afterAll(async () => {
  await t?.cleanup();
});

/** The simulated phone's chat with media, and its messages. */
async function mediaThread(core: TestCore, accountId: string): Promise<{ chatId: string; thread: ChatMessage[] }> {
  for (const chat of (await core.call('chats.list', { accountId })).filter((c) => !c.isGroup)) {
    const thread = await core.call('chats.messages', { accountId, chatId: chat.id });
    if (thread.some((m) => m.media)) return { chatId: chat.id, thread };
  }
  throw new Error('no chat of the simulated phone has media');
}

const ofKind = (thread: ChatMessage[], kind: string) => thread.find((m) => m.media?.kind === kind)!;

describe('media messages', () => {
  it('come with their kind, caption, size, duration, file name and thumbnail', async () => {
    const { accountId } = await linkNewAccount(t, 'Media');
    const { thread } = await mediaThread(t, accountId);
    expect(thread.filter((m) => m.media).map((m) => m.media!.kind)).toEqual(['image', 'voice', 'sticker', 'document', 'video']);
    expect(ofKind(thread, 'image')).toMatchObject({ body: 'The view from the office 🌄', media: { mimetype: 'image/jpeg', size: SIM_MEDIA[0]!.size, thumbnail: SIM_MEDIA[0]!.thumbnail, downloadable: true } });
    expect(ofKind(thread, 'voice')).toMatchObject({ body: '', media: { durationSeconds: 7, mimetype: 'audio/ogg; codecs=opus' } });
    expect(ofKind(thread, 'sticker').media).toMatchObject({ mimetype: 'image/webp', downloadable: true });
    expect(ofKind(thread, 'document')).toMatchObject({ body: 'Here is the price list', media: { fileName: 'Price list 2026.pdf', size: SIM_DOCUMENT_BYTES } });
    expect(ofKind(thread, 'video').media).toMatchObject({ durationSeconds: 95, size: 40 * 1024 * 1024 });
  }, 120_000);

  it('downloads within the limit, byte for byte — a 2.5 MB document past the 1 MiB answer cap too', async () => {
    const accountId = (await t.call('accounts.list')).find((a) => a.name === 'Media')!.id;
    const { chatId, thread } = await mediaThread(t, accountId);
    const photo = await t.call('messages.media', { accountId, chatId, messageId: ofKind(thread, 'image').id });
    expect(photo).toMatchObject({ mimetype: 'image/jpeg', size: SIM_MEDIA[0]!.size });
    expect(Buffer.from(photo.data, 'base64').equals(SIM_MEDIA[0]!.bytes())).toBe(true);
    const document = await t.call('messages.media', { accountId, chatId, messageId: ofKind(thread, 'document').id });
    expect(document).toMatchObject({ mimetype: 'application/pdf', fileName: 'Price list 2026.pdf', size: SIM_DOCUMENT_BYTES });
    expect(Buffer.from(document.data, 'base64').equals(SIM_MEDIA[3]!.bytes())).toBe(true);
    // The slice is still followed and healthy: a large legitimate answer is no breach.
    expect((await t.call('slices.view', { accountId })).phase).toBe('ready');
    expect((await t.call('slices.history', { accountId })).filter((row) => /protocol/i.test(row.message ?? ''))).toEqual([]);
  }, 60_000);

  it('refuses a file over the limit with words, and a bad message id at the door', async () => {
    const accountId = (await t.call('accounts.list')).find((a) => a.name === 'Media')!.id;
    const { chatId, thread } = await mediaThread(t, accountId);
    await expect(t.call('messages.media', { accountId, chatId, messageId: ofKind(thread, 'video').id })).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'The slice said: This file is 40.0 MB, more than the 16.0 MB slicedeck downloads (SLICEDECK_MEDIA_MAX_BYTES). Open it on the phone, or raise the limit and connect the account again.',
    });
    await expect(t.call('messages.media', { accountId, chatId, messageId: '../../api/logout' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/messageId is not a WhatsApp message id/) });
    await expect(t.call('messages.media', { accountId, chatId, messageId: `false_${chatId}_NOSUCH` })).rejects.toMatchObject({ code: 'not_found' });
  }, 60_000);

  it('follows SLICEDECK_MEDIA_MAX_BYTES: at 1 MiB the document is refused, the photo still comes', async () => {
    other = await makeTestCore({ simContacts: 6, mediaMaxBytes: 1024 * 1024 });
    const { accountId } = await linkNewAccount(other, 'Small limit');
    const { chatId, thread } = await mediaThread(other, accountId);
    await expect(other.call('messages.media', { accountId, chatId, messageId: ofKind(thread, 'document').id })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^The slice said: This file is 2\.5 MB, more than the 1\.0 MB slicedeck downloads/),
    });
    expect((await other.call('messages.media', { accountId, chatId, messageId: ofKind(thread, 'image').id })).size).toBe(SIM_MEDIA[0]!.size);
  }, 120_000);
});
