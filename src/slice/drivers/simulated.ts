/**
 * The simulated WhatsApp: the account's side (the phone) and what `POST /api/sim/*`
 * drives. Used for demos, development and every automated test (no machine here
 * can reach WhatsApp). The browser side is `simulated-client.ts`, a stand-in for
 * whatsapp-web.js's `Client` that runs under the one real driver (`wwebjs.ts`).
 *
 *  - `SimulatedPhone` is the account: whether a device is linked (the saved
 *    session, like LocalAuth on disk), the contacts and the chats. It outlives
 *    clients, so a hard restart of the client restores the session.
 *  - `SimulatorControls`: scan the code on screen (optionally with a phone that
 *    takes `syncMs` to log in), inject faults (drop the link, fail the next
 *    initializes, log out from the phone).
 *
 * Every timing comes from the environment (see `SimulatedTimings`).
 * Nothing here imports whatsapp-web.js: the node-only image carries none of it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chat, ChatMessage } from '@shared/types';
import type { RestoreSync, SimFaultKind } from '@shared/slice-protocol';
import type { QrSettings } from '../config';
import { SimulatedClient } from './simulated-client';
import { addSimulatedMedia, type SimulatedMediaFile } from './simulated-media';
import type { WaClientFactory } from './wa-client';

export interface SimulatedTimings {
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
  /** A sent message is delivered (ack 2) after this long and read (ack 3) after twice that; 0 = only the server ack (SIM_ACK_DELAY_MS). */
  ackDelayMs?: number;
  /** When a restored session finishes syncing (SIM_RESTORE_SYNC; default `after_listener`). */
  restoreSync?: RestoreSync;
  /** The account's size beyond its contacts (SIM_CHATS, SIM_LAST_MESSAGE_CHARS, SIM_HISTORY_MESSAGES); absent: a small account. */
  size?: SimulatedAccountSize;
  /** The stand-in browser takes this long to close (Chromium writing its profile on a graceful close); default 0 (SIM_CLOSE_MS). */
  closeMs?: number;
}

/**
 * How big the simulated account is. With `chats` set the account is "sized": chat i
 * (0-based) is named `simulatedChatName(i)`, has id `simulatedChatId(i)` and its last
 * activity one minute before chat i-1's, so the list order is the index order.
 */
export interface SimulatedAccountSize {
  /** Chats on the account (0: as many as contacts, at most 40, plus a few groups). */
  chats: number;
  /** Length of each chat's last message (0: a short line). */
  lastMessageChars: number;
  /** Messages in the newest chat's history (0: 2–6 like every chat), for paging back in time. */
  historyMessages: number;
}

export { RESTORE_SYNC_MODES, type RestoreSync } from '@shared/slice-protocol';

/** Thrown when a simulator control cannot apply in the current situation (HTTP 409). */
export class SimulatorConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatorConflictError';
  }
}

/** A ref as WhatsApp Web's `Conn.ref` holds it: `2@<base64>`, never a comma. */
export function simulatedRef(): string {
  return `2@${randomBytes(66).toString('base64')}`;
}

/**
 * A payload shaped like whatsapp-web.js 1.34.7 builds it (Client.js 251–273):
 * `<ref>,<noise key>,<identity key>,<adv secret>,<platform>`, ~235 characters.
 */
export function simulatedQrPayload(ref: string = simulatedRef(), keys: SimulatedKeys = simulatedKeys()): string {
  return `${ref},${keys.noise},${keys.identity},${keys.advSecret},${keys.platform}`;
}

/** The keys of one browser session (fixed for its life; only the ref rotates). */
export interface SimulatedKeys {
  noise: string;
  identity: string;
  advSecret: string;
  platform: string;
}

export function simulatedKeys(): SimulatedKeys {
  const b64 = (size: number) => randomBytes(size).toString('base64');
  return { noise: b64(32), identity: b64(32), advSecret: b64(32), platform: 'WEB' };
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
/** A sized account keeps every 50th chat a group (a shop's lists, a family). */
const SIZED_GROUP_EVERY = 50;

/** The name of chat `index` (0-based) of a sized account: a person's name and its 1-based number, e.g. "Ana Silva 1". */
export function simulatedChatName(index: number): string {
  if (index % SIZED_GROUP_EVERY === SIZED_GROUP_EVERY - 1) return `${GROUP_NAMES[Math.floor(index / SIZED_GROUP_EVERY) % GROUP_NAMES.length]} ${index + 1}`;
  return `${FIRST_NAMES[index % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(index / FIRST_NAMES.length + index) % LAST_NAMES.length]} ${index + 1}`;
}

/** The id of chat `index` (0-based) of a sized account. */
export function simulatedChatId(index: number): string {
  if (index % SIZED_GROUP_EVERY === SIZED_GROUP_EVERY - 1) return `1203631${String(index).padStart(11, '0')}@g.us`;
  return `1556${String(index).padStart(7, '0')}@c.us`;
}

/** A last message of exactly `chars` characters (sample lines, repeated). */
function longLine(seed: number, chars: number): string {
  let text = '';
  for (let i = 0; text.length < chars; i++) text += `${LINES[(seed + i) % LINES.length]} `;
  return text.slice(0, chars);
}

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

export interface SimulatedChat {
  chat: Chat;
  messages: ChatMessage[];
  /** The media messages' files, by message id (simulated-media.ts). */
  media?: Map<string, SimulatedMediaFile>;
  /** When the chat was last active (ms), where that is known without its history. */
  readonly lastTimestamp?: number;
}

// ── the phone (account side, outlives clients) ──────────────────────────────

/**
 * Where LocalAuth keeps a session: `<dataPath>/session-<clientId>` is Chromium's
 * userDataDir (LocalAuth.js beforeBrowserInitialized), deleted by `logout()`. The
 * stand-in writes one marker file into that very directory, so the session lives on
 * the account's volume exactly where the real one would, and survives whatever the
 * volume survives (Disconnect, a host restart, a slice crash).
 */
export class SimulatedSessionDir {
  readonly userDataDir: string;
  private readonly marker: string;

  constructor(dataPath: string, clientId: string) {
    this.userDataDir = join(dataPath, `session-${clientId}`);
    this.marker = join(this.userDataDir, 'Default', 'slicedeck-simulated-session.json');
  }

  /** `saved`: files are there; `revoked`: they are, but the phone no longer lists the device. */
  read(): 'none' | 'saved' | 'revoked' {
    if (!existsSync(this.marker)) return 'none';
    try {
      return (JSON.parse(readFileSync(this.marker, 'utf8')) as { revoked?: boolean }).revoked ? 'revoked' : 'saved';
    } catch {
      return 'revoked'; // unreadable files restore nothing, as a corrupt profile would
    }
  }

  save(): void {
    mkdirSync(join(this.userDataDir, 'Default'), { recursive: true });
    writeFileSync(this.marker, JSON.stringify({ simulated: true, linkedAt: new Date().toISOString() }));
  }

  /** The phone unlinked the device while no client was watching: the files stay, the session is worthless. */
  revoke(): void {
    if (existsSync(this.marker)) writeFileSync(this.marker, JSON.stringify({ simulated: true, revoked: true }));
  }

  /** LocalAuth.logout(): the whole userDataDir goes. */
  delete(): void {
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

export class SimulatedPhone {
  /** The phone lists this device as linked (then a client with the saved session restores it). */
  private deviceLinked = false;
  /**
   * A WhatsApp Web that stopped answering: the page is open but every call into it
   * hangs (`go_deaf`). Cleared when the browser is closed (a restart opens a new page).
   */
  deaf = false;
  /** LocalAuth's userDataDir on the account's volume (null: nothing is kept, as in unit tests). */
  private session: SimulatedSessionDir | null = null;
  /** Initializes that will fail before one succeeds again (fault injection). */
  failingInitializes = 0;
  /** The client whose WhatsApp Web is open (the one a scan reaches), if any. */
  screen: SimulatedClient | null = null;
  private chats: Map<string, SimulatedChat> | null = null;

  constructor(
    private readonly seed: string,
    readonly contactCount: number,
    private readonly size: SimulatedAccountSize | null = null,
  ) {}

  /** Whether this device is linked (the phone lists it, and the session is on disk when there is a disk). */
  get linked(): boolean {
    return this.deviceLinked;
  }

  /** Linking saves the session (Chromium's profile under LocalAuth's dir); unlinking deletes it, as LocalAuth.logout() does. */
  set linked(value: boolean) {
    this.deviceLinked = value;
    if (value) this.session?.save();
    else this.session?.delete();
  }

  /** What a starting client finds in LocalAuth's directory. */
  savedSession(): 'none' | 'saved' | 'revoked' {
    if (!this.session) return this.deviceLinked ? 'saved' : 'none';
    return this.session.read();
  }

  /** The volume of a slice: a session saved by an earlier slice is restored (unless revoked meanwhile). */
  useSessionDir(session: SimulatedSessionDir): void {
    this.session = session;
    this.deviceLinked = session.read() === 'saved';
  }

  /** The phone removes the device while no client is running: the next start finds a refused session. */
  revoke(): void {
    this.deviceLinked = false;
    this.session?.revoke();
  }

  /** Chats generated deterministically from the contacts, built on first use. */
  chatTable(now: number): Map<string, SimulatedChat> {
    if (this.chats) return this.chats;
    if (this.size && this.size.chats > 0) return (this.chats = sizedChatTable(this.size, now));
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
    addSimulatedMedia(table);
    this.chats = table;
    return table;
  }
}

/**
 * A chat of a big account whose history is written only when someone reads it: building
 * 20,000 histories at once blocked the slice's event loop for seconds on a loaded machine
 * (its health check then failed and the host restarted it). Its last activity is known
 * without the history.
 */
class SizedChat implements SimulatedChat {
  private history: ChatMessage[] | null = null;
  constructor(
    readonly chat: Chat,
    private readonly lastAt: number,
    private readonly write: () => ChatMessage[],
  ) {}
  get messages(): ChatMessage[] {
    this.history ??= this.write();
    return this.history;
  }
  get lastTimestamp(): number {
    return this.history ? (this.history.at(-1)?.timestamp ?? 0) : this.lastAt;
  }
}

/** A big account: chat i's last message is i+1 minutes old, so the newest-first order is the index order. */
function sizedChatTable(size: SimulatedAccountSize, now: number): Map<string, SimulatedChat> {
  const table = new Map<string, SimulatedChat>();
  const nowSeconds = Math.floor(now / 1000);
  for (let i = 0; i < size.chats; i++) {
    const id = simulatedChatId(i);
    const count = i === 0 && size.historyMessages > 0 ? size.historyMessages : 2 + (i % 5);
    const lastAt = (nowSeconds - 60 * (i + 1)) * 1000;
    const fromMe = (k: number) => (i + k) % 3 === 0;
    const write = (): ChatMessage[] =>
      Array.from({ length: count }, (_, k) => ({
        id: `${fromMe(k)}_${id}_SIM${k.toString(16).toUpperCase().padStart(8, '0')}`,
        chatId: id,
        fromMe: fromMe(k),
        body: k === count - 1 && size.lastMessageChars > 0 ? longLine(i, size.lastMessageChars) : `${LINES[(i + k) % LINES.length]} (${k + 1}/${count})`,
        // Earlier messages a few seconds apart, the last one at `lastAt`.
        timestamp: lastAt - (count - 1 - k) * 5_000,
        ...(fromMe(k) ? { status: 'sent' as const } : {}),
      }));
    const unreadCount = fromMe(count - 1) ? 0 : i % 4;
    table.set(id, new SizedChat({ id, name: simulatedChatName(i), isGroup: id.endsWith('@g.us'), unreadCount }, lastAt, write));
  }
  return table;
}

// ── what the server drives ──────────────────────────────────────────────────

export interface SimulatorControls {
  /** The phone scans the code on screen; `syncMs`: it then takes that long to log in (default SIM_LINK_DELAY_MS). */
  scan(options?: { syncMs?: number }): void;
  fault(kind: SimFaultKind, options?: { count?: number }): void;
}

export interface SimulatedBackend {
  /** Makes stand-in Clients that talk to this phone. */
  createClient: WaClientFactory;
  controls: SimulatorControls;
  phone: SimulatedPhone;
}

/** What the stand-in WhatsApp needs: the phone's timings and WhatsApp's code schedule. */
export interface SimulatedWorld {
  phone: SimulatedPhone;
  timings: SimulatedTimings;
  qr: Pick<QrSettings, 'firstTtlMs' | 'ttlMs'>;
}

/** One simulated phone plus a factory for stand-in Clients that talk to it. */
export function createSimulatedBackend(
  timings: SimulatedTimings,
  qr: Pick<QrSettings, 'firstTtlMs' | 'ttlMs'>,
  seed: string,
  session?: SimulatedSessionDir,
): SimulatedBackend {
  const phone = new SimulatedPhone(seed, timings.contacts, timings.size ?? null);
  if (session) phone.useSessionDir(session);
  const world: SimulatedWorld = { phone, timings, qr };
  const noCode = 'No code is on screen to scan. Start the client (Connect) and wait for a code, then scan it.';
  const controls: SimulatorControls = {
    scan(options = {}) {
      if (!phone.screen) throw new SimulatorConflictError(noCode);
      phone.screen.scanByPhone(options.syncMs ?? timings.linkDelayMs);
    },
    fault(kind, options = {}) {
      switch (kind) {
        case 'drop_link':
          if (!phone.screen) throw new SimulatorConflictError('The client is not running, so there is no link to drop.');
          phone.screen.dropLink();
          return;
        case 'fail_initialize':
          phone.failingInitializes += options.count ?? 1;
          return;
        case 'phone_logout':
          if (!phone.linked) throw new SimulatorConflictError('No device is linked, so the phone has nothing to log out.');
          phone.linked = false;
          phone.screen?.loggedOutByPhone();
          return;
        case 'revoke_session':
          // The phone removes the device while this computer is away: the running client is not told;
          // the next start finds the saved session refused and shows codes.
          if (!phone.linked) throw new SimulatorConflictError('No device is linked, so the phone has nothing to remove.');
          phone.revoke();
          return;
        case 'go_deaf':
          if (!phone.screen) throw new SimulatorConflictError('The client is not running, so there is nothing to go deaf.');
          phone.screen.goDeaf();
          return;
      }
    },
  };
  return { createClient: async (options) => new SimulatedClient(world, options), controls, phone };
}
