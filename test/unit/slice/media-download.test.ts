/**
 * A slice (the real app, simulated WhatsApp under the one driver) answers a media
 * message's file on its media route, within MEDIA_MAX_BYTES, and refuses with words
 * what is larger, what has no file and what is not there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SLICE_PATHS } from '@shared/slice-protocol';
import type { ChatMessage, MediaFile } from '@shared/types';
import { SIM_MEDIA } from '../../../src/slice/drivers/simulated-media';
import { startSlice, type RunningSlice } from './harness';

let slice: RunningSlice | null = null;
afterEach(async () => {
  await slice?.close();
  slice = null;
});

/** A linked slice and the chat that holds the simulated phone's media. */
async function linkedSlice(env: Record<string, string> = {}): Promise<{ chatId: string; media: ChatMessage[]; text: ChatMessage }> {
  slice = await startSlice(env);
  const events = await slice.events();
  await slice.request('POST', SLICE_PATHS.initialize, { body: {} });
  await events.waitFor('qr');
  await slice.request('POST', SLICE_PATHS.simScan, { body: {} });
  await events.waitForState('ready');
  const chats = (await slice.request<{ id: string; isGroup: boolean }[]>('GET', SLICE_PATHS.chats)).body;
  for (const chat of chats.filter((c) => !c.isGroup)) {
    const thread = (await slice.request<ChatMessage[]>('GET', SLICE_PATHS.chatMessages(chat.id))).body;
    const media = thread.filter((m) => m.media);
    if (media.length > 0) return { chatId: chat.id, media, text: thread.find((m) => !m.media)! };
  }
  throw new Error('no chat of the simulated phone has media');
}

const byKind = (media: ChatMessage[], kind: string) => media.find((m) => m.media?.kind === kind)!;

describe('the media route', () => {
  it('lists each kind with its fields, and answers a file within the limit, byte for byte', async () => {
    const { chatId, media } = await linkedSlice();
    expect(media.map((m) => m.media!.kind)).toEqual(['image', 'voice', 'sticker', 'document', 'video']);
    expect(byKind(media, 'image')).toMatchObject({ body: 'The view from the office 🌄', media: { mimetype: 'image/jpeg', downloadable: true } });
    expect(byKind(media, 'image').media!.thumbnail).toMatch(/^\/9j\//);
    expect(byKind(media, 'voice').media).toMatchObject({ durationSeconds: 7, mimetype: 'audio/ogg; codecs=opus' });
    expect(byKind(media, 'document').media).toMatchObject({ fileName: 'Price list 2026.pdf', size: 2_621_440 });

    for (const [index, kind] of [[0, 'image'], [2, 'sticker'], [3, 'document']] as const) {
      const answer = await slice!.request<MediaFile>('GET', SLICE_PATHS.media(chatId, byKind(media, kind).id));
      expect(answer.status, kind).toBe(200);
      const expected = SIM_MEDIA[index]!.bytes();
      expect(answer.body).toMatchObject({ mimetype: SIM_MEDIA[index]!.mimetype, size: expected.length });
      expect(Buffer.from(answer.body.data, 'base64').equals(expected), kind).toBe(true);
    }
    expect((await slice!.request<MediaFile>('GET', SLICE_PATHS.media(chatId, byKind(media, 'document').id))).body.fileName).toBe('Price list 2026.pdf');
  });

  it('refuses a file over MEDIA_MAX_BYTES with words that say its size, the limit and what to do', async () => {
    const { chatId, media } = await linkedSlice({ MEDIA_MAX_BYTES: String(1024 * 1024) });
    const refused = await slice!.request<{ error: string }>('GET', SLICE_PATHS.media(chatId, byKind(media, 'document').id));
    expect(refused.status).toBe(413);
    expect(refused.body.error).toBe('This file is 2.5 MB, more than the 1.0 MB slicedeck downloads (SLICEDECK_MEDIA_MAX_BYTES). Open it on the phone, or raise the limit and connect the account again.');
    // A file within the limit still comes.
    expect((await slice!.request('GET', SLICE_PATHS.media(chatId, byKind(media, 'image').id))).status).toBe(200);
  });

  it('refuses the 40 MB video under the default limit, and a message that has no file, is elsewhere or does not exist', async () => {
    const { chatId, media, text } = await linkedSlice();
    const video = await slice!.request<{ error: string }>('GET', SLICE_PATHS.media(chatId, byKind(media, 'video').id));
    expect(video.status).toBe(413);
    expect(video.body.error).toMatch(/^This file is 40\.0 MB, more than the 16\.0 MB slicedeck downloads/);
    const plain = await slice!.request<{ error: string }>('GET', SLICE_PATHS.media(chatId, text.id));
    expect(plain.status).toBe(404);
    expect(plain.body.error).toMatch(/has no file to download/);
    const elsewhere = await slice!.request<{ error: string }>('GET', SLICE_PATHS.media('15559999999@c.us', byKind(media, 'image').id));
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error).toMatch(/There is no message .* in the chat 15559999999@c\.us/);
    expect((await slice!.request('GET', SLICE_PATHS.media(chatId, `false_${chatId}_NOSUCHMESSAGE`))).status).toBe(404);
    const bad = await slice!.request<{ error: string }>('GET', SLICE_PATHS.media(chatId, '../../etc/passwd'));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/messageId is not a WhatsApp message id/);
  });
});
