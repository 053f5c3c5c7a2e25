/**
 * Media messages mapped as what they are. The input is what WhatsApp Web serialises
 * (the `_data` whatsapp-web.js 1.34.7 reads), run through the library's own `Message`
 * class (its `hasMedia`, `body` = caption, `duration`, `location`), then through the
 * driver's `toChatMessage`; the answer is checked against the host's schema too.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { chatMessageSchema } from '@shared/slice-protocol';
import type { ChatMessage } from '@shared/types';
import { SIM_THUMBNAIL_JPEG } from '../../../src/slice/drivers/simulated-media';
import { loadSliceConfig } from '../../../src/slice/config';
import type { DriverEventSink } from '../../../src/slice/drivers/driver';
import { WwebjsDriver, toChatMessage } from '../../../src/slice/drivers/wwebjs';
import type { WaClient, WaMessage } from '../../../src/slice/drivers/wa-client';
import { FAST_ENV } from './harness';

const require = createRequire(import.meta.url);
const Message = require('whatsapp-web.js/src/structures/Message.js') as new (client: unknown, data: Record<string, unknown>) => WaMessage;

const CHAT = '15550001111@c.us';
let serial = 0;
/** A message as WhatsApp Web serialises it, made a `Message` by the real library. */
function received(fields: Record<string, unknown>): WaMessage {
  const id = `3A${String(++serial).padStart(18, '0')}`;
  return new Message({}, { id: { fromMe: false, remote: CHAT, id, _serialized: `false_${CHAT}_${id}` }, from: CHAT, to: '15550000000@c.us', t: 1_765_000_000, ack: 0, ...fields });
}

function mapped(fields: Record<string, unknown>): ChatMessage {
  const message = toChatMessage(received(fields));
  // Whatever the driver makes of it, the host's schema takes it.
  expect(chatMessageSchema.safeParse(message).success, JSON.stringify(message).slice(0, 300)).toBe(true);
  return message;
}

describe('a media message maps to what it is', () => {
  it('an image: its caption as the text, WhatsApp’s JPEG thumbnail, mimetype and size, downloadable', () => {
    const message = mapped({ type: 'image', directPath: '/v/t62.7118-24/1', mimetype: 'image/jpeg', size: 48_211, caption: 'The view', body: SIM_THUMBNAIL_JPEG, width: 1280, height: 960 });
    expect(message.body).toBe('The view');
    expect(message.media).toEqual({ kind: 'image', mimetype: 'image/jpeg', size: 48_211, thumbnail: SIM_THUMBNAIL_JPEG, downloadable: true });
  });

  it('an image WhatsApp no longer has: the thumbnail stays a thumbnail, never the text (the library puts it in body)', () => {
    const raw = received({ type: 'image', mimetype: 'image/jpeg', size: 48_211, body: SIM_THUMBNAIL_JPEG });
    expect(raw.hasMedia).toBe(false);
    expect(raw.body).toBe(SIM_THUMBNAIL_JPEG);
    const message = mapped({ type: 'image', mimetype: 'image/jpeg', size: 48_211, body: SIM_THUMBNAIL_JPEG });
    expect(message.body).toBe('');
    expect(message.media).toMatchObject({ kind: 'image', thumbnail: SIM_THUMBNAIL_JPEG, downloadable: false });
  });

  it('a voice note (ptt): its duration in seconds (WhatsApp gives a string), no text', () => {
    const message = mapped({ type: 'ptt', directPath: '/v/t62.7117-24/2', mimetype: 'audio/ogg; codecs=opus', size: 11_874, duration: '7', body: '' });
    expect(message.body).toBe('');
    expect(message.media).toEqual({ kind: 'voice', mimetype: 'audio/ogg; codecs=opus', size: 11_874, durationSeconds: 7, downloadable: true });
  });

  it('audio and video keep their duration; a video its thumbnail', () => {
    expect(mapped({ type: 'audio', directPath: '/a', mimetype: 'audio/mpeg', size: 3_000_000, duration: 201 }).media).toMatchObject({ kind: 'audio', durationSeconds: 201 });
    const video = mapped({ type: 'video', directPath: '/v', mimetype: 'video/mp4', size: 41_943_040, duration: '95', caption: 'Highlights', body: SIM_THUMBNAIL_JPEG });
    expect(video.body).toBe('Highlights');
    expect(video.media).toEqual({ kind: 'video', mimetype: 'video/mp4', size: 41_943_040, durationSeconds: 95, thumbnail: SIM_THUMBNAIL_JPEG, downloadable: true });
  });

  it('a sticker: a WebP, no caption', () => {
    const message = mapped({ type: 'sticker', directPath: '/s', mimetype: 'image/webp', size: 3_006, body: '' });
    expect(message.body).toBe('');
    expect(message.media).toEqual({ kind: 'sticker', mimetype: 'image/webp', size: 3_006, downloadable: true });
  });

  it('a document: its file name and size, and its caption as the text', () => {
    const message = mapped({ type: 'document', directPath: '/d', mimetype: 'application/pdf', size: 2_621_440, filename: 'Price list 2026.pdf', caption: 'Here it is', pageCount: 3 });
    expect(message.body).toBe('Here it is');
    expect(message.media).toEqual({ kind: 'document', mimetype: 'application/pdf', size: 2_621_440, fileName: 'Price list 2026.pdf', downloadable: true });
  });

  it('a location: where, in words, with its thumbnail — and the thumbnail is not the text', () => {
    const message = mapped({ type: 'location', lat: 38.7223, lng: -9.1393, loc: 'Praça do Comércio\nLisbon', body: SIM_THUMBNAIL_JPEG });
    expect(message.body).toBe('');
    expect(message.media).toEqual({
      kind: 'location',
      thumbnail: SIM_THUMBNAIL_JPEG,
      downloadable: false,
      location: { latitude: 38.7223, longitude: -9.1393, description: 'Praça do Comércio, Lisbon' },
    });
  });

  it('a text message has no media and keeps its body', () => {
    const message = mapped({ type: 'chat', body: 'Just text' });
    expect(message.body).toBe('Just text');
    expect(message.media).toBeUndefined();
  });
});

describe('what a page hands over is checked, not passed on', () => {
  it('drops a thumbnail that is not a JPEG or is too long, a mimetype that could be a header, a negative size', () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64');
    for (const body of [svg, `/9j/${'A'.repeat(70_000)}`, '/9j/not base64!', 'javascript:alert(1)']) {
      expect(mapped({ type: 'image', directPath: '/i', mimetype: 'image/jpeg', body }).media?.thumbnail).toBeUndefined();
    }
    const odd = mapped({ type: 'document', directPath: '/d', mimetype: 'text/html\r\nSet-Cookie: x=1', size: -5, duration: 'soon' });
    expect(odd.media).toEqual({ kind: 'document', downloadable: true });
  });

  it('keeps only the last segment of a file name, without control characters', () => {
    expect(mapped({ type: 'document', directPath: '/d', filename: '../../etc/passwd' }).media?.fileName).toBe('passwd');
    expect(mapped({ type: 'document', directPath: '/d', filename: 'C:\\Users\\x\\invoice\u0000\u001b[31m.pdf' }).media?.fileName).toBe('invoice[31m.pdf');
    expect(mapped({ type: 'document', directPath: '/d', filename: '..' }).media?.fileName).toBeUndefined();
  });

  it('the host’s schema refuses, from a slice that skipped the mapping, a thumbnail that is not a JPEG, a file name with folders, a header in a mimetype', () => {
    const base = { id: 'false_1@c.us_A', chatId: '1@c.us', fromMe: false, body: '', timestamp: 1 };
    const svg = Buffer.from('<svg onload="alert(1)"/>').toString('base64');
    for (const media of [
      { kind: 'image', downloadable: true, thumbnail: svg },
      { kind: 'image', downloadable: true, thumbnail: `/9j/${'A'.repeat(70_000)}` },
      { kind: 'document', downloadable: true, fileName: '../secrets.txt' },
      { kind: 'document', downloadable: true, mimetype: 'text/html\r\nSet-Cookie: a=1' },
      { kind: 'hologram', downloadable: true },
    ]) {
      expect(chatMessageSchema.safeParse({ ...base, media }).success, JSON.stringify(media).slice(0, 80)).toBe(false);
    }
    expect(chatMessageSchema.safeParse({ ...base, media: { kind: 'image', downloadable: true, thumbnail: SIM_THUMBNAIL_JPEG } }).success).toBe(true);
  });

  it('a type this version does not name, with a file, is offered as a document', () => {
    expect(mapped({ type: 'album_item', directPath: '/x', mimetype: 'image/heic', size: 10 }).media).toEqual({ kind: 'document', mimetype: 'image/heic', size: 10, downloadable: true });
  });
});

describe('pages read in the page (page-queries.ts)', () => {
  /** WhatsApp Web's models as plain fields (what the page holds): a media message's `body` is its thumbnail, its words `caption`. */
  const photo = { id: { _serialized: `false_${CHAT}_P1`, fromMe: false }, t: 1_765_000_000, type: 'image', body: SIM_THUMBNAIL_JPEG, caption: 'Old photo', mimetype: 'image/jpeg', size: 5_120, directPath: '/v/photo' };
  const place = { id: { _serialized: `false_${CHAT}_L1`, fromMe: false }, t: 1_765_000_060, type: 'location', body: SIM_THUMBNAIL_JPEG, lat: 38.7, lng: -9.1, loc: 'Lisbon' };
  const other = '15550002222@c.us';
  const chats = [
    { id: { _serialized: CHAT }, t: 1_765_000_060, formattedTitle: 'Chat with a place', unreadCount: 0, lastReceivedKey: { _serialized: place.id._serialized }, msgs: { getModelsArray: () => [photo, place] } },
    { id: { _serialized: other }, t: 1_765_000_000, formattedTitle: 'Chat with a photo', unreadCount: 0, msgs: { getModelsArray: () => [photo] } },
  ];
  const byId = new Map([photo, place].map((m) => [m.id._serialized, m]));
  const window = {
    require: (name: string) =>
      ({
        WAWebCollections: { Chat: { getModelsArray: () => chats, get: (wid: { _serialized: string }) => chats.find((c) => c.id._serialized === wid._serialized) }, Msg: { get: (key: string) => byId.get(key) } },
        WAWebWidFactory: { createWid: (id: string) => ({ _serialized: id }) },
        WAWebChatLoadMessages: { loadEarlierMsgs: async () => [] },
      })[name],
  };

  async function readyDriver(): Promise<WwebjsDriver> {
    // puppeteer's evaluate runs the function in the page; here the page's globals are `window` above.
    const evaluate = async (fn: (args: unknown) => unknown, args: unknown) => {
      (globalThis as unknown as { window: unknown }).window = window;
      try {
        return await fn(args);
      } finally {
        delete (globalThis as unknown as { window?: unknown }).window;
      }
    };
    const client = Object.assign(new EventEmitter(), {
      pupPage: { evaluate },
      pupBrowser: null,
      initialize: async () => undefined,
      destroy: async () => undefined,
      logout: async () => undefined,
      getState: async () => 'CONNECTED' as const,
      getMessageById: async () => null,
      sendMessage: async () => undefined,
      requestPairingCode: async () => '',
    }) as unknown as WaClient & EventEmitter;
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    // Every sink callback does nothing but `ready`, which is what the test waits for.
    const sink = new Proxy({}, { get: (_target, name) => (name === 'ready' ? markReady : () => undefined) }) as DriverEventSink;
    const driver = new WwebjsDriver('simulated', loadSliceConfig({ ...FAST_ENV, AUTH_BASE_DIR: '/nonexistent-slicedeck-test' }), async () => client, sink, () => undefined);
    await driver.initialize();
    client.emit('ready');
    await ready;
    return driver;
  }

  it('previews a chat whose last message is a location or a photo by its caption, never the base64 thumbnail the model holds in body', async () => {
    const driver = await readyDriver();
    const page = await driver.listChats({ after: null, limit: 50, query: null });
    expect(page.map((chat) => [chat.name, chat.lastMessage?.body])).toEqual([
      ['Chat with a place', ''],
      ['Chat with a photo', 'Old photo'],
    ]);
  });

  it('maps a media message of a messages page as what it is: caption as words, the thumbnail, downloadable while WhatsApp has the file', async () => {
    const driver = await readyDriver();
    const rows = (await driver.listMessages(CHAT, { before: null, limit: 50 }))!;
    expect(rows.map((row) => chatMessageSchema.safeParse(row).success)).toEqual([true, true]);
    expect(rows[0]).toMatchObject({ body: 'Old photo', media: { kind: 'image', mimetype: 'image/jpeg', size: 5_120, thumbnail: SIM_THUMBNAIL_JPEG, downloadable: true } });
    expect(rows[1]).toMatchObject({ body: '', media: { kind: 'location', downloadable: false, location: { latitude: 38.7, longitude: -9.1, description: 'Lisbon' } } });
  });
});
