import type { Phase, Stage } from './stages';
import type { ProxyView } from './proxy';

/** Epoch milliseconds. Every timestamp crossing a boundary is one of these. */
export type EpochMs = number;

export interface Account {
  id: string;
  name: string;
  createdAt: EpochMs;
  /** The account's proxy (@shared/proxy), without its password; null when it goes direct. */
  proxy?: ProxyView | null;
}

/** One QR code as shown to the account holder ("Code index of total"). */
export interface QrInfo {
  payload: string;
  /** 1-based. */
  index: number;
  total: number;
  issuedAt: EpochMs;
  expiresAt: EpochMs;
}

/** The host's truth about one account's slice; the renderer only projects it. */
export interface SliceView {
  accountId: string;
  sliceId?: string;
  phase: Phase;
  stage: Stage;
  /** When the current stage started (null in `setup` with no history). */
  stageStartedAt: EpochMs | null;
  /** When this connect attempt started. */
  startedAt: EpochMs | null;
  qr?: QrInfo;
  /** A phone scanned the code and is logging in; the slice waits for it until then (epoch ms). */
  pairingUntil?: EpochMs;
  /** Link by phone number: the code to type on the phone (`ABCDEFGH`), until `expiresAt` (then the next one comes). */
  pairingCode?: { code: string; expiresAt: EpochMs };
  /**
   * The account has a saved session and this start is restoring it (no code needed):
   * the connect page says "Restoring the saved session…" instead of waiting for a code.
   */
  restoring?: true;
  /** WhatsApp Web's own loading percent while linking (absent: it said nothing, the bar is indeterminate). */
  loadingPercent?: number;
  /** While starting or linking: what the slice says it is waiting for, in the operator's words. */
  waitingFor?: string;
  /** Messages accepted by the host and not yet taken by WhatsApp. */
  queued?: number;
  /**
   * Unread messages over the account's chats while it is linked: WhatsApp's own per-chat
   * counts as the slice reports them, plus incoming messages since (core/unread/unread-book.ts).
   */
  unread?: number;
  contacts?: number;
  /**
   * What ended the attempt: what failed in the `error` phase, or in `expired` why it
   * expired when the host knows more than "no code was scanned" (a phone scanned but
   * did not finish logging in). Never beside a live phase. Its own column (slices.error), apart from `note`.
   */
  error?: string;
  /**
   * Words beside any other phase, not an error: "WhatsApp lost the link; reconnecting
   * by itself…", "restarting the slice…", or in `setup` why the account left Ready
   * ("WhatsApp logged this account out…").
   */
  note?: string;
  port?: number;
  /** The swarm node the slice runs on (its short name); absent on one engine. */
  node?: string;
  /** Times the host restarted this slice's container (health monitor). */
  restarts?: number;
}

export type DriverName = 'simulated' | 'whatsapp-web.js';

/**
 * What a linking slice is waiting on while no code is on screen (the slice's `waiting`
 * event): WhatsApp Web itself to load, WhatsApp to finish syncing a restored session, the
 * phone that scanned to finish logging in, or the account to load after `authenticated`.
 * The host names it in the view and in the words of a linking that timed out.
 */
export const LINK_WAIT_STEPS = ['whatsapp_web', 'restored_session_sync', 'phone_sync', 'account_load'] as const;
export type LinkWaitStep = (typeof LINK_WAIT_STEPS)[number];

export interface SystemStatus {
  docker: 'ok' | 'unreachable';
  /** Plain words for the operator when docker is unreachable. */
  dockerError?: string;
  image: 'present' | 'missing' | 'building';
  /** Plain words when the last `system.buildImage` failed (cleared once the image is there). */
  imageError?: string;
  imageName: string;
  driver: DriverName;
  simulation: boolean;
  portRange: { from: number; to: number };
  portsInUse: number;
  dataDir: string;
  /** The largest media file the chat page downloads (SLICEDECK_MEDIA_MAX_BYTES). */
  mediaMaxBytes?: number;
  /** The `slicedeck.home` label value of this data dir's containers. */
  homeId: string;
  version: string;
  /** The uid the slices run as (the image's `slicedeck.slice-uid` label; 10001 for an unlabelled image). */
  sliceUid?: number;
  /** Words when a host account (or a subordinate id range) has the slices' uid: it could read every session. */
  sliceUidWarning?: string;
  /** The engine remaps user namespaces (`userns-remap`): the slices' host uid is a subordinate one. */
  usernsRemap?: boolean;
}

/** The InstanceManager's state inside a slice (PRODUCT §2). */
export type InstanceState = 'ready' | 'connecting' | 'disconnected' | 'needs_qr' | 'error';

export interface Chat {
  id: string;
  name: string;
  isGroup: boolean;
  unreadCount: number;
  lastMessage?: { body: string; timestamp: EpochMs; fromMe: boolean };
  /** Where the next page of chats starts after this row (pass it back as `cursor`; opaque). */
  cursor?: string;
}

/**
 * An outgoing message: `queued` (kept in the host's SQLite until WhatsApp takes it),
 * `sent` (WhatsApp took it), `delivered` (on the contact's phone), `read`, or `failed`
 * / `cancelled` with words.
 */
export type OutgoingStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'cancelled';

/**
 * What a message carries besides text, by whatsapp-web.js 1.34.7's `Message.type`:
 * `image`, `video`, `audio`, `voice` (`ptt`, a voice note), `sticker`, `document`,
 * `location` (src/slice/README.md, "Media").
 */
export type MediaKind = 'image' | 'video' | 'audio' | 'voice' | 'sticker' | 'document' | 'location';

export interface MessageMedia {
  kind: MediaKind;
  /** As WhatsApp labels the file (`image/jpeg`, `audio/ogg; codecs=opus`, …). */
  mimetype?: string;
  /** Bytes of the file, as WhatsApp states it before any download. */
  size?: number;
  /** Voice notes, audio and video: whole seconds. */
  durationSeconds?: number;
  /** Documents: the name the sender gave it (no folders, no control characters). */
  fileName?: string;
  /**
   * WhatsApp's own small JPEG preview (images, videos, locations, some documents), base64,
   * at most MEDIA_THUMBNAIL_MAX_CHARS; checked to be a JPEG before anyone shows it.
   */
  thumbnail?: string;
  /** WhatsApp still has the file: `messages.media` can fetch it (whatsapp-web.js `hasMedia`). */
  downloadable: boolean;
  /** Locations: where. */
  location?: { latitude: number; longitude: number; description?: string };
}

/** A media message's file (`messages.media`): at most the media limit (SLICEDECK_MEDIA_MAX_BYTES). */
export interface MediaFile {
  mimetype: string;
  fileName?: string;
  /** Bytes once decoded. */
  size: number;
  /** The file, base64. */
  data: string;
}

export interface ChatMessage {
  id: string;
  chatId: string;
  fromMe: boolean;
  /** The text; for a media message its caption ('' when it has none). */
  body: string;
  /** Present when the message is a photo, voice note, sticker, document, … */
  media?: MessageMedia;
  timestamp: EpochMs;
  /** Outgoing messages only. */
  status?: OutgoingStatus;
  /** Outgoing messages in the host's queue: its id (cancel it with `messages.cancel`). */
  queueId?: string;
  /** Why a `failed` message failed. */
  error?: string | null;
}

/** The slice's answer to a send (PRODUCT §2), passed through unchanged. */
export interface SendResult {
  status: OutgoingStatus;
  instanceState: InstanceState;
  queueDepth: number;
  messageId: string | null;
  queueId: string | null;
  error: string | null;
}

/** One row of the audit trail (slice_events). */
export interface SliceEventRecord {
  id: number;
  accountId: string;
  sliceId: string | null;
  type: string;
  stage: Stage | null;
  message: string | null;
  at: EpochMs;
  /** How many times it happened in a row (1 = once); on a 'history.trimmed' row, how many rows were dropped. */
  repeats: number;
  /** When it last happened, when more than once. */
  lastAt: EpochMs | null;
}

/** One point of a slice's memory sparkline. */
export interface MemorySample {
  at: EpochMs;
  bytes: number;
}

/**
 * Docker's numbers for one running slice (the Dashboard). Metrics are null when
 * the engine had none to give (container not running, or its answer was late).
 */
export interface SliceStats {
  accountId: string;
  sliceId: string;
  /** The runtime's handle on the slice (a container id on one engine, a service id on a swarm). */
  sliceRef?: string;
  /** When the container last started (Docker's State.StartedAt); lets the page tick uptime between samples. */
  startedAt: EpochMs | null;
  uptimeMs: number | null;
  /** Computed like `docker stats`: can exceed 100 on several cores. */
  cpuPercent: number | null;
  /** Usage minus inactive file cache, like `docker stats`. */
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  /** Oldest first, bounded (SLICEDECK_STATS_HISTORY samples). */
  memoryHistory: MemorySample[];
  /** Times the host restarted this slice's container (same as SliceView.restarts). */
  restarts: number;
  sampledAt: EpochMs;
  /**
   * Why this slice has no figures although it runs: where it runs cannot be asked from
   * this host (a swarm node without a reachable engine), in words saying what to do.
   * The figures are null then, never zeros.
   */
  unavailable?: string;
}
