/**
 * Reads of WhatsApp Web's own collections, run inside the page with `pupPage.evaluate`.
 * They replace whatsapp-web.js's `getChats()` (which serialises every chat with its last
 * message through `WWebJS.getChatModel`: 3,000 chats made a 1.6 MB answer) with pages
 * built where the chats already are, returning only what a list row needs.
 *
 * What they read is what whatsapp-web.js 1.34.7 reads (`src/util/Injected/Utils.js`:
 * `getChats` 920 → `WAWebCollections.Chat.getModelsArray()`; `getChatModel` 938–1003:
 * `formattedTitle`, `groupMetadata`, `unreadCount`, `t`, the last message by
 * `lastReceivedKey` from `Msg`; `src/structures/Chat.js` `fetchMessages` 203–247:
 * `chat.msgs`, `isNotification`, `WAWebChatLoadMessages.loadEarlierMsgs({ chat })`).
 *
 * Each function is serialised to text by puppeteer (and by the simulated page), so it may
 * use only its argument and the page's globals: no imports, no outer variables.
 */

/** One list row as the page returns it (the driver adds the cursor). */
export interface PageChatRow {
  id: string;
  name: string;
  isGroup: boolean;
  unreadCount: number;
  /** WhatsApp's last-activity time, seconds. */
  t: number;
  last: { body: string; t: number; fromMe: boolean } | null;
}

export interface ChatsPageArgs {
  /** Start after this row (newest-first order); null for the first page. */
  after: { t: number; id: string } | null;
  limit: number;
  /** Lower-case text to find in the name or the number; null lists every chat. */
  query: string | null;
  nameMax: number;
  previewMax: number;
}

export function chatsPageInPage(args: ChatsPageArgs): PageChatRow[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- WhatsApp Web's models are untyped
  const page = (globalThis as any).window;
  const collections = page.require('WAWebCollections');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const models: any[] = collections.Chat.getModelsArray();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const idOf = (chat: any): string => String(chat?.id?._serialized ?? chat?.id ?? '');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const timeOf = (chat: any): number => (Number.isFinite(Number(chat?.t)) ? Math.max(0, Math.floor(Number(chat.t))) : 0);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const nameOf = (chat: any): string => String(chat?.formattedTitle || chat?.name || chat?.contact?.name || idOf(chat).split('@')[0] || '');
  // Newest first, then by id descending: the order the cursor walks.
  const before = (at: number, aId: string, bt: number, bId: string) => at > bt || (at === bt && aId > bId);
  const query = args.query;
  const digits = query ? query.replace(/[\s+().-]/g, '') : '';
  const byNumber = digits.length > 0 && /^\d+$/.test(digits);
  const picked: { chat: unknown; t: number; id: string }[] = [];
  for (const chat of models) {
    const id = idOf(chat);
    if (!id) continue;
    const t = timeOf(chat);
    if (args.after && !before(args.after.t, args.after.id, t, id)) continue;
    if (query) {
      const hit = nameOf(chat).toLowerCase().includes(query) || (byNumber && id.split('@')[0]!.includes(digits));
      if (!hit) continue;
    }
    picked.push({ chat, t, id });
  }
  picked.sort((a, b) => (before(a.t, a.id, b.t, b.id) ? -1 : before(b.t, b.id, a.t, a.id) ? 1 : 0));
  return picked.slice(0, args.limit).map(({ chat: model, t, id }) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const chat = model as any;
    const key = chat.lastReceivedKey?._serialized;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let last: any = key ? collections.Msg?.get?.(key) : null;
    if (!last) {
      const loaded = chat.msgs?.getModelsArray?.() ?? [];
      last = loaded.length > 0 ? loaded[loaded.length - 1] : null;
    }
    const unread = Number(chat.unreadCount);
    return {
      id,
      name: nameOf(chat).slice(0, args.nameMax),
      isGroup: Boolean(chat.groupMetadata) || id.endsWith('@g.us'),
      // WhatsApp marks a chat "unread" by hand with -1.
      unreadCount: Number.isFinite(unread) ? Math.max(0, Math.floor(unread)) : 0,
      t,
      last: last
        ? {
            // A media message's body is its thumbnail: preview its caption (or nothing).
            body: String((last.directPath || ['image', 'video', 'audio', 'ptt', 'sticker', 'document', 'location'].includes(last.type) ? last.caption : last.body) ?? '').slice(0, args.previewMax),
            t: Number.isFinite(Number(last.t)) ? Math.max(0, Number(last.t)) : t,
            fromMe: Boolean(last.id?.fromMe),
          }
        : null,
    };
  });
}

/** One message as the page returns it. */
export interface PageMessageRow {
  id: string;
  fromMe: boolean;
  /** A text's words; for a media message its caption (its model's `body` is the thumbnail). */
  body: string;
  /** Seconds. */
  t: number;
  /** WhatsApp's message type (`chat`, `image`, `ptt`, `document`, …). */
  type: string;
  /** A media message's fields as its model holds them (what Message.js copies into `_data`); drivers/media.ts checks each. */
  media?: PageMediaFields;
}

export interface PageMediaFields {
  mimetype?: unknown;
  size?: unknown;
  duration?: unknown;
  filename?: unknown;
  caption?: unknown;
  /** The model's `body`: a JPEG thumbnail, when it is short enough to be one. */
  thumbnail?: string;
  /** `Boolean(directPath)`: WhatsApp still has the file (Message.js `hasMedia`). */
  hasFile: boolean;
  lat?: unknown;
  lng?: unknown;
  loc?: unknown;
}

export interface MessagesPageArgs {
  chatId: string;
  /** The id of the oldest message the caller holds; null for the newest page. */
  before: string | null;
  limit: number;
  bodyMax: number;
  /** A media message's model `body` (its thumbnail) longer than this is left out. */
  thumbnailMax: number;
  /** Bound on `loadEarlierMsgs` calls for one page (each asks WhatsApp for an older batch). */
  maxLoads: number;
}

/** Null: no such chat. `missing`: `before` is not a message of that chat (as far back as allowed). */
export async function messagesPageInPage(args: MessagesPageArgs): Promise<{ rows: PageMessageRow[]; missing: boolean } | null> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- WhatsApp Web's models are untyped
  const page = (globalThis as any).window;
  let wid: unknown;
  try {
    wid = page.require('WAWebWidFactory').createWid(args.chatId);
  } catch {
    return null; // not an id WhatsApp can have: no such chat
  }
  const chat = page.require('WAWebCollections').Chat.get(wid);
  if (!chat) return null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const idOf = (m: any): string => String(m?.id?._serialized ?? '');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const shown = (m: any) => m && !m.isNotification && idOf(m) !== '';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let msgs: any[] = (chat.msgs?.getModelsArray?.() ?? []).filter(shown);
  // How many loaded messages are older than `before` (-1: `before` not loaded yet).
  const olderCount = () => (args.before === null ? msgs.length : msgs.findIndex((m) => idOf(m) === args.before));
  let loads = 0;
  while (loads < args.maxLoads) {
    const older = olderCount();
    if (older >= args.limit) break;
    loads++;
    const loaded = await page.require('WAWebChatLoadMessages').loadEarlierMsgs({ chat });
    if (!loaded || !loaded.length) break;
    // WhatsApp adds them to chat.msgs too; keep each once, oldest first.
    const seen = new Set(msgs.map(idOf));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    msgs = [...loaded.filter((m: any) => shown(m) && !seen.has(idOf(m))), ...msgs];
    msgs.sort((a, b) => Number(a.t) - Number(b.t));
  }
  const end = olderCount();
  if (end < 0) return { rows: [], missing: true };
  return {
    missing: false,
    rows: msgs.slice(Math.max(0, end - args.limit), end).map((m) => {
      const type = typeof m.type === 'string' ? m.type : 'chat';
      // A message with a file, or of a media type: its words are the caption, its body the thumbnail (Message.js 45–56).
      const isMedia = Boolean(m.directPath) || ['image', 'video', 'audio', 'ptt', 'sticker', 'document', 'location'].includes(type);
      const t = Number.isFinite(Number(m.t)) ? Math.max(0, Number(m.t)) : 0;
      if (!isMedia) return { id: idOf(m), fromMe: Boolean(m.id?.fromMe), body: String(m.body ?? '').slice(0, args.bodyMax), t, type };
      const thumbnail = typeof m.body === 'string' && m.body.length <= args.thumbnailMax ? m.body : undefined;
      return {
        id: idOf(m),
        fromMe: Boolean(m.id?.fromMe),
        body: typeof m.caption === 'string' ? m.caption.slice(0, args.bodyMax) : '',
        t,
        type,
        media: { mimetype: m.mimetype, size: m.size, duration: m.duration, filename: m.filename, caption: m.caption, thumbnail, hasFile: Boolean(m.directPath), lat: m.lat, lng: m.lng, loc: m.loc },
      };
    }),
  };
}
