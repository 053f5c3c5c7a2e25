/**
 * The wire protocol between the host and one slice container (PRODUCT §2).
 * Shared by the slice service (src/slice) and the host's slice client
 * (src/main/core/slice-client.ts) so neither can drift from the other.
 */
import * as z from 'zod/mini';
import { CHATS_PAGE_MAX, CHAT_CURSOR_MAX_CHARS, MESSAGES_PAGE_MAX } from './paging';
import { LINK_WAIT_STEPS, type Chat, type ChatMessage, type DriverName, type InstanceState, type LinkWaitStep, type MediaFile, type MediaKind, type QrInfo, type SendResult } from './types';
import { cleanSliceWords } from './text-safety';

/** The port the slice listens on inside its container. */
export const SLICE_INTERNAL_PORT = 8080;

export const SLICE_PATHS = {
  health: '/health',
  initialize: '/api/status/initialize',
  status: '/api/status',
  events: '/api/events',
  messages: '/api/messages',
  /** `?cursor=&limit=&query=` (all optional): one page of chats, newest activity first (@shared/paging). */
  chats: '/api/chats',
  /** + `/:chatId/messages`, `?before=&limit=`: one page going back in time, oldest first. */
  chatMessages: (chatId: string) => `/api/chats/${encodeURIComponent(chatId)}/messages`,
  logout: '/api/logout',
  /** A media message's file: `{ mimetype, fileName?, size, data (base64) }`, at most MEDIA_MAX_BYTES (413 with words past it). */
  media: (chatId: string, messageId: string) => `/api/chats/${encodeURIComponent(chatId)}/messages/${encodeURIComponent(messageId)}/media`,
  /** Link by phone number: `{ phoneNumber }` → `{ code, expiresAt }` (whatsapp-web.js requestPairingCode). */
  pairingCode: '/api/pairing-code',
  /** Simulated driver only: the phone scans the code on screen. */
  simScan: '/api/sim/scan',
  /** Simulated driver only: inject a fault (drop link, fail initialize, phone logout). */
  simFault: '/api/sim/fault',
} as const;

/**
 * Where the host puts the slice's bearer token inside the container: a 0400 file
 * owned by the slice user, in the account's volume (the root filesystem is
 * read-only), named after the slice so a previous slice's file is never read.
 * The path, not the token, travels in the environment. The host writes it just
 * after starting the container; the slice waits for it (SLICE_TOKEN_WAIT_MS).
 */
export const SLICE_TOKEN_DIR = '/data/.slicedeck';
export function sliceTokenFile(sliceId: string): string {
  return `${SLICE_TOKEN_DIR}/${sliceId}.token`;
}
/** How long a slice waits for its token file before giving up with words. */
export const SLICE_TOKEN_WAIT_MS = 30_000;

/** Environment the host gives each slice container. */
export const SLICE_ENV = {
  /** For running a slice by hand only; the host passes `tokenFile` instead (an environment is readable by every process). */
  token: 'SLICE_TOKEN',
  /** A file holding the token (read once at start). */
  tokenFile: 'SLICE_TOKEN_FILE',
  port: 'SLICE_PORT',
  driver: 'SLICE_DRIVER',
  instanceId: 'SLICE_INSTANCE_ID',
  qrCodes: 'QR_CODES',
  /** Lifetime of every code after the first (WhatsApp: ~20 s). */
  qrTtlMs: 'QR_TTL_MS',
  /** Lifetime of the first code of a start (WhatsApp: ~60 s). */
  qrFirstTtlMs: 'QR_FIRST_TTL_MS',
  /** After the last code expired while a phone that scanned is still logging in: how long to wait for it. */
  qrScanGraceMs: 'QR_SCAN_GRACE_MS',
  simContacts: 'SIM_CONTACTS',
  /** Simulated driver: chats on the account (0 = as many as contacts, at most 40). */
  simChats: 'SIM_CHATS',
  /** Simulated driver: length of each chat's last message (0 = a short line). */
  simLastMessageChars: 'SIM_LAST_MESSAGE_CHARS',
  /** Simulated driver: messages in the newest chat (0 = 2–6 like the others). */
  simHistoryMessages: 'SIM_HISTORY_MESSAGES',
  simContactIntervalMs: 'SIM_CONTACT_INTERVAL_MS',
  simLinkDelayMs: 'SIM_LINK_DELAY_MS',
  /** Simulated driver: a 1:1 contact answers a sent message after this long (0 = never). */
  simReplyDelayMs: 'SIM_REPLY_DELAY_MS',
  authBaseDir: 'AUTH_BASE_DIR',
  /** Real driver: a JSON array of extra Chromium flags (e.g. a proxy), appended to the container's own. */
  chromiumExtraArgs: 'CHROMIUM_EXTRA_ARGS',
  readyTimeoutMs: 'READY_TIMEOUT_MS',
  restartBackoffMs: 'RESTART_BACKOFF_MS',
  maxRestartsPerWindow: 'MAX_RESTARTS_PER_WINDOW',
  windowMinutes: 'WINDOW_MINUTES',
  /** How often the slice asks its client whether it still answers (0 = never); two silent probes in a row = deaf. */
  livenessProbeMs: 'LIVENESS_PROBE_MS',
  /** How long a pairing code lives before WhatsApp issues the next (whatsapp-web.js requestPairingCode intervalMs). */
  pairingCodeTtlMs: 'PAIRING_CODE_TTL_MS',
  /** Simulated driver: the contact's phone acks a sent message (delivered, then read) after this long each (0 = never). */
  simAckDelayMs: 'SIM_ACK_DELAY_MS',
  /** The largest media file the slice downloads and answers (bytes; the host's SLICEDECK_MEDIA_MAX_BYTES). */
  mediaMaxBytes: 'MEDIA_MAX_BYTES',
  /**
   * Simulated driver: when a restored session finishes syncing — `after_listener` (after
   * whatsapp-web.js listens for it, the default), `with_connected` (already synced when the
   * library looks, as WhatsApp does for a fresh session on a good connection), `never`.
   */
  simRestoreSync: 'SIM_RESTORE_SYNC',
  /**
   * On SIGTERM the slice closes its client and browser within this long, then exits anyway
   * (SLICE_SHUTDOWN_TIMEOUT_EXIT); the host sets it below its stop grace, after which the engine SIGKILLs.
   */
  shutdownMs: 'SHUTDOWN_MS',
  /** Simulated driver: how long the stand-in browser takes to close (Chromium writing its profile); default 0. */
  simCloseMs: 'SIM_CLOSE_MS',
} as const;

/** The exit code of a slice whose own shutdown bound (SHUTDOWN_MS) ran out before its browser closed (as timeout(1)). */
export const SLICE_SHUTDOWN_TIMEOUT_EXIT = 124;

/** The slice's shutdown bound for a host stop grace: most of it, leaving the process time to exit before the SIGKILL. */
export function sliceShutdownMs(stopGraceMs: number): number {
  return Math.max(200, Math.floor(stopGraceMs * 0.8));
}

/** The media limit unless SLICEDECK_MEDIA_MAX_BYTES says otherwise: 16 MiB (WhatsApp sends photos, voice notes and most videos below it). */
export const DEFAULT_MEDIA_MAX_BYTES = 16 * 1024 * 1024;
/** The largest media limit that may be set: 64 MiB (a file is held whole, base64, in the slice, the host and the window). */
export const MEDIA_MAX_BYTES_CEILING = 64 * 1024 * 1024;
/** A thumbnail longer than this (base64 characters) is dropped: WhatsApp's are a few KB. */
export const MEDIA_THUMBNAIL_MAX_CHARS = 64 * 1024;

/**
 * The host's cap on the media route's answer: the file in base64 (4 characters per 3
 * bytes) plus room for the JSON around it. Every other answer keeps SLICE_MAX_MESSAGE_BYTES.
 */
export function mediaAnswerCapBytes(mediaMaxBytes: number): number {
  return Math.ceil(mediaMaxBytes / 3) * 4 + 16 * 1024;
}

/** `GET /health` with the token (without it: `{ ok: true }` only, no identity). */
export interface SliceHealth {
  ok: true;
  driver: DriverName;
  instanceId: string;
  uptimeMs: number;
}

/** `GET /api/status`. */
export interface SliceStatus {
  state: InstanceState;
  driver: DriverName;
  /** The code currently shown, while waiting for a scan. */
  qr: QrInfo | null;
  authenticated: boolean;
  contacts: number;
  restarts: number;
  error: string | null;
}

/** Server-sent events from `GET /api/events`; `data` is JSON. */
export interface SliceEventMap {
  state: { state: InstanceState; reason?: string };
  qr: QrInfo;
  /**
   * A phone scanned and is logging in (WhatsApp is syncing before `authenticated`):
   * do not tear the slice down before `until` (epoch ms), even if the last code expired.
   */
  pairing: { until: number };
  authenticated: Record<string, never>;
  contacts: { count: number; done: boolean };
  ready: Record<string, never>;
  disconnected: { reason: string };
  error: { message: string };
  message: { message: ChatMessage };
  /** whatsapp-web.js `message_ack` for a message this account sent (MessageAck: 1 server, 2 device, 3 read, 4 played). */
  'message.ack': { messageId: string; ack: number };
  /** Link by phone number: the code to type on the phone, until `expiresAt` (then WhatsApp issues the next). */
  code: { code: string; issuedAt: number; expiresAt: number };
  /** WhatsApp Web's loading screen while it syncs (whatsapp-web.js `loading_screen`), 0–100. */
  loading: { percent: number };
  /** While starting or linking with no code on screen: what the client is waiting for (replayed while connecting). */
  waiting: { step: LinkWaitStep };
}
export type SliceEventName = keyof SliceEventMap;
export type SliceEvent = { [K in SliceEventName]: { type: K; data: SliceEventMap[K] } }[SliceEventName];

/** `POST /api/messages` body. */
export interface SliceSendRequest {
  chatId: string;
  text: string;
}
/**
 * `POST /api/messages` answer: the slice sends now or refuses, and keeps nothing. `sent`
 * with WhatsApp's message id, or `failed` with WhatsApp's words (it did not take it: an
 * unknown chat, a refusal). A slice that is not ready — or whose link dropped before the
 * send reached WhatsApp — refuses with 409 `{ error, code: 'not_ready' }`: nothing was sent,
 * and the host's outbox keeps the message and hands it over again once the account is Ready.
 */
export interface SliceSendResponse {
  status: 'sent' | 'failed';
  messageId: string | null;
  error: string | null;
}
/** The 409 refusal's `code` when the client is not ready (sends and reads alike). */
export const NOT_READY_CODE = 'not_ready';
export type SliceChatsResponse = Chat[];
export type SliceMessagesResponse = ChatMessage[];

/**
 * Simulated driver (SIM_RESTORE_SYNC): when WhatsApp has a restored session synced.
 * `after_listener` — SIM_LINK_DELAY_MS after whatsapp-web.js listens for `change:hasSynced`
 * (the default); `with_connected` — together with CONNECTED, before the library listens (a
 * session minutes old on a good connection: 1.34.7 then emits neither `authenticated` nor
 * `ready` by itself); `never` — the sync never completes (a phone that stays offline).
 */
export const RESTORE_SYNC_MODES = ['after_listener', 'with_connected', 'never'] as const;
export type RestoreSync = (typeof RESTORE_SYNC_MODES)[number];
/** A chats page as asked for (the host passes on what the caller gave). */
export interface SliceChatsRequest {
  cursor?: string;
  limit?: number;
  query?: string;
}
/** A messages page as asked for. */
export interface SliceMessagesRequest {
  before?: string;
  limit?: number;
}

/** The query string of a page request; absent fields are left out. */
export function pageQueryString(fields: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export type SimFaultKind = 'drop_link' | 'fail_initialize' | 'phone_logout' | 'go_deaf' | 'revoke_session';

/** `POST /api/pairing-code` body and answer. */
export interface PairingCodeRequest {
  /** International format, digits only once cleaned (7–15 digits, country code first). */
  phoneNumber: string;
}
export interface PairingCodeResponse {
  code: string;
  expiresAt: number;
}

/** A phone number as WhatsApp's pairing wants it: spaces, +, (, ), - dropped; 7–15 digits. */
export function cleanPhoneNumber(raw: string): string | null {
  const digits = raw.replace(/[\s+().-]/g, '');
  return /^\d{7,15}$/.test(digits) ? digits : null;
}

/** For logs: never a whole number (`…6789`). */
export function maskPhoneNumber(digits: string): string {
  return `…${digits.slice(-4)}`;
}

/**
 * For logs: a chat id without the contact's number, masked as the pairing number is
 * (`491701234567@c.us` → `…4567@c.us`); the part after `@` says what kind of chat it was.
 */
export function maskChatId(chatId: string): string {
  const at = chatId.lastIndexOf('@');
  const user = at < 0 ? chatId : chatId.slice(0, at);
  return `${maskPhoneNumber(user)}${at < 0 ? '' : chatId.slice(at)}`;
}

/** The longest `syncMs` a simulated scan accepts (a phone that takes that long from scan to `authenticated`). */
export const SIM_SYNC_MAX_MS = 120_000;

/** `POST /api/sim/scan` body. */
export interface SimScanRequest {
  /** How long the phone takes between the scan and `authenticated` (default: SIM_LINK_DELAY_MS). */
  syncMs?: number;
}

// ── schemas: the host never trusts a slice ────────────────────────────────────
//
// Every event and answer from a slice is checked against these before it reaches
// the store or the UI (src/main/core/slice-client.ts). zod/mini: the slice bundles
// this file too, and pays on every boot for the code it loads. Objects are not
// strict (a newer slice may add fields), but every field the host reads is checked,
// and text is bounded so one slice cannot flood the store or a window.

/** Largest event line or answer the host reads from a slice; past it the stream or call is dropped. */
export const SLICE_MAX_MESSAGE_BYTES = 1024 * 1024;

const text = (max: number) => z.string().check(z.maxLength(max));
/**
 * The slice's own words (errors, reasons): bounded like any text, then cleaned of control
 * and bidi characters as they are read (text-safety.ts), before the host stores or shows them.
 */
const sliceWords = () => z.string().check(z.maxLength(4_096), z.overwrite((words) => cleanSliceWords(words)));
const count = () => z.number().check(z.int(), z.minimum(0), z.maximum(10_000_000));
const epochMs = () => z.number().check(z.int(), z.minimum(0));
/**
 * Every value of a union, checked both ways at compile time: a state, driver or status
 * added to types.ts without being added here fails the type check instead of making
 * the host refuse every slice that uses it.
 */
function allOf<T extends string>() {
  return <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : { missing: Exclude<T, L[number]> })) => list;
}
const instanceState = z.enum(allOf<InstanceState>()(['ready', 'connecting', 'disconnected', 'needs_qr', 'error']));
const driverName = z.enum(allOf<DriverName>()(['simulated', 'whatsapp-web.js']));
const outgoingStatus = z.enum(allOf<SendResult['status']>()(['queued', 'sent', 'delivered', 'read', 'failed', 'cancelled']));

export const qrInfoSchema = z.object({
  payload: text(4_096),
  index: z.number().check(z.int(), z.minimum(1), z.maximum(1_000)),
  total: z.number().check(z.int(), z.minimum(1), z.maximum(1_000)),
  issuedAt: epochMs(),
  expiresAt: epochMs(),
});

const mediaKind = z.enum(allOf<MediaKind>()(['image', 'video', 'audio', 'voice', 'sticker', 'document', 'location']));
/** A mimetype: `type/subtype` and parameters, nothing a header or an attribute could be made of. */
export const MIMETYPE_PATTERN = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*(;[ a-z0-9=.+"-]*)*$/i;
/** base64 of a JPEG (`/9j/` is its FF D8 FF start): the only thumbnail ever put into an <img>. */
export const JPEG_BASE64_PATTERN = /^\/9j\/[A-Za-z0-9+/]*={0,2}$/;
const mimetype = () => z.string().check(z.maxLength(255), z.regex(MIMETYPE_PATTERN));
/** A file's name: no control characters, no folders. */
// eslint-disable-next-line no-control-regex -- the point: no control characters
const fileName = () => z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[^\u0000-\u001f\u007f/\\]+$/));
const jpegBase64 = () => z.string().check(z.maxLength(MEDIA_THUMBNAIL_MAX_CHARS), z.regex(JPEG_BASE64_PATTERN));

export const messageMediaSchema = z.object({
  kind: mediaKind,
  mimetype: z.optional(mimetype()),
  size: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER))),
  durationSeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(7 * 24 * 3600))),
  fileName: z.optional(fileName()),
  thumbnail: z.optional(jpegBase64()),
  downloadable: z.boolean(),
  location: z.optional(
    z.object({
      latitude: z.number().check(z.minimum(-90), z.maximum(90)),
      longitude: z.number().check(z.minimum(-180), z.maximum(180)),
      description: z.optional(text(1_024)),
    }),
  ),
});

export const chatMessageSchema = z.object({
  id: text(512),
  chatId: text(512),
  fromMe: z.boolean(),
  body: text(65_536),
  media: z.optional(messageMediaSchema),
  timestamp: epochMs(),
  status: z.optional(outgoingStatus),
  queueId: z.optional(text(512)),
  error: z.optional(z.nullable(sliceWords())),
});

export const chatSchema = z.object({
  id: text(512),
  name: text(1_024),
  isGroup: z.boolean(),
  unreadCount: count(),
  lastMessage: z.optional(z.object({ body: text(65_536), timestamp: epochMs(), fromMe: z.boolean() })),
  cursor: z.optional(text(CHAT_CURSOR_MAX_CHARS)),
});

export const sliceSendResponseSchema = z.object({
  status: z.enum(['sent', 'failed']),
  messageId: z.nullable(text(512)),
  error: z.nullable(sliceWords()),
});

export const sliceHealthSchema = z.object({
  ok: z.literal(true),
  driver: driverName,
  instanceId: text(128),
  uptimeMs: z.number().check(z.minimum(0)),
});

export const sliceStatusSchema = z.object({
  state: instanceState,
  driver: driverName,
  qr: z.nullable(qrInfoSchema),
  authenticated: z.boolean(),
  contacts: count(),
  restarts: count(),
  error: z.nullable(sliceWords()),
});

const empty = z.object({});

/** One schema per event; a new event in SliceEventMap without one here does not compile. */
export const SLICE_EVENT_SCHEMAS: { [K in SliceEventName]: z.ZodMiniType<SliceEventMap[K]> } = {
  state: z.object({ state: instanceState, reason: z.optional(sliceWords()) }),
  qr: qrInfoSchema,
  pairing: z.object({ until: epochMs() }),
  authenticated: empty as z.ZodMiniType<Record<string, never>>,
  contacts: z.object({ count: count(), done: z.boolean() }),
  ready: empty as z.ZodMiniType<Record<string, never>>,
  disconnected: z.object({ reason: sliceWords() }),
  error: z.object({ message: sliceWords() }),
  message: z.object({ message: chatMessageSchema }),
  'message.ack': z.object({ messageId: text(512), ack: z.number().check(z.int(), z.minimum(-1), z.maximum(10)) }),
  code: z.object({ code: text(64), issuedAt: epochMs(), expiresAt: epochMs() }),
  loading: z.object({ percent: z.number().check(z.minimum(0), z.maximum(100)) }),
  waiting: z.object({ step: z.enum(LINK_WAIT_STEPS) }),
};

/** The media route's answer; `data` is checked to be base64 and no larger than the limit by the caller (mediaFileSchema(max)). */
export function mediaFileSchema(mediaMaxBytes: number): z.ZodMiniType<MediaFile> {
  return z.object({
    mimetype: mimetype(),
    fileName: z.optional(fileName()),
    size: z.number().check(z.int(), z.minimum(0), z.maximum(mediaMaxBytes)),
    data: z.string().check(z.maxLength(Math.ceil(mediaMaxBytes / 3) * 4), z.regex(/^[A-Za-z0-9+/]*={0,2}$/)),
  }) as z.ZodMiniType<MediaFile>;
}

export const pairingCodeResponseSchema = z.object({ code: text(64), expiresAt: epochMs() });

/** For the simulation controls' answers, which the host does not read. */
export const anyAnswer = z.unknown();

/** A page holds at most the largest limit a caller may ask for (@shared/paging). */
export const sliceChatsSchema = z.array(chatSchema).check(z.maxLength(CHATS_PAGE_MAX));
export const sliceMessagesSchema = z.array(chatMessageSchema).check(z.maxLength(MESSAGES_PAGE_MAX));

/** Parses one event's data; null when the name is unknown, a ZodMiniError-like failure when invalid. */
export function parseSliceEvent(name: string, data: unknown): { ok: true; event: SliceEvent } | { ok: false; unknown: boolean; problem: string } {
  if (!Object.hasOwn(SLICE_EVENT_SCHEMAS, name)) return { ok: false, unknown: true, problem: `unknown event ${JSON.stringify(name.slice(0, 64))}` };
  const parsed = SLICE_EVENT_SCHEMAS[name as SliceEventName].safeParse(data);
  if (!parsed.success) return { ok: false, unknown: false, problem: describeIssue(name, parsed.error.issues) };
  return { ok: true, event: { type: name, data: parsed.data } as SliceEvent };
}

export function describeIssue(what: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return `${what} is not valid`;
  const path = issue.path.map(String).join('.');
  return `${what}${path ? `.${path}` : ''}: ${issue.message}`.slice(0, 300);
}
