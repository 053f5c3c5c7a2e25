/**
 * The one HTTP layer under both of slicedeck's servers: the slice's (src/slice/server.ts)
 * and the web mode's (src/main/transport/web.ts). Bearer check, bounded body reader,
 * SSE writer and server limits live here once, so a fix to one is a fix to both.
 *
 * Plain node:http on purpose: both servers are a handful of routes, the slice pays
 * for every module it loads on each boot, and what they need of a framework (a
 * body cap, timeouts, a connection cap) is a few lines of Node's own settings.
 * Imported by relative path (not an alias) so the slice's esbuild bundle, the
 * electron-vite main build and vitest all resolve it the same way. Node only:
 * src/shared stays free of it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { MIN_TOKEN_LENGTH } from '../shared/host-settings';

/** A refusal with its HTTP status and words; each server wraps it in its own answer format. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

// ── tokens ──────────────────────────────────────────────────────────────────

/** Compares two secrets in constant time, whatever their lengths (hashing first equalises them). */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The token of `Authorization: Bearer <token>`, else (where the caller allows it) of `?token=`. */
export function presentedToken(req: IncomingMessage, queryFrom?: URL): string | null {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1]!;
  }
  return queryFrom ? queryFrom.searchParams.get('token') : null;
}

/** True when the request carries `expected` (header, or query where allowed). */
export function hasToken(req: IncomingMessage, expected: string, queryFrom?: URL): boolean {
  const given = presentedToken(req, queryFrom);
  return given !== null && tokensMatch(given, expected);
}

// ── bodies ──────────────────────────────────────────────────────────────────

export interface BodyLimits {
  maxBytes: number;
  /** The whole body must arrive within this long after reading starts. */
  timeoutMs: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 64 * 1024, timeoutMs: 10_000 };

export function tooLargeWords(maxBytes: number): string {
  return `The request body is larger than ${Math.round(maxBytes / 1024)} KB; send less.`;
}

/**
 * Reads the body as text: 413 past `maxBytes` (declared or actual), 408 when it
 * trickles in slower than `timeoutMs`. On a refusal the connection is marked to
 * close, so the rest of an oversized or stalled body is never waited for.
 */
export function readBodyText(req: IncomingMessage, limits: BodyLimits = DEFAULT_BODY_LIMITS): Promise<string> {
  return new Promise((resolve, reject) => {
    const refuse = (refusal: HttpRefusal) => {
      cleanUp();
      req.socket.setTimeout(0);
      // Stop reading; the server answers with `connection: close` (see send()).
      req.pause();
      reject(refusal);
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limits.maxBytes) {
      reject(new HttpRefusal(413, tooLargeWords(limits.maxBytes)));
      req.pause();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => refuse(new HttpRefusal(408, `The request body did not arrive within ${Math.round(limits.timeoutMs / 1000)} s.`)), limits.timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return refuse(new HttpRefusal(413, tooLargeWords(limits.maxBytes)));
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanUp();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    const cleanUp = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** readBodyText + JSON.parse; an empty body is `undefined`. */
export async function readJson(req: IncomingMessage, limits: BodyLimits = DEFAULT_BODY_LIMITS): Promise<unknown> {
  const text = (await readBodyText(req, limits)).trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpRefusal(400, 'The request body is not valid JSON.');
  }
}

// ── answers ─────────────────────────────────────────────────────────────────

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const close = status === 408 || status === 413 ? { Connection: 'close' } : {};
  res.writeHead(status, {
    ...headers,
    ...close,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

// ── server-sent events ──────────────────────────────────────────────────────

/** One SSE message; `event` omitted is the default `message` event. */
export function sseFrame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

export interface SseStream {
  write(frame: string): void;
  close(): void;
}

/**
 * Opens an event stream: headers, a first `preamble` written in the same tick
 * (replays go there, so nothing falls between replay and subscription), comment
 * heartbeats, and `onClose` exactly once whichever side ends it.
 */
export function openSse(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { headers?: Record<string, string>; preamble?: string; heartbeatMs: number; onClose: () => void },
): SseStream {
  res.writeHead(200, {
    ...opts.headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  // An event stream is long-lived by design: the request timeouts do not apply to it.
  req.socket.setTimeout(0);
  res.write(opts.preamble ?? ': connected\n\n');
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), opts.heartbeatMs);
  heartbeat.unref();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    opts.onClose();
  };
  req.on('close', close);
  res.on('close', close);
  return {
    write: (frame) => {
      if (!closed) res.write(frame);
    },
    close: () => {
      res.end();
      close();
    },
  };
}

// ── server limits ───────────────────────────────────────────────────────────

export interface ServerLimits {
  /** All request headers must arrive within this long (slowloris). */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this long; Node's default is 5 minutes. */
  requestTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this long (trusted connections only: the others close after each answer). */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  maxConnections: number;
  /**
   * Connections that have not yet shown the token (at most this many at once). A new one past
   * it pushes out the oldest of them, idle ones first, so a flood of untokened connections can
   * neither fill `maxConnections` nor keep the token holder (the operator, the host's health
   * probe) from getting in: the rest of `maxConnections` is theirs.
   */
  maxUntrustedConnections: number;
  /** A connection that has not shown the token is dropped after this long without traffic. */
  untrustedIdleMs: number;
  /** How often Node looks for requests past those timeouts (its default, 30 s, would let one linger that long). */
  checkIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 256,
  maxUntrustedConnections: 128,
  untrustedIdleMs: 5_000,
  checkIntervalMs: 1_000,
};

/** The bookkeeping of one server's connections that have not shown the token, oldest first. */
interface UntrustedSockets {
  /** Insertion order is age order (a Map keeps it), so the oldest is the first key. */
  sockets: Map<Socket, { busy: boolean }>;
}

/** Each accepted socket's server bookkeeping (removed from it once trusted or closed). */
const untrustedOf = new WeakMap<Socket, UntrustedSockets>();

/**
 * The request showed the server's token: its connection is the token holder's from now on
 * (kept alive, never pushed out by untokened ones, the untrusted idle timer off). Call it
 * right after a token check passes; every other answer closes its connection.
 */
export function trustConnection(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  if (!untrustedOf.get(socket)?.sockets.delete(socket)) return;
  socket.setTimeout(0);
  if (!res.headersSent) res.removeHeader('Connection');
}

/** node:http's createServer with the limits both servers need. */
export function createLimitedServer(handler: RequestListener, limits: ServerLimits = DEFAULT_SERVER_LIMITS): Server {
  const book: UntrustedSockets = { sockets: new Map() };
  const server = createHttpServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (req, res) => {
      const entry = book.sockets.get(req.socket);
      if (entry) {
        // Not (yet) the token holder's: this answer ends the connection, whatever it is.
        // trustConnection() takes the header back once the request shows the token.
        res.setHeader('Connection', 'close');
        entry.busy = true;
        res.once('close', () => (entry.busy = false));
      }
      handler(req, res);
    },
  );
  server.on('connection', (socket: Socket) => {
    if (book.sockets.size >= limits.maxUntrustedConnections) pushOutOldest(book);
    book.sockets.set(socket, { busy: false });
    untrustedOf.set(socket, book);
    // Node's http server destroys a socket whose timeout fires with no one listening.
    socket.setTimeout(limits.untrustedIdleMs);
    socket.once('close', () => book.sockets.delete(socket));
  });
  server.maxConnections = limits.maxConnections;
  return server;
}

/** Makes room for a new connection: the oldest untrusted one that is idle goes, else the oldest. */
function pushOutOldest(book: UntrustedSockets): void {
  let victim: Socket | undefined;
  for (const [socket, { busy }] of book.sockets) {
    victim ??= socket;
    if (!busy) {
      victim = socket;
      break;
    }
  }
  if (!victim) return;
  book.sockets.delete(victim);
  victim.destroy();
}

/** Shortest bearer token accepted (SLICEDECK_TOKEN, a slice's token): declared with the settings. */
export { MIN_TOKEN_LENGTH };

/** null when acceptable, else words saying what is wrong. */
export function weakTokenWords(token: string, name: string, min = MIN_TOKEN_LENGTH): string | null {
  if (/\s/.test(token)) return `${name} must not contain spaces.`;
  if (token.length < min) return `${name} is ${token.length} characters long; use at least ${min} random characters (for example: openssl rand -base64 32), or leave it unset and slicedeck generates one.`;
  return null;
}
