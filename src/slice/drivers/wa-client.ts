/**
 * The part of whatsapp-web.js's `Client` (1.34.7) that the driver uses, as a
 * structural type: the real Client (Chromium image) and the stand-in
 * (`simulated-client.ts`, node-only image) both satisfy it, so the one driver in
 * `wwebjs.ts` runs over either. Nothing here imports whatsapp-web.js.
 *
 * Event names and arguments are the library's (src/util/Constants.js `Events`);
 * src/slice/README.md has the table of when each fires, with source lines.
 */

/** WhatsApp Web's socket states (whatsapp-web.js src/util/Constants.js `WAState`). */
export type WaState =
  | 'CONFLICT'
  | 'CONNECTED'
  | 'DEPRECATED_VERSION'
  | 'OPENING'
  | 'PAIRING'
  | 'PROXYBLOCK'
  | 'SMB_TOS_BLOCK'
  | 'TIMEOUT'
  | 'TOS_BLOCK'
  | 'UNLAUNCHED'
  | 'UNPAIRED'
  | 'UNPAIRED_IDLE';

/** A `Message` (src/structures/Message.js), the fields the driver reads. `timestamp` is in seconds. */
export interface WaMessage {
  id: { fromMe: boolean; remote: string; id: string; _serialized: string };
  from: string;
  to: string;
  fromMe: boolean;
  /** Message.js 51–56: the caption when `hasMedia`, else `_data.body` (which is a base64 thumbnail for a location or an expired image). */
  body: string;
  timestamp: number;
  ack?: number;
  /** `chat`, `image`, `video`, `audio`, `ptt`, `sticker`, `document`, `location`, … (Constants.js `MessageTypes`). */
  type?: string;
  /** `Boolean(_data.directPath)`: WhatsApp still has the file (Message.js 45–49). */
  hasMedia?: boolean;
  /** Seconds, as WhatsApp gives it (a string or a number). */
  duration?: string | number;
  /** Location.js: `name` and `address` (from `_data.loc`, split at its first line break). */
  location?: { latitude: number | string; longitude: number | string; name?: string; address?: string };
  /** WhatsApp Web's serialised message (Utils.js getMessageModel): the media fields the Message does not copy. */
  _data?: WaMessageData;
  /** Message.js 513–597: the file, base64, or undefined when WhatsApp no longer has it. */
  downloadMedia?(): Promise<WaMessageMedia | undefined>;
}

/** The media part of `Message._data` (WhatsApp Web's msg model, serialised). */
export interface WaMessageData {
  type?: string;
  mimetype?: string;
  size?: number;
  duration?: string | number;
  filename?: string;
  caption?: string;
  /** For images, videos and locations: a small JPEG thumbnail, base64. */
  body?: string;
  directPath?: string;
  lat?: number;
  lng?: number;
  loc?: string;
  isViewOnce?: boolean;
}

/** `MessageMedia` (src/structures/MessageMedia.js). */
export interface WaMessageMedia {
  mimetype: string;
  /** base64 */
  data: string;
  filename?: string | null;
  filesize?: number | null;
}

/**
 * `client.pupPage`: puppeteer's Page. `evaluate` serialises the function to text and
 * runs it in the page, so it may only use its arguments and the page's globals.
 */
export interface WaPage {
  evaluate<Args extends unknown[], Result>(fn: (...args: Args) => Result | Promise<Result>, ...args: Args): Promise<Result>;
}

/** `client.pupBrowser`: puppeteer's Browser, the parts the driver touches. */
export interface WaBrowser {
  isConnected(): boolean;
  /** The Chromium child process (null when connected to a remote browser). */
  process(): { pid?: number | undefined; kill(signal?: NodeJS.Signals): boolean } | null;
}

/** What the page offers `evaluate`d functions (WhatsApp Web's module loader, the library's bindings). */
export interface WaPageGlobals {
  window: {
    require(module: 'WAWebCollections'): {
      Contact: { getModelsArray(): unknown[] };
      Chat: { get(wid: unknown): unknown };
    };
    require(module: 'WAWebWidFactory'): { createWid(id: string): unknown };
    /** WhatsApp's socket: its state and whether the phone (or a restored session) finished syncing. */
    require(module: 'WAWebSocketModel'): { Socket: { state?: WaState | null; hasSynced?: boolean } };
    /**
     * whatsapp-web.js's handler of `change:hasSynced` (Client.js 295–377: `authenticated`,
     * utilities, `ready`), exposed by puppeteer's page binding, which counts its calls in
     * `lastSeq` (puppeteer-core cdp/utils.js addPageBinding) — per document, like `hasSynced`.
     */
    onAppStateHasSyncedEvent?: (() => Promise<unknown>) & { lastSeq?: number };
    /** Set by the driver's carry (wwebjs.ts carryMissedSync): this document's sync was delivered by us. */
    slicedeckCarriedSync?: boolean;
  };
}

export interface WaClient {
  /**
   * Events as in the library (Constants.js `Events`): `qr` (payload), `code` (pairing
   * code), `authenticated` (session payload, undefined with LocalAuth), `auth_failure`
   * (message), `loading_screen` (percent, 'WhatsApp'), `ready`, `change_state`
   * (WaState), `disconnected` (WaState or 'LOGOUT'), `message`/`message_create`
   * (WaMessage), `message_ack` (WaMessage, ack).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- listener arguments differ per event, as in the library
  on(event: string, listener: (...args: any[]) => void): unknown;
  pupPage: WaPage | null;
  pupBrowser: WaBrowser | null;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  logout(): Promise<void>;
  getState(): Promise<WaState | null>;
  // No getChats()/getChatById(): chats and messages are read in pages inside the page (page-queries.ts).
  /** Client.js 1751–1771: the message from WhatsApp Web's collection, or null. */
  getMessageById(messageId: string): Promise<WaMessage | null>;
  /** Resolves undefined when WhatsApp has no such chat (Client.js 1534–1559, `if (!chat) return null` at 1539). */
  sendMessage(chatId: string, content: string): Promise<WaMessage | undefined>;
  requestPairingCode(phoneNumber: string, showNotification?: boolean, intervalMs?: number): Promise<string>;
}

/** The Client options the driver builds (a subset of whatsapp-web.js's `ClientOptions`). */
export interface WaClientOptions {
  authStrategy?: unknown;
  puppeteer: {
    headless: boolean;
    executablePath: string;
    args: string[];
    protocolTimeout: number;
    /** Puppeteer's own handlers, which kill the browser on these signals; off (the slice closes it itself). */
    handleSIGTERM: boolean;
    handleSIGINT: boolean;
    handleSIGHUP: boolean;
  };
  /** `{ type: 'none' }`: never read or write `./.wwebjs_cache` (the slice's /app is read-only to it). */
  webVersionCache: { type: 'none' };
  authTimeoutMs: number;
  qrMaxRetries: number;
  pairWithPhoneNumber?: { phoneNumber: string; showNotification: boolean; intervalMs?: number };
  /** The account's proxy login: whatsapp-web.js calls puppeteer's `page.authenticate` with it (src/slice/proxy.ts). */
  proxyAuthentication?: { username: string; password: string };
}

/** Builds one client from the options; the real one loads whatsapp-web.js, the stand-in does not. */
export type WaClientFactory = (options: WaClientOptions) => Promise<WaClient>;
