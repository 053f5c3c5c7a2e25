/**
 * The slice's settings, declared once: variable, default, bounds, what each does. The
 * slice's reader (config.ts) reads them from here and the Environment table of
 * src/slice/README.md is printed from here (`npm run docs:settings`; the readme-settings
 * test fails when they differ).
 *
 * Those the host passes (its SLICEDECK_<X> → the slice's <X>) take the host's default and
 * bounds (@shared/host-settings): a slice run by hand behaves as one the host starts.
 */
import { DRIVERS, HOST_SETTINGS, MIN_TOKEN_LENGTH } from '@shared/host-settings';
import { intSetting, textSetting, type ChoiceSetting, type DefaultedChoiceSetting, type IntSetting, type Setting } from '@shared/settings';
import { RESTORE_SYNC_MODES, SLICE_ENV, SLICE_INTERNAL_PORT, SLICE_TOKEN_WAIT_MS } from '@shared/slice-protocol';

/** Not in SLICE_ENV because the host never sets it: how long the simulated WhatsApp Web boots. */
export const SIM_BOOT_DELAY_ENV = 'SIM_BOOT_DELAY_MS';
/** Real driver only: where Chromium lives inside the image. */
export const CHROME_PATH_ENV = 'CHROME_PATH';
/** Real driver only: bound on reaching WhatsApp Web before giving up with `error`. */
export const WWEBJS_START_TIMEOUT_ENV = 'WWEBJS_START_TIMEOUT_MS';
/** Real driver only: link by pairing code to this phone number instead of a QR code. */
export const PAIRING_PHONE_ENV = 'PAIRING_PHONE_NUMBER';
/** The address the server binds; by default the container's own address (never 0.0.0.0). */
export const LISTEN_HOST_ENV = 'SLICE_LISTEN_HOST';

/** Below Docker's default 10 s stop grace; the host passes its own (sliceShutdownMs of SLICEDECK_STOP_GRACE_MS). */
export const DEFAULT_SHUTDOWN_MS = 8_000;

const int = intSetting;
const text = <D extends string | null>(env: string, value: D, accepts: string, about: string, shown?: string) => textSetting(env, value, shown ?? null, accepts, about);

/** A setting the host passes: the host's default and bounds under the slice's name; `min` lower where the slice's own tests need it. */
function fromHost<S extends IntSetting | ChoiceSetting>(host: S, env: string, change: Partial<Pick<IntSetting, 'min'>> = {}): S {
  return { ...host, ...change, env, from: host.env, about: `${host.about} (from the host's \`${host.env}\`)` };
}

const H = HOST_SETTINGS;

export const SLICE_SETTINGS = {
  tokenFile: text(SLICE_ENV.tokenFile, null, 'a path', `a file holding the bearer token (at least ${MIN_TOKEN_LENGTH} characters): what the host passes, \`/data/.slicedeck/<slice id>.token\`, \`0400\`, written just after the start (the slice waits up to ${SLICE_TOKEN_WAIT_MS / 1000} s for it); on a swarm \`/run/secrets/slicedeck-token\`, a Swarm secret there from the start`, 'unset'),
  token: text(SLICE_ENV.token, null, `at least ${MIN_TOKEN_LENGTH} characters, no spaces`, `the bearer token itself, for running a slice by hand (an environment is readable by every process; the host passes \`${SLICE_ENV.tokenFile}\`)`, 'unset'),
  listenHost: text(LISTEN_HOST_ENV, null, 'an address', 'where the server listens', "the container's address"),
  port: int(SLICE_ENV.port, SLICE_INTERNAL_PORT, 1, 65_535, 'the port the server listens on'),
  driver: { ...H.driver, env: SLICE_ENV.driver, from: H.driver.env, choices: DRIVERS, about: 'the driver: the real library (Chromium image) or the stand-in' } satisfies DefaultedChoiceSetting,
  instanceId: text(SLICE_ENV.instanceId, 'default', 'letters, digits, `.`, `_`, `-` (1–128)', 'the account this slice serves; also names its session folder'),
  authBaseDir: text(SLICE_ENV.authBaseDir, '/data/auth', 'a path', 'where sessions are kept: `<dir>/<instance id>` (the account\'s volume is mounted at `/data`)'),
  qrCodes: fromHost(H.qrCodes, SLICE_ENV.qrCodes),
  // The slice's own tests drive codes of tens of ms; the host never passes less than its own minimum.
  qrFirstTtlMs: fromHost(H.qrFirstTtlMs, SLICE_ENV.qrFirstTtlMs, { min: 10 }),
  qrTtlMs: fromHost(H.qrTtlMs, SLICE_ENV.qrTtlMs, { min: 10 }),
  qrScanGraceMs: fromHost(H.qrScanGraceMs, SLICE_ENV.qrScanGraceMs),
  chromiumExtraArgs: { ...text(SLICE_ENV.chromiumExtraArgs, null, H.chromiumArgs.accepts, `${H.chromiumArgs.about} (from the host's \`${H.chromiumArgs.env}\`)`, 'none'), from: H.chromiumArgs.env },
  readyTimeoutMs: int(SLICE_ENV.readyTimeoutMs, 180_000, 10, 3_600_000, 'how long a start may take to reach ready before the slice restarts its client'),
  restartBackoffMs: int(SLICE_ENV.restartBackoffMs, 2_000, 0, 600_000, 'the wait before the slice restarts a client that failed'),
  maxRestartsPerWindow: int(SLICE_ENV.maxRestartsPerWindow, 5, 1, 1_000, 'client restarts allowed within `WINDOW_MINUTES` before the slice gives up with an error'),
  windowMinutes: int(SLICE_ENV.windowMinutes, 10, 1, 24 * 60, 'the window `MAX_RESTARTS_PER_WINDOW` counts in, in minutes'),
  livenessProbeMs: fromHost(H.livenessProbeMs, SLICE_ENV.livenessProbeMs),
  pairingCodeTtlMs: fromHost(H.pairingCodeTtlMs, SLICE_ENV.pairingCodeTtlMs),
  mediaMaxBytes: fromHost(H.mediaMaxBytes, SLICE_ENV.mediaMaxBytes),
  shutdownMs: int(SLICE_ENV.shutdownMs, DEFAULT_SHUTDOWN_MS, 100, 600_000, 'on SIGTERM, the longest the slice spends closing its client and browser before it exits 124 by itself; the host passes 80 % of `SLICEDECK_STOP_GRACE_MS`'),
  simContacts: fromHost(H.simContacts, SLICE_ENV.simContacts),
  simChats: fromHost(H.simChats, SLICE_ENV.simChats),
  simLastMessageChars: fromHost(H.simLastMessageChars, SLICE_ENV.simLastMessageChars),
  simHistoryMessages: fromHost(H.simHistoryMessages, SLICE_ENV.simHistoryMessages),
  simContactIntervalMs: fromHost(H.simContactIntervalMs, SLICE_ENV.simContactIntervalMs),
  simLinkDelayMs: fromHost(H.simLinkDelayMs, SLICE_ENV.simLinkDelayMs),
  simReplyDelayMs: fromHost(H.simReplyDelayMs, SLICE_ENV.simReplyDelayMs),
  simAckDelayMs: fromHost(H.simAckDelayMs, SLICE_ENV.simAckDelayMs),
  simRestoreSync: { ...fromHost(H.simRestoreSync, SLICE_ENV.simRestoreSync), choices: RESTORE_SYNC_MODES },
  simCloseMs: fromHost(H.simCloseMs, SLICE_ENV.simCloseMs),
  simBootDelayMs: int(SIM_BOOT_DELAY_ENV, 50, 0, 60_000, 'simulated: from initialize to the first code (the host never sets it)'),
  chromePath: text(CHROME_PATH_ENV, '/usr/bin/chromium', 'a path', 'real driver: where Chromium is in the image'),
  startTimeoutMs: int(WWEBJS_START_TIMEOUT_ENV, 60_000, 1_000, 600_000, 'real driver: bound on reaching WhatsApp Web before the start ends in an error'),
  pairingPhone: text(PAIRING_PHONE_ENV, null, 'a phone number in international format (7–15 digits)', 'real driver: link by pairing code to this number instead of a QR code', 'unset'),
} as const satisfies Record<string, Setting>;

export const SLICE_SETTING_LIST: readonly Setting[] = Object.values(SLICE_SETTINGS);
