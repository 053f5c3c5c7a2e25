/**
 * The slice's HTTP face (PRODUCT §2, @shared/slice-protocol) on the shared HTTP
 * layer (src/http-kit): bearer-token auth on everything (an untokened `GET /health`
 * gets liveness only, no identity), JSON bodies of at most 64 KB read within a
 * deadline and validated with zod/mini (a fraction of zod's start-up cost, paid on
 * every slice boot), and a server-sent event stream that replays the current
 * state to every new subscriber so a late one misses nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { CHAT_ID_RULE, MESSAGE_ID_RULE, MESSAGE_TEXT_RULE, hasVisibleText } from '@shared/input-rules';
import { NOT_READY_CODE, SIM_SYNC_MAX_MS, SLICE_PATHS, cleanPhoneNumber, maskPhoneNumber, type PairingCodeResponse, type SliceEvent, type SliceHealth } from '@shared/slice-protocol';
import { HttpRefusal, createLimitedServer, hasToken, openSse, presentedToken, readJson, sendJson, sseFrame as frame, trustConnection } from '../http-kit';
import type { DriverName } from '@shared/types';
import { MediaRefusal } from './drivers/media';
import { CHATS_PAGE_DEFAULT, CHATS_PAGE_MAX, CHAT_QUERY_MAX_CHARS, MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX, clampLimit, decodeChatCursor } from '@shared/paging';
import { DriverNotReadyError, UnknownCursorError } from './drivers/driver';
import { fitPage } from './page-budget';
import { SimulatorConflictError, type SimulatorControls } from './drivers/simulated';
import type { InstanceManager, Logger } from './instance-manager';

export const MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_HEARTBEAT_MS = 15_000;

export interface SliceServerOptions {
  token: string;
  manager: InstanceManager;
  driverName: DriverName;
  instanceId: string;
  /** Present only for the simulated driver: what `/api/sim/*` drives. */
  simulator?: SimulatorControls;
  heartbeatMs?: number;
  log?: Logger;
}

export interface SliceServer {
  server: http.Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

// zod/mini loads no locale by itself; English gives words like "Unrecognized key: …".
z.config(en());

/** The same rules as the host's contract (`@shared/input-rules`), built with zod/mini. */
const chatIdSchema = z.string({ error: CHAT_ID_RULE.words.type }).check(
  z.minLength(1, { error: CHAT_ID_RULE.words.empty }),
  z.maxLength(CHAT_ID_RULE.maxLength, { error: CHAT_ID_RULE.words.tooLong }),
  z.regex(CHAT_ID_RULE.pattern, { error: CHAT_ID_RULE.words.pattern }),
);
const messageIdSchema = z.string({ error: MESSAGE_ID_RULE.words.type }).check(
  z.minLength(1, { error: MESSAGE_ID_RULE.words.empty }),
  z.maxLength(MESSAGE_ID_RULE.maxLength, { error: MESSAGE_ID_RULE.words.tooLong }),
  z.regex(MESSAGE_ID_RULE.pattern, { error: MESSAGE_ID_RULE.words.pattern }),
);
const messageTextSchema = z.string({ error: MESSAGE_TEXT_RULE.words.type }).check(
  z.minLength(1, { error: MESSAGE_TEXT_RULE.words.empty }),
  z.maxLength(MESSAGE_TEXT_RULE.maxLength, { error: MESSAGE_TEXT_RULE.words.tooLong }),
  z.refine(hasVisibleText, { error: MESSAGE_TEXT_RULE.words.empty }),
);
const sendSchema = z.strictObject({ chatId: chatIdSchema, text: messageTextSchema });
const emptySchema = z.union([z.strictObject({}), z.null()]);
const faultSchema = z.strictObject({
  kind: z.enum(['drop_link', 'fail_initialize', 'phone_logout', 'go_deaf', 'revoke_session'], {
    error: 'kind must be one of drop_link, fail_initialize, phone_logout, go_deaf, revoke_session.',
  }),
  /** fail_initialize only: how many initializes in a row fail (default 1). */
  count: z.optional(
    z.int({ error: 'count must be a whole number.' }).check(
      z.minimum(1, { error: 'count must be at least 1.' }),
      z.maximum(1000, { error: 'count must be at most 1000.' }),
    ),
  ),
});

/** `POST /api/pairing-code`: a phone number, international format (spaces, +, -, ( ) allowed). */
const pairingCodeSchema = z.strictObject({
  phoneNumber: z.string({ error: 'phoneNumber must be text.' }).check(
    z.maxLength(32, { error: 'phoneNumber is too long: give 7–15 digits, country code first.' }),
    z.refine((raw) => cleanPhoneNumber(raw) !== null, { error: 'phoneNumber must be 7–15 digits, country code first (e.g. +1 555 123 4567).' }),
  ),
});

/** `POST /api/sim/scan`: `{}` (or null), or `{ syncMs }` for a phone that takes that long to log in. */
const simScanSchema = z.nullable(
  z.strictObject({
    syncMs: z.optional(
      z.int({ error: 'syncMs must be a whole number of milliseconds.' }).check(
        z.minimum(0, { error: 'syncMs must be 0 or more.' }),
        z.maximum(SIM_SYNC_MAX_MS, { error: `syncMs must be at most ${SIM_SYNC_MAX_MS} (${SIM_SYNC_MAX_MS / 1000} s).` }),
      ),
    ),
  }),
);

/** `GET /api/chats?cursor=&limit=&query=`: every parameter optional. */
const chatsQuerySchema = z.strictObject({
  cursor: z.optional(z.string().check(z.refine((raw) => decodeChatCursor(raw) !== null, { error: 'cursor is not a chats cursor from this slice; pass back the `cursor` of the last chat of the previous page.' }))),
  limit: z.optional(pageLimitSchema(CHATS_PAGE_MAX)),
  query: z.optional(z.string().check(z.maxLength(CHAT_QUERY_MAX_CHARS, { error: `query is too long: search with at most ${CHAT_QUERY_MAX_CHARS} characters.` }))),
});

/** `GET /api/chats/:id/messages?before=&limit=`. */
const messagesQuerySchema = z.strictObject({
  before: z.optional(z.string().check(
    z.maxLength(512, { error: 'before is too long to be a message id.' }),
    z.regex(/^[\x21-\x7e]+$/, { error: 'before must be the id of a message of this chat.' }),
  )),
  limit: z.optional(pageLimitSchema(MESSAGES_PAGE_MAX)),
});

function pageLimitSchema(max: number) {
  return z.string().check(z.regex(/^\d{1,4}$/, { error: `limit must be a whole number from 1 to ${max}.` }), z.refine((raw) => Number(raw) >= 1 && Number(raw) <= max, { error: `limit must be from 1 to ${max}.` }));
}

/** The query string as one object (a repeated parameter is refused, not guessed). */
function searchParams(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(out, key)) throw new HttpRefusal(400, `${key} is given twice.`);
    out[key] = value;
  }
  return out;
}

/** Search text as the page compares it: trimmed, lower case; empty means "every chat". */
function normaliseQuery(raw: string | undefined): string | null {
  const text = raw?.trim().toLowerCase() ?? '';
  return text === '' ? null : text;
}

/** An error that maps to an HTTP answer with words. */
const HttpError = HttpRefusal;

const BODY_LIMITS = { maxBytes: MAX_BODY_BYTES, timeoutMs: 10_000 };
const readJsonBody = async (request: http.IncomingMessage): Promise<unknown> => (await readJson(request, BODY_LIMITS)) ?? null;

function parseWith<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.');
  throw new HttpError(400, issue ? `${path ? `${path}: ` : ''}${issue.message}` : 'The request body is not valid.');
}

function decodeSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `The ${what} in the path is not valid URL encoding.`);
  }
}

function sseFrame(event: SliceEvent): string {
  return frame(event.data, event.type);
}

export function createSliceServer(options: SliceServerOptions): SliceServer {
  const { manager } = options;
  const startedAt = Date.now();
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const streams = new Set<{ close(): void }>();

  function openEventStream(request: http.IncomingMessage, response: http.ServerResponse): void {
    // Replay and subscribe in the same tick so no event falls between the two.
    let preamble = ': connected\n\n';
    for (const event of manager.replay()) preamble += sseFrame(event);
    let unsubscribe = () => {};
    const stream = openSse(request, response, {
      preamble,
      heartbeatMs,
      onClose: () => {
        unsubscribe();
        streams.delete(stream);
      },
    });
    unsubscribe = manager.subscribe((event) => stream.write(sseFrame(event)));
    streams.add(stream);
  }

  async function route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://slice');
    const method = request.method ?? 'GET';
    const path = url.pathname;

    if (path === SLICE_PATHS.health) {
      if (method !== 'GET') throw new HttpError(405, 'Use GET for /health.');
      // Liveness for anyone; who this slice is (account, driver) only with the token.
      // An untokened answer closes its connection (http-kit): only the host's probes keep theirs.
      if (!hasToken(request, options.token)) return sendJson(response, 200, { ok: true });
      trustConnection(request, response);
      const health: SliceHealth = { ok: true, driver: options.driverName, instanceId: options.instanceId, uptimeMs: Date.now() - startedAt };
      return sendJson(response, 200, health);
    }

    const token = presentedToken(request);
    if (!token || !hasToken(request, options.token)) {
      response.setHeader('www-authenticate', 'Bearer');
      throw new HttpError(401, token ? 'The bearer token is not this slice’s token.' : 'This slice needs `Authorization: Bearer <token>` on every request (GET /health without it answers liveness only).');
    }
    trustConnection(request, response);

    const expect = (wanted: 'GET' | 'POST') => {
      if (method !== wanted) throw new HttpError(405, `Use ${wanted} for ${path}.`);
    };

    if (path === SLICE_PATHS.initialize) {
      expect('POST');
      parseWith(emptySchema, await readJsonBody(request));
      return sendJson(response, 202, manager.initialize());
    }
    if (path === SLICE_PATHS.status) {
      expect('GET');
      return sendJson(response, 200, manager.status());
    }
    if (path === SLICE_PATHS.events) {
      expect('GET');
      return openEventStream(request, response);
    }
    if (path === SLICE_PATHS.messages) {
      expect('POST');
      const body = parseWith(sendSchema, await readJsonBody(request));
      return sendJson(response, 200, await manager.send(body.chatId, body.text));
    }
    if (path === SLICE_PATHS.chats) {
      expect('GET');
      const query = parseWith(chatsQuerySchema, searchParams(url));
      const chats = await manager.chats({
        after: query.cursor === undefined ? null : decodeChatCursor(query.cursor),
        limit: clampLimit(query.limit === undefined ? undefined : Number(query.limit), CHATS_PAGE_DEFAULT, CHATS_PAGE_MAX),
        query: normaliseQuery(query.query),
      });
      return sendJson(response, 200, fitPage(chats, 'first'));
    }
    const media = /^\/api\/chats\/([^/]+)\/messages\/([^/]+)\/media$/.exec(path);
    if (media) {
      expect('GET');
      const chatId = parseWith(chatIdSchema, decodeSegment(media[1]!, 'chat id'));
      const messageId = parseWith(messageIdSchema, decodeSegment(media[2]!, 'message id'));
      const file = await manager.media(chatId, messageId);
      options.log?.({ event: 'media_downloaded', chatId, bytes: file.size, mimetype: file.mimetype });
      return sendJson(response, 200, file);
    }
    const chatMessages = /^\/api\/chats\/([^/]+)\/messages$/.exec(path);
    if (chatMessages) {
      expect('GET');
      const chatId = parseWith(chatIdSchema, decodeSegment(chatMessages[1]!, 'chat id'));
      const query = parseWith(messagesQuerySchema, searchParams(url));
      const messages = await manager.messages(chatId, {
        before: query.before ?? null,
        limit: clampLimit(query.limit === undefined ? undefined : Number(query.limit), MESSAGES_PAGE_DEFAULT, MESSAGES_PAGE_MAX),
      });
      if (!messages) throw new HttpError(404, `There is no chat ${chatId} on this account.`);
      return sendJson(response, 200, fitPage(messages, 'last'));
    }
    if (path === SLICE_PATHS.logout) {
      expect('POST');
      parseWith(emptySchema, await readJsonBody(request));
      await manager.logout();
      return sendJson(response, 200, manager.status());
    }
    if (path === SLICE_PATHS.pairingCode) {
      expect('POST');
      const body = parseWith(pairingCodeSchema, await readJsonBody(request));
      const digits = cleanPhoneNumber(body.phoneNumber)!;
      try {
        const answer: PairingCodeResponse = await manager.requestPairingCode(digits);
        options.log?.({ event: 'pairing_code_requested', phone: maskPhoneNumber(digits) });
        return sendJson(response, 200, answer);
      } catch (error) {
        if (error instanceof DriverNotReadyError) throw error;
        // WhatsApp's own refusal (an unknown number, too many attempts): its words, and what to do.
        const words = (error as Error)?.message?.replace(/^Evaluation failed: (Error: )?/, '').split('\n')[0] ?? 'no reason given';
        options.log?.({ event: 'pairing_code_refused', phone: maskPhoneNumber(digits), error: words });
        throw new HttpError(422, `WhatsApp did not give a code for ${maskPhoneNumber(digits)} (${words}). Check the number (country code first, the phone that has WhatsApp), or scan the QR code instead.`);
      }
    }
    if (path === SLICE_PATHS.simScan || path === SLICE_PATHS.simFault) {
      expect('POST');
      const body = await readJsonBody(request);
      if (!options.simulator) throw new HttpError(404, `${path} exists only with the simulated driver; this slice runs ${options.driverName}.`);
      if (path === SLICE_PATHS.simScan) {
        const scan = parseWith(simScanSchema, body);
        options.simulator.scan(scan?.syncMs === undefined ? {} : { syncMs: scan.syncMs });
      } else {
        const fault = parseWith(faultSchema, body);
        options.simulator.fault(fault.kind, fault.count === undefined ? {} : { count: fault.count });
      }
      return sendJson(response, 200, manager.status());
    }
    throw new HttpError(404, `There is no ${method} ${path} on a slice.`);
  }

  const server = createLimitedServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      let status = 500;
      let message = 'The slice hit an unexpected error. Try again; if it keeps happening, check the slice log.';
      let code: string | undefined;
      if (error instanceof HttpError) ({ status, message } = error);
      else if (error instanceof SimulatorConflictError) [status, message] = [409, error.message];
      else if (error instanceof DriverNotReadyError) [status, message, code] = [409, error.message, NOT_READY_CODE];
      else if (error instanceof MediaRefusal) [status, message] = [error.status, error.message];
      else if (error instanceof UnknownCursorError) [status, message] = [400, error.message];
      else options.log?.({ event: 'request_failed', path: request.url, error: (error as Error)?.message });
      if (response.headersSent) {
        response.end();
        return;
      }
      // sendJson closes the connection after a 408/413: the rest of that body is never read.
      sendJson(response, status, code ? { error: message, code } : { error: message });
    });
  });

  return {
    server,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      for (const stream of [...streams]) stream.close();
      streams.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
