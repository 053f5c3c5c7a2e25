/**
 * Every setting of the host core, read from the environment once and validated.
 * A bad value stops start-up with words that name the variable and what it accepts,
 * instead of surfacing later as a confusing Docker or network failure.
 */
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { DriverName } from '@shared/types';
import type { ProvisioningStage } from '@shared/stages';
import { parseChromiumArgs } from '@shared/chromium-args';
import { DEFAULT_MEDIA_MAX_BYTES, MEDIA_MAX_BYTES_CEILING, RESTORE_SYNC_MODES, type RestoreSync } from '@shared/slice-protocol';
import { DEFAULT_SLICE_BYTES_PER_SECOND, DEFAULT_SLICE_EVENTS_PER_SECOND, DEFAULT_SLICE_HISTORY_PER_SECOND } from './slice-budget';
import { DEFAULT_HISTORY_CAP, DEFAULT_HISTORY_COALESCE_MS } from './db/history-limits';

export interface PortRange {
  from: number;
  to: number;
}

export interface CoreConfig {
  /** Holds slicedeck.db and logs/. */
  dataDir: string;
  /** SLICEDECK_RUNTIME: 'docker' (one engine, a slice is a container) or 'swarm' (a slice is a service; DOCKER_HOST is a manager). */
  runtime: RuntimeName;
  driver: DriverName;
  /** QR codes shown before the host gives up (the slice rotates them). */
  qrCodes: number;
  /** Lifetime of every QR code after the first, in ms (WhatsApp: ~20 s). */
  qrTtlMs: number;
  /** Lifetime of the first QR code of a connect, in ms (WhatsApp: ~60 s). */
  qrFirstTtlMs: number;
  /** After the last code expired while a phone that scanned is logging in: how long the slice waits for it (ms). */
  qrScanGraceMs: number;
  simContacts: number;
  /** Simulated driver: the account's size beyond its contacts (0 = a small account). */
  simChats: number;
  simLastMessageChars: number;
  simHistoryMessages: number;
  simContactIntervalMs: number;
  /** Simulated driver: delay between a scan and `authenticated`. */
  simLinkDelayMs: number;
  /** Simulated driver: a 1:1 contact answers a sent message after this long (0 = never). */
  simReplyDelayMs: number;
  /** Simulated driver: a sent message is delivered after this long and read after twice that (0 = never). */
  simAckDelayMs: number;
  /** Simulated driver: when a restored session finishes syncing (SLICEDECK_SIM_RESTORE_SYNC). */
  simRestoreSync: RestoreSync;
  /** Simulated: the stand-in browser takes this long to close on a graceful stop, as Chromium writing its profile does (ms). */
  simCloseMs: number;
  /** How often each slice asks its WhatsApp client whether it still answers (ms; 0 = never). */
  livenessProbeMs: number;
  /** How long a pairing code lives before WhatsApp issues the next (ms; WhatsApp: 3 min). */
  pairingCodeTtlMs: number;
  /** The largest media file (photo, voice note, document…) the panel downloads, in bytes (SLICEDECK_MEDIA_MAX_BYTES). */
  mediaMaxBytes: number;
  /** Messages waiting per account in the outgoing queue (accepted, not yet handed to WhatsApp). */
  outboxCap: number;
  /** How often accounts with waiting messages are retried while Ready (ms; 0 = only on events). */
  outboxRetryMs: number;
  portRange: PortRange;
  image: string;
  /**
   * Which of slicedeck's own slice images the Build image button makes and tags as
   * `image` when `image` is a custom name (SLICEDECK_IMAGE_VARIANT). null: a custom
   * image is the operator's to build, and Build image refuses with words.
   */
  imageVariant: ImageVariant | null;
  /** Safety timeout of each provisioning stage (ms). `initializing` lasts until the first code or link. */
  stageTimeoutsMs: Record<ProvisioningStage, number>;
  /** Safety timeout between `authenticated` and `ready` (ms). */
  linkingTimeoutMs: number;
  sliceMemoryBytes: number;
  slicePidsLimit: number;
  /**
   * Extra Chromium flags for every real-driver slice (SLICEDECK_CHROMIUM_ARGS, a JSON array),
   * e.g. a proxy; passed to the slice as CHROMIUM_EXTRA_ARGS.
   */
  chromiumExtraArgs: string[];
  /** CPU limit per slice, in cores (fractions allowed). */
  sliceCpus: number;
  /** How often the reconciler compares Docker with SQLite (ms); 0 = start-up only. */
  reconcileIntervalMs: number;
  /** How often the health monitor checks running slices (ms); 0 = off. */
  healthIntervalMs: number;
  /** A slice whose session volume passes this many bytes is stopped (SLICEDECK_VOLUME_MAX_MB). */
  volumeMaxBytes: number;
  /** How often running slices' volumes are measured (ms); 0 = off. */
  volumeCheckIntervalMs: number;
  /** New session volumes are mounted noexec,nosuid,nodev (an overlay: docker/noexec-volume.ts); SLICEDECK_VOLUME_NOEXEC. */
  volumeNoexec: boolean;
  /**
   * A slice that may hold a WhatsApp session is stopped gracefully (Destroy, quit, a
   * restart, the reconciler): SIGTERM, this long for it to close its client and browser
   * (Chromium writes the profile on a graceful close), and only then SIGKILL (ms).
   */
  stopGraceMs: number;
  /** Restarts of a dead slice allowed per `restartWindowMs` before it ends in `error`. */
  maxSliceRestarts: number;
  restartWindowMs: number;
  /** Shortest time between two Docker stats rounds (ms), while the Dashboard is open. */
  statsIntervalMs: number;
  /** How long one `slices.stats` call keeps the sampler going (ms). */
  statsInterestMs: number;
  /** Memory samples kept per slice for the sparkline. */
  statsHistory: number;
  /** Events a second a slice may send, sustained over a 10 s burst (slice-budget.ts); over it is a protocol breach. */
  sliceEventsPerSecond: number;
  /** Bytes a second a slice's event stream may carry, likewise. */
  sliceBytesPerSecond: number;
  /** Events a second that make the host write (History rows, notes), likewise. */
  sliceHistoryPerSecond: number;
  /** History rows kept per account; older ones are dropped, one row saying how many. */
  historyCap: number;
  /** The same History row (kind and words) again within this long is counted on the last one, not added (ms; 0 = never). */
  historyCoalesceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Webhooks (webhooks/backoff.ts): the wait after the first failed attempt, its cap, attempts before giving up, one attempt's timeout (ms). */
  webhookBackoffBaseMs: number;
  webhookBackoffMaxMs: number;
  webhookAttempts: number;
  webhookTimeoutMs: number;
}

/** The node-only image runs the simulated driver; the real driver needs the one with Chromium. */
export const DEFAULT_IMAGE = 'slicedeck-slice:latest';
export const DEFAULT_CHROMIUM_IMAGE = 'slicedeck-slice:chromium';
export function defaultImageFor(driver: DriverName): string {
  return driver === 'whatsapp-web.js' ? DEFAULT_CHROMIUM_IMAGE : DEFAULT_IMAGE;
}
export const IMAGE_VARIANTS = ['node', 'chromium'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];
export const DEFAULT_PORT_RANGE = '47100-47299';
/** Docker's own default for `docker stop`; a slice closing Chromium needs ~0.2–2 s of it. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/**
 * One slice's CPU limit unless SLICEDECK_SLICE_CPUS says otherwise: a quarter of the
 * host's cores, at most 1 (issue 19: a fixed 1 let one slice take half of a 2-core
 * machine). 2 cores → 0.5, 4 or more → 1, 1 core → 0.25; in steps of 0.05.
 */
export function defaultSliceCpus(cores: number = availableParallelism()): number {
  return Math.min(1, Math.max(0.1, Math.floor((cores / 4) * 20) / 20));
}

/** The platform's app-data folder (what Electron's `app.getPath('userData')` would give). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME || env.USERPROFILE || homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'slicedeck');
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'slicedeck');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'slicedeck');
}

class ConfigError extends Error {
  constructor(variable: string, value: string, allowed: string) {
    super(`${variable}=${JSON.stringify(value)} is not valid: ${allowed}. Fix or unset ${variable} and start slicedeck again.`);
    this.name = 'ConfigError';
  }
}

function readInt(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !parsed.success) {
    throw new ConfigError(variable, raw, `use a whole number from ${min} to ${max}`);
  }
  return parsed.data;
}

function readCpus(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d+(\.\d{1,2})?$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(variable, raw, `use a number of CPU cores from ${min} to ${max} (for example 1 or 0.5)`);
  }
  return value;
}

export function parsePortRange(raw: string, variable = 'SLICEDECK_PORT_RANGE'): PortRange {
  const allowed = 'use FROM-TO (or one port) with 1024 ≤ FROM ≤ TO ≤ 65535, for example 47100-47299';
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(raw);
  if (!match) throw new ConfigError(variable, raw, allowed);
  const from = Number(match[1]);
  const to = Number(match[2] ?? match[1]);
  if (!(from >= 1024 && to <= 65535 && from <= to)) throw new ConfigError(variable, raw, allowed);
  return { from, to };
}

function readChromiumArgs(env: NodeJS.ProcessEnv): string[] {
  const raw = env.SLICEDECK_CHROMIUM_ARGS;
  const parsed = parseChromiumArgs(raw);
  if (!parsed.ok) throw new ConfigError('SLICEDECK_CHROMIUM_ARGS', raw ?? '', parsed.reason);
  return parsed.args;
}

function readEnum<T extends string>(env: NodeJS.ProcessEnv, variable: string, allowed: readonly T[], fallback: T): T {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim() as T;
  if (!allowed.includes(value)) throw new ConfigError(variable, raw, `use one of ${allowed.join(', ')}`);
  return value;
}

const DRIVERS = ['simulated', 'whatsapp-web.js'] as const;
export const RUNTIMES = ['docker', 'swarm'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Docker image references: [registry/]name[:tag]; refuse anything that could smuggle options. */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides?: Partial<CoreConfig>): CoreConfig {
  const rawDataDir = env.SLICEDECK_DATA_DIR?.trim();
  const driver = readEnum(env, 'SLICEDECK_DRIVER', DRIVERS, 'whatsapp-web.js');
  const image = env.SLICEDECK_IMAGE?.trim() || defaultImageFor(driver);
  if (!IMAGE_REF.test(image)) throw new ConfigError('SLICEDECK_IMAGE', image, 'use a Docker image name such as slicedeck-slice:latest');

  const stageMs = readInt(env, 'SLICEDECK_STAGE_TIMEOUT_MS', 60_000, 1_000, 3_600_000);
  const initializeMs = readInt(env, 'SLICEDECK_INITIALIZE_TIMEOUT_MS', 180_000, 1_000, 3_600_000);

  const config: CoreConfig = {
    dataDir: resolve(rawDataDir || defaultDataDir(env)),
    runtime: readEnum(env, 'SLICEDECK_RUNTIME', RUNTIMES, 'docker'),
    driver,
    qrCodes: readInt(env, 'SLICEDECK_QR_CODES', 3, 1, 20),
    qrTtlMs: readInt(env, 'SLICEDECK_QR_TTL_MS', 20_000, 100, 600_000),
    qrFirstTtlMs: readInt(env, 'SLICEDECK_QR_FIRST_TTL_MS', 60_000, 100, 600_000),
    qrScanGraceMs: readInt(env, 'SLICEDECK_QR_SCAN_GRACE_MS', 60_000, 0, 600_000),
    simContacts: readInt(env, 'SLICEDECK_SIM_CONTACTS', 25, 0, 100_000),
    simChats: readInt(env, 'SLICEDECK_SIM_CHATS', 0, 0, 100_000),
    simLastMessageChars: readInt(env, 'SLICEDECK_SIM_LAST_MESSAGE_CHARS', 0, 0, 4_096),
    simHistoryMessages: readInt(env, 'SLICEDECK_SIM_HISTORY_MESSAGES', 0, 0, 10_000),
    simContactIntervalMs: readInt(env, 'SLICEDECK_SIM_CONTACT_INTERVAL_MS', 80, 0, 60_000),
    simLinkDelayMs: readInt(env, 'SLICEDECK_SIM_LINK_DELAY_MS', 300, 0, 60_000),
    simReplyDelayMs: readInt(env, 'SLICEDECK_SIM_REPLY_DELAY_MS', 1_500, 0, 600_000),
    simAckDelayMs: readInt(env, 'SLICEDECK_SIM_ACK_DELAY_MS', 1_000, 0, 600_000),
    simRestoreSync: readEnum(env, 'SLICEDECK_SIM_RESTORE_SYNC', RESTORE_SYNC_MODES, 'after_listener'),
    simCloseMs: readInt(env, 'SLICEDECK_SIM_CLOSE_MS', 0, 0, 60_000),
    livenessProbeMs: readInt(env, 'SLICEDECK_LIVENESS_PROBE_MS', 30_000, 0, 3_600_000),
    pairingCodeTtlMs: readInt(env, 'SLICEDECK_PAIRING_CODE_TTL_MS', 180_000, 1_000, 600_000),
    mediaMaxBytes: readInt(env, 'SLICEDECK_MEDIA_MAX_BYTES', DEFAULT_MEDIA_MAX_BYTES, 1, MEDIA_MAX_BYTES_CEILING),
    outboxCap: readInt(env, 'SLICEDECK_OUTBOX_CAP', 200, 1, 100_000),
    outboxRetryMs: readInt(env, 'SLICEDECK_OUTBOX_RETRY_MS', 5_000, 0, 3_600_000),
    portRange: env.SLICEDECK_PORT_RANGE?.trim() ? parsePortRange(env.SLICEDECK_PORT_RANGE) : parsePortRange(DEFAULT_PORT_RANGE),
    image,
    imageVariant: env.SLICEDECK_IMAGE_VARIANT?.trim() ? readEnum(env, 'SLICEDECK_IMAGE_VARIANT', IMAGE_VARIANTS, 'node') : null,
    stageTimeoutsMs: {
      pending: stageMs,
      allocating_port: stageMs,
      creating_container: stageMs,
      starting: stageMs,
      waiting_for_health: stageMs,
      initializing: initializeMs,
    },
    linkingTimeoutMs: readInt(env, 'SLICEDECK_LINKING_TIMEOUT_MS', 600_000, 1_000, 24 * 3_600_000),
    sliceMemoryBytes: readInt(env, 'SLICEDECK_SLICE_MEMORY_MB', 1024, 64, 65_536) * 1024 * 1024,
    slicePidsLimit: readInt(env, 'SLICEDECK_SLICE_PIDS_LIMIT', 512, 16, 65_536),
    chromiumExtraArgs: readChromiumArgs(env),
    sliceCpus: readCpus(env, 'SLICEDECK_SLICE_CPUS', defaultSliceCpus(), 0.1, 64),
    reconcileIntervalMs: readInt(env, 'SLICEDECK_RECONCILE_INTERVAL_MS', 30_000, 0, 3_600_000),
    healthIntervalMs: readInt(env, 'SLICEDECK_HEALTH_INTERVAL_MS', 5_000, 0, 3_600_000),
    volumeMaxBytes: readInt(env, 'SLICEDECK_VOLUME_MAX_MB', 1024, 16, 1_048_576) * 1024 * 1024,
    volumeCheckIntervalMs: readInt(env, 'SLICEDECK_VOLUME_CHECK_MS', 30_000, 0, 3_600_000),
    volumeNoexec: readInt(env, 'SLICEDECK_VOLUME_NOEXEC', 1, 0, 1) === 1,
    stopGraceMs: readInt(env, 'SLICEDECK_STOP_GRACE_MS', DEFAULT_STOP_GRACE_MS, 1_000, 120_000),
    maxSliceRestarts: readInt(env, 'SLICEDECK_MAX_SLICE_RESTARTS', 3, 0, 100),
    restartWindowMs: readInt(env, 'SLICEDECK_RESTART_WINDOW_MS', 10 * 60_000, 1_000, 24 * 3_600_000),
    statsIntervalMs: readInt(env, 'SLICEDECK_STATS_INTERVAL_MS', 2_000, 250, 3_600_000),
    statsInterestMs: readInt(env, 'SLICEDECK_STATS_INTEREST_MS', 30_000, 1_000, 3_600_000),
    statsHistory: readInt(env, 'SLICEDECK_STATS_HISTORY', 60, 2, 10_000),
    sliceEventsPerSecond: readInt(env, 'SLICEDECK_SLICE_EVENTS_PER_SECOND', DEFAULT_SLICE_EVENTS_PER_SECOND, 1, 1_000_000),
    sliceBytesPerSecond: readInt(env, 'SLICEDECK_SLICE_BYTES_PER_SECOND', DEFAULT_SLICE_BYTES_PER_SECOND, 1024, 1024 * 1024 * 1024),
    sliceHistoryPerSecond: readInt(env, 'SLICEDECK_SLICE_HISTORY_PER_SECOND', DEFAULT_SLICE_HISTORY_PER_SECOND, 1, 1_000_000),
    historyCap: readInt(env, 'SLICEDECK_HISTORY_CAP', DEFAULT_HISTORY_CAP, 10, 1_000_000),
    historyCoalesceMs: readInt(env, 'SLICEDECK_HISTORY_COALESCE_MS', DEFAULT_HISTORY_COALESCE_MS, 0, 24 * 3_600_000),
    logLevel: readEnum(env, 'SLICEDECK_LOG_LEVEL', LOG_LEVELS, 'info'),
    webhookBackoffBaseMs: readInt(env, 'SLICEDECK_WEBHOOK_BACKOFF_BASE_MS', 5_000, 10, 600_000),
    webhookBackoffMaxMs: readInt(env, 'SLICEDECK_WEBHOOK_BACKOFF_MAX_MS', 300_000, 10, 3_600_000),
    webhookAttempts: readInt(env, 'SLICEDECK_WEBHOOK_ATTEMPTS', 10, 1, 50),
    webhookTimeoutMs: readInt(env, 'SLICEDECK_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
  };
  return { ...config, ...overrides };
}
