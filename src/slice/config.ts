/**
 * The slice's settings, read once from its environment (names in
 * `SLICE_ENV`, @shared/slice-protocol). Every value is checked; a bad one stops
 * the slice with words that name the variable and say what it accepts.
 */
import type { ProxySettings } from '@shared/proxy';
import { readSliceProxy } from './proxy';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseChromiumArgs } from '@shared/chromium-args';
import { MESSAGE_TEXT_RULE } from '@shared/input-rules';
import { DEFAULT_MEDIA_MAX_BYTES, MEDIA_MAX_BYTES_CEILING, RESTORE_SYNC_MODES, SLICE_ENV, SLICE_INTERNAL_PORT, SLICE_TOKEN_WAIT_MS, type RestoreSync } from '@shared/slice-protocol';
import type { DriverName } from '@shared/types';
import type { SimulatedTimings } from './drivers/simulated';
import type { InstanceManagerConfig } from './instance-manager';

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

/** A token shorter than this is refused (the host's are 43 characters). */
export const MIN_TOKEN_LENGTH = 16;

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

/** Below Docker's default 10 s stop grace; the host passes its own (sliceShutdownMs of SLICEDECK_STOP_GRACE_MS). */
export const DEFAULT_SHUTDOWN_MS = 8_000;

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

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new SliceConfigError(`${name}=${JSON.stringify(raw)} is not a whole number; use a value from ${min} to ${max}, or leave it unset for ${fallback}.`);
  const value = Number(raw);
  if (value < min || value > max) throw new SliceConfigError(`${name}=${raw} is out of range; use a value from ${min} to ${max}, or leave it unset for ${fallback}.`);
  return value;
}

/**
 * The token: from the file `SLICE_TOKEN_FILE` names (what the host does: a 0400
 * file, so it is not in `docker inspect` or in every child process's environment),
 * or from `SLICE_TOKEN` when a slice is run by hand.
 */
function readRestoreSync(env: Env): RestoreSync {
  const raw = env[SLICE_ENV.simRestoreSync]?.trim() || 'after_listener';
  if (!(RESTORE_SYNC_MODES as readonly string[]).includes(raw)) {
    throw new SliceConfigError(`${SLICE_ENV.simRestoreSync}=${JSON.stringify(raw)} is not a restore mode; use one of ${RESTORE_SYNC_MODES.join(', ')}.`);
  }
  return raw as RestoreSync;
}

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
    throw new SliceConfigError(`The token from ${source} must be at least ${MIN_TOKEN_LENGTH} characters with no spaces (the host generates a random one).`);
  }
  const listenHost = env[LISTEN_HOST_ENV]?.trim() || (io.address ?? containerAddress)() || '127.0.0.1';
  const driverRaw = env[SLICE_ENV.driver]?.trim() || 'whatsapp-web.js';
  if (driverRaw !== 'simulated' && driverRaw !== 'whatsapp-web.js') {
    throw new SliceConfigError(`${SLICE_ENV.driver}=${JSON.stringify(driverRaw)} is not a driver; use "whatsapp-web.js" or "simulated".`);
  }
  const instanceId = env[SLICE_ENV.instanceId]?.trim() || 'default';
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(instanceId)) {
    throw new SliceConfigError(`${SLICE_ENV.instanceId} may only hold letters, digits, ".", "_" and "-" (1–128 characters).`);
  }
  const pairing = env[PAIRING_PHONE_ENV]?.replace(/[\s+()-]/g, '') || null;
  if (pairing !== null && !/^\d{7,15}$/.test(pairing)) {
    throw new SliceConfigError(`${PAIRING_PHONE_ENV} must be a phone number in international format (7–15 digits, country code first).`);
  }
  const chromiumArgs = parseChromiumArgs(env[SLICE_ENV.chromiumExtraArgs]);
  if (!chromiumArgs.ok) {
    throw new SliceConfigError(`${SLICE_ENV.chromiumExtraArgs} is not valid: ${chromiumArgs.reason}. The host sets it from SLICEDECK_CHROMIUM_ARGS.`);
  }
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
    port: readInt(env, SLICE_ENV.port, SLICE_INTERNAL_PORT, 1, 65535),
    listenHost,
    driver: driverRaw,
    instanceId,
    manager: {
      maxQueueSize: readInt(env, SLICE_ENV.maxQueueSize, 200, 1, 100_000),
      readyTimeoutMs: readInt(env, SLICE_ENV.readyTimeoutMs, 180_000, 10, 3_600_000),
      restartBackoffMs: readInt(env, SLICE_ENV.restartBackoffMs, 2_000, 0, 600_000),
      maxRestartsPerWindow: readInt(env, SLICE_ENV.maxRestartsPerWindow, 5, 1, 1_000),
      windowMs: readInt(env, SLICE_ENV.windowMinutes, 10, 1, 24 * 60) * 60_000,
      livenessProbeMs: readInt(env, SLICE_ENV.livenessProbeMs, 30_000, 0, 3_600_000),
    },
    qr: {
      codes: readInt(env, SLICE_ENV.qrCodes, 3, 1, 20),
      firstTtlMs: readInt(env, SLICE_ENV.qrFirstTtlMs, 60_000, 10, 600_000),
      ttlMs: readInt(env, SLICE_ENV.qrTtlMs, 20_000, 10, 600_000),
      scanGraceMs: readInt(env, SLICE_ENV.qrScanGraceMs, 60_000, 0, 600_000),
    },
    simulated: {
      contacts: readInt(env, SLICE_ENV.simContacts, 25, 0, 100_000),
      contactIntervalMs: readInt(env, SLICE_ENV.simContactIntervalMs, 150, 0, 60_000),
      linkDelayMs: readInt(env, SLICE_ENV.simLinkDelayMs, 300, 0, 60_000),
      replyDelayMs: readInt(env, SLICE_ENV.simReplyDelayMs, 1_500, 0, 600_000),
      bootDelayMs: readInt(env, SIM_BOOT_DELAY_ENV, 50, 0, 60_000),
      ackDelayMs: readInt(env, SLICE_ENV.simAckDelayMs, 1_000, 0, 600_000),
      restoreSync: readRestoreSync(env),
      size: {
        chats: readInt(env, SLICE_ENV.simChats, 0, 0, 100_000),
        lastMessageChars: readInt(env, SLICE_ENV.simLastMessageChars, 0, 0, MESSAGE_TEXT_RULE.maxLength),
        historyMessages: readInt(env, SLICE_ENV.simHistoryMessages, 0, 0, 10_000),
      },
      closeMs: readInt(env, SLICE_ENV.simCloseMs, 0, 0, 600_000),
    },
    shutdownMs: readInt(env, SLICE_ENV.shutdownMs, DEFAULT_SHUTDOWN_MS, 100, 600_000),
    authBaseDir: env[SLICE_ENV.authBaseDir]?.trim() || '/data/auth',
    chromePath: env[CHROME_PATH_ENV]?.trim() || '/usr/bin/chromium',
    startTimeoutMs: readInt(env, WWEBJS_START_TIMEOUT_ENV, 60_000, 1_000, 600_000),
    pairingPhoneNumber: pairing,
    chromiumExtraArgs: chromiumArgs.args,
    pairingCodeTtlMs: readInt(env, SLICE_ENV.pairingCodeTtlMs, 180_000, 1_000, 600_000),
    mediaMaxBytes: readInt(env, SLICE_ENV.mediaMaxBytes, DEFAULT_MEDIA_MAX_BYTES, 1, MEDIA_MAX_BYTES_CEILING),
  };
}
