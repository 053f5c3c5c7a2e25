/**
 * The slice's settings, read once from its environment. What each is — variable, default,
 * bounds, a sentence — is declared in settings.ts; this file turns the values into a
 * SliceConfig. Every value is checked; a bad one stops the slice with words that name the
 * variable and say what it accepts.
 */
import type { ProxySettings } from '@shared/proxy';
import { readSliceProxy } from './proxy';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseChromiumArgs } from '@shared/chromium-args';
import { MIN_TOKEN_LENGTH } from '@shared/host-settings';
import { rawSetting, settingsReader, type Env } from '@shared/settings';
import { SLICE_ENV, SLICE_TOKEN_WAIT_MS } from '@shared/slice-protocol';
import type { DriverName } from '@shared/types';
import { CHROME_PATH_ENV, DEFAULT_SHUTDOWN_MS, LISTEN_HOST_ENV, PAIRING_PHONE_ENV, SIM_BOOT_DELAY_ENV, SLICE_SETTING_LIST, SLICE_SETTINGS, WWEBJS_START_TIMEOUT_ENV } from './settings';
import type { SimulatedTimings } from './drivers/simulated';
import type { InstanceManagerConfig } from './instance-manager';

export { CHROME_PATH_ENV, DEFAULT_SHUTDOWN_MS, LISTEN_HOST_ENV, PAIRING_PHONE_ENV, SIM_BOOT_DELAY_ENV, WWEBJS_START_TIMEOUT_ENV };

export interface SliceConfig {
  token: string;
  port: number;
  /** Where the server listens. */
  listenHost: string;
  driver: DriverName;
  instanceId: string;
  manager: InstanceManagerConfig;
  qr: QrSettings;
  simulated: SimulatedTimings;
  authBaseDir: string;
  chromePath: string;
  startTimeoutMs: number;
  pairingPhoneNumber: string | null;
  /** Real driver: appended to the container's Chromium flags (CHROMIUM_EXTRA_ARGS, a JSON array). */
  chromiumExtraArgs: string[];
  /** The account's proxy (src/slice/proxy.ts: the file beside the token file); absent or null: direct. */
  proxy?: ProxySettings | null;
  /** How long each pairing code lives before the next is issued (PAIRING_CODE_TTL_MS; WhatsApp: 3 min). */
  pairingCodeTtlMs: number;
  /** The largest media file downloaded and answered (MEDIA_MAX_BYTES; the host's SLICEDECK_MEDIA_MAX_BYTES). */
  mediaMaxBytes: number;
  /** On SIGTERM: the longest the slice spends closing its client and browser before it exits anyway (SHUTDOWN_MS). */
  shutdownMs: number;
}

/**
 * How codes are counted and how long each lives. WhatsApp's first code lives ~60 s,
 * each later one ~20 s; the real library rotates them itself, the driver counts them.
 */
export interface QrSettings {
  /** Codes offered per start before giving up (QR_CODES). */
  codes: number;
  /** Lifetime of the first code (QR_FIRST_TTL_MS). */
  firstTtlMs: number;
  /** Lifetime of every later code (QR_TTL_MS). */
  ttlMs: number;
  /** After the last code expired while a phone is logging in: the longest wait for `authenticated` (QR_SCAN_GRACE_MS). */
  scanGraceMs: number;
}

/** The lifetime of code `index` (1-based). */
export function qrLifetimeMs(qr: Pick<QrSettings, 'firstTtlMs' | 'ttlMs'>, index: number): number {
  return index <= 1 ? qr.firstTtlMs : qr.ttlMs;
}

export class SliceConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SliceConfigError';
  }
}

/** The shared words of a bad value (name, value, what it accepts), and where to fix it: the host's setting when it passes this one. */
function refuse(words: string, variable: string): SliceConfigError {
  const from = SLICE_SETTING_LIST.find((setting) => setting.env === variable)?.from;
  const fix = from ? `The host sets it from ${from} when it starts a slice; when running one by hand, fix or unset ${variable}.` : `Fix or unset ${variable} and start the slice again.`;
  return new SliceConfigError(`${words} ${fix}`);
}

/**
 * The token: from the file `SLICE_TOKEN_FILE` names (what the host does: a 0400
 * file, so it is not in `docker inspect` or in every child process's environment),
 * or from `SLICE_TOKEN` when a slice is run by hand.
 */
function readToken(env: Env, readFile: (path: string) => string): { token: string; source: string } {
  const file = env[SLICE_ENV.tokenFile]?.trim();
  if (file) {
    let text: string;
    try {
      text = readFile(file);
    } catch (error) {
      throw new SliceConfigError(`${SLICE_ENV.tokenFile}=${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). The host writes the slice's token there before starting it; start the slice from slicedeck.`);
    }
    return { token: text.trim(), source: SLICE_ENV.tokenFile };
  }
  return { token: env[SLICE_ENV.token]?.trim() ?? '', source: SLICE_ENV.token };
}

/**
 * The host writes the token file just after it starts the container (so that its
 * copy overlaps this process's boot): wait for it, a bounded while, before reading
 * the settings. Docker's extraction creates the file, writes it and only then hands
 * it to the slice user, so "there" means readable and ended by the newline the host
 * writes after the token. Returns at once when no file is named.
 */
export async function waitForTokenFile(env: Env, timeoutMs = SLICE_TOKEN_WAIT_MS, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): Promise<void> {
  const file = env[SLICE_ENV.tokenFile]?.trim();
  if (!file) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (read(file).endsWith('\n')) return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EACCES') throw error;
    }
    if (Date.now() >= deadline) {
      throw new SliceConfigError(`${SLICE_ENV.tokenFile}=${file} did not appear within ${Math.round(timeoutMs / 1000)} s. The host writes the slice's token there when it starts the slice; start the slice from slicedeck.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The container's own IPv4 address(es): the slice answers there only, not on every interface. */
export function containerAddress(interfaces = networkInterfaces()): string | null {
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return null;
}

export function loadSliceConfig(env: Env, io: { readFile?: (path: string) => string; address?: () => string | null } = {}): SliceConfig {
  const { token, source } = readToken(env, io.readFile ?? ((path) => readFileSync(path, 'utf8')));
  if (!token) {
    throw new SliceConfigError(`Neither ${SLICE_ENV.tokenFile} nor ${SLICE_ENV.token} gives a token. A slice refuses to start without its bearer token: the host generates one per slice and writes it to the file ${SLICE_ENV.tokenFile} names.`);
  }
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new SliceConfigError(`The token from ${source} must be at least ${MIN_TOKEN_LENGTH} characters with no spaces (the host derives a random one of 43).`);
  }
  const read = settingsReader(env, refuse);
  const S = SLICE_SETTINGS;
  const listenHost = rawSetting(env, S.listenHost)?.trim() || (io.address ?? containerAddress)() || '127.0.0.1';
  const driver = read.choice(S.driver);
  const instanceId = read.text(S.instanceId, (raw) => (/^[A-Za-z0-9_.-]{1,128}$/.test(raw.trim()) ? { ok: true, value: raw.trim() } : { ok: false, allowed: `use ${S.instanceId.accepts}` }), S.instanceId.default);
  const pairingPhoneNumber = read.text<string | null>(S.pairingPhone, (raw) => {
    const digits = raw.replace(/[\s+()-]/g, '');
    return /^\d{7,15}$/.test(digits) ? { ok: true, value: digits } : { ok: false, allowed: `use ${S.pairingPhone.accepts}, country code first` };
  }, null);
  const chromiumExtraArgs = read.text(S.chromiumExtraArgs, (raw) => {
    const parsed = parseChromiumArgs(raw);
    return parsed.ok ? { ok: true, value: parsed.args } : { ok: false, allowed: parsed.reason };
  }, []);
  const tokenFile = env[SLICE_ENV.tokenFile]?.trim();
  let proxy: ProxySettings | null = null;
  try {
    proxy = tokenFile ? readSliceProxy(tokenFile, io.readFile) : null;
  } catch (error) {
    throw new SliceConfigError((error as Error).message);
  }
  return {
    token,
    proxy,
    port: read.int(S.port),
    listenHost,
    driver,
    instanceId,
    manager: {
      readyTimeoutMs: read.int(S.readyTimeoutMs),
      restartBackoffMs: read.int(S.restartBackoffMs),
      maxRestartsPerWindow: read.int(S.maxRestartsPerWindow),
      windowMs: read.int(S.windowMinutes) * 60_000,
      livenessProbeMs: read.int(S.livenessProbeMs),
    },
    qr: {
      codes: read.int(S.qrCodes),
      firstTtlMs: read.int(S.qrFirstTtlMs),
      ttlMs: read.int(S.qrTtlMs),
      scanGraceMs: read.int(S.qrScanGraceMs),
    },
    simulated: {
      contacts: read.int(S.simContacts),
      contactIntervalMs: read.int(S.simContactIntervalMs),
      linkDelayMs: read.int(S.simLinkDelayMs),
      replyDelayMs: read.int(S.simReplyDelayMs),
      bootDelayMs: read.int(S.simBootDelayMs),
      ackDelayMs: read.int(S.simAckDelayMs),
      restoreSync: read.choice(S.simRestoreSync),
      size: {
        chats: read.int(S.simChats),
        lastMessageChars: read.int(S.simLastMessageChars),
        historyMessages: read.int(S.simHistoryMessages),
      },
      closeMs: read.int(S.simCloseMs),
    },
    shutdownMs: read.int(S.shutdownMs),
    authBaseDir: rawSetting(env, S.authBaseDir)?.trim() || S.authBaseDir.default,
    chromePath: rawSetting(env, S.chromePath)?.trim() || S.chromePath.default,
    startTimeoutMs: read.int(S.startTimeoutMs),
    pairingPhoneNumber,
    chromiumExtraArgs,
    pairingCodeTtlMs: read.int(S.pairingCodeTtlMs),
    mediaMaxBytes: read.int(S.mediaMaxBytes),
  };
}
