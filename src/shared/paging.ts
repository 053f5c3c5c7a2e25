/**
 * Paging of chats and messages, shared by the slice (which builds pages), the host
 * (which checks them) and the renderer (which asks for them). An account may hold tens of
 * thousands of chats: nothing ever serialises them all, and no page a well-behaved slice
 * builds can approach the host's SLICE_MAX_MESSAGE_BYTES (that cap is for hostile slices).
 *
 * Chats: newest activity first (WhatsApp's `t`, then the id for a stable order); the
 * cursor of a row is where the next page starts (opaque to callers: pass the last row's
 * `cursor` back). Messages: pages going back in time; `before` is the id of the oldest
 * message the caller holds. An empty page is the end.
 */

/** Chats per page when the caller gives no limit, and the most a caller may ask for. */
export const CHATS_PAGE_DEFAULT = 50;
export const CHATS_PAGE_MAX = 200;
/** Messages per page when the caller gives no limit, and the most a caller may ask for. */
export const MESSAGES_PAGE_DEFAULT = 50;
export const MESSAGES_PAGE_MAX = 200;
/** The longest search text (a name or a phone number). */
export const CHAT_QUERY_MAX_CHARS = 64;
/** A chat name in a list row is cut to this many characters (WhatsApp allows far less). */
export const CHAT_NAME_MAX_CHARS = 256;
/** The last-message preview in a list row: the list shows one line of it. */
export const CHAT_PREVIEW_MAX_CHARS = 200;
/** A message body in a page (WhatsApp's own limit is 65,536). */
export const MESSAGE_BODY_MAX_CHARS = 65_536;
/**
 * A page's JSON is trimmed to this many bytes (rows past it go to the next page; one row
 * always stays). The largest single row is a 65,536-character body of characters JSON
 * escapes as `\u00XX` (6 bytes each, ~384 KiB), so no page exceeds
 * max(PAGE_BUDGET_BYTES, ~385 KiB) — well under the host's 1 MiB cap.
 */
export const PAGE_BUDGET_BYTES = 256 * 1024;

/** Where a chats page starts: after the chat with this activity time (s) and id. */
export interface ChatCursor {
  t: number;
  id: string;
}

const CURSOR_PREFIX = 'c1.';
/** A cursor as the slice hands it out: `c1.<t>.<chat id>` (chat ids have no spaces). */
export const CHAT_CURSOR_PATTERN = /^c1\.\d{1,15}\.[A-Za-z0-9._:@-]{1,128}$/;
export const CHAT_CURSOR_MAX_CHARS = 160;

export function encodeChatCursor(cursor: ChatCursor): string {
  return `${CURSOR_PREFIX}${Math.max(0, Math.floor(cursor.t))}.${cursor.id}`;
}

/** Null when the text is not a cursor this protocol hands out. */
export function decodeChatCursor(text: string): ChatCursor | null {
  if (text.length > CHAT_CURSOR_MAX_CHARS || !CHAT_CURSOR_PATTERN.test(text)) return null;
  const rest = text.slice(CURSOR_PREFIX.length);
  const dot = rest.indexOf('.');
  return { t: Number(rest.slice(0, dot)), id: rest.slice(dot + 1) };
}

/** Newest first, then by id (descending) so rows with the same second keep one order. */
export function compareChatOrder(a: ChatCursor, b: ChatCursor): number {
  if (a.t !== b.t) return b.t - a.t;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** A limit as the caller gave it, within bounds. */
export function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(max, Math.floor(limit)));
}
