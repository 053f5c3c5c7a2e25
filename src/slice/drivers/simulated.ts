/**
 * The simulated driver: a faithful stand-in for WhatsApp Web, used for demos,
 * development and every automated test (no machine here can reach WhatsApp).
 *
 * It is split like the real thing:
 *  - `SimulatedPhone` is the account's side: whether a device is linked (the
 *    saved session, like LocalAuth on disk), the contacts and the chats. It
 *    outlives clients, so a hard restart of the client restores the session.
 *  - `SimulatedClient` is one browser session: it shows rotating QR codes, takes a
 *    scan, loads contacts progressively, becomes ready, sends messages.
 *  - `SimulatorControls` is what `POST /api/sim/*` drives: scan the code on screen,
 *    inject faults (drop the link, fail the next initializes, log out from the phone).
 *
 * Every timing comes from the environment (see `SimulatedTimings`).
 */
import { randomBytes } from 'node:crypto';
import type { Chat, ChatMessage, QrInfo } from '@shared/types';
import type { SimFaultKind } from '@shared/slice-protocol';
import { DriverNotReadyError, type DriverEventSink, type DriverFactory, type WhatsAppDriver } from './driver';

export interface SimulatedTimings {
  /** Codes per start (QR_CODES). */
  qrCodes: number;
  /** Lifetime of each code (QR_TTL_MS). */
  qrTtlMs: number;
  /** Contacts the phone has (SIM_CONTACTS). */
  contacts: number;
  /** Time between two contact-count updates while linking (SIM_CONTACT_INTERVAL_MS). */
  contactIntervalMs: number;
  /** Time from a scan to `authenticated`, and from restoring a session to `authenticated` (SIM_LINK_DELAY_MS). */
  linkDelayMs: number;
  /** A 1:1 contact answers each sent message after this long; 0 = contacts never answer (SIM_REPLY_DELAY_MS). */
  replyDelayMs?: number;
  /** Time WhatsApp Web takes to boot before the first code (SIM_BOOT_DELAY_MS). */
  bootDelayMs: number;
}

/** Thrown when a simulator control cannot apply in the current situation (HTTP 409). */
export class SimulatorConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatorConflictError';
  }
}

/**
 * A payload shaped like WhatsApp Web's: `2@<ref>,<noise key>,<identity key>,<adv secret>`,
 * fresh random bytes for every code, ~230 characters so it renders as a real QR code.
 */
export function simulatedQrPayload(): string {
  const b64 = (size: number) => randomBytes(size).toString('base64');
  return `2@${b64(66)},${b64(32)},${b64(32)},${b64(32)}`;
}

// ── deterministic content ───────────────────────────────────────────────────

const FIRST_NAMES = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kemi', 'Luca', 'Maya', 'Nils', 'Olga', 'Pedro', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wen', 'Ximena', 'Yusuf', 'Zoe'];
const LAST_NAMES = ['Silva', 'Okafor', 'Novak', 'Haddad', 'Berg', 'Costa', 'Ibrahim', 'Larsen', 'Moreau', 'Tanaka', 'Fischer', 'Rossi'];
const LINES = [
  'Hi! Are we still on for tomorrow?',
  'Sent you the file, have a look when you can.',
  'Thanks, that works for me 👍',
  'Can you call me back later?',
  'The delivery arrived this morning.',
  'Running 10 minutes late, sorry!',
  'Great news, congratulations!',
  'Let me check and get back to you.',
  'What time does it start?',
  'See you there.',
];
const GROUP_NAMES = ['Family', 'Project team', 'Football Sunday', 'Book club'];
const MAX_CHATS = 40;

/** A small seeded PRNG (mulberry32): the same seed always gives the same chats. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

interface SimulatedChat {
  chat: Chat;
  messages: ChatMessage[];
}

// ── the phone (account side, outlives clients) ──────────────────────────────

export class SimulatedPhone {
  /** A device is linked: a new client restores the session without a code. */
  linked = false;
  /** Initializes that will fail before one succeeds again (fault injection). */
  failingInitializes = 0;
  private chats: Map<string, SimulatedChat> | null = null;

  constructor(private readonly seed: string, private readonly contactCount: number) {}

  /** Chats generated deterministically from the contacts, built on first use. */
  chatTable(now: number): Map<string, SimulatedChat> {
    if (this.chats) return this.chats;
    const random = seededRandom(hashSeed(this.seed));
    const table = new Map<string, SimulatedChat>();
    const people = Math.min(this.contactCount, MAX_CHATS);
    const add = (id: string, name: string, isGroup: boolean) => {
      const count = 2 + Math.floor(random() * 5);
      const messages: ChatMessage[] = [];
      // Spread the history over the last few days, oldest first, never in the future.
      let timestamp = now - (count + 1) * 3_600_000 - Math.floor(random() * 72 * 3_600_000);
      for (let i = 0; i < count; i++) {
        timestamp += Math.floor(random() * 3_600_000);
        const fromMe = random() < 0.4;
        messages.push({
          id: `${fromMe}_${id}_${(hashSeed(`${id}:${i}`) >>> 0).toString(16).toUpperCase().padStart(8, '0')}`,
          chatId: id,
          fromMe,
          body: LINES[Math.floor(random() * LINES.length)]!,
          timestamp,
          ...(fromMe ? { status: 'sent' as const } : {}),
        });
      }
      const unreadCount = messages.at(-1)!.fromMe ? 0 : Math.floor(random() * 3);
      table.set(id, { chat: { id, name, isGroup, unreadCount }, messages });
    };
    for (let i = 0; i < people; i++) {
      const name = `${FIRST_NAMES[i % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(i / FIRST_NAMES.length + i) % LAST_NAMES.length]}`;
      add(`1555${String(1000000 + i).slice(1)}@c.us`, name, false);
    }
    for (let g = 0; g < Math.min(GROUP_NAMES.length, Math.floor(people / 5)); g++) {
      add(`1203630${String(40000000 + g).slice(1)}@g.us`, GROUP_NAMES[g]!, true);
    }
    this.chats = table;
    return table;
  }
}

// ── one client (one browser session) ────────────────────────────────────────

type ClientPhase = 'stopped' | 'booting' | 'showing_qr' | 'linking' | 'ready';

export class SimulatedClient implements WhatsAppDriver {
  readonly name = 'simulated' as const;
  private phase: ClientPhase = 'stopped';
  private currentQr: QrInfo | null = null;
  private timers = new Set<NodeJS.Timeout>();
  /** Resolvers of pending sleeps, woken by `stop()` so a stopped start never hangs. */
  private wakers = new Set<() => void>();
  /** Bumped on every start/stop so that callbacks of an older run do nothing. */
  private run = 0;

  constructor(
    private readonly phone: SimulatedPhone,
    private readonly timings: SimulatedTimings,
    private readonly sink: DriverEventSink,
    private readonly onStarted: (client: SimulatedClient) => void,
  ) {}

  get shownQr(): QrInfo | null {
    return this.phase === 'showing_qr' ? this.currentQr : null;
  }

  get isReady(): boolean {
    return this.phase === 'ready';
  }

  get isRunning(): boolean {
    return this.phase !== 'stopped';
  }

  async initialize(): Promise<void> {
    this.stop();
    const run = ++this.run;
    this.onStarted(this);
    await this.sleep(this.timings.bootDelayMs, run);
    if (run !== this.run) throw new Error('The client was stopped while starting.');
    if (this.phone.failingInitializes > 0) {
      this.phone.failingInitializes--;
      throw new Error('The simulated WhatsApp Web failed to start (injected fault).');
    }
    if (this.phone.linked) {
      this.phase = 'linking';
      this.after(this.timings.linkDelayMs, run, () => this.restoreSession(run));
    } else {
      this.showCode(1, run);
    }
  }

  async destroy(): Promise<void> {
    this.stop();
  }

  async logout(): Promise<void> {
    this.phone.linked = false;
    this.stop();
  }

  async sendText(chatId: string, text: string): Promise<ChatMessage> {
    if (this.phase !== 'ready') throw new DriverNotReadyError();
    const table = this.phone.chatTable(Date.now());
    let entry = table.get(chatId);
    if (!entry) {
      // WhatsApp lets you write to any valid number: the chat appears on first message.
      entry = { chat: { id: chatId, name: chatId.split('@')[0]!, isGroup: chatId.endsWith('@g.us'), unreadCount: 0 }, messages: [] };
      table.set(chatId, entry);
    }
    const message: ChatMessage = {
      id: `true_${chatId}_3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
      chatId,
      fromMe: true,
      body: text,
      timestamp: Date.now(),
      status: 'sent',
    };
    entry.messages.push(message);
    this.sink.message(message);
    if (!entry.chat.isGroup && this.timings.replyDelayMs) this.replyLater(entry, text);
    return message;
  }

  /** The contact answers, as people do: an incoming message the operator sees arrive live. */
  private replyLater(entry: { chat: Chat; messages: ChatMessage[] }, text: string): void {
    const excerpt = text.length > 40 ? `${text.slice(0, 39)}…` : text;
    this.after(this.timings.replyDelayMs!, this.run, () => {
      const reply: ChatMessage = {
        id: `false_${entry.chat.id}_3EB0${randomBytes(8).toString('hex').toUpperCase()}`,
        chatId: entry.chat.id,
        fromMe: false,
        body: `Got it, thanks! (re: “${excerpt}”)`,
        timestamp: Date.now(),
      };
      entry.messages.push(reply);
      entry.chat.unreadCount += 1;
      this.sink.message(reply);
    });
  }

  async listChats(): Promise<Chat[]> {
    if (this.phase !== 'ready') throw new DriverNotReadyError();
    return [...this.phone.chatTable(Date.now()).values()]
      .map(({ chat, messages }) => {
        const last = messages.at(-1);
        return last ? { ...chat, lastMessage: { body: last.body, timestamp: last.timestamp, fromMe: last.fromMe } } : { ...chat };
      })
      .sort((a, b) => (b.lastMessage?.timestamp ?? 0) - (a.lastMessage?.timestamp ?? 0));
  }

  async listMessages(chatId: string): Promise<ChatMessage[] | null> {
    if (this.phase !== 'ready') throw new DriverNotReadyError();
    const entry = this.phone.chatTable(Date.now()).get(chatId);
    return entry ? entry.messages.map((message) => ({ ...message })) : null;
  }

  // ── what the simulator controls do ──

  /** The phone scans the code on screen. */
  scan(): void {
    if (this.phase !== 'showing_qr' || !this.currentQr) {
      throw new SimulatorConflictError('No code is on screen to scan. Start the client (Connect) and wait for a code, then scan it.');
    }
    const run = this.run;
    this.clearTimers();
    this.phase = 'linking';
    this.currentQr = null;
    this.phone.linked = true;
    this.after(this.timings.linkDelayMs, run, () => {
      this.sink.authenticated();
      this.loadContacts(run);
    });
  }

  /** The connection to WhatsApp drops; the session stays linked. */
  dropLink(): void {
    if (this.phase === 'stopped') throw new SimulatorConflictError('The client is not running, so there is no link to drop.');
    this.stop();
    this.sink.disconnected('CONNECTION_LOST', false);
  }

  /** The operator removed this device from the phone: the session is gone. */
  phoneLogout(): void {
    if (!this.phone.linked) throw new SimulatorConflictError('No device is linked, so the phone has nothing to log out.');
    this.phone.linked = false;
    const wasRunning = this.phase !== 'stopped';
    this.stop();
    if (wasRunning) this.sink.disconnected('LOGOUT', true);
  }

  // ── internals ──

  private showCode(index: number, run: number): void {
    const issuedAt = Date.now();
    this.phase = 'showing_qr';
    this.currentQr = { payload: simulatedQrPayload(), index, total: this.timings.qrCodes, issuedAt, expiresAt: issuedAt + this.timings.qrTtlMs };
    this.sink.qr(this.currentQr);
    this.after(this.timings.qrTtlMs, run, () => {
      if (index < this.timings.qrCodes) {
        this.showCode(index + 1, run);
      } else {
        // WhatsApp Web stops offering codes; the host decides what happens next.
        this.currentQr = null;
        this.phase = 'stopped';
        this.sink.qrExhausted();
      }
    });
  }

  private loadContacts(run: number): void {
    const total = this.timings.contacts;
    // At most ~50 updates, however large the address book.
    const step = Math.max(1, Math.ceil(total / 50));
    const tick = (count: number) => {
      const done = count >= total;
      this.sink.contacts(count, done);
      if (done) this.becomeReady();
      else this.after(this.timings.contactIntervalMs, run, () => tick(Math.min(total, count + step)));
    };
    if (total === 0) tick(0);
    else this.after(this.timings.contactIntervalMs, run, () => tick(Math.min(total, step)));
  }

  private restoreSession(run: number): void {
    if (run !== this.run) return;
    this.sink.authenticated();
    this.sink.contacts(this.timings.contacts, true);
    this.becomeReady();
  }

  private becomeReady(): void {
    this.phase = 'ready';
    this.phone.chatTable(Date.now());
    this.sink.ready();
  }

  private stop(): void {
    this.run++;
    this.clearTimers();
    this.phase = 'stopped';
    this.currentQr = null;
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.wakers]) wake();
  }

  private after(ms: number, run: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (run === this.run) action();
    }, ms);
    this.timers.add(timer);
  }

  private sleep(ms: number, run: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.wakers.delete(wake);
        resolve();
      };
      this.wakers.add(wake);
      this.after(ms, run, wake);
    });
  }
}

// ── what the server drives ──────────────────────────────────────────────────

export interface SimulatorControls {
  scan(): void;
  fault(kind: SimFaultKind, options?: { count?: number }): void;
}

export interface SimulatedBackend {
  factory: DriverFactory;
  controls: SimulatorControls;
  phone: SimulatedPhone;
}

/** One simulated phone plus a factory for clients that talk to it. */
export function createSimulatedBackend(timings: SimulatedTimings, seed: string): SimulatedBackend {
  const phone = new SimulatedPhone(seed, timings.contacts);
  let current: SimulatedClient | null = null;
  const factory: DriverFactory = (sink) => new SimulatedClient(phone, timings, sink, (client) => (current = client));
  const controls: SimulatorControls = {
    scan() {
      if (!current) throw new SimulatorConflictError('No code is on screen to scan. Start the client (Connect) and wait for a code, then scan it.');
      current.scan();
    },
    fault(kind, options = {}) {
      switch (kind) {
        case 'drop_link':
          if (!current) throw new SimulatorConflictError('The client is not running, so there is no link to drop.');
          current.dropLink();
          return;
        case 'fail_initialize':
          phone.failingInitializes += options.count ?? 1;
          return;
        case 'phone_logout':
          if (current) current.phoneLogout();
          else if (phone.linked) phone.linked = false;
          else throw new SimulatorConflictError('No device is linked, so the phone has nothing to log out.');
          return;
      }
    },
  };
  return { factory, controls, phone };
}
