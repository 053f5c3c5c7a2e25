/**
 * The real driver: one whatsapp-web.js Client (headless Chromium) per slice.
 *
 * - whatsapp-web.js is loaded by dynamic import only here, so the node-only image
 *   for the simulated driver carries none of it.
 * - LocalAuth keeps the session per instance: `clientId` is the instance id made
 *   safe for LocalAuth, `dataPath` is `AUTH_BASE_DIR/<clientId>` (a volume per account).
 * - QR codes are counted against `QR_CODES`, each given `QR_TTL_MS`; after the last
 *   one the client is stopped and `qrExhausted` reported (the host destroys the slice).
 * - With `PAIRING_PHONE_NUMBER`, the client links by pairing code instead of a QR code.
 * - Starting is bounded: if WhatsApp Web cannot be reached (no route, DNS, blocked)
 *   within `WWEBJS_START_TIMEOUT_MS`, `initialize()` rejects with words that say so.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Chat, ChatMessage, QrInfo } from '@shared/types';
import type { SliceConfig } from '../config';
import type { Logger } from '../instance-manager';
import { clearStaleProfileLocks } from './chromium-profile';
import { DriverNotReadyError, type DriverEventSink, type DriverFactory, type WhatsAppDriver } from './driver';

type WwebjsModule = typeof import('whatsapp-web.js');
type WwebjsClient = InstanceType<WwebjsModule['Client']>;
type WwebjsMessage = import('whatsapp-web.js').Message;

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

/** LocalAuth accepts only letters, digits, `_` and `-` in a clientId. */
export function sanitizeClientId(instanceId: string): string {
  const clean = instanceId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return clean || 'default';
}

let modulePromise: Promise<WwebjsModule> | null = null;
function loadWwebjs(): Promise<WwebjsModule> {
  modulePromise ??= import('whatsapp-web.js').then((loaded) => ((loaded as { default?: WwebjsModule }).default ?? loaded) as WwebjsModule);
  return modulePromise;
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

class WwebjsDriver implements WhatsAppDriver {
  readonly name = 'whatsapp-web.js' as const;
  private client: WwebjsClient | null = null;
  private ready = false;
  /** False once stopped: late events of a closing browser are ignored. */
  private running = false;
  private qrCount = 0;
  private qrTimer: NodeJS.Timeout | null = null;
  private contactTimer: NodeJS.Timeout | null = null;
  private readonly clientId: string;
  private readonly dataPath: string;

  constructor(
    private readonly config: SliceConfig,
    private readonly sink: DriverEventSink,
    private readonly log: Logger,
  ) {
    this.clientId = sanitizeClientId(config.instanceId);
    this.dataPath = join(config.authBaseDir, this.clientId);
  }

  /**
   * Starts the browser. A driver that ran before keeps its Client object, so the
   * manager's soft restart (destroy + initialize) restarts the same client; a hard
   * restart is a new driver, hence a new Client.
   */
  async initialize(): Promise<void> {
    const client = this.client ?? (await this.createClient());
    await this.stopBrowser();
    // LocalAuth's profile folder: a killed slice's Chromium locks would refuse the saved session.
    const staleLocks = await clearStaleProfileLocks(join(this.dataPath, `session-${this.clientId}`)).catch(() => []);
    if (staleLocks.length > 0) this.log({ event: 'chromium_stale_locks_removed', files: staleLocks });
    this.qrCount = 0;
    this.running = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('start_timeout')), this.config.startTimeoutMs);
    });
    try {
      await Promise.race([client.initialize(), deadline]);
    } catch (error) {
      this.log({ event: 'wwebjs_start_failed', error: error instanceof Error ? error.message : String(error) });
      await this.stopBrowser();
      throw new Error(explainStartFailure(error, this.config.startTimeoutMs));
    } finally {
      clearTimeout(timer);
    }
  }

  private async createClient(): Promise<WwebjsClient> {
    const { Client, LocalAuth } = await loadWwebjs().catch((error: unknown) => {
      throw new Error(explainStartFailure(error, this.config.startTimeoutMs));
    });
    const client = new Client({
      authStrategy: new LocalAuth({ clientId: this.clientId, dataPath: this.dataPath }),
      puppeteer: {
        headless: true,
        executablePath: this.config.chromePath,
        args: [...CONTAINER_CHROMIUM_ARGS, ...this.config.chromiumExtraArgs],
        protocolTimeout: this.config.startTimeoutMs,
      },
      authTimeoutMs: this.config.startTimeoutMs,
      // The default local cache writes ./.wwebjs_cache/ in /app (not writable by the slice's
      // user) between `authenticated` and `ready`; that write fails on the page side and
      // `ready` never comes. The page is loaded afresh every time instead.
      webVersionCache: { type: 'none' },
      // We count codes ourselves (QR_CODES), so whatsapp-web.js must not give up first.
      qrMaxRetries: 0,
      ...(this.config.pairingPhoneNumber ? { pairWithPhoneNumber: { phoneNumber: this.config.pairingPhoneNumber, showNotification: true } } : {}),
    });
    this.client = client;
    this.attach(client);
    return client;
  }

  private attach(client: WwebjsClient): void {
    const mine = () => this.client === client && this.running;
    client.on('qr', (payload: string) => {
      if (!mine()) return;
      this.qrCount++;
      if (this.qrCount > this.config.simulated.qrCodes) return this.exhaustCodes();
      const issuedAt = Date.now();
      const qr: QrInfo = { payload, index: this.qrCount, total: this.config.simulated.qrCodes, issuedAt, expiresAt: issuedAt + this.config.simulated.qrTtlMs };
      this.sink.qr(qr);
      if (this.qrTimer) clearTimeout(this.qrTimer);
      // The last code gets its lifetime; WhatsApp's own rotation decides the others.
      if (this.qrCount === this.config.simulated.qrCodes) this.qrTimer = setTimeout(() => this.exhaustCodes(), this.config.simulated.qrTtlMs);
    });
    client.on('code', (code: string) => {
      if (mine()) this.sink.note?.('pairing_code', { code });
    });
    client.on('authenticated', () => {
      if (!mine()) return;
      this.clearQrTimer();
      this.sink.authenticated();
      this.countContactsWhileLinking(client);
    });
    client.on('loading_screen', (percent: number, message: string) => {
      if (mine()) this.sink.note?.('loading_screen', { percent, message });
    });
    client.on('ready', () => {
      if (!mine()) return;
      this.stopContactCount();
      this.ready = true;
      void client
        .getContacts()
        .then((contacts) => this.sink.contacts(contacts.length, true))
        .catch(() => undefined)
        .finally(() => mine() && this.ready && this.sink.ready());
    });
    client.on('change_state', (state: string) => {
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
      this.stopContactCount();
      const why = String(reason);
      // whatsapp-web.js closes the browser itself after this event; the Client object stays for a soft restart.
      this.running = false;
      this.sink.disconnected(why, LOGGED_OUT_REASONS.has(why));
    });
    client.on('message_create', (message: WwebjsMessage) => {
      if (mine()) this.sink.message(toChatMessage(message));
    });
  }

  /** While linking, WhatsApp fills its contact collection; report the count as it grows. */
  private countContactsWhileLinking(client: WwebjsClient): void {
    this.stopContactCount();
    let last = -1;
    const tick = async () => {
      if (this.client !== client || !this.running || this.ready) return;
      try {
        const count = await client.pupPage?.evaluate(() => {
          const require = (globalThis as unknown as { require?: (name: string) => { ContactCollection?: { getModelsArray(): unknown[] } } }).require;
          return require?.('WAWebContactCollection')?.ContactCollection?.getModelsArray().length ?? 0;
        });
        if (typeof count === 'number' && count !== last && this.client === client && this.running && !this.ready) {
          last = count;
          this.sink.contacts(count, false);
        }
      } catch {
        // The page is navigating while linking; the next tick will tell.
      }
      if (this.client === client && this.running && !this.ready) this.contactTimer = setTimeout(tick, 500);
    };
    this.contactTimer = setTimeout(tick, 250);
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
    await rm(this.dataPath, { recursive: true, force: true });
  }

  private readyClient(): WwebjsClient {
    if (!this.client || !this.ready || !this.running) throw new DriverNotReadyError();
    return this.client;
  }

  async sendText(chatId: string, text: string): Promise<ChatMessage> {
    const message = await this.readyClient().sendMessage(chatId, text);
    return toChatMessage(message);
  }

  async listChats(): Promise<Chat[]> {
    const chats = await this.readyClient().getChats();
    return chats.map((chat) => {
      const last = chat.lastMessage;
      return {
        id: chat.id._serialized,
        name: chat.name,
        isGroup: chat.isGroup,
        unreadCount: chat.unreadCount,
        ...(last ? { lastMessage: { body: last.body, timestamp: last.timestamp * 1000, fromMe: last.fromMe } } : {}),
      };
    });
  }

  async listMessages(chatId: string): Promise<ChatMessage[] | null> {
    const client = this.readyClient();
    let chat;
    try {
      chat = await client.getChatById(chatId);
    } catch {
      return null;
    }
    if (!chat) return null;
    const messages = await chat.fetchMessages({ limit: 50 });
    return messages.map(toChatMessage);
  }
}

function toChatMessage(message: WwebjsMessage): ChatMessage {
  const chatId = message.fromMe ? message.to : message.from;
  return {
    id: message.id._serialized,
    chatId,
    fromMe: message.fromMe,
    body: message.body,
    timestamp: message.timestamp * 1000,
    ...(message.fromMe ? { status: 'sent' as const } : {}),
  };
}

export function createWwebjsFactory(config: SliceConfig, log: Logger = () => undefined): DriverFactory {
  return (sink) => new WwebjsDriver(config, sink, log);
}
