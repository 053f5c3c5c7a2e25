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
  /** Simulated driver only: the phone scans the code on screen. */
  simScan: '/api/sim/scan',
  /** Simulated driver only: inject a fault (drop link, fail initialize, phone logout). */
  simFault: '/api/sim/fault',
} as const;

/**
 * Where the host puts the slice's bearer token inside the container: a 0400 file
 * owned by the slice user, in the account's volume (the root filesystem is
 * read-only). The path, not the token, travels in the environment.
 */
export const SLICE_TOKEN_DIR = '/data/.slicedeck';
export const SLICE_TOKEN_FILE = `${SLICE_TOKEN_DIR}/token`;

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
  qrTtlMs: 'QR_TTL_MS',
  simContacts: 'SIM_CONTACTS',
  simContactIntervalMs: 'SIM_CONTACT_INTERVAL_MS',
  simLinkDelayMs: 'SIM_LINK_DELAY_MS',
  /** Simulated driver: a 1:1 contact answers a sent message after this long (0 = never). */
  simReplyDelayMs: 'SIM_REPLY_DELAY_MS',
  authBaseDir: 'AUTH_BASE_DIR',
  maxQueueSize: 'MAX_QUEUE_SIZE',
  readyTimeoutMs: 'READY_TIMEOUT_MS',
  restartBackoffMs: 'RESTART_BACKOFF_MS',
  maxRestartsPerWindow: 'MAX_RESTARTS_PER_WINDOW',
  windowMinutes: 'WINDOW_MINUTES',
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
  authenticated: Record<string, never>;
  contacts: { count: number; done: boolean };
  ready: Record<string, never>;
  disconnected: { reason: string };
  error: { message: string };
  message: { message: ChatMessage };
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

export type SimFaultKind = 'drop_link' | 'fail_initialize' | 'phone_logout';
