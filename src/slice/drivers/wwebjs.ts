/**
 * The one driver: a whatsapp-web.js `Client` per slice, real or stand-in.
 *
 * - `SLICE_DRIVER=whatsapp-web.js`: the real Client (headless Chromium), loaded by
 *   dynamic import only here, so the node-only image carries none of it.
 * - `SLICE_DRIVER=simulated`: the stand-in Client (`simulated-client.ts`), which
 *   emits what the library emits, in its order. Everything below runs over both.
 * - LocalAuth keeps the session per instance: `clientId` is the instance id made
 *   safe for LocalAuth, `dataPath` is `AUTH_BASE_DIR/<clientId>` (a volume per account).
 * - `webVersionCache: { type: 'none' }`: the library's default local cache writes
 *   `./.wwebjs_cache/` in /app, which the slice user cannot write; the failure is
 *   swallowed inside a page binding and `ready` never fires (issue 13, defect 1).
 * - Codes: WhatsApp rotates them itself; the driver counts them against
 *   `QR_CODES` and reports each with its lifetime (first `QR_FIRST_TTL_MS`, later
 *   `QR_TTL_MS`). When the codes run out, a phone that already scanned may still be
 *   logging in (WhatsApp emits nothing between the scan and `authenticated`): the
 *   driver asks `getState()`, and while it says PAIRING/OPENING/CONNECTED it keeps
 *   the browser up for at most `QR_SCAN_GRACE_MS` and says so (`pairing`).
 * - Starting is bounded by `WWEBJS_START_TIMEOUT_MS`; a start abandoned at that
 *   bound is destroyed once it settles, so a late `puppeteer.launch` leaves no Chromium.
 * - `ready` is reported after a cheap count of the contact collection (never `getContacts()`).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chat, ChatMessage, QrInfo } from '@shared/types';
import { qrLifetimeMs, type SliceConfig } from '../config';
import type { Logger } from '../instance-manager';
import { clearStaleProfileLocks } from './chromium-profile';
import { DriverNotReadyError, type DriverEventSink, type DriverFactory, type WhatsAppDriver } from './driver';
import type { WaClient, WaClientFactory, WaClientOptions, WaMessage, WaPageGlobals, WaState } from './wa-client';

/** Flags that let Chromium run as a non-root user in a container without a GPU. */
export const CONTAINER_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
  '--mute-audio',
];

/** WhatsApp states after which the session is gone, not just the link. */
const LOGGED_OUT_REASONS = new Set(['LOGOUT', 'UNPAIRED', 'UNPAIRED_IDLE']);
/** Socket states of a phone that scanned and is logging in (Client.js 146–176 waits through these). */
const PAIRING_STATES = new Set<WaState | null>(['PAIRING', 'OPENING', 'CONNECTED']);
/** WhatsApp's rotation is its own: allow it this much lateness before an intermediate code counts as expired. */
export const QR_ROTATION_ALLOWANCE_MS = 3_000;
/** Bound on one page probe (state, contact count, chat lookup) so none can hang the driver. */
const PROBE_TIMEOUT_MS = 5_000;
/** How often the contact count is read between `authenticated` and `ready`. */
export const CONTACT_POLL_MS = 200;

/** LocalAuth accepts only letters, digits, `_` and `-` in a clientId. */
export function sanitizeClientId(instanceId: string): string {
  const clean = instanceId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return clean || 'default';
}

/**
 * Puppeteer's launch options: the container's flags, then the operator's (CHROMIUM_EXTRA_ARGS).
 * Puppeteer's own signal handlers are off: on SIGTERM they SIGKILL Chromium's process group at
 * once (@puppeteer/browsers launch.js `#onDriverProcessSignal` → `close()` → `kill()`), before the
 * slice can close it — and a killed Chromium never writes what it commits lazily (localStorage,
 * a just-linked session). The slice's own SIGTERM path closes the browser (main.ts).
 */
export function puppeteerOptions(config: Pick<SliceConfig, 'chromePath' | 'startTimeoutMs' | 'chromiumExtraArgs'>): WaClientOptions['puppeteer'] {
  return {
    headless: true,
    executablePath: config.chromePath,
    args: [...CONTAINER_CHROMIUM_ARGS, ...config.chromiumExtraArgs],
    protocolTimeout: config.startTimeoutMs,
    handleSIGTERM: false,
    handleSIGINT: false,
    handleSIGHUP: false,
  };
}

/** Every option the Client is built with (the auth strategy is added by whoever has the library). */
export function clientOptions(config: Pick<SliceConfig, 'chromePath' | 'startTimeoutMs' | 'chromiumExtraArgs' | 'pairingPhoneNumber'>): WaClientOptions {
  return {
    puppeteer: puppeteerOptions(config),
    // Never the local cache: it writes ./.wwebjs_cache in /app (root's) and `ready` never fires.
    webVersionCache: { type: 'none' },
    authTimeoutMs: config.startTimeoutMs,
    // We count codes ourselves (QR_CODES), so whatsapp-web.js must not give up first.
    qrMaxRetries: 0,
    ...(config.pairingPhoneNumber ? { pairWithPhoneNumber: { phoneNumber: config.pairingPhoneNumber, showNotification: true } } : {}),
  };
}

type WwebjsModule = typeof import('whatsapp-web.js');
let modulePromise: Promise<WwebjsModule> | null = null;
function loadWwebjs(): Promise<WwebjsModule> {
  modulePromise ??= import('whatsapp-web.js').then((loaded) => ((loaded as { default?: WwebjsModule }).default ?? loaded) as WwebjsModule);
  return modulePromise;
}

/** The real Client: whatsapp-web.js with LocalAuth on the account's volume. */
export function realClientFactory(config: SliceConfig): WaClientFactory {
  return async (options) => {
    const { Client, LocalAuth } = await loadWwebjs().catch((error: unknown) => {
      throw new Error(explainStartFailure(error, config.startTimeoutMs));
    });
    const clientId = sanitizeClientId(config.instanceId);
    const authStrategy = new LocalAuth({ clientId, dataPath: join(config.authBaseDir, clientId) });
    // The library's own typings differ in detail (overloads, classes); its behaviour is what wa-client.ts describes.
    return new Client({ ...options, authStrategy } as unknown as ConstructorParameters<WwebjsModule['Client']>[0]) as unknown as WaClient;
  };
}

/** Turns what puppeteer/whatsapp-web.js throw into words an operator can act on. */
export function explainStartFailure(error: unknown, startTimeoutMs: number): string {
  const raw = error instanceof Error ? error.message : String(error);
  const seconds = Math.round(startTimeoutMs / 1000);
  if (/start_timeout/.test(raw)) {
    return `WhatsApp Web could not be reached within ${seconds} s. Check that this computer can reach web.whatsapp.com (internet connection, proxy, firewall), then click Connect to try again.`;
  }
  if (/net::ERR_|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|Navigation timeout/i.test(raw)) {
    const code = /net::ERR_[A-Z_]+/.exec(raw)?.[0] ?? raw.split('\n')[0];
    return `WhatsApp Web could not be reached (${code}). Check that this computer can reach web.whatsapp.com (internet connection, proxy, firewall), then click Connect to try again.`;
  }
  if (/Failed to launch|spawn|ENOENT|Browser was not found|executable/i.test(raw)) {
    return `Chromium could not start inside the slice (${raw.split('\n')[0]}). Rebuild the slice image with \`node scripts/slice-image.mjs --chromium\`, then click Connect again.`;
  }
  if (/Cannot find (module|package) 'whatsapp-web.js'/.test(raw)) {
    return 'This slice image has no whatsapp-web.js. Use the Chromium image (slicedeck-slice:chromium) for the real driver.';
  }
  return `WhatsApp Web could not be started (${raw.split('\n')[0]}). Click Connect to try again.`;
}

/** Thrown when WhatsApp has no chat with that id (sending to it, or reading it). */
export class ChatNotFoundError extends Error {
  constructor(chatId: string) {
    super(`There is no chat ${chatId} on this account. Check the number (country code first, e.g. 15551234567@c.us) or pick a chat from the list.`);
    this.name = 'ChatNotFoundError';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export class WwebjsDriver implements WhatsAppDriver {
  private client: WaClient | null = null;
  private ready = false;
  /** False once stopped: late events of a closing browser are ignored. */
  private running = false;
  private authenticated = false;
  private qrCount = 0;
  /** The codes ran out (or a scan is in its grace): further codes are not shown. */
  private codesOver = false;
  private qrTimer: NodeJS.Timeout | null = null;
  private contactTimer: NodeJS.Timeout | null = null;
  /** The client's `initialize()` while it runs (launch, navigation, injection). */
  private starting: Promise<void> | null = null;
  private readonly dataPath: string;
  /** A pairing code was asked for: codes are what the operator types, not QR codes. */
  private pairingCodeMode = false;
  private pairingCodes = 0;

  constructor(
    readonly name: SliceConfig['driver'],
    private readonly config: SliceConfig,
    private readonly createClient: WaClientFactory,
    private readonly sink: DriverEventSink,
    private readonly log: Logger,
  ) {
    this.dataPath = join(config.authBaseDir, sanitizeClientId(config.instanceId));
  }

  /**
   * Starts the browser. A driver that ran before keeps its Client object, so the
   * manager's soft restart (destroy + initialize) restarts the same client; a hard
   * restart is a new driver, hence a new Client.
   */
  async initialize(): Promise<void> {
    if (!this.client) {
      this.client = await this.createClient(clientOptions(this.config));
      this.attach(this.client);
    }
    const client = this.client;
    await this.stopBrowser();
    // LocalAuth's profile folder: a killed slice's Chromium locks would refuse the saved session.
    const staleLocks = await clearStaleProfileLocks(join(this.dataPath, `session-${sanitizeClientId(this.config.instanceId)}`)).catch(() => []);
    if (staleLocks.length > 0) this.log({ event: 'chromium_stale_locks_removed', files: staleLocks });
    this.qrCount = 0;
    this.pairingCodeMode = false;
    this.pairingCodes = 0;
    this.codesOver = false;
    this.authenticated = false;
    this.running = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('start_timeout')), this.config.startTimeoutMs);
    });
    const starting = client.initialize();
    this.starting = starting;
    try {
      await Promise.race([starting, deadline]);
    } catch (error) {
      this.log({ event: 'wwebjs_start_failed', error: error instanceof Error ? error.message : String(error) });
      // Still launching (the bound passed)? stopBrowser hands it to abandon().
      await this.stopBrowser();
      throw new Error(explainStartFailure(error, this.config.startTimeoutMs));
    } finally {
      clearTimeout(timer);
      if (this.starting === starting) this.starting = null;
    }
  }

  /**
   * A start that is still launching Chromium when it is given up (its bound passed,
   * or the slice is stopping): forget the client (its events are ignored from now
   * on) and destroy it once the launch settles, so no browser is left running.
   * `destroy()` during `puppeteer.launch` does nothing (Client.js 1277–1285: no browser yet).
   */
  private abandon(client: WaClient, starting: Promise<void>): void {
    if (this.client === client) this.client = null;
    if (this.starting === starting) this.starting = null;
    const destroy = () => {
      this.log({ event: 'wwebjs_late_start_destroyed' });
      return client.destroy().catch((error: unknown) => this.log({ event: 'wwebjs_destroy_failed', error: String(error) }));
    };
    void starting.then(destroy, destroy);
  }

  private attach(client: WaClient): void {
    const mine = () => this.client === client && this.running;
    client.on('qr', (payload: string) => {
      // Linking by phone number: WhatsApp's ref may still rotate behind the pairing code; the code is what counts.
      if (!mine() || this.codesOver || this.pairingCodeMode) return;
      this.qrCount++;
      const { codes, ttlMs } = this.config.qr;
      // WhatsApp rotated past our last code: it has expired.
      if (this.qrCount > codes) return void this.codesExpired(client);
      const issuedAt = Date.now();
      const lifetime = qrLifetimeMs(this.config.qr, this.qrCount);
      const qr: QrInfo = { payload, index: this.qrCount, total: codes, issuedAt, expiresAt: issuedAt + lifetime };
      this.sink.qr(qr);
      // By when every remaining code should have come and gone (WhatsApp decides the rotation itself).
      const remaining = codes - this.qrCount;
      const until = lifetime + remaining * ttlMs + (remaining > 0 ? QR_ROTATION_ALLOWANCE_MS : 0);
      this.clearQrTimer();
      this.qrTimer = setTimeout(() => void this.codesExpired(client), until);
    });
    client.on('code', (code: string) => {
      if (!mine() || this.authenticated) return;
      // WhatsApp issues the next code after intervalMs (Client.js 545–556): that is this one's lifetime.
      const issuedAt = Date.now();
      this.pairingCodeMode = true;
      this.clearQrTimer();
      this.sink.pairingCode?.(code, issuedAt, issuedAt + this.config.pairingCodeTtlMs);
      this.log({ event: 'pairing_code_issued', expiresAt: issuedAt + this.config.pairingCodeTtlMs });
      // Bounded like the codes: after QR_CODES pairing codes nobody typed, give up (the next would come after it expired).
      this.pairingCodes++;
      const last = this.pairingCodes >= this.config.qr.codes;
      this.qrTimer = setTimeout(() => {
        if (last) void this.codesExpired(client);
      }, this.config.pairingCodeTtlMs + QR_ROTATION_ALLOWANCE_MS);
    });
    client.on('authenticated', () => {
      if (!mine()) return;
      this.clearQrTimer();
      this.authenticated = true;
      this.codesOver = true;
      this.sink.authenticated();
      this.countContactsWhileLinking(client);
    });
    client.on('loading_screen', (percent: number, message: string) => {
      if (!mine()) return;
      this.sink.note?.('loading_screen', { percent, message });
      const value = Number(percent);
      if (Number.isFinite(value)) this.sink.loading?.(Math.max(0, Math.min(100, Math.round(value))));
    });
    client.on('message_ack', (message: WaMessage, ack: number) => {
      if (mine() && message?.id?._serialized && Number.isInteger(ack)) this.sink.ack?.(message.id._serialized, ack);
    });
    client.on('ready', () => {
      if (!mine()) return;
      this.stopContactCount();
      this.ready = true;
      void this.countContacts(client)
        .then((count) => this.sink.contacts(count, true))
        .catch((error: unknown) => this.log({ event: 'contact_count_failed', error: String(error) }))
        .finally(() => mine() && this.ready && this.sink.ready());
    });
    client.on('change_state', (state: WaState) => {
      if (mine()) this.sink.note?.('change_state', { state });
    });
    client.on('auth_failure', (message: string) => {
      if (!mine()) return;
      this.ready = false;
      this.sink.authFailure(String(message));
    });
    client.on('disconnected', (reason: string) => {
      if (!mine()) return;
      this.ready = false;
      this.clearQrTimer();
      this.stopContactCount();
      const why = String(reason);
      // whatsapp-web.js closes the browser itself after this event (or re-injects after LOGOUT); the Client object stays for a soft restart.
      this.running = false;
      this.sink.disconnected(why, LOGGED_OUT_REASONS.has(why));
    });
    client.on('message_create', (message: WaMessage) => {
      if (mine()) this.sink.message(toChatMessage(message));
    });
  }

  /**
   * The codes are over. If WhatsApp says a phone is logging in, wait (bounded) for
   * `authenticated` instead of stopping the browser under it; otherwise give up.
   */
  private async codesExpired(client: WaClient): Promise<void> {
    const mine = () => this.client === client && this.running && !this.authenticated;
    if (!mine() || this.codesOver) return;
    this.codesOver = true;
    this.clearQrTimer();
    let state: WaState | null = null;
    try {
      state = await withTimeout(client.getState(), PROBE_TIMEOUT_MS, 'getState()');
    } catch (error) {
      this.log({ event: 'wwebjs_state_failed', error: String(error) });
    }
    if (!mine()) return;
    const grace = this.config.qr.scanGraceMs;
    if (!PAIRING_STATES.has(state) || grace <= 0) {
      this.log({ event: 'qr_codes_expired', state });
      return this.exhaustCodes();
    }
    const until = Date.now() + grace;
    this.log({ event: 'qr_scan_grace', state, until });
    this.sink.pairing(until);
    this.qrTimer = setTimeout(() => {
      if (!mine()) return;
      this.log({ event: 'qr_scan_grace_over', graceMs: grace });
      this.exhaustCodes();
    }, grace);
  }

  /** How many contacts WhatsApp holds: the collection's length, not `getContacts()` (which serialises each and fetches business profiles). */
  private countContacts(client: WaClient): Promise<number> {
    const page = client.pupPage;
    if (!page) return Promise.resolve(0);
    return withTimeout(
      page.evaluate(() => (globalThis as unknown as WaPageGlobals).window.require('WAWebCollections').Contact.getModelsArray().length),
      PROBE_TIMEOUT_MS,
      'the contact count',
    );
  }

  /** While linking, WhatsApp fills its contact collection; report the count as it grows. */
  private countContactsWhileLinking(client: WaClient): void {
    this.stopContactCount();
    let last = -1;
    const linking = () => this.client === client && this.running && !this.ready;
    const tick = async () => {
      if (!linking()) return;
      try {
        const count = await this.countContacts(client);
        if (count !== last && linking()) {
          last = count;
          this.sink.contacts(count, false);
        }
      } catch {
        // The page is navigating while linking; the next tick will tell.
      }
      if (linking()) this.contactTimer = setTimeout(tick, CONTACT_POLL_MS);
    };
    this.contactTimer = setTimeout(tick, 0);
  }

  private exhaustCodes(): void {
    if (!this.running) return;
    this.sink.qrExhausted();
    void this.stopBrowser();
  }

  private clearQrTimer(): void {
    if (this.qrTimer) clearTimeout(this.qrTimer);
    this.qrTimer = null;
  }

  private stopContactCount(): void {
    if (this.contactTimer) clearTimeout(this.contactTimer);
    this.contactTimer = null;
  }

  /** Closes the browser; the Client object (and the session on disk) stay. */
  async destroy(): Promise<void> {
    await this.stopBrowser();
  }

  private async stopBrowser(): Promise<void> {
    this.clearQrTimer();
    this.stopContactCount();
    this.ready = false;
    const wasRunning = this.running;
    this.running = false;
    const client = this.client;
    // Stopped mid-start: the browser may not exist yet; destroy it once the start settles.
    if (client && this.starting) this.abandon(client, this.starting);
    // Closing twice (whatsapp-web.js already closed it after `disconnected`) only throws; ignore that.
    if (client && (wasRunning || client.pupBrowser)) {
      await client.destroy().catch((error: unknown) => this.log({ event: 'wwebjs_destroy_failed', error: String(error) }));
    }
  }

  async logout(): Promise<void> {
    const client = this.client;
    if (client && this.ready) {
      this.running = false;
      this.ready = false;
      // Unlinks the device on the phone and deletes the LocalAuth session.
      await client.logout().catch((error: unknown) => this.log({ event: 'wwebjs_logout_failed', error: String(error) }));
    }
    await this.stopBrowser();
    this.client = null;
    // LocalAuth.logout() already deleted it; make sure, without failing the logout over it.
    await rm(this.dataPath, { recursive: true, force: true }).catch((error: unknown) => this.log({ event: 'session_delete_failed', error: String(error) }));
  }

  /**
   * whatsapp-web.js `requestPairingCode(number, showNotification, intervalMs)`: only
   * while codes are on offer (not linked, not logging in). The answer is the first code;
   * the page re-issues one every intervalMs, each reported through `code`.
   */
  async requestPairingCode(phoneNumber: string): Promise<{ code: string; expiresAt: number }> {
    const client = this.client;
    if (!client || !this.running || !client.pupPage || this.starting) {
      throw new DriverNotReadyError('WhatsApp Web is not showing a code yet. Wait for the QR code to appear, then ask for a pairing code.');
    }
    if (this.authenticated || this.codesOver) {
      throw new DriverNotReadyError('This client is not waiting for a code any more (it is linking, or its codes ran out). Click Connect to start again, then ask for a pairing code.');
    }
    const code = await withTimeout(client.requestPairingCode(phoneNumber, true, this.config.pairingCodeTtlMs), this.config.startTimeoutMs, 'requestPairingCode()');
    return { code, expiresAt: Date.now() + this.config.pairingCodeTtlMs };
  }

  /**
   * Is the client alive? `getState()` (a call into the page: the socket state) and
   * the browser being connected. A closed browser or a page that does not answer
   * within `timeoutMs` rejects.
   */
  async probe(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client || !this.running) return; // nothing running is not deaf
    if (client.pupBrowser && !client.pupBrowser.isConnected()) throw new Error('the browser is gone');
    const state = await withTimeout(client.getState(), timeoutMs, 'WhatsApp Web (getState)');
    if (this.ready && state !== null && state !== 'CONNECTED' && !PAIRING_STATES.has(state)) {
      this.log({ event: 'liveness_state', state });
    }
  }

  private readyClient(): WaClient {
    if (!this.client || !this.ready || !this.running) throw new DriverNotReadyError();
    return this.client;
  }

  async sendText(chatId: string, text: string): Promise<ChatMessage> {
    const message = await this.readyClient().sendMessage(chatId, text);
    // The library answers undefined when WhatsApp has no such chat (Client.js 1539: `if (!chat) return null`).
    if (!message) throw new ChatNotFoundError(chatId);
    return toChatMessage(message);
  }

  async listChats(): Promise<Chat[]> {
    const chats = await this.readyClient().getChats();
    return chats
      .map((chat) => {
        const last = chat.lastMessage;
        return {
          id: chat.id._serialized,
          name: chat.name,
          isGroup: chat.isGroup,
          unreadCount: chat.unreadCount,
          ...(last ? { lastMessage: { body: last.body, timestamp: Math.round(last.timestamp * 1000), fromMe: last.fromMe } } : {}),
        };
      })
      .sort((a, b) => (b.lastMessage?.timestamp ?? 0) - (a.lastMessage?.timestamp ?? 0));
  }

  /**
   * Null when the account has no such chat. Asks the chat collection first:
   * `getChatById` would create a chat for any well-formed number (Utils.js 864–870).
   */
  async listMessages(chatId: string): Promise<ChatMessage[] | null> {
    const client = this.readyClient();
    const page = client.pupPage;
    if (!page) throw new DriverNotReadyError();
    let known: boolean;
    try {
      known = await withTimeout(
        page.evaluate((id: string) => {
          const window = (globalThis as unknown as WaPageGlobals).window;
          return Boolean(window.require('WAWebCollections').Chat.get(window.require('WAWebWidFactory').createWid(id)));
        }, chatId),
        PROBE_TIMEOUT_MS,
        'the chat lookup',
      );
    } catch (error) {
      this.log({ event: 'chat_lookup_failed', chatId, error: String(error) });
      return null;
    }
    if (!known) return null;
    const chat = await client.getChatById(chatId);
    if (!chat) return null;
    const messages = await chat.fetchMessages({ limit: 50 });
    return messages.map(toChatMessage);
  }
}

function toChatMessage(message: WaMessage): ChatMessage {
  const chatId = message.fromMe ? message.to : message.from;
  return {
    id: message.id._serialized,
    chatId,
    fromMe: message.fromMe,
    body: message.body,
    timestamp: Math.round(message.timestamp * 1000),
    ...(message.fromMe ? { status: 'sent' as const } : {}),
  };
}

/** The driver over any client factory (the real library, or the stand-in). */
export function createWwebjsFactory(config: SliceConfig, log: Logger = () => undefined, createClient: WaClientFactory = realClientFactory(config)): DriverFactory {
  return (sink) => new WwebjsDriver(config.driver, config, createClient, sink, log);
}
