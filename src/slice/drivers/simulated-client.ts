/**
 * A stand-in for whatsapp-web.js 1.34.7's `Client`, for the simulated driver: the
 * same events, with the same arguments, in the same order as the library emits them
 * (src/slice/README.md has the table with source lines), and the methods the driver
 * calls. The one driver (`wwebjs.ts`) runs over it exactly as over the real Client,
 * so QR counting, code lifetimes, the late-scan grace, state mapping and logout run
 * in every simulated test and demo.
 *
 * "WhatsApp" here behaves like WhatsApp: it decides when codes rotate (first ref
 * lives QR_FIRST_TTL_MS, later ones QR_TTL_MS), the socket state says PAIRING while
 * a phone that scanned is logging in, and `authenticated` comes after the sync.
 * Liberties, for the panel's sake: the contact collection fills between
 * `authenticated` and `ready` (SIM_CONTACTS every SIM_CONTACT_INTERVAL_MS), where
 * the real library goes straight on once its utilities are injected.
 *
 * `pupPage.evaluate(fn, …args)` runs `fn`'s source text in a separate V8 context
 * whose `window.require` serves the WhatsApp Web modules the driver reads
 * (`WAWebCollections`, `WAWebWidFactory`), with JSON-copied arguments and result:
 * like puppeteer, a function that closes over driver variables fails here too.
 *
 * It must not import whatsapp-web.js: the node-only slice image has none.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import vm from 'node:vm';
import type { ChatMessage } from '@shared/types';
import { SimulatorConflictError, simulatedKeys, simulatedQrPayload, simulatedRef, type SimulatedChat, type SimulatedKeys, type SimulatedWorld } from './simulated';
import type { SimulatedMediaFile } from './simulated-media';
import type { WaBrowser, WaClient, WaClientOptions, WaMessage, WaPage, WaState } from './wa-client';

/** WhatsApp Web stops offering codes after this many refs (then UNPAIRED_IDLE); far above QR_CODES' 20. */
const MAX_REFS = 25;
/** Message ack values (whatsapp-web.js Constants.js `MessageAck`). */
const ACK_SERVER = 1;
const ACK_DEVICE = 2;
const ACK_READ = 3;

/** WhatsApp Web loads this many of a chat's newest messages before anyone scrolls. */
const INITIAL_LOADED_MESSAGES = 30;
/** `loadEarlierMsgs` brings this many older messages per call. */
const EARLIER_BATCH = 30;

interface SimMsgModel {
  id: WaMessage['id'];
  /** A text's words; a media message's JPEG thumbnail (its words are `caption`), as WhatsApp Web's msg model holds them. */
  body: string;
  t: number;
  isNotification: boolean;
  type: string;
  caption?: string;
  mimetype?: string;
  size?: number;
  duration?: string | number;
  filename?: string;
  directPath?: string;
}

/** Plain fields, as WhatsApp Web's models hold them (a getter per field made a 20,000-chat page ~5× slower). */
interface SimChatModel {
  id: { _serialized: string; user: string; server: string };
  t: number;
  name: string;
  formattedTitle: string;
  unreadCount: number;
  groupMetadata: { id: unknown } | undefined;
  msgs: { getModelsArray(): SimMsgModel[] };
}

/** The `window` an evaluated function sees. */
interface SimWindow {
  window?: SimWindow;
  Debug: { VERSION: string };
  require(name: string): unknown;
  /** whatsapp-web.js's exposed binding (Client.js 295–377), as puppeteer 24 installs it: `lastSeq` counts its calls in this document. */
  onAppStateHasSyncedEvent?: SyncedBinding;
  slicedeckCarriedSync?: boolean;
}

/** A puppeteer page binding (puppeteer-core cdp/utils.js addPageBinding): callable, counting its calls. */
type SyncedBinding = (() => Promise<void>) & { lastSeq?: number };

class SimulatedBrowser implements WaBrowser {
  connected = true;
  isConnected(): boolean {
    return this.connected;
  }
  process() {
    return null;
  }
}

class SimulatedPage implements WaPage {
  private readonly context: vm.Context;
  /** Each function's source compiled once in the page's context (the driver evaluates the same few over and over). */
  private readonly compiled = new Map<string, unknown>();

  constructor(
    window: SimWindow,
    private readonly isOpen: () => boolean,
    private readonly hang: () => Promise<void>,
  ) {
    window.window = window;
    this.context = vm.createContext(window);
  }

  async evaluate<Args extends unknown[], Result>(fn: (...args: Args) => Result | Promise<Result>, ...args: Args): Promise<Result> {
    if (!this.isOpen()) throw new Error('Protocol error (Runtime.callFunctionOn): Target closed');
    await this.hang();
    const source = fn.toString();
    let compiled = this.compiled.get(source) as ((...args: Args) => Result | Promise<Result>) | undefined;
    if (!compiled) {
      compiled = vm.runInContext(`(${source})`, this.context) as (...args: Args) => Result | Promise<Result>;
      this.compiled.set(source, compiled);
    }
    const result = await compiled(...(JSON.parse(JSON.stringify(args)) as Args));
    return (result === undefined ? undefined : JSON.parse(JSON.stringify(result))) as Result;
  }
}

export class SimulatedClient extends EventEmitter implements WaClient {
  pupBrowser: SimulatedBrowser | null = null;
  pupPage: SimulatedPage | null = null;
  private socketState: WaState | null = null;
  /** WhatsApp's `Socket.hasSynced`: the phone (or the restored session) finished syncing. */
  private synced = false;
  /** The library's `change:hasSynced` listener is attached (the last step of its inject(), Client.js 400–410). */
  private listening = false;
  /** This inject restores a saved session (no code). */
  private restoring = false;
  /** The sync completed before the library listened: its offline progress went unheard too. */
  private syncedUnheard = false;
  /** The page's globals (the binding is installed there by each inject). */
  private pageGlobals: SimWindow | null = null;
  /** The Store is loaded (window.WWebJS injected): chats can be read and messages sent. */
  private storeReady = false;
  /** Contacts in the page's contact collection so far. */
  private contactsLoaded = 0;
  private refs = 0;
  /** The pairing code WhatsApp issued for a phone number (then a "scan" is the phone typing it). */
  private pairingCode: string | null = null;
  private codeTimer: NodeJS.Timeout | null = null;
  private keys: SimulatedKeys = simulatedKeys();
  private timers = new Set<NodeJS.Timeout>();
  /** Bumped by every initialize/destroy: timers of an older page do nothing. */
  private run = 0;
  /** The page's chat models and how many messages each has loaded (a new page starts afresh). */
  private models = new WeakMap<SimulatedChat, SimChatModel>();
  private loaded = new WeakMap<SimulatedChat, number>();
  private modelList: { size: number; models: SimChatModel[] } | null = null;
  private contactList: { id: number }[] = [];

  constructor(
    private readonly world: SimulatedWorld,
    private readonly options: WaClientOptions,
  ) {
    super();
  }

  private get phone() {
    return this.world.phone;
  }

  // ── lifecycle (Client.js 429–507 initialize, 1277–1285 destroy, 1289–1303 logout) ──

  async initialize(): Promise<void> {
    this.closePage();
    const run = ++this.run;
    this.pupBrowser = null;
    this.pupPage = null;
    // puppeteer.launch + page.goto(WhatsWebURL); destroy() cannot stop a launch under way.
    await this.sleep(this.world.timings.bootDelayMs);
    if (run !== this.run) throw new Error('Navigating frame was detached');
    if (this.phone.failingInitializes > 0) {
      this.phone.failingInitializes--;
      throw new Error('net::ERR_CONNECTION_RESET at https://web.whatsapp.com/ (simulated fault)');
    }
    this.pupBrowser = new SimulatedBrowser();
    const browser = this.pupBrowser;
    this.pageGlobals = this.pageWindow();
    this.pupPage = new SimulatedPage(this.pageGlobals, () => browser.connected && run === this.run, () => this.hangIfDeaf());
    this.phone.screen = this;
    this.inject(run);
  }

  /** Client.js inject() (115–427): the auth check, then either codes or a restored session. */
  private inject(run: number): void {
    this.storeReady = false;
    this.contactsLoaded = 0;
    this.pairingCode = null;
    this.synced = false;
    this.syncedUnheard = false;
    this.restoring = false;
    this.listening = false;
    this.exposeSyncedBinding(run);
    // LocalAuth's userDataDir holds the session: a device the phone still lists restores without a code;
    // one the phone removed meanwhile ('revoked') is just not logged in, so WhatsApp Web shows codes.
    if (this.phone.linked && this.phone.savedSession() === 'saved') {
      // A saved session: OPENING → CONNECTED, then the sync (hasSynced) → authenticated → ready.
      this.socketState = 'CONNECTED';
      this.restoring = true;
      const mode = this.world.timings.restoreSync ?? 'after_listener';
      // Synced together with CONNECTED: done before the library listens (1.34.7 then never hears it).
      if (mode === 'with_connected') this.setSynced(run);
      this.listening = true;
      if (mode === 'after_listener') this.syncThen(run, this.world.timings.linkDelayMs, () => this.setSynced(run));
      return;
    }
    this.listening = true;
    this.socketState = 'UNPAIRED';
    this.refs = 0;
    this.keys = simulatedKeys();
    if (this.options.pairWithPhoneNumber) {
      // Client.js 200–223: requestPairingCode emits `code` (and again every intervalMs).
      void this.requestPairingCode(this.options.pairWithPhoneNumber.phoneNumber, true, this.options.pairWithPhoneNumber.intervalMs);
      return;
    }
    this.rotateRef(run);
  }

  /** Conn.ref changes: whatsapp-web.js emits `qr` for the initial ref and each change (Client.js 273–276). */
  private rotateRef(run: number): void {
    if (run !== this.run || this.socketState !== 'UNPAIRED') return;
    if (this.refs >= MAX_REFS) {
      // WhatsApp gives up offering codes; the library's own refresh fails in Node (issue 13), so nothing more comes.
      this.socketState = 'UNPAIRED_IDLE';
      return;
    }
    this.refs++;
    this.emit('qr', simulatedQrPayload(simulatedRef(), this.keys));
    const lifetime = this.refs === 1 ? this.world.qr.firstTtlMs : this.world.qr.ttlMs;
    this.after(run, lifetime, () => this.rotateRef(run));
  }

  /** Like the library: closes the browser if there is one; a launch still under way is not stopped. */
  async destroy(): Promise<void> {
    if (!this.pupBrowser) return;
    const closeMs = this.world.timings.closeMs ?? 0;
    // browser.close() takes a moment while Chromium writes its profile; the page is already going.
    if (closeMs > 0 && this.pupBrowser.connected) await new Promise((resolve) => setTimeout(resolve, closeMs));
    this.closePage();
  }

  async logout(): Promise<void> {
    // Socket.logout() unlinks the device; the browser closes; LocalAuth deletes the session.
    if (!this.pupBrowser?.connected) throw new TypeError("Cannot read properties of null (reading 'evaluate')");
    this.phone.linked = false;
    this.closePage();
  }

  private closePage(): void {
    this.run++;
    this.models = new WeakMap();
    this.modelList = null;
    this.contactList = [];
    this.loaded = new WeakMap();
    // A new page (restart) answers again.
    this.phone.deaf = false;
    this.pairingCode = null;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.codeTimer = null;
    if (this.pupBrowser) this.pupBrowser.connected = false;
    this.socketState = null;
    this.storeReady = false;
    this.synced = false;
    this.listening = false;
    if (this.phone.screen === this) this.phone.screen = null;
  }

  // ── what the phone does ──

  /** The phone scans the code on screen, then takes `syncMs` to log in (state PAIRING meanwhile). */
  scanByPhone(syncMs: number): void {
    // A QR on screen, or a pairing code typed on the phone: either links the device.
    if (this.socketState !== 'UNPAIRED' || (this.refs === 0 && !this.pairingCode)) {
      throw new SimulatorConflictError('No code is on screen to scan. Start the client (Connect) and wait for a code, then scan it.');
    }
    const run = this.run;
    this.phone.linked = true;
    // The ref stops rotating once scanned; WhatsApp says PAIRING until the phone has synced.
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.socketState = 'PAIRING';
    this.syncThen(run, syncMs, () => {
      this.socketState = 'CONNECTED';
      this.setSynced(run);
    });
  }

  /** The link drops in a way whatsapp-web.js does not ride out: `change_state`, `disconnected`, then it closes the browser (Client.js 813–855). */
  dropLink(): void {
    if (!this.storeReady) {
      // The library only listens to state changes once ready (attachEventListeners): before that a drop is silent.
      throw new SimulatorConflictError('The link can only be dropped once the account is ready: before that, whatsapp-web.js does not watch the connection.');
    }
    const state: WaState = 'CONFLICT';
    this.socketState = state;
    this.emit('change_state', state);
    this.emit('disconnected', state);
    void this.destroy();
  }

  /** The phone removed this device: Cmd `logout_from_bridge` + reload → `disconnected('LOGOUT')`, then the library re-injects and shows a code (Client.js 390–399, 495–506). */
  loggedOutByPhone(): void {
    const run = this.run;
    this.storeReady = false;
    this.emit('disconnected', 'LOGOUT');
    this.after(run, 0, () => this.inject(run));
  }

  // ── sync (Client.js 295–377: onAppStateHasSyncedEvent) ──

  private syncThen(run: number, ms: number, then: () => void): void {
    this.after(run, ms, then);
  }

  /** `Socket.hasSynced` becomes true; the library hears it only if its listener is attached by then. */
  private setSynced(run: number): void {
    if (run !== this.run || this.synced) return;
    this.synced = true;
    if (this.restoring) this.contactsLoaded = this.phone.contactCount;
    if (!this.listening) {
      this.syncedUnheard = true;
      return;
    }
    // The library's listener: `Socket.on('change:hasSynced', () => window.onAppStateHasSyncedEvent())`.
    void this.pageGlobals?.onAppStateHasSyncedEvent?.();
  }

  /**
   * exposeFunctionIfAbsent('onAppStateHasSyncedEvent', …) in a new document: puppeteer's
   * binding counts its calls (`lastSeq`); each call runs the library's handler in Node.
   */
  private exposeSyncedBinding(run: number): void {
    const globals = this.pageGlobals;
    if (!globals) return;
    const binding: SyncedBinding = () => {
      binding.lastSeq = (binding.lastSeq ?? 0) + 1;
      // The call crosses to Node (Runtime.bindingCalled) and runs there, after the page's own task.
      this.after(run, 0, () => this.hasSynced(run, this.restoring));
      return Promise.resolve();
    };
    globals.onAppStateHasSyncedEvent = binding;
    // A new document: nothing of the last one's page globals survives.
    delete globals.slicedeckCarriedSync;
  }

  /** The library's handler (Client.js 295–377): `authenticated`, its utilities, `ready`. */
  private hasSynced(run: number, restored: boolean): void {
    if (run !== this.run) return;
    // Offline progress is heard only by a library that listened before the sync was done.
    if (restored && !this.syncedUnheard) {
      // Offline messages delivered while the session was closed (Client.js 379–388).
      for (const percent of [0, 50, 100]) this.emit('loading_screen', percent, 'WhatsApp');
    }
    // LocalAuth's getAuthEventPayload() is undefined.
    this.emit('authenticated', undefined);
    const total = this.phone.contactCount;
    if (restored || total === 0) {
      this.contactsLoaded = total;
      this.becomeReady(run);
      return;
    }
    const step = Math.max(1, Math.ceil(total / 50));
    let lastPercent = -1;
    const tick = () => {
      this.contactsLoaded = Math.min(total, this.contactsLoaded + step);
      // Liberty: a fresh link's history download as offline progress (`loading_screen`, each new percent once, as Client.js 382–388).
      const percent = Math.floor((this.contactsLoaded / total) * 100);
      if (percent !== lastPercent) {
        lastPercent = percent;
        this.emit('loading_screen', percent, 'WhatsApp');
      }
      if (this.contactsLoaded >= total) this.becomeReady(run);
      else this.after(run, this.world.timings.contactIntervalMs, tick);
    };
    this.after(run, this.world.timings.contactIntervalMs, tick);
  }

  private becomeReady(run: number): void {
    if (run !== this.run) return;
    this.phone.chatTable(Date.now());
    this.storeReady = true;
    this.emit('ready');
  }

  // ── reading and sending (need window.WWebJS, injected just before `ready`) ──

  async getState(): Promise<WaState | null> {
    if (!this.pupBrowser?.connected) throw new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
    await this.hangIfDeaf();
    return this.socketState;
  }

  /** WhatsApp Web went deaf (`go_deaf`): calls into the page hang until puppeteer's protocolTimeout. */
  private async hangIfDeaf(): Promise<void> {
    if (!this.phone.deaf) return;
    await this.sleep(this.options.puppeteer.protocolTimeout);
    throw new Error('Runtime.callFunctionOn timed out. Increase the \'protocolTimeout\' setting in launch/connect calls for a higher timeout if needed.');
  }

  /** The page stops answering: the browser stays up, nothing errors, nothing comes (`go_deaf`). */
  goDeaf(): void {
    if (!this.pupBrowser?.connected) throw new SimulatorConflictError('The client is not running, so there is nothing to go deaf.');
    this.phone.deaf = true;
  }

  private requireStore(): void {
    if (!this.pupBrowser?.connected) throw new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
    if (!this.storeReady) throw new Error("Evaluation failed: TypeError: Cannot read properties of undefined (reading 'getChats')");
  }

  async sendMessage(chatId: string, content: string): Promise<WaMessage | undefined> {
    this.requireStore();
    const entry = this.findOrCreateChat(chatId);
    // Client.js 1534–1559: no chat → the page answers null → sendMessage resolves undefined.
    if (!entry) return undefined;
    const message: ChatMessage = {
      id: `true_${chatId}_3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
      chatId,
      fromMe: true,
      body: content,
      timestamp: Date.now(),
      status: 'sent',
    };
    this.append(entry, message);
    const sent = this.toWaMessage(message);
    // Msg 'add' fires inside the page's send, before its answer returns (Client.js 1128–1136 → 651–665).
    this.emit('message_create', sent);
    const run = this.run;
    this.after(run, 0, () => this.emit('message_ack', sent, ACK_SERVER));
    // The contact's phone receives it, then the contact reads it (Client.js 772–783 `message_ack`).
    const ackMs = this.world.timings.ackDelayMs ?? 0;
    if (ackMs > 0) {
      this.after(run, ackMs, () => this.emit('message_ack', sent, ACK_DEVICE));
      this.after(run, 2 * ackMs, () => this.emit('message_ack', sent, ACK_READ));
    }
    if (!entry.chat.isGroup && this.world.timings.replyDelayMs) this.replyLater(entry, content);
    return sent;
  }

  /**
   * Client.js 514–562: the page asks WhatsApp for a code for that number, emits `code`
   * and returns it, then asks again every `intervalMs` while still UNPAIRED.
   */
  async requestPairingCode(phoneNumber: string, _showNotification = true, intervalMs = 180_000): Promise<string> {
    if (!this.pupBrowser?.connected || !this.pupPage) throw new TypeError("Cannot read properties of null (reading 'evaluate')");
    await this.hangIfDeaf();
    if (this.socketState !== 'UNPAIRED') throw new Error('Evaluation failed: Error: pairing is only possible while WhatsApp Web shows a code');
    // WhatsApp refuses a number that cannot be a phone (startAltLinkingFlow rejects).
    if (!/^\d{7,15}$/.test(phoneNumber)) throw new Error('Evaluation failed: Error: invalid phone number');
    const run = this.run;
    const issue = () => {
      const raw = randomBytes(6).toString('base64').replace(/[^A-Z0-9]/gi, '').toUpperCase().padEnd(8, 'X').slice(0, 8);
      this.pairingCode = raw;
      this.emit('code', raw);
      return raw;
    };
    if (this.codeTimer) clearInterval(this.codeTimer);
    const timer = setInterval(() => {
      if (run !== this.run || this.socketState !== 'UNPAIRED') return void clearInterval(timer);
      issue();
    }, intervalMs);
    this.codeTimer = timer;
    this.timers.add(timer);
    return issue();
  }

  /** The contact answers, as people do: `message_create` then `message` (Client.js 651–665). */
  private replyLater(entry: SimulatedChat, text: string): void {
    const excerpt = text.length > 40 ? `${text.slice(0, 39)}…` : text;
    const run = this.run;
    this.after(run, this.world.timings.replyDelayMs!, () => {
      const reply: ChatMessage = {
        id: `false_${entry.chat.id}_3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
        chatId: entry.chat.id,
        fromMe: false,
        body: `Got it, thanks! (re: “${excerpt}”)`,
        timestamp: Date.now(),
      };
      entry.chat.unreadCount += 1;
      this.append(entry, reply);
      const incoming = this.toWaMessage(reply);
      this.emit('message_create', incoming);
      this.emit('message', incoming);
    });
  }

  /** WhatsApp lets you write to any person's number (the chat appears); a group you are not in has no chat. */
  private findOrCreateChat(chatId: string): SimulatedChat | undefined {
    const table = this.phone.chatTable(Date.now());
    let entry = table.get(chatId);
    if (!entry && chatId.endsWith('@c.us')) {
      entry = { chat: { id: chatId, name: chatId.split('@')[0]!, isGroup: false, unreadCount: 0 }, messages: [] };
      table.set(chatId, entry);
    }
    return entry;
  }

  private toWaMessage(message: ChatMessage, entry?: SimulatedChat): WaMessage {
    const me = 'me@c.us';
    const serialId = message.id.split('_').at(-1)!;
    const file = entry?.media?.get(message.id);
    return {
      id: { fromMe: message.fromMe, remote: message.chatId, id: serialId, _serialized: message.id },
      from: message.fromMe ? me : message.chatId,
      to: message.fromMe ? message.chatId : me,
      fromMe: message.fromMe,
      body: message.body,
      // whatsapp-web.js timestamps are seconds; keep the milliseconds as a fraction so ordering survives.
      timestamp: message.timestamp / 1000,
      ack: message.fromMe ? ACK_SERVER : 0,
      type: file?.type ?? 'chat',
      ...(file ? this.mediaFields(file) : {}),
    };
  }

  /** What Message.js makes of a media message (45–56, 158–162) and its downloadMedia() (513–597). */
  private mediaFields(file: SimulatedMediaFile): Partial<WaMessage> {
    return {
      hasMedia: true,
      body: file.caption ?? '',
      ...(file.duration !== undefined ? { duration: String(file.duration) } : {}),
      _data: {
        type: file.type,
        mimetype: file.mimetype,
        size: file.size,
        directPath: `/v/t62.7118-24/simulated-${file.type}`,
        ...(file.duration !== undefined ? { duration: String(file.duration) } : {}),
        ...(file.filename ? { filename: file.filename } : {}),
        ...(file.caption !== undefined ? { caption: file.caption } : {}),
        ...(file.thumbnail ? { body: file.thumbnail } : {}),
      },
      downloadMedia: async () => {
        this.requireStore();
        return { mimetype: file.mimetype, data: file.bytes().toString('base64'), filename: file.filename ?? null, filesize: file.size };
      },
    };
  }

  /** Client.js 1751–1771: a message of any chat by its serialised id, or null. */
  async getMessageById(messageId: string): Promise<WaMessage | null> {
    this.requireStore();
    // A serialised id names its chat (`<fromMe>_<chat id>_<id>`): look there only, so no other chat's history is written.
    const entry = this.phone.chatTable(Date.now()).get(messageId.split('_')[1] ?? '');
    const message = entry?.messages.find((candidate) => candidate.id === messageId);
    return entry && message ? this.toWaMessage(message, entry) : null;
  }

  /**
   * A chat as WhatsApp Web's collection holds it: `t` (last activity, seconds),
   * `formattedTitle`, `unreadCount`, `groupMetadata` for a group, and `msgs`, of which
   * only the newest are loaded at first (older ones come with `loadEarlierMsgs`).
   * Built on first use and kept: the same chat is the same model, as in the page.
   */
  private chatModel(entry: SimulatedChat): SimChatModel {
    let model = this.models.get(entry);
    if (model) return model;
    const serialized = entry.chat.id;
    const at = serialized.indexOf('@');
    const wid = { _serialized: serialized, user: serialized.slice(0, at), server: serialized.slice(at + 1) };
    const messages = () => entry.messages.slice(entry.messages.length - this.loadedCount(entry)).map((message) => this.msgModel(message, entry));
    const last = entry.lastTimestamp ?? entry.messages.at(-1)?.timestamp;
    model = {
      id: wid,
      t: last ? Math.floor(last / 1000) : 0,
      name: entry.chat.name,
      formattedTitle: entry.chat.name,
      unreadCount: entry.chat.unreadCount,
      groupMetadata: entry.chat.isGroup ? { id: wid } : undefined,
      msgs: { getModelsArray: messages },
    };
    this.models.set(entry, model);
    return model;
  }

  /** A chat changed (a message, an unread one): its model follows, as WhatsApp Web's does. */
  private touch(entry: SimulatedChat): void {
    const model = this.models.get(entry);
    if (!model) return;
    const last = entry.messages.at(-1)?.timestamp;
    if (last) model.t = Math.floor(last / 1000);
    model.unreadCount = entry.chat.unreadCount;
  }

  /** A new message is loaded in the page as it arrives. */
  private append(entry: SimulatedChat, message: ChatMessage): void {
    this.loaded.set(entry, this.loadedCount(entry) + 1);
    entry.messages.push(message);
    this.touch(entry);
  }

  /** The contact collection so far: grown as contacts load, never rebuilt (50,000 contacts are counted every 200 ms while linking). */
  private contactModels(): { id: number }[] {
    const models = this.contactList;
    if (models.length > this.contactsLoaded) models.length = this.contactsLoaded;
    for (let i = models.length; i < this.contactsLoaded; i++) models.push({ id: i });
    return models;
  }

  /** Every chat's model, built once per page and again only when a chat was added (a page's collection is long-lived too). */
  private chatModels(table: Map<string, SimulatedChat>): SimChatModel[] {
    if (this.modelList?.size !== table.size) this.modelList = { size: table.size, models: [...table.values()].map((entry) => this.chatModel(entry)) };
    return this.modelList.models;
  }

  /** How many of a chat's newest messages the page has loaded. */
  private loadedCount(entry: SimulatedChat): number {
    const loaded = this.loaded.get(entry) ?? INITIAL_LOADED_MESSAGES;
    // A message sent or received since counts as loaded.
    return Math.min(entry.messages.length, loaded);
  }

  private msgModel(message: ChatMessage, entry: SimulatedChat): SimMsgModel {
    const wa = this.toWaMessage(message, entry);
    const data = wa._data;
    if (!data) return { id: wa.id, body: wa.body, t: wa.timestamp, isNotification: false, type: 'chat' };
    // A media message's model holds the fields Message.js copies into `_data` (the thumbnail in `body`).
    return { ...data, id: wa.id, body: data.body ?? '', t: wa.timestamp, isNotification: false, type: data.type ?? wa.type ?? 'chat' };
  }

  /** The page's globals: the modules the driver's evaluated functions ask for. */
  private pageWindow(): SimWindow {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below has its own `this`
    const self = this;
    const chats = () => this.phone.chatTable(Date.now());
    const modules: Record<string, unknown> = {
      WAWebCollections: {
        Contact: { getModelsArray: () => this.contactModels().slice() },
        // What whatsapp-web.js's getChats/getChatModel read (Utils.js 920–1003): the models, not copies.
        Chat: {
          getModelsArray: () => (this.storeReady ? this.chatModels(chats()).slice() : []),
          get: (wid: { _serialized?: string } | string) => {
            const entry = this.storeReady ? chats().get(typeof wid === 'string' ? wid : (wid?._serialized ?? '')) : undefined;
            return entry ? this.chatModel(entry) : undefined;
          },
        },
        Msg: { get: () => undefined },
      },
      // Chat.js fetchMessages 227–231: one older batch per call, added to chat.msgs; [] when there is no more.
      WAWebChatLoadMessages: {
        loadEarlierMsgs: async ({ chat }: { chat: { id: { _serialized: string } } }) => {
          const entry = chats().get(chat?.id?._serialized);
          if (!entry) return [];
          const loaded = this.loadedCount(entry);
          const more = Math.min(entry.messages.length, loaded + EARLIER_BATCH);
          this.loaded.set(entry, more);
          return entry.messages.slice(entry.messages.length - more, entry.messages.length - loaded).map((message) => this.msgModel(message, entry));
        },
      },
      WAWebWidFactory: {
        createWid: (id: string) => {
          if (typeof id !== 'string' || !/^[^@\s]+@(c\.us|g\.us|lid|newsletter|broadcast)$/.test(id)) throw new Error(`invalid wid: ${id}`);
          return { _serialized: id, toString: () => id };
        },
      },
      WAWebSocketModel: {
        Socket: {
          get state() {
            return self.socketState;
          },
          get hasSynced() {
            return self.synced;
          },
        },
      },
    };
    return {
      Debug: { VERSION: '2.3000.1031000000-simulated' },
      require: (name: string) => {
        if (!(name in modules)) throw new Error(`Requiring unknown module "${name}"`);
        return modules[name];
      },
    };
  }

  // ── timers ──

  private after(run: number, ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (run === this.run) action();
    }, ms);
    this.timers.add(timer);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
