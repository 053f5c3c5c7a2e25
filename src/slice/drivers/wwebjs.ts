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
 * - A sync the library missed is carried on: 1.34.7 listens for `change:hasSynced` only at the
 *   end of inject(), so a restored session already synced by then never gets `authenticated`
 *   or `ready` (upstream #5685, #5758). Once `initialize()` has attached the library's
 *   listeners, and every `LINK_WATCH_MS` until ready, `carryMissedSync` asks the page and, if
 *   WhatsApp is synced but the library's handler was never called, calls it — once.
 * - While linking without a code on screen the driver says what it waits for (`waiting`).
 * - Chats and messages come in pages built inside the page (`page-queries.ts`), never `getChats()`.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chat, ChatMessage, LinkWaitStep, MediaFile, QrInfo } from '@shared/types';
import { qrLifetimeMs, type SliceConfig } from '../config';
import type { Logger } from '../instance-manager';
import { clearStaleProfileLocks } from './chromium-profile';
import { CHAT_NAME_MAX_CHARS, CHAT_PREVIEW_MAX_CHARS, MESSAGE_BODY_MAX_CHARS, encodeChatCursor } from '@shared/paging';
import { MEDIA_THUMBNAIL_MAX_CHARS } from '@shared/slice-protocol';
import { DriverNotReadyError, UnknownCursorError, type ChatsQuery, type DriverEventSink, type DriverFactory, type MessagesQuery, type WhatsAppDriver } from './driver';
import { MediaRefusal, downloadMediaFile, mediaOf, textOf } from './media';
import { proxyAddress, type ProxySettings } from '@shared/proxy';
import { ProxyRefusedError, probeProxy } from '../proxy-probe';
import { chromiumArgsWithProxy, explainProxyFailure, proxyAuthentication } from '../proxy';
import { chatsPageInPage, messagesPageInPage, type ChatsPageArgs, type MessagesPageArgs, type PageChatRow, type PageMessageRow } from './page-queries';
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
/** Bound on building one page in the page (a sort over every chat; earlier messages asked of WhatsApp). */
const PAGE_QUERY_TIMEOUT_MS = 20_000;
/** `loadEarlierMsgs` calls for one messages page at most (fetchMessages loops until WhatsApp has no more). */
const MAX_EARLIER_LOADS = 10;
/** How often the contact count is read between `authenticated` and `ready`. */
export const CONTACT_POLL_MS = 200;
/** How often a client that is not ready yet is asked what it waits for (and a missed sync carried on). */
export const LINK_WATCH_MS = 1_000;

/** What `carryMissedSync` found in the page. */
export interface LinkProbe {
  state: WaState | null;
  hasSynced: boolean;
  /** The library had missed the sync, and its handler was called now. */
  carried: boolean;
}

/**
 * Runs in the page (handed to `evaluate`: it may use only the page's globals).
 * whatsapp-web.js 1.34.7 waits in inject() for the socket to leave OPENING/PAIRING, then
 * exposes `onAppStateHasSyncedEvent` and only then listens for `Socket` `change:hasSynced`
 * (Client.js 145–175, 400–410); a sync completed before that is never heard. The library's
 * listener calls its binding, and puppeteer's binding counts its calls in `lastSeq` (per
 * document, like `hasSynced`). In one page task — the page is single-threaded, so nothing
 * can slip in between — synced with no call yet means the library missed it: call the
 * handler now. The call counts itself, so a second check (or a late change event) finds
 * it delivered: the library's `authenticated` → `ready` runs once.
 */
export const carryMissedSync = (): LinkProbe => {
  const page = (globalThis as unknown as WaPageGlobals).window;
  const socket = page.require('WAWebSocketModel').Socket;
  const handler = page.onAppStateHasSyncedEvent;
  const state = socket.state ?? null;
  const hasSynced = socket.hasSynced === true;
  // `slicedeckCarriedSync`: at most one carry per document, whatever a later puppeteer does with `lastSeq`.
  if (!hasSynced || typeof handler !== 'function' || (handler.lastSeq ?? 0) > 0 || page.slicedeckCarriedSync) return { state, hasSynced, carried: false };
  page.slicedeckCarriedSync = true;
  void handler().catch(() => undefined);
  return { state, hasSynced, carried: true };
};

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
export function puppeteerOptions(config: Pick<SliceConfig, 'chromePath' | 'startTimeoutMs' | 'chromiumExtraArgs' | 'proxy'>): WaClientOptions['puppeteer'] {
  return {
    headless: true,
    executablePath: config.chromePath,
    // The account's proxy last (its address only; the login goes through page.authenticate).
    args: [...CONTAINER_CHROMIUM_ARGS, ...chromiumArgsWithProxy(config.chromiumExtraArgs, config.proxy)],
    protocolTimeout: config.startTimeoutMs,
    handleSIGTERM: false,
    handleSIGINT: false,
    handleSIGHUP: false,
  };
}

/** Every option the Client is built with (the auth strategy is added by whoever has the library). */
export function clientOptions(config: Pick<SliceConfig, 'chromePath' | 'startTimeoutMs' | 'chromiumExtraArgs' | 'pairingPhoneNumber' | 'proxy'>): WaClientOptions {
  const auth = proxyAuthentication(config.proxy);
  return {
    ...(auth ? { proxyAuthentication: auth } : {}),
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
      throw new Error(explainStartFailure(error, config.startTimeoutMs, config.proxy));
    });
    const clientId = sanitizeClientId(config.instanceId);
    const authStrategy = new LocalAuth({ clientId, dataPath: join(config.authBaseDir, clientId) });
    // The library's own typings differ in detail (overloads, classes); its behaviour is what wa-client.ts describes.
    return new Client({ ...options, authStrategy } as unknown as ConstructorParameters<WwebjsModule['Client']>[0]) as unknown as WaClient;
  };
}

/** Turns what puppeteer/whatsapp-web.js throw into words an operator can act on. */
export function explainStartFailure(error: unknown, startTimeoutMs: number, proxy?: ProxySettings | null): string {
  const raw = error instanceof Error ? error.message : String(error);
  const seconds = Math.round(startTimeoutMs / 1000);
  if (/start_timeout/.test(raw)) {
    return `WhatsApp Web could not be reached within ${seconds} s. Check that this computer can reach web.whatsapp.com (internet connection, proxy, firewall), then click Connect to try again.`;
  }
  if (/net::ERR_|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|Navigation timeout/i.test(raw)) {
    const code = /net::ERR_[A-Z_]+/.exec(raw)?.[0] ?? raw.split('\n')[0];
    const viaProxy = explainProxyFailure(code ?? '', proxy);
    if (viaProxy) return viaProxy;
    if (proxy) return `WhatsApp Web could not be reached through the account's proxy ${proxyAddress(proxy)} (${code}). Check that the proxy can reach web.whatsapp.com, or remove the proxy from the account; then click Connect again.`;
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
  private linkWatchTimer: NodeJS.Timeout | null = null;
  /** Bumped by each watch: an older watch's tick in flight stops. */
  private linkWatches = 0;
  /** What this start last said it waits for (reported on change only). */
  private waitingFor: LinkWaitStep | null = null;
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
    this.waitingFor = null;
    this.reportWaiting('whatsapp_web');
    // The proxy asked first (proxy-probe.ts): its refusal in words, not a start timeout.
    if (this.config.proxy) {
      const probeStarted = Date.now();
      const refused = await probeProxy(this.config.proxy);
      this.log({ event: 'proxy_probe', proxy: proxyAddress(this.config.proxy), ok: refused === null, ms: Date.now() - probeStarted });
      if (refused) {
        this.running = false;
        throw new ProxyRefusedError(refused);
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('start_timeout')), this.config.startTimeoutMs);
    });
    const starting = client.initialize();
    this.starting = starting;
    try {
      await Promise.race([starting, deadline]);
      // The library's listeners are attached now: check for a sync it already missed, then keep watching until ready.
      if (this.client === client && this.running) this.watchLinking(client);
    } catch (error) {
      this.log({ event: 'wwebjs_start_failed', error: error instanceof Error ? error.message : String(error) });
      // Still launching (the bound passed)? stopBrowser hands it to abandon().
      await this.stopBrowser();
      throw new Error(explainStartFailure(error, this.config.startTimeoutMs, this.config.proxy));
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
      // Once per start, whoever delivered the sync (the library's listener or carryMissedSync).
      if (!mine() || this.authenticated) return;
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
      // Never a double ready, whatever called the library's handler twice.
      if (!mine() || this.ready) return;
      this.stopContactCount();
      this.stopLinkWatch();
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
      this.stopLinkWatch();
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

  /**
   * Until ready, asks the page every LINK_WATCH_MS (the first time at once): carries on a
   * sync the library missed, and says what the start waits for.
   */
  private watchLinking(client: WaClient): void {
    this.stopLinkWatch();
    const watch = ++this.linkWatches;
    const linking = () => watch === this.linkWatches && this.client === client && this.running && !this.ready;
    let lastFailure = '';
    const tick = async () => {
      this.linkWatchTimer = null;
      if (!linking()) return;
      const page = client.pupPage;
      try {
        if (page) {
          const probe = await withTimeout(page.evaluate(carryMissedSync), PROBE_TIMEOUT_MS, 'the sync check');
          if (linking()) this.onLinkProbe(probe);
        }
        lastFailure = '';
      } catch (error) {
        // Navigating (a reload, a logout) or closing: the next tick will tell. One log line per distinct failure, not one a second.
        const failure = String(error);
        if (failure !== lastFailure) this.log({ event: 'wwebjs_sync_check_failed', error: failure });
        lastFailure = failure;
      }
      if (linking() && !this.linkWatchTimer) this.linkWatchTimer = setTimeout(() => void tick(), LINK_WATCH_MS);
    };
    void tick();
  }

  private onLinkProbe(probe: LinkProbe): void {
    if (probe.carried) this.log({ event: 'wwebjs_missed_sync_carried', state: probe.state });
    this.reportWaiting(this.waitStepOf(probe));
  }

  /** What the start waits for, from the page's state; null while codes are on screen (the QR clock's business). */
  private waitStepOf(probe: LinkProbe): LinkWaitStep | null {
    if (this.authenticated || probe.hasSynced) return 'account_load';
    if (probe.state === 'PAIRING') return 'phone_sync';
    if (this.qrCount > 0 || this.pairingCodeMode) return this.codesOver ? 'phone_sync' : null;
    if (probe.state === 'CONNECTED') return 'restored_session_sync';
    if (probe.state === 'UNPAIRED' || probe.state === 'UNPAIRED_IDLE') return null;
    return 'whatsapp_web';
  }

  private reportWaiting(step: LinkWaitStep | null): void {
    if (step === null || step === this.waitingFor) return;
    this.waitingFor = step;
    this.log({ event: 'link_waiting', step });
    this.sink.waiting?.(step);
  }

  private stopLinkWatch(): void {
    this.linkWatches++;
    if (this.linkWatchTimer) clearTimeout(this.linkWatchTimer);
    this.linkWatchTimer = null;
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
    this.stopLinkWatch();
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

  /**
   * One page of chats, built in the page over WhatsApp Web's chat collection
   * (`page-queries.ts`): never `getChats()`, which serialises every chat.
   */
  async listChats(query: ChatsQuery): Promise<Chat[]> {
    const page = this.readyClient().pupPage;
    if (!page) throw new DriverNotReadyError();
    const args: ChatsPageArgs = { after: query.after, limit: query.limit, query: query.query, nameMax: CHAT_NAME_MAX_CHARS, previewMax: CHAT_PREVIEW_MAX_CHARS };
    const rows = await withTimeout(page.evaluate(chatsPageInPage, args), PAGE_QUERY_TIMEOUT_MS, 'the chats page');
    return rows.map(toChat);
  }

  /**
   * One page of a chat's messages going back in time, read in the page from the chat's
   * loaded messages (asking WhatsApp for earlier ones as `fetchMessages` does). Null when
   * the account has no such chat: unlike `getChatById`, this never creates one.
   */
  async listMessages(chatId: string, query: MessagesQuery): Promise<ChatMessage[] | null> {
    const page = this.readyClient().pupPage;
    if (!page) throw new DriverNotReadyError();
    const args: MessagesPageArgs = { chatId, before: query.before, limit: query.limit, bodyMax: MESSAGE_BODY_MAX_CHARS, thumbnailMax: MEDIA_THUMBNAIL_MAX_CHARS, maxLoads: MAX_EARLIER_LOADS };
    const answer = await withTimeout(page.evaluate(messagesPageInPage, args), PAGE_QUERY_TIMEOUT_MS, 'the messages page');
    if (!answer) return null;
    if (answer.missing) throw new UnknownCursorError(chatId);
    return answer.rows.map((row) => toChatMessage(pageRowMessage(row, chatId), { downloadable: row.media?.hasFile === true }));
  }

  /**
   * A media message's file (whatsapp-web.js `getMessageById` then `downloadMedia()`),
   * within MEDIA_MAX_BYTES; a MediaRefusal with words when the message is not in that
   * chat, has no file, or its file is larger.
   */
  async downloadMedia(chatId: string, messageId: string): Promise<MediaFile> {
    const message = await this.readyClient().getMessageById(messageId);
    if (!message || chatOf(message) !== chatId) {
      throw new MediaRefusal(404, `There is no message ${messageId} in the chat ${chatId} on this account. Reload the chat and try again.`);
    }
    return downloadMediaFile(message, this.config.mediaMaxBytes, MEDIA_DOWNLOAD_TIMEOUT_MS);
  }
}

/** Bound on fetching one media file from WhatsApp Web (`downloadMedia()`: decrypt, then base64 through the page). */
export const MEDIA_DOWNLOAD_TIMEOUT_MS = 90_000;

function chatOf(message: WaMessage): string {
  return message.fromMe ? message.to : message.from;
}

/** A list row as the host reads it, with the cursor of the page after it. */
function toChat(row: PageChatRow): Chat {
  return {
    id: row.id,
    name: row.name,
    isGroup: row.isGroup,
    unreadCount: row.unreadCount,
    ...(row.last ? { lastMessage: { body: row.last.body, timestamp: Math.round(row.last.t * 1000), fromMe: row.last.fromMe } } : {}),
    cursor: encodeChatCursor({ t: row.t, id: row.id }),
  };
}

/**
 * A message row read in the page, shaped as whatsapp-web.js's Message would hold it
 * (Message.js 45–56: `hasMedia`, the words in `body`, the model's fields in `_data`),
 * so one mapping (media.ts) serves the pages and the library's own Message objects.
 */
function pageRowMessage(row: PageMessageRow, chatId: string): WaMessage {
  const me = 'me';
  const fields = row.media;
  return {
    id: { fromMe: row.fromMe, remote: chatId, id: row.id, _serialized: row.id },
    from: row.fromMe ? me : chatId,
    to: row.fromMe ? chatId : me,
    fromMe: row.fromMe,
    body: row.body,
    timestamp: row.t,
    type: row.type,
    ...(fields
      ? {
          hasMedia: fields.hasFile,
          _data: {
            type: row.type,
            ...(typeof fields.mimetype === 'string' ? { mimetype: fields.mimetype } : {}),
            ...(typeof fields.size === 'number' ? { size: fields.size } : {}),
            ...(typeof fields.duration === 'string' || typeof fields.duration === 'number' ? { duration: fields.duration } : {}),
            ...(typeof fields.filename === 'string' ? { filename: fields.filename } : {}),
            ...(typeof fields.caption === 'string' ? { caption: fields.caption } : {}),
            ...(fields.thumbnail !== undefined ? { body: fields.thumbnail } : {}),
            ...(typeof fields.lat === 'number' ? { lat: fields.lat } : {}),
            ...(typeof fields.lng === 'number' ? { lng: fields.lng } : {}),
            ...(typeof fields.loc === 'string' ? { loc: fields.loc } : {}),
          },
        }
      : {}),
  };
}

/**
 * `downloadable`: whether the file can be fetched (by default, whether this Message can
 * download it; a page row says whether WhatsApp still has the file, fetched later by id).
 */
export function toChatMessage(message: WaMessage, options: { downloadable?: boolean } = {}): ChatMessage {
  const media = mediaOf(message, options.downloadable);
  return {
    id: message.id._serialized,
    chatId: chatOf(message),
    fromMe: message.fromMe,
    body: textOf(message),
    timestamp: Math.round(message.timestamp * 1000),
    ...(media ? { media } : {}),
    ...(message.fromMe ? { status: 'sent' as const } : {}),
  };
}

/** The driver over any client factory (the real library, or the stand-in). */
export function createWwebjsFactory(config: SliceConfig, log: Logger = () => undefined, createClient: WaClientFactory = realClientFactory(config)): DriverFactory {
  return (sink) => new WwebjsDriver(config.driver, config, createClient, sink, log);
}
