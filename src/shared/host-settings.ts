/**
 * Every SLICEDECK_* setting, declared once: its variable, default, bounds and what it does.
 * `loadConfig` (src/main/core/config.ts) reads them from here, the slice takes the defaults
 * and bounds of those the host passes it (src/slice/config.ts), and the README's settings
 * table is printed from here (`npm run docs:settings`; test/unit/readme-settings.test.ts
 * fails when the two differ). Order here is the table's order.
 *
 * In src/shared because the slice reads some of these too; no Node here (the host works out
 * the defaults that depend on the machine: the data dir, the CPU share).
 */
import { MESSAGE_TEXT_RULE } from './input-rules';
import { DEFAULT_MEDIA_MAX_BYTES, MEDIA_MAX_BYTES_CEILING, RESTORE_SYNC_MODES } from './slice-protocol';
import { intSetting, textSetting, type ChoiceSetting, type DecimalSetting, type DefaultedChoiceSetting, type Setting, type TextSetting } from './settings';

const int = intSetting;
const choice = <T extends string>(env: string, choices: readonly T[], value: T, about: string): DefaultedChoiceSetting<T> => ({ kind: 'choice', env, choices, default: value, about });
const optionalChoice = <T extends string>(env: string, choices: readonly T[], about: string): ChoiceSetting<T> => ({ kind: 'choice', env, choices, default: null, about });
const text = <D extends string | null>(env: string, value: D, shown: string | null, accepts: string, about: string, readBy?: string): TextSetting<D> => ({ ...textSetting(env, value, shown, accepts, about), ...(readBy ? { readBy } : {}) });

const HOUR_MS = 3_600_000;

/** The shortest bearer token accepted — the panel's SLICEDECK_TOKEN and a slice's (http-kit's weakTokenWords): a guessable token is no lock. */
export const MIN_TOKEN_LENGTH = 24;

export const DEFAULT_PORT_RANGE = '47100-47299';

export const DRIVERS = ['simulated', 'whatsapp-web.js'] as const;
export const RUNTIMES = ['docker', 'swarm'] as const;
export const IMAGE_VARIANTS = ['node', 'chromium'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const HOST_SETTINGS = {
  dataDir: text('SLICEDECK_DATA_DIR', null, 'app-data folder', 'a folder', 'database, logs, window state'),
  driver: choice('SLICEDECK_DRIVER', DRIVERS, 'whatsapp-web.js', '`simulated` for demos and tests'),
  runtime: choice('SLICEDECK_RUNTIME', RUNTIMES, 'docker', '`swarm`: slices as Docker Swarm services, `DOCKER_HOST` a manager (a first step: see docs/SCALING.md for what works there yet)'),
  image: text('SLICEDECK_IMAGE', null, '`slicedeck-slice:chromium` (real driver), `slicedeck-slice:latest` (simulated)', 'a Docker image name', 'the slice image; set-up builds ours, never yours'),
  imageVariant: optionalChoice('SLICEDECK_IMAGE_VARIANT', IMAGE_VARIANTS, 'which of our images the panel\'s **Build image** button builds and tags as a custom `SLICEDECK_IMAGE` (unset: a custom image is yours to build, and the button says so)'),
  qrCodes: int('SLICEDECK_QR_CODES', 3, 1, 20, 'codes shown before an attempt expires'),
  qrFirstTtlMs: int('SLICEDECK_QR_FIRST_TTL_MS', 60_000, 100, 600_000, 'lifetime of the first code (WhatsApp\'s is ~60 s)'),
  qrTtlMs: int('SLICEDECK_QR_TTL_MS', 20_000, 100, 600_000, 'lifetime of each later code (WhatsApp\'s are ~20 s)'),
  qrScanGraceMs: int('SLICEDECK_QR_SCAN_GRACE_MS', 60_000, 0, 600_000, 'a phone that scanned near the end of the last code is still logging in: the slice waits this long for it (0 = no wait); the Connect page says "Code scanned — the phone is logging in…"'),
  simContacts: int('SLICEDECK_SIM_CONTACTS', 25, 0, 100_000, 'contacts of the simulated phone'),
  simChats: int('SLICEDECK_SIM_CHATS', 0, 0, 100_000, 'chats of the simulated account (0 = one per contact, at most 40, plus a few groups); e.g. `20000` for a busy shop'),
  simLastMessageChars: int('SLICEDECK_SIM_LAST_MESSAGE_CHARS', 0, 0, MESSAGE_TEXT_RULE.maxLength, 'simulated: length of each chat\'s last message (0 = a short line)'),
  simHistoryMessages: int('SLICEDECK_SIM_HISTORY_MESSAGES', 0, 0, 10_000, 'simulated: messages in the newest chat, to see older ones load on scroll up (0 = 2–6 like the others)'),
  simReplyDelayMs: int('SLICEDECK_SIM_REPLY_DELAY_MS', 1_500, 0, 600_000, 'simulated contacts answer a sent message after this long (0 = never)'),
  simContactIntervalMs: int('SLICEDECK_SIM_CONTACT_INTERVAL_MS', 80, 0, 60_000, 'simulated: time between two contact-count updates while the account loads ("Found: N contacts")'),
  simLinkDelayMs: int('SLICEDECK_SIM_LINK_DELAY_MS', 300, 0, 60_000, 'simulated: time from a scan (or from restoring a saved session) to `authenticated`'),
  simAckDelayMs: int('SLICEDECK_SIM_ACK_DELAY_MS', 1_000, 0, 600_000, 'simulated: a sent message is delivered after this long, read after twice it (0 = never)'),
  simRestoreSync: choice('SLICEDECK_SIM_RESTORE_SYNC', RESTORE_SYNC_MODES, 'after_listener', 'simulated: when a restored session finishes syncing — `after_listener` (after whatsapp-web.js listens), `with_connected` (already synced when it looks, as WhatsApp does on a good connection), `never` (the phone stays offline: the start waits, then the host\'s timeout names what it waited for)'),
  simCloseMs: int('SLICEDECK_SIM_CLOSE_MS', 0, 0, 60_000, 'simulated: the stand-in browser takes this long to close on a graceful stop, as Chromium writing its profile does'),
  livenessProbeMs: int('SLICEDECK_LIVENESS_PROBE_MS', 30_000, 0, HOUR_MS, 'how often a slice asks its WhatsApp client whether it still answers; two silent probes in a row → restarted (0 = off)'),
  pairingCodeTtlMs: int('SLICEDECK_PAIRING_CODE_TTL_MS', 180_000, 1_000, 600_000, 'a pairing code\'s life before WhatsApp issues the next (Link with phone number)'),
  mediaMaxBytes: int('SLICEDECK_MEDIA_MAX_BYTES', DEFAULT_MEDIA_MAX_BYTES, 1, MEDIA_MAX_BYTES_CEILING, 'the largest photo, voice note, video or document the chat page downloads; a larger one is refused with words saying its size and the limit — open it on the phone. The slice checks the size WhatsApp states before fetching it; the host reads that route\'s answer up to this limit in base64 (every other slice answer stays capped at 1 MiB). A change reaches a slice when it is next started (Disconnect, Connect)', '(16 MiB; at most 64 MiB)'),
  outboxCap: int('SLICEDECK_OUTBOX_CAP', 200, 1, 100_000, 'messages that may wait per account in the outgoing queue'),
  outboxRetryMs: int('SLICEDECK_OUTBOX_RETRY_MS', 5_000, 0, HOUR_MS, 'how often waiting messages of a Ready account are retried (0 = only on events)'),
  portRange: text('SLICEDECK_PORT_RANGE', DEFAULT_PORT_RANGE, null, 'FROM-TO (or one port), 1024 ≤ FROM ≤ TO ≤ 65535', 'host ports slices are published on (127.0.0.1)'),
  sliceMemoryMb: int('SLICEDECK_SLICE_MEMORY_MB', 1024, 64, 65_536, 'memory limit per slice, in MiB'),
  slicePidsLimit: int('SLICEDECK_SLICE_PIDS_LIMIT', 512, 16, 65_536, 'process limit per slice'),
  chromiumArgs: text('SLICEDECK_CHROMIUM_ARGS', null, 'none', 'a JSON array of flags, each starting with `--` (at most 32)', 'extra Chromium flags for every real-driver slice; behind a proxy: `["--proxy-server=http://proxy:3128"]`'),
  sliceCpus: { kind: 'decimal', env: 'SLICEDECK_SLICE_CPUS', default: null, defaultText: 'a quarter of the host\'s cores, at most `1` (`0.5` on 2 cores)', min: 0.1, max: 64, unit: 'CPU cores', about: 'CPU limit per slice, in cores (e.g. `0.5`)' } satisfies DecimalSetting,
  volumeMaxMb: int('SLICEDECK_VOLUME_MAX_MB', 1024, 16, 1_048_576, 'disk budget of an account\'s session volume, in MiB: a slice whose volume grows past it is stopped with words and a History row (`disk.budget`); Log out deletes the data. Watched where the volume\'s files are on this machine (a local engine, slicedeck able to read Docker\'s volumes, e.g. as root)'),
  volumeCheckMs: int('SLICEDECK_VOLUME_CHECK_MS', 30_000, 0, HOUR_MS, 'how often running slices\' volumes are measured (a bounded walk that stops once over the budget; 0 = off)'),
  volumeNoexec: int('SLICEDECK_VOLUME_NOEXEC', 1, 0, 1, 'new session volumes are mounted `noexec,nosuid,nodev` (an overlay over three plain volumes of the engine, `<volume>-lower/-upper/-work`); `0` for an engine whose `local` driver cannot mount overlay (rootless Docker on kernels before 5.11)'),
  stageTimeoutMs: int('SLICEDECK_STAGE_TIMEOUT_MS', 60_000, 1_000, HOUR_MS, 'safety timeout of each provisioning stage'),
  initializeTimeoutMs: int('SLICEDECK_INITIALIZE_TIMEOUT_MS', 180_000, 1_000, HOUR_MS, 'safety timeout until the first code or link'),
  linkingTimeoutMs: int('SLICEDECK_LINKING_TIMEOUT_MS', 600_000, 1_000, 24 * HOUR_MS, 'safety timeout from scan to ready'),
  reconcileIntervalMs: int('SLICEDECK_RECONCILE_INTERVAL_MS', 30_000, 0, HOUR_MS, 'how often Docker and SQLite are compared (orphans, stale rows; 0 = at start only)'),
  healthIntervalMs: int('SLICEDECK_HEALTH_INTERVAL_MS', 5_000, 0, HOUR_MS, 'health checks of running slices: a slice that died, or hangs without dying (`docker pause`, a busy loop), is found within this interval plus the 2 s bound of one probe, then restarted or ends in an error with words (0 = off)'),
  stopGraceMs: int('SLICEDECK_STOP_GRACE_MS', 10_000, 1_000, 120_000, 'a slice that may hold a session (linked, linking, restoring) is stopped the way a person closes a browser — on Disconnect, Remove, "Destroy and quit", a restart by the health ladder, and when the reconciler removes a running orphan: SIGTERM, this long for it to close WhatsApp and Chromium (which writes the profile then), SIGKILL only after it. Slices with nothing to save (codes expired, Log out) go at once'),
  maxSliceRestarts: int('SLICEDECK_MAX_SLICE_RESTARTS', 3, 0, 100, 'restarts of a dead slice within `SLICEDECK_RESTART_WINDOW_MS` before it ends in an error'),
  restartWindowMs: int('SLICEDECK_RESTART_WINDOW_MS', 600_000, 1_000, 24 * HOUR_MS, 'the window `SLICEDECK_MAX_SLICE_RESTARTS` counts restarts in'),
  statsIntervalMs: int('SLICEDECK_STATS_INTERVAL_MS', 2_000, 250, HOUR_MS, 'shortest time between two Docker stats rounds while the Dashboard is open'),
  statsInterestMs: int('SLICEDECK_STATS_INTEREST_MS', 30_000, 1_000, HOUR_MS, 'after the Dashboard last asked for figures, how long stats keep being sampled (nobody asking: no calls to the engine)'),
  statsHistory: int('SLICEDECK_STATS_HISTORY', 60, 2, 10_000, 'samples kept per slice for the Dashboard\'s memory chart'),
  sliceEventsPerSecond: int('SLICEDECK_SLICE_EVENTS_PER_SECOND', 500, 1, 1_000_000, 'events a second one slice may send, sustained (a 10 s burst is allowed: 5,000 at once); over it the slice broke the protocol (History row, health ladder). A busy real account sends tens a second at most'),
  sliceBytesPerSecond: int('SLICEDECK_SLICE_BYTES_PER_SECOND', 2 * 1024 * 1024, 1024, 1024 * 1024 * 1024, 'bytes a second one slice\'s event stream may carry, sustained (10 s burst); likewise a breach, unknown events counted too', '(2 MiB)'),
  sliceHistoryPerSecond: int('SLICEDECK_SLICE_HISTORY_PER_SECOND', 5, 1, 1_000_000, 'events a second from one slice that make the host write a History row or a note (drops, states, codes, errors), sustained (10 s burst: 50); likewise a breach. A real account writes one every few seconds at most'),
  historyCap: int('SLICEDECK_HISTORY_CAP', 1_000, 10, 1_000_000, 'History rows kept per account; older ones are dropped and one row (always the oldest) says how many'),
  historyCoalesceMs: int('SLICEDECK_HISTORY_COALESCE_MS', 60_000, 0, 24 * HOUR_MS, 'the same History row (kind, words, slice) again within this long is counted on the last one ("×12, last at …") instead of added (0 = never)'),
  webhookBackoffBaseMs: int('SLICEDECK_WEBHOOK_BACKOFF_BASE_MS', 5_000, 10, 600_000, 'wait after a webhook\'s first failed attempt; doubles per attempt (±20 % jitter)'),
  webhookBackoffMaxMs: int('SLICEDECK_WEBHOOK_BACKOFF_MAX_MS', 300_000, 10, HOUR_MS, 'the longest wait between two attempts of a webhook event'),
  webhookAttempts: int('SLICEDECK_WEBHOOK_ATTEMPTS', 10, 1, 50, 'attempts before a webhook event is given up (the delivery log says so)'),
  webhookTimeoutMs: int('SLICEDECK_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000, 'how long a receiver has to answer one attempt'),
  logLevel: choice('SLICEDECK_LOG_LEVEL', LOG_LEVELS, 'info', 'pino level of `logs/slicedeck.log`'),
  port: { ...int('SLICEDECK_PORT', 7420, 0, 65_535, 'web mode port (0 = a free one)'), readBy: 'web mode (src/main/serve.ts)' },
  token: text('SLICEDECK_TOKEN', null, 'generated', `at least ${MIN_TOKEN_LENGTH} characters, no spaces`, 'web mode token; start-up refuses a shorter one', 'web mode (src/main/serve.ts)'),
  metricsToken: text('SLICEDECK_METRICS_TOKEN', null, 'generated', `at least ${MIN_TOKEN_LENGTH} characters, no spaces, not the panel's`, 'web mode `/metrics` token (printed on a terminal, else in `<data dir>/metrics-token`)', 'web mode (src/main/serve.ts)'),
  dockerHost: text('DOCKER_HOST', null, 'local socket', 'a Docker address (`unix://…`, `tcp://…`, `ssh://…`)', 'the Docker engine to use', 'Docker\'s client'),
  testChromium: text('SLICEDECK_CHROMIUM', '/usr/bin/chromium', null, 'a path', 'the browser the e2e tests drive (`CHROME_PATH` is also read by the set-up)', 'the tests'),
} as const satisfies Record<string, Setting>;

/** The table's rows, in declaration order. */
export const HOST_SETTING_LIST: readonly Setting[] = Object.values(HOST_SETTINGS);
