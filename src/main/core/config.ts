/**
 * Every setting of the host core, read from the environment once and validated. What each
 * setting is — variable, default, bounds, a sentence — is declared in @shared/host-settings;
 * this file turns the declared values into a CoreConfig. A bad value stops start-up with
 * words that name the variable and what it accepts, instead of surfacing later as a
 * confusing Docker or network failure.
 */
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DriverName } from '@shared/types';
import type { ProvisioningStage } from '@shared/stages';
import { parseChromiumArgs } from '@shared/chromium-args';
import type { RestoreSync } from '@shared/slice-protocol';
import { badSettingWords, rawSetting, settingsReader } from '@shared/settings';
import { DEFAULT_PORT_RANGE, HOST_SETTINGS, IMAGE_VARIANTS, LOG_LEVELS, RUNTIMES } from '@shared/host-settings';

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
  logLevel: (typeof LOG_LEVELS)[number];
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
export { DEFAULT_PORT_RANGE };
/** Docker's own default for `docker stop`; a slice closing Chromium needs ~0.2–2 s of it. */
export const DEFAULT_STOP_GRACE_MS = HOST_SETTINGS.stopGraceMs.default;

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

/** A bad setting stops start-up: the shared words (name, value, what it accepts) and what to do. */
class ConfigError extends Error {
  constructor(words: string, variable: string) {
    super(`${words} Fix or unset ${variable} and start slicedeck again.`);
    this.name = 'ConfigError';
  }
}

const PORT_RANGE_ALLOWED = 'use FROM-TO (or one port) with 1024 ≤ FROM ≤ TO ≤ 65535, for example 47100-47299';

export function parsePortRange(raw: string, variable = HOST_SETTINGS.portRange.env): PortRange {
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(raw);
  const from = Number(match?.[1]);
  const to = Number(match?.[2] ?? match?.[1]);
  if (!match || !(from >= 1024 && to <= 65535 && from <= to)) throw new ConfigError(badSettingWords(variable, raw, PORT_RANGE_ALLOWED), variable);
  return { from, to };
}

export { RUNTIMES, IMAGE_VARIANTS };
export type RuntimeName = (typeof RUNTIMES)[number];
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];
/** Docker image references: [registry/]name[:tag]; refuse anything that could smuggle options. */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

/** The readers of the host's settings, refusing a bad value with words that end in what to do (web mode reads its own two with it). */
export function hostSettingsReader(env: NodeJS.ProcessEnv) {
  return settingsReader(env, (words, variable) => new ConfigError(words, variable));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides?: Partial<CoreConfig>): CoreConfig {
  const read = hostSettingsReader(env);
  const S = HOST_SETTINGS;
  const driver = read.choice(S.driver);
  const image = read.text(S.image, (raw) => (IMAGE_REF.test(raw.trim()) ? { ok: true, value: raw.trim() } : { ok: false, allowed: 'use a Docker image name such as slicedeck-slice:latest' }), defaultImageFor(driver));
  const stageMs = read.int(S.stageTimeoutMs);
  const initializeMs = read.int(S.initializeTimeoutMs);
  const MiB = 1024 * 1024;

  const config: CoreConfig = {
    dataDir: resolve(rawSetting(env, S.dataDir)?.trim() || defaultDataDir(env)),
    runtime: read.choice(S.runtime),
    driver,
    qrCodes: read.int(S.qrCodes),
    qrTtlMs: read.int(S.qrTtlMs),
    qrFirstTtlMs: read.int(S.qrFirstTtlMs),
    qrScanGraceMs: read.int(S.qrScanGraceMs),
    simContacts: read.int(S.simContacts),
    simChats: read.int(S.simChats),
    simLastMessageChars: read.int(S.simLastMessageChars),
    simHistoryMessages: read.int(S.simHistoryMessages),
    simContactIntervalMs: read.int(S.simContactIntervalMs),
    simLinkDelayMs: read.int(S.simLinkDelayMs),
    simReplyDelayMs: read.int(S.simReplyDelayMs),
    simAckDelayMs: read.int(S.simAckDelayMs),
    simRestoreSync: read.choice(S.simRestoreSync),
    simCloseMs: read.int(S.simCloseMs),
    livenessProbeMs: read.int(S.livenessProbeMs),
    pairingCodeTtlMs: read.int(S.pairingCodeTtlMs),
    mediaMaxBytes: read.int(S.mediaMaxBytes),
    outboxCap: read.int(S.outboxCap),
    outboxRetryMs: read.int(S.outboxRetryMs),
    portRange: parsePortRange(rawSetting(env, S.portRange) ?? DEFAULT_PORT_RANGE),
    image,
    imageVariant: read.optionalChoice(S.imageVariant),
    stageTimeoutsMs: {
      pending: stageMs,
      allocating_port: stageMs,
      creating_container: stageMs,
      starting: stageMs,
      waiting_for_health: stageMs,
      initializing: initializeMs,
    },
    linkingTimeoutMs: read.int(S.linkingTimeoutMs),
    sliceMemoryBytes: read.int(S.sliceMemoryMb) * MiB,
    slicePidsLimit: read.int(S.slicePidsLimit),
    chromiumExtraArgs: read.text(S.chromiumArgs, (raw) => {
      const parsed = parseChromiumArgs(raw);
      return parsed.ok ? { ok: true, value: parsed.args } : { ok: false, allowed: parsed.reason };
    }, []),
    sliceCpus: read.decimal(S.sliceCpus, defaultSliceCpus()),
    reconcileIntervalMs: read.int(S.reconcileIntervalMs),
    healthIntervalMs: read.int(S.healthIntervalMs),
    volumeMaxBytes: read.int(S.volumeMaxMb) * MiB,
    volumeCheckIntervalMs: read.int(S.volumeCheckMs),
    volumeNoexec: read.int(S.volumeNoexec) === 1,
    stopGraceMs: read.int(S.stopGraceMs),
    maxSliceRestarts: read.int(S.maxSliceRestarts),
    restartWindowMs: read.int(S.restartWindowMs),
    statsIntervalMs: read.int(S.statsIntervalMs),
    statsInterestMs: read.int(S.statsInterestMs),
    statsHistory: read.int(S.statsHistory),
    sliceEventsPerSecond: read.int(S.sliceEventsPerSecond),
    sliceBytesPerSecond: read.int(S.sliceBytesPerSecond),
    sliceHistoryPerSecond: read.int(S.sliceHistoryPerSecond),
    historyCap: read.int(S.historyCap),
    historyCoalesceMs: read.int(S.historyCoalesceMs),
    logLevel: read.choice(S.logLevel),
    webhookBackoffBaseMs: read.int(S.webhookBackoffBaseMs),
    webhookBackoffMaxMs: read.int(S.webhookBackoffMaxMs),
    webhookAttempts: read.int(S.webhookAttempts),
    webhookTimeoutMs: read.int(S.webhookTimeoutMs),
  };
  return { ...config, ...overrides };
}
