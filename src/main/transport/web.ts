/**
 * The web transport (`npm run serve`): the same contract as the desktop IPC,
 * carried over HTTP on loopback. `POST /api/rpc/<command>` → dispatch → envelope;
 * `GET /api/events` → server-sent events; everything else is the built renderer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppEventSource, CommandHandlers, Envelope } from '@shared/contract';
import { dispatch } from '@shared/dispatch';
import { HTTP_STATUS_OF, SlicedeckError, toWireError, type ErrorCode } from '@shared/errors';
import { createLimitedServer, openSse, sendJson as kitSendJson, sseFrame, trustConnection } from '../../http-kit';
import { BodyRefusedError, readJsonBody } from './web-body';
import { SECURITY_HEADERS, allowedHosts, eventsCookieHeader, hasEventsCookie, hostIsAllowed, originIsAllowed, tokensMatch } from './web-security';
import { presentedToken } from '../../http-kit';
import { serveStatic } from './web-static';
import { METRICS_PATH, serveMetrics, type MetricsSource } from './web-metrics';
import { handleApiRequest, isApiPath, type ApiCore } from './web-api';

/** What the web server needs of the core (a structural subset of `Core`). */
export interface WebCore {
  handlers: CommandHandlers;
  events: AppEventSource;
  metrics?: MetricsSource;
  /** The API for other programs (web-api.ts); without it every API token is refused. */
  verifyApiToken?: ApiCore['verifyApiToken'];
}

/** pino-compatible, so the core's logger can be passed straight in. */
export interface WebLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface WebServerOptions {
  core: WebCore;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  /** The token of `GET /metrics` (web-metrics.ts), never the panel's; absent: no metrics. */
  metricsToken?: string;
  rendererDir: string;
  logger?: WebLogger;
  /** Comment lines keep idle proxies and browsers from dropping the stream. */
  heartbeatMs?: number;
  /**
   * An event-stream client whose unsent frames pass this many bytes is dropped
   * (default {@link EVENT_STREAM_MAX_BUFFERED_BYTES}): a reader that does not keep up
   * would otherwise hold every event in the host's memory. Its browser reconnects
   * and re-reads the state.
   */
  maxBufferedBytes?: number;
}

export interface WebServer {
  url: string;
  port: number;
  /** Event-stream readers dropped for falling behind (see `maxBufferedBytes`). */
  readonly droppedSlowReaders: number;
  close(): Promise<void>;
}

const RPC_PREFIX = '/api/rpc/';
/** 4 MiB: thousands of events a live reader drains in well under a second, and a bound on what a stalled one costs. */
export const EVENT_STREAM_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const EVENTS_PATH = '/api/events';
/** `POST` with the Bearer token: (re)sets the event stream's cookie (a page whose cookie was lost). */
const SESSION_PATH = '/api/session';

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { core, token, rendererDir, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? EVENT_STREAM_MAX_BUFFERED_BYTES;
  if (!token) throw new Error('startWebServer needs a token.');
  if (options.metricsToken !== undefined && tokensMatch(options.metricsToken, token)) throw new Error('The metrics token must differ from the panel token.');

  // Filled in once listening: the Host/Origin checks need the real port.
  let hosts = new Set<string>();
  const streams = new Set<{ close(): void }>();
  let droppedSlowReaders = 0;

  const server = createLimitedServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The path only: a query string may carry the token.
      logger?.warn({ err: error, path: (req.url ?? '/').split('?')[0] }, 'web request failed unexpectedly');
      if (!res.headersSent) sendError(res, new SlicedeckError('internal', toWireError(error).message));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');

    if (!hostIsAllowed(req, hosts)) {
      return sendError(res, new SlicedeckError('forbidden', 'This address is not the slicedeck panel. Open it as http://127.0.0.1:<port>/ or http://localhost:<port>/.'));
    }
    if (!originIsAllowed(req, hosts)) {
      return sendError(res, new SlicedeckError('forbidden', 'Requests from other web pages are refused. Use the slicedeck panel itself.'));
    }
    if (url.pathname === METRICS_PATH) return serveMetrics(req, res, { metrics: core.metrics, token: options.metricsToken, logger });
    if (!isApi) {
      // The first load carries ?token= (the page drops it from the address bar): the event stream's cookie is set here.
      const fromQuery = url.searchParams.get('token');
      const tokened = fromQuery !== null && tokensMatch(fromQuery, token);
      // Only the token holder's connections stay open: every other answer closes its own (http-kit).
      if (tokened) trustConnection(req, res);
      return serveStatic(rendererDir, url.pathname, req, res, tokened ? { ...SECURITY_HEADERS, 'Set-Cookie': eventsCookieHeader(token) } : SECURITY_HEADERS);
    }

    // Other programs: their own tokens, never the panel's (web-api.ts).
    if (isApiPath(url.pathname)) {
      return handleApiRequest(req, res, url.pathname, core, (error, command) => logger?.warn({ err: error, command }, 'API command failed unexpectedly'));
    }

    const isEvents = url.pathname === EVENTS_PATH;
    // The Bearer header only (no queryFrom): a token in a URL ends up in logs and histories.
    const given = presentedToken(req);
    // Programs send the Bearer header everywhere; the page's EventSource sends the cookie, which opens the event stream only.
    const authorized = (given !== null && tokensMatch(given, token)) || (isEvents && hasEventsCookie(req, token));
    if (authorized) trustConnection(req, res);
    if (!authorized) {
      return sendError(
        res,
        new SlicedeckError('unauthorized', 'The panel token is missing or wrong. Open the full address slicedeck printed when it started (it ends in ?token=…; when slicedeck did not run in a terminal, the log says which file holds it).'),
      );
    }

    if (url.pathname === SESSION_PATH) {
      if (req.method !== 'POST') return sendMethodNotAllowed(res, 'POST');
      return sendJson(res, 200, { ok: true, result: null }, { 'Set-Cookie': eventsCookieHeader(token) });
    }

    if (isEvents) {
      if (req.method !== 'GET') return sendMethodNotAllowed(res, 'GET');
      return openEventStream(req, res);
    }
    if (url.pathname.startsWith(RPC_PREFIX)) {
      if (req.method !== 'POST') return sendMethodNotAllowed(res, 'POST');
      let name: string;
      try {
        name = decodeURIComponent(url.pathname.slice(RPC_PREFIX.length));
      } catch {
        name = url.pathname.slice(RPC_PREFIX.length);
      }
      let input: unknown;
      try {
        input = await readJsonBody(req);
      } catch (error) {
        if (error instanceof BodyRefusedError) {
          return sendJson(res, error.status, { ok: false, error: error.toWire() });
        }
        return sendError(res, error);
      }
      const envelope = await dispatch(core.handlers, name, input, (error, command) =>
        logger?.warn({ err: error, command }, 'command failed unexpectedly'),
      );
      return sendEnvelope(res, envelope);
    }
    return sendError(res, new SlicedeckError('not_found', `There is no API at ${url.pathname}. Commands live under ${RPC_PREFIX}<command>.`));
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    let unsubscribe = () => {};
    const stream = openSse(req, res, {
      headers: SECURITY_HEADERS,
      // `retry` tells EventSource how soon to come back after a drop.
      preamble: 'retry: 1000\n: connected\n\n',
      heartbeatMs,
      onClose: () => {
        unsubscribe();
        streams.delete(stream);
      },
    });
    streams.add(stream);
    unsubscribe = core.events.subscribe((event) => {
      stream.write(sseFrame(event));
      // Backpressure: `res.write()` keeps whatever the socket does not take. Past the
      // bound the reader is not keeping up; drop it with a reset (frees our buffer and the
      // kernel's at once, where end() would queue behind them). EventSource comes back and
      // re-reads the state.
      if (res.writableLength > maxBufferedBytes) dropSlowReader(res, stream);
    });
  }

  function dropSlowReader(res: ServerResponse, stream: { close(): void }): void {
    logger?.warn({ bufferedBytes: res.writableLength, maxBufferedBytes }, 'event-stream reader fell behind; dropped (it reconnects and re-reads the state)');
    droppedSlowReaders++;
    stream.close();
    if (res.socket) res.socket.resetAndDestroy();
    else res.destroy();
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  logger?.info({ port, host }, 'web panel listening');

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    get droppedSlowReaders() {
      return droppedSlowReaders;
    },
    close() {
      closing ??= new Promise<void>((resolveClose) => {
        for (const stream of [...streams]) stream.close();
        server.close(() => resolveClose());
        server.closeIdleConnections();
        // Event streams and keep-alive sockets would hold close() open forever.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      return closing;
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  kitSendJson(res, status, body, { ...SECURITY_HEADERS, ...extra });
}

function sendEnvelope(res: ServerResponse, envelope: Envelope<unknown>): void {
  sendJson(res, envelope.ok ? 200 : HTTP_STATUS_OF[envelope.error.code as ErrorCode] ?? 500, envelope);
}

function sendError(res: ServerResponse, error: unknown): void {
  sendEnvelope(res, { ok: false, error: toWireError(error) });
}

function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(
    res,
    405,
    { ok: false, error: { code: 'invalid_input', message: `Use ${allow} for this address.` } },
    { Allow: allow },
  );
}
