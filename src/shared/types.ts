import type { Phase, Stage } from './stages';

/** Epoch milliseconds. Every timestamp crossing a boundary is one of these. */
export type EpochMs = number;

export interface Account {
  id: string;
  name: string;
  createdAt: EpochMs;
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
  /** Messages accepted by the host and not yet taken by WhatsApp. */
  queued?: number;
  contacts?: number;
  /** What failed, in the `error` phase only. */
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
  /** The `slicedeck.home` label value of this data dir's containers. */
  homeId: string;
  version: string;
}

/** The InstanceManager's state inside a slice (PRODUCT §2). */
export type InstanceState = 'ready' | 'connecting' | 'disconnected' | 'needs_qr' | 'error';

export interface Chat {
  id: string;
  name: string;
  isGroup: boolean;
  unreadCount: number;
  lastMessage?: { body: string; timestamp: EpochMs; fromMe: boolean };
}

/**
 * An outgoing message: `queued` (kept in the host's SQLite until WhatsApp takes it),
 * `sent` (WhatsApp took it), `delivered` (on the contact's phone), `read`, or `failed`
 * / `cancelled` with words.
 */
export type OutgoingStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'cancelled';

export interface ChatMessage {
  id: string;
  chatId: string;
  fromMe: boolean;
  body: string;
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
  containerId?: string;
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
