/**
 * Media with the real library: the real core, the Chromium slice image and
 * whatsapp-web.js 1.34.7 against the stand-in WhatsApp Web (test/standin-whatsapp/),
 * whose first chat begins with a photo, a voice note, a sticker, a document and a video.
 * The library's own Message (hasMedia, caption as body, `_data`) goes through our
 * mapping: the photo comes with its thumbnail, and `messages.media` downloads it through
 * the library's `downloadMedia()` (Msg collection → mediaData → WAWebDownloadManager →
 * its own base64) byte for byte — and the 2.5 MB document past the host's 1 MiB cap.
 *
 * What it cannot prove: WhatsApp's media servers and their encryption (the stand-in
 * hands over the file as it is; test/standin-whatsapp/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStage } from '@shared/stages';
import type { ChatMessage, SliceView } from '@shared/types';
import { SIM_MEDIA, SIM_THUMBNAIL_JPEG } from '../../src/slice/drivers/simulated-media';
import type { TestCore } from '../helpers/core';
import { startRealLibraryRig, stopRealLibraryRig, type RealLibraryRig } from '../helpers/real-library';
import { StandinWhatsApp } from '../standin-whatsapp/server';

let t: TestCore;
let standin: StandinWhatsApp;
let rig: RealLibraryRig | undefined;

async function waitForView(accountId: string, test: (view: SliceView) => boolean, timeoutMs: number, what: string): Promise<SliceView> {
  const view = await t.events.waitFor('slice', (v) => v.accountId === accountId && (test(v) || isTerminalStage(v.stage)), timeoutMs, what);
  if (!test(view)) throw new Error(`Waiting for ${what}, the attempt ended at "${view.stage}": ${view.error ?? 'no words'}`);
  return view;
}

beforeAll(async () => {
  rig = await startRealLibraryRig({ codes: 3, firstCodeMs: 30_000, syncMs: 1_000, contacts: 5, media: true });
  ({ t, standin } = rig);
}, 600_000);

afterAll(async () => {
  await stopRealLibraryRig(rig);
}, 120_000);

describe('media with the real whatsapp-web.js', () => {
  let accountId = '';
  let thread: ChatMessage[] = [];
  const chat = () => standin.phone.chats[0]!;
  const ofKind = (kind: string) => thread.find((m) => m.media?.kind === kind)!;

  it('maps each media message the library gives: a photo with its thumbnail and caption, a voice note’s length, a document’s name', async () => {
    accountId = (await t.call('accounts.add', { name: 'Real media' })).id;
    await t.call('slices.connect', { accountId });
    const code = await waitForView(accountId, (v) => v.stage === 'qr', 90_000, 'a code');
    standin.scan(code.qr!.payload);
    await waitForView(accountId, (v) => v.stage === 'ready', 60_000, 'ready after the scan');

    thread = await t.call('chats.messages', { accountId, chatId: chat().id });
    expect(thread.filter((m) => m.media).map((m) => m.media!.kind)).toEqual(['image', 'voice', 'sticker', 'document', 'video']);
    expect(ofKind('image')).toMatchObject({
      body: 'The view from the office 🌄',
      media: { kind: 'image', mimetype: 'image/jpeg', size: SIM_MEDIA[0]!.size, thumbnail: SIM_THUMBNAIL_JPEG, downloadable: true },
    });
    expect(ofKind('voice')).toMatchObject({ body: '', media: { durationSeconds: 7, mimetype: 'audio/ogg; codecs=opus', downloadable: true } });
    expect(ofKind('document')).toMatchObject({ body: 'Here is the price list', media: { fileName: 'Price list 2026.pdf', size: SIM_MEDIA[3]!.size } });
    // Text messages stay text.
    expect(thread.filter((m) => !m.media).map((m) => m.body)).toEqual(chat().messages.filter((m) => !m.media).map((m) => m.body));
  }, 240_000);

  it('downloads the photo, and a document past the 1 MiB answer cap, through the library’s downloadMedia()', async () => {
    expect(accountId).not.toBe('');
    const photo = await t.call('messages.media', { accountId, chatId: chat().id, messageId: ofKind('image').id });
    expect(photo).toMatchObject({ mimetype: 'image/jpeg', size: SIM_MEDIA[0]!.size });
    expect(Buffer.from(photo.data, 'base64').equals(SIM_MEDIA[0]!.bytes())).toBe(true);
    // It went through WhatsApp Web's download manager in the page, not around it.
    await standin.waitForReport('media_downloaded', (data) => (data as { type?: string }).type === 'image', 15_000);

    const document = await t.call('messages.media', { accountId, chatId: chat().id, messageId: ofKind('document').id });
    expect(document).toMatchObject({ mimetype: 'application/pdf', fileName: 'Price list 2026.pdf', size: SIM_MEDIA[3]!.size });
    expect(Buffer.from(document.data, 'base64').equals(SIM_MEDIA[3]!.bytes())).toBe(true);

    // The 40 MB video is refused before the page is asked for it.
    await expect(t.call('messages.media', { accountId, chatId: chat().id, messageId: ofKind('video').id })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^The slice said: This file is 40\.0 MB, more than the 16\.0 MB/) });
    expect(standin.of('media_downloaded').filter((r) => (r.data as { type?: string }).type === 'video')).toEqual([]);
    expect(standin.of('page_error').map((report) => String(report.data).split('\n')[0])).toEqual([]);
  }, 120_000);
});
