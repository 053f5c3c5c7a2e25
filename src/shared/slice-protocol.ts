/**
 * The wire protocol between the host and one slice container (PRODUCT §2).
 * Shared by the slice service (src/slice) and the host's slice client
 * (src/main/core/slice-client.ts) so neither can drift from the other.
 */
import type { Chat, ChatMessage, DriverName, InstanceState, QrInfo, SendResult } from './types';

/** The port the slice listens on inside its container. */
export const SLICE_INTERNAL_PORT = 8080;

export const SLICE_PATHS = {
  health: '/health',
  initialize: '/api/status/initialize',
  status: '/api/status',
  events: '/api/events',
  messages: '/api/messages',
  chats: '/api/chats',
  /** + `/:chatId/messages` */
  chatMessages: (chatId: string) => `/api/chats/${encodeURIComponent(chatId)}/messages`,
  logout: '/api/logout',
  /** Link by phone number: `{ phoneNumber }` → `{ code, expiresAt }` (whatsapp-web.js requestPairingCode). */
  pairingCode: '/api/pairing-code',
  /** Simulated driver only: the phone scans the code on screen. */
  simScan: '/api/sim/scan',
  /** Simulated driver only: inject a fault (drop link, fail initialize, phone logout). */
  simFault: '/api/sim/fault',
} as const;

/** Environment the host gives each slice container. */
export const SLICE_ENV = {
  token: 'SLICE_TOKEN',
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
  simContactIntervalMs: 'SIM_CONTACT_INTERVAL_MS',
  simLinkDelayMs: 'SIM_LINK_DELAY_MS',
  /** Simulated driver: a 1:1 contact answers a sent message after this long (0 = never). */
  simReplyDelayMs: 'SIM_REPLY_DELAY_MS',
  authBaseDir: 'AUTH_BASE_DIR',
  /** Real driver: a JSON array of extra Chromium flags (e.g. a proxy), appended to the container's own. */
  chromiumExtraArgs: 'CHROMIUM_EXTRA_ARGS',
  maxQueueSize: 'MAX_QUEUE_SIZE',
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
} as const;

/** `GET /health` (no token). */
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
  queueDepth: number;
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
  'message.status': { chatId: string; queueId: string; messageId: string | null; status: 'sent' | 'failed'; error: string | null };
}
export type SliceEventName = keyof SliceEventMap;
export type SliceEvent = { [K in SliceEventName]: { type: K; data: SliceEventMap[K] } }[SliceEventName];

/** `POST /api/messages` body. */
export interface SliceSendRequest {
  chatId: string;
  text: string;
}
export type SliceSendResponse = SendResult;
export type SliceChatsResponse = Chat[];
export type SliceMessagesResponse = ChatMessage[];

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

/** The longest `syncMs` a simulated scan accepts (a phone that takes that long from scan to `authenticated`). */
export const SIM_SYNC_MAX_MS = 120_000;

/** `POST /api/sim/scan` body. */
export interface SimScanRequest {
  /** How long the phone takes between the scan and `authenticated` (default: SIM_LINK_DELAY_MS). */
  syncMs?: number;
}
