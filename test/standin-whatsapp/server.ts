/**
 * The stand-in WhatsApp Web, server side: HTTPS on one address of this machine (the Docker
 * bridge gateway, see gateway.ts), serving an index.html, the page script (page.js) and a
 * small control surface the page polls. The test drives the "phone" through this object
 * (scan, phone logout, an incoming message) and reads what the page reported (codes shown,
 * scans, syncs, messages sent, modules the library asked for that the stand-in lacks).
 *
 * `mode` turns the server into a broken WhatsApp Web for the failure paths: `garbage`
 * answers every connection with bytes that are not TLS, `close` hangs up at once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { SIM_MEDIA, type SimulatedMediaFile } from '../../src/slice/drivers/simulated-media';
import { selfSignedCertificate } from './tls';

export interface StandinTimings {
  /** Codes shown before the last one stays on screen (the library counts its own). */
  codes: number;
  /** Lifetime of code 1 (WhatsApp: ~60 s) and of each later code (~20 s). */
  firstCodeMs: number;
  nextCodeMs: number;
  /** Scan (or restored page) → the sync is complete (`hasSynced`). */
  syncMs: number;
  /** Page script loaded → the socket leaves OPENING. */
  bootMs: number;
  /** How often the page asks for commands. */
  pollMs: number;
}

/** A media message's file as the stand-in's WhatsApp holds it (page.js puts these fields on the msg model). */
/** A media message as the stand-in's page holds it: the simulated phone's file without its bytes (served at `/media/<id>`, its directPath). */
export type StandinMedia = Omit<SimulatedMediaFile, 'bytes'> & { id: string };

export interface StandinPhone {
  me: string;
  meLid: string;
  contacts: { id: string; name: string }[];
  /** `body` of a media message is its caption (what whatsapp-web.js gives as `body`). */
  chats: { id: string; name: string; messages: { fromMe: boolean; body: string; t: number; media?: StandinMedia }[] }[];
  /** A big account, generated inside the page (lists above stay empty: no megabytes of JSON). */
  size?: StandinAccountSize & { names: string[]; now: number };
}

/**
 * An account's size, built by the page itself: contact i is `standinContactId(i)`; chat i is
 * contact i's chat, named `standinChatName(i)`, its last message `lastMessageChars` long and
 * i+1 minutes old (so newest first is the index order), with one older message before it.
 */
export interface StandinAccountSize {
  chats: number;
  contacts: number;
  lastMessageChars: number;
}

export interface StandinOptions extends Partial<StandinTimings> {
  /** The address to listen on: the bridge gateway, never 0.0.0.0. */
  host: string;
  port?: number;
  /** How many contacts the phone has (the first three have chats). */
  contacts?: number;
  /** A big account instead (overrides `contacts`): generated in the page from these numbers. */
  size?: StandinAccountSize;
  /** window.Debug.VERSION: what the library reads as WhatsApp Web's version. */
  version?: string;
  /** The first chat begins with the simulated phone's media (a photo, a voice note, a sticker, a document, a video). */
  media?: boolean;
}

export type StandinMode = 'serve' | 'garbage' | 'close';

/**
 * When a restored session finishes syncing: `after_listener` — once whatsapp-web.js listens
 * for `change:hasSynced` (`syncMs` later); `with_connected` — together with CONNECTED, before
 * the library listens, as WhatsApp does for a session minutes old on a good connection
 * (1.34.7 then emits neither `authenticated` nor `ready` by itself).
 */
export type StandinRestoreSync = 'after_listener' | 'with_connected';

export interface StandinReport {
  type: string;
  data: unknown;
  at: number;
}

/**
 * Every page sees every command (several slices may be on the stand-in at once); each
 * command names its page the way WhatsApp would: a scan names the code on screen (its
 * ref), a logout or an incoming message names the linked session.
 */
type Command = { seq: number } & ({ type: 'scan'; ref: string; session: string } | { type: 'phone_logout'; session: string } | { type: 'incoming'; session: string; chatId: string; body: string });
type CommandInput = Command extends infer C ? (C extends Command ? Omit<C, 'seq'> : never) : never;
const MAX_COMMANDS = 1_000;

/** page.js beside this file; from the repository root when this file was bundled elsewhere (the bench). */
function pageScript(): string {
  const beside = new URL('./page.js', import.meta.url);
  return existsSync(beside) ? readFileSync(beside, 'utf8') : readFileSync(resolve(process.cwd(), 'test/standin-whatsapp/page.js'), 'utf8');
}
const PAGE_SCRIPT = pageScript();
const INDEX_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>WhatsApp</title></head><body><div id="app"></div><script src="/standin.js"></script></body></html>';
const NAMES = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Frances Allen', 'Ken Thompson', 'Margaret Hamilton', 'Dennis Ritchie'];
const MAX_REPORTS = 5_000;
const MAX_BODY = 64 * 1024;

/** The simulated phone's media (src/slice/drivers/simulated-media.ts), as stand-in messages older than `before`, and their files. */
export function standinMedia(before: number): { messages: StandinPhone['chats'][number]['messages']; files: Map<string, SimulatedMediaFile> } {
  const files = new Map<string, SimulatedMediaFile>();
  const messages = SIM_MEDIA.map((file, index) => {
    const id = `${file.type}-${index}`;
    files.set(id, file);
    const { bytes: _bytes, ...fields } = file;
    const media: StandinMedia = { id, ...fields };
    return { fromMe: false, body: file.caption ?? '', t: before - (SIM_MEDIA.length - index) * 60, media };
  });
  return { messages, files };
}

/** Contact (and chat) i of a sized account. */
export function standinContactId(index: number): string {
  return `1556${String(index).padStart(7, '0')}@c.us`;
}
/** The name of chat i of a sized account (page.js builds it the same way from `size.names`). */
export function standinChatName(index: number): string {
  return `${NAMES[index % NAMES.length]} ${index + 1}`;
}

export function makeSizedPhone(size: StandinAccountSize): StandinPhone {
  if (size.chats > size.contacts) throw new Error(`A stand-in account has a chat per contact at most: ${size.chats} chats need ${size.chats} contacts.`);
  return { me: '15550000000@c.us', meLid: '100000000000001@lid', contacts: [], chats: [], size: { ...size, names: NAMES, now: Math.floor(Date.now() / 1000) } };
}

export function makePhone(contacts: number): StandinPhone {
  const list = Array.from({ length: contacts }, (_, i) => ({ id: `1555010${String(i).padStart(4, '0')}@c.us`, name: `${NAMES[i % NAMES.length]} ${Math.floor(i / NAMES.length) + 1}` }));
  const now = Math.floor(Date.now() / 1000);
  return {
    me: '15550000000@c.us',
    meLid: '100000000000001@lid',
    contacts: list,
    chats: list.slice(0, 3).map((contact, i) => ({
      id: contact.id,
      name: contact.name,
      messages: [
        { fromMe: false, body: `Hello from ${contact.name}`, t: now - 3_600 + i * 60 },
        { fromMe: true, body: 'Hi! (from the stand-in phone)', t: now - 3_000 + i * 60 },
      ],
    })),
  };
}

export class StandinWhatsApp {
  mode: StandinMode = 'serve';
  /** Read by each page at boot: how the next restores sync. */
  restoreSync: StandinRestoreSync = 'after_listener';
  readonly reports: StandinReport[] = [];
  /** TCP connections accepted (any mode). */
  connections = 0;
  pageLoads = 0;
  private commands: Command[] = [];
  private seq = 0;
  private readonly linked = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private waiters: { test: (report: StandinReport) => boolean; resolve: (report: StandinReport) => void }[] = [];
  /** Media files by id (served at /__standin/media/<id>). */
  readonly mediaFiles = new Map<string, SimulatedMediaFile>();

  private constructor(
    readonly host: string,
    readonly port: number,
    readonly timings: StandinTimings,
    readonly phone: StandinPhone,
    readonly version: string,
    private readonly net: NetServer,
    private readonly https: HttpsServer,
  ) {}

  static async start(options: StandinOptions): Promise<StandinWhatsApp> {
    if (options.host === '0.0.0.0' || options.host === '::') throw new Error('The stand-in WhatsApp Web listens on one address (the bridge gateway), never on every interface.');
    const timings: StandinTimings = {
      codes: options.codes ?? 3,
      firstCodeMs: options.firstCodeMs ?? 60_000,
      nextCodeMs: options.nextCodeMs ?? 20_000,
      syncMs: options.syncMs ?? 500,
      bootMs: options.bootMs ?? 100,
      pollMs: options.pollMs ?? 100,
    };
    const tls = await selfSignedCertificate();
    const https = createHttpsServer({ key: tls.key, cert: tls.cert });
    const net = createNetServer();
    const standin = await new Promise<StandinWhatsApp>((resolve, reject) => {
      net.once('error', reject);
      net.listen(options.port ?? 0, options.host, () => {
        const address = net.address();
        if (!address || typeof address === 'string') return reject(new Error('the stand-in got no port'));
        const phone = options.size ? makeSizedPhone(options.size) : makePhone(options.contacts ?? 25);
        const made = new StandinWhatsApp(options.host, address.port, timings, phone, options.version ?? '2.3000.1099999999', net, https);
        const first = phone.chats[0];
        if (options.media && first) {
          const media = standinMedia(first.messages[0]?.t ?? Math.floor(Date.now() / 1000));
          first.messages.unshift(...media.messages);
          for (const [id, file] of media.files) made.mediaFiles.set(id, file);
        }
        resolve(made);
      });
    });
    https.on('request', (req, res) => standin.handle(req, res));
    https.on('tlsClientError', () => undefined);
    net.on('connection', (socket) => standin.accept(socket));
    return standin;
  }

  /** The flags that send the slice's Chromium here for web.whatsapp.com, and nowhere else. */
  /**
   * `alsoReachable`: addresses left out of `MAP * ~NOTFOUND` (Chromium's rules map IP literals
   * too), e.g. an account's proxy on the gateway — the proxy, not Chromium, then reaches the stand-in.
   */
  chromiumArgs(alsoReachable: readonly string[] = []): string[] {
    const excluded = alsoReachable.map((address) => `EXCLUDE ${address}, `).join('');
    return [`--host-resolver-rules=MAP web.whatsapp.com ${this.host}:${this.port}, ${excluded}MAP * ~NOTFOUND`, '--ignore-certificate-errors'];
  }

  /**
   * The phone scans a code: `qrPayload` is the text the library emitted (the host's
   * `QrInfo.payload`); only the page showing that code takes it. Answers the session id
   * of the new link (for `phoneLogout` and `incoming`).
   */
  scan(qrPayload: string): string {
    const ref = qrPayload.split(',')[0] ?? '';
    const session = randomBytes(8).toString('hex');
    this.linked.add(session);
    this.send({ type: 'scan', ref, session });
    return session;
  }

  /** The phone removes this linked device (Settings → Linked devices → Log out). */
  phoneLogout(session: string): void {
    this.linked.delete(session);
    this.send({ type: 'phone_logout', session });
  }

  /** A contact writes to the account linked as `session`. */
  incoming(session: string, chatId: string, body: string): void {
    this.send({ type: 'incoming', session, chatId, body });
  }

  private send(command: CommandInput): void {
    this.commands.push({ ...command, seq: ++this.seq } as Command);
    if (this.commands.length > MAX_COMMANDS) this.commands.shift();
  }

  of(type: string): StandinReport[] {
    return this.reports.filter((report) => report.type === type);
  }

  /** Unknown modules the library asked the page for (answered by the forgiving proxy). */
  unknownModules(): string[] {
    return this.of('unknown_module').map((report) => String(report.data));
  }

  /** Resolves with the first report (seen or future) of `type` matching `test`; bounded. */
  waitForReport(type: string, test: (data: unknown) => boolean = () => true, timeoutMs = 30_000, since = 0): Promise<StandinReport> {
    const matches = (report: StandinReport) => report.type === type && report.at >= since && test(report.data);
    const seen = this.reports.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        test: matches,
        resolve: (report: StandinReport) => {
          clearTimeout(timer);
          resolve(report);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const tail = this.reports.slice(-8).map((r) => r.type);
        reject(new Error(`The stand-in WhatsApp Web saw no "${type}" report within ${timeoutMs} ms; last reports: ${tail.join(', ') || 'none'} (page loads: ${this.pageLoads})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters) waiter.test = () => false;
    this.waiters = [];
    for (const socket of this.sockets) socket.destroy();
    this.https.close();
    await new Promise<void>((resolve) => this.net.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    if (this.mode === 'close') return void socket.destroy();
    if (this.mode === 'garbage') return void socket.end('this is not WhatsApp Web\r\n\r\n\u0000\u00ff\u0013garbage');
    this.https.emit('connection', socket);
  }

  private record(report: StandinReport): void {
    if (this.reports.length >= MAX_REPORTS) this.reports.shift();
    this.reports.push(report);
    for (const waiter of [...this.waiters]) {
      if (waiter.test(report)) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(report);
      }
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://web.whatsapp.com');
    // Nothing here may be replayed from a cache: the profile (and its disk cache) outlives slices.
    res.setHeader('cache-control', 'no-store');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/') {
      this.pageLoads++;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(INDEX_HTML);
    }
    if (req.method === 'GET' && url.pathname === '/standin.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return void res.end(PAGE_SCRIPT);
    }
    if (req.method === 'GET' && url.pathname === '/__standin/settings') {
      const session = url.searchParams.get('session');
      // `seq`: a page acts only on commands sent after it loaded.
      return json(200, { ...this.timings, version: this.version, phone: this.phone, linked: session !== null && this.linked.has(session), restoreSync: this.restoreSync, seq: this.seq });
    }
    if (req.method === 'GET' && url.pathname === '/__standin/poll') {
      const since = Number(url.searchParams.get('since') ?? 0);
      return json(200, this.commands.filter((command) => command.seq > since));
    }
    const media = /^\/__standin\/media\/([a-z]+-\d+)$/.exec(url.pathname);
    if (req.method === 'GET' && media) {
      const file = this.mediaFiles.get(media[1]!);
      if (!file) return json(404, { error: 'no such media' });
      const bytes = file.bytes();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
      return void res.end(bytes);
    }
    if (req.method === 'POST' && url.pathname === '/__standin/report') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) req.destroy();
      });
      req.on('end', () => {
        try {
          const parsed = JSON.parse(body) as { type?: unknown; data?: unknown };
          if (typeof parsed.type === 'string') this.record({ type: parsed.type, data: parsed.data ?? null, at: Date.now() });
          const session = (parsed.data as { session?: unknown } | null)?.session;
          if (parsed.type === 'logout' && typeof session === 'string') this.linked.delete(session);
          res.writeHead(204);
          res.end();
        } catch {
          json(400, { error: 'not JSON' });
        }
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not part of the stand-in');
  }
}
