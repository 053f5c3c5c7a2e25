/**
 * The host's HTTP + SSE client for one slice (PRODUCT §2, @shared/slice-protocol).
 * Every call carries the slice's bearer token over a keep-alive agent (a round
 * trip through docker-proxy is ~0.3 ms kept alive vs ~0.65 ms without).
 *
 * A slice is not trusted (it runs a browser on the open web): answers and event
 * lines are read up to SLICE_MAX_MESSAGE_BYTES and no further, and every answer
 * and event is checked against the protocol's schemas before anyone sees it. A
 * slice that breaks the protocol gets a SliceProtocolError: the call fails with
 * words, the event stream is dropped for good (no reconnect that would feed the
 * same flood again), and `onViolation` tells the owner so the health ladder acts.
 */
import http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { SlicedeckError, type ErrorCode } from '@shared/errors';
import type { MediaFile } from '@shared/types';
import { sliceSaid } from '@shared/text-safety';
import {
  SLICE_EVENT_SCHEMAS,
  SLICE_MAX_MESSAGE_BYTES,
  SLICE_PATHS,
  type PairingCodeResponse,
  anyAnswer,
  describeIssue,
  mediaAnswerCapBytes,
  mediaFileSchema,
  pairingCodeResponseSchema,
  parseSliceEvent,
  sliceChatsSchema,
  sliceHealthSchema,
  sliceMessagesSchema,
  sliceSendResponseSchema,
  sliceStatusSchema,
  type SimFaultKind,
  type SimScanRequest,
  type SliceChatsRequest,
  type SliceChatsResponse,
  pageQueryString,
  type SliceEvent,
  type SliceEventMap,
  type SliceHealth,
  type SliceMessagesRequest,
  type SliceMessagesResponse,
  type SliceSendRequest,
  type SliceSendResponse,
  type SliceStatus,
} from '@shared/slice-protocol';
import { SseLimitError, SseParser } from './sse-parser';
import { SliceBudget, type SliceBudgetLimits } from './slice-budget';

/** A slice broke the protocol: too much data, or data of the wrong shape. */
export class SliceProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SliceProtocolError';
  }
}

/** A call that got no answer within its deadline (a frozen or hung slice), as opposed to a refused connection. */
class DeadlineError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'DeadlineError';
  }
}

/** Anything with a safeParse (zod and zod/mini schemas alike). */
interface Checker<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** The keys of the events the host follows (kept for readers; the schemas are the source). */
export const SLICE_EVENT_NAMES: readonly (keyof SliceEventMap)[] = Object.keys(SLICE_EVENT_SCHEMAS) as (keyof SliceEventMap)[];

export interface SliceClientOptions {
  port: number;
  token: string;
  host?: string;
  /** Per-request timeout for API calls (ms). */
  requestTimeoutMs?: number;
  /** Largest answer body or event the slice may send (bytes / characters); default SLICE_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** Told once per breach (oversized or malformed answer or event); the owner records it and acts. */
  onViolation?: (error: SliceProtocolError) => void;
  /** Events and bytes a second the event stream may carry (slice-budget.ts); over it is a breach. */
  budget?: SliceBudgetLimits;
}

/** Event names the host follows; any other is skipped unread (sse-parser.ts). */
const isKnownEvent = (name: string): boolean => Object.hasOwn(SLICE_EVENT_SCHEMAS, name);

export interface SubscribeOptions {
  /** Called every time the stream (re)opens. */
  onOpen?: () => void;
  /** Called once when reconnecting has failed `maxReconnects` times in a row. */
  onGiveUp?: (error: Error) => void;
  maxReconnects?: number;
  reconnectDelayMs?: number;
}

export interface SliceSubscription {
  /** Resolves when the stream first opens; rejects if it never does. */
  opened: Promise<void>;
  close(): void;
}

interface RawAnswer {
  status: number;
  body: string;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** The most one health probe of a running slice may take (the health monitor's bound). */
export const HEALTH_PROBE_TIMEOUT_MS = 2_000;

/** The media route's deadline: WhatsApp Web fetches and decrypts the file before the slice answers (the slice bounds its part at 90 s). */
export const MEDIA_REQUEST_TIMEOUT_MS = 120_000;

/** How often the host asks a starting slice for `/health`. */
export const HEALTH_POLL_INTERVAL_MS = 5;

export class SliceClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly host: string;
  private readonly requestTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly subscriptions = new Set<SliceSubscription>();
  private inFlight = 0;
  private closing = false;

  constructor(private readonly options: SliceClientOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.maxMessageBytes = options.maxMessageBytes ?? SLICE_MAX_MESSAGE_BYTES;
  }

  private violation(message: string): SliceProtocolError {
    const error = new SliceProtocolError(message);
    try {
      this.options.onViolation?.(error);
    } catch {
      // The owner's bookkeeping must not change what the caller sees.
    }
    return error;
  }

  get port(): number {
    return this.options.port;
  }

  /**
   * Stops the event streams at once; requests already on their way still get their
   * answer (each is bounded by its deadline), then the sockets go. A slice torn down
   * because of what a call did (sim.fault phone_logout) must not cut that call's answer.
   */
  close(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
    this.closing = true;
    if (this.inFlight === 0) this.agent.destroy();
  }

  // ── health ────────────────────────────────────────────────────────────────

  /**
   * One `GET /health` with the token; null unless the slice itself answered 200 with
   * its identity (an untokened or wrong-token answer carries none) within `timeoutMs`
   * (a hard deadline: a frozen slice — `docker pause`, a busy loop — still has its TCP
   * connection accepted by the kernel and docker-proxy, and would otherwise never answer).
   */
  async health(timeoutMs = HEALTH_PROBE_TIMEOUT_MS): Promise<SliceHealth | null> {
    const probe = await this.probeHealth(timeoutMs);
    return 'health' in probe ? probe.health : null;
  }

  /**
   * health(), saying how it failed: `refused` — the connection was refused, reset or closed
   * with no answer (nothing listens, or the port is full: a flood); `silent` — no answer within
   * `timeoutMs` (a frozen or hung slice); `wrong` — an answer without this slice's identity.
   */
  async probeHealth(timeoutMs = HEALTH_PROBE_TIMEOUT_MS): Promise<{ health: SliceHealth } | { failure: 'refused' | 'silent' | 'wrong' }> {
    let answer: RawAnswer;
    try {
      answer = await this.raw('GET', SLICE_PATHS.health, undefined, { timeoutMs, auth: true });
    } catch (error) {
      return { failure: error instanceof DeadlineError ? 'silent' : 'refused' };
    }
    if (answer.status !== 200) return { failure: 'wrong' };
    const parsed = sliceHealthSchema.safeParse(parseJson(answer.body));
    return parsed.success ? { health: parsed.data } : { failure: 'wrong' };
  }

  /**
   * Polls `/health` until the slice really answers 200. docker-proxy accepts TCP
   * before the app listens, so a connection alone proves nothing. A 5 ms step
   * costs ~20 loopback requests during a ~100 ms boot and saves ~7 ms of average
   * overshoot against 20 ms (docs/PERFORMANCE.md).
   */
  async waitForHealth(options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal }): Promise<SliceHealth> {
    const interval = options.intervalMs ?? HEALTH_POLL_INTERVAL_MS;
    const deadline = Date.now() + options.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw abortError(options.signal);
      const health = await this.health(Math.min(1_000, Math.max(100, deadline - Date.now())));
      if (health) return health;
      if (Date.now() + interval > deadline) {
        throw new SlicedeckError('timeout', `The slice did not answer its health check within ${Math.round(options.timeoutMs / 1000)} s (${attempt + 1} tries). Check that Docker has enough memory and CPU free, then click Connect to retry.`);
      }
      await delay(interval, options.signal);
    }
  }

  // ── API ───────────────────────────────────────────────────────────────────

  initialize(): Promise<SliceStatus> {
    return this.call('POST', SLICE_PATHS.initialize, sliceStatusSchema, {});
  }

  status(): Promise<SliceStatus> {
    return this.call('GET', SLICE_PATHS.status, sliceStatusSchema);
  }

  /** One page of chats (newest first); no request: the first page. */
  chats(request: SliceChatsRequest = {}): Promise<SliceChatsResponse> {
    return this.call('GET', `${SLICE_PATHS.chats}${pageQueryString({ cursor: request.cursor, limit: request.limit, query: request.query })}`, sliceChatsSchema);
  }

  /** One page of a chat's messages going back in time; no request: the newest page. */
  messages(chatId: string, request: SliceMessagesRequest = {}): Promise<SliceMessagesResponse> {
    return this.call('GET', `${SLICE_PATHS.chatMessages(chatId)}${pageQueryString({ before: request.before, limit: request.limit })}`, sliceMessagesSchema);
  }

  send(request: SliceSendRequest): Promise<SliceSendResponse> {
    return this.call('POST', SLICE_PATHS.messages, sliceSendResponseSchema, request);
  }

  /**
   * A media message's file. Its answer has its own cap, the media limit in base64 plus
   * room for the JSON (every other answer keeps SLICE_MAX_MESSAGE_BYTES), and its own
   * deadline (WhatsApp decrypts it first); the bytes must be as many as the slice says.
   */
  async media(chatId: string, messageId: string, mediaMaxBytes: number, timeoutMs = MEDIA_REQUEST_TIMEOUT_MS): Promise<MediaFile> {
    const path = SLICE_PATHS.media(chatId, messageId);
    const file = await this.call('GET', path, mediaFileSchema(mediaMaxBytes), undefined, { maxBytes: mediaAnswerCapBytes(mediaMaxBytes), timeoutMs });
    if (Buffer.byteLength(file.data, 'base64') !== file.size) {
      const problem = this.violation(`its answer to GET ${path.split('?')[0]} says ${file.size} bytes but carries ${Buffer.byteLength(file.data, 'base64')}`);
      throw new SlicedeckError('slice_failed', `The slice sent a malformed file; it was refused (${problem.message}). Click Connect to start a fresh slice.`);
    }
    return file;
  }

  logout(): Promise<SliceStatus> {
    return this.call('POST', SLICE_PATHS.logout, sliceStatusSchema, {});
  }

  /** `syncMs`: the phone then takes that long to log in (simulated WhatsApp). */
  simScan(options: SimScanRequest = {}): Promise<unknown> {
    return this.call('POST', SLICE_PATHS.simScan, anyAnswer, options);
  }

  /** Link by phone number: WhatsApp's code for it (the number is cleaned and checked by the caller and the slice). */
  pairingCode(phoneNumber: string): Promise<PairingCodeResponse> {
    return this.call('POST', SLICE_PATHS.pairingCode, pairingCodeResponseSchema, { phoneNumber });
  }

  simFault(kind: SimFaultKind, count?: number): Promise<unknown> {
    return this.call('POST', SLICE_PATHS.simFault, anyAnswer, count === undefined ? { kind } : { kind, count });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, schema: Checker<T>, body?: unknown, limits: { maxBytes?: number; timeoutMs?: number } = {}): Promise<T> {
    const route = `${method} ${path.split('?')[0]}`;
    let answer: RawAnswer;
    try {
      answer = await this.raw(method, path, body, { timeoutMs: limits.timeoutMs ?? this.requestTimeoutMs, auth: true, maxBytes: limits.maxBytes });
    } catch (error) {
      if (error instanceof SliceProtocolError) {
        throw new SlicedeckError('slice_failed', `The slice broke the protocol on ${route} (${error.message}); its answer was refused. Click Connect to start a fresh slice.`);
      }
      throw new SlicedeckError(
        'slice_unavailable',
        `The account's slice is not answering (${(error as Error).message}). Click Connect to start it again.`,
      );
    }
    const parsed = parseJson(answer.body);
    if (answer.status >= 200 && answer.status < 300) {
      const checked = schema.safeParse(parsed);
      if (checked.success) return checked.data;
      const problem = this.violation(`its answer to ${route} does not follow the protocol (${describeIssue('answer', checked.error.issues)})`);
      throw new SlicedeckError('slice_failed', `The slice sent a malformed answer to ${route}; it was refused (${problem.message}). Click Connect to start a fresh slice.`);
    }
    const words = refusalWords(parsed, answer);
    const code = CALLER_ERROR_OF[answer.status];
    // The slice judged the request itself (bad input, no such chat, not linked yet): the
    // caller's mistake or the account's state, in the slice's own words — never a 5xx.
    if (code) throw new SlicedeckError(code, words);
    throw new SlicedeckError('slice_failed', `The slice refused ${route}: ${words}`);
  }

  private raw(method: string, path: string, body: unknown, opts: { timeoutMs: number; auth: boolean; maxBytes?: number | undefined }): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
      if (opts.auth) headers.authorization = `Bearer ${this.options.token}`;
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const limit = opts.maxBytes ?? this.maxMessageBytes;
      // A deadline for the whole exchange, not just an idle socket: a slice that trickles
      // bytes, or a frozen one, must not hold the caller longer than `timeoutMs`.
      const deadline = setTimeout(() => request.destroy(new DeadlineError(opts.timeoutMs)), opts.timeoutMs);
      this.inFlight++;
      let settled = false;
      const settle = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
        clearTimeout(deadline);
        if (!settled) {
          settled = true;
          if (--this.inFlight === 0 && this.closing) this.agent.destroy();
        }
        fn(...args);
      };
      const request = http.request({ host: this.host, port: this.options.port, method, path, headers, agent: this.agent }, (response) => {
        const declared = Number(response.headers['content-length'] ?? 0);
        if (declared > limit) {
          request.destroy();
          settle(reject)(this.violation(`an answer of ${declared} bytes, more than the ${limit} allowed`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            // Stop reading at once: the rest is never buffered.
            request.destroy();
            settle(reject)(this.violation(`an answer longer than the ${limit} bytes allowed`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', settle(() => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
        response.on('error', settle(reject));
      });
      request.on('error', settle(reject));
      request.end(payload);
    });
  }

  // ── events ────────────────────────────────────────────────────────────────

  /**
   * Follows `GET /api/events`. The slice replays its events to a late subscriber,
   * so a reconnect may deliver some again: handlers must be idempotent.
   */
  subscribe(onEvent: (event: SliceEvent) => void, options: SubscribeOptions = {}): SliceSubscription {
    const maxReconnects = options.maxReconnects ?? 5;
    const reconnectDelayMs = options.reconnectDelayMs ?? 200;
    let closed = false;
    let failures = 0;
    let everOpened = false;
    let current: http.ClientRequest | null = null;
    let retryTimer: NodeJS.Timeout | null = null;
    let resolveOpened!: () => void;
    let rejectOpened!: (error: Error) => void;
    const opened = new Promise<void>((resolve, reject) => {
      resolveOpened = resolve;
      rejectOpened = reject;
    });
    opened.catch(() => undefined);

    const retry = (error: Error) => {
      current = null;
      if (closed) return;
      failures++;
      if (failures > maxReconnects) {
        closed = true;
        this.subscriptions.delete(subscription);
        if (!everOpened) rejectOpened(error);
        options.onGiveUp?.(error);
        return;
      }
      retryTimer = setTimeout(connect, reconnectDelayMs * failures);
    };

    /** Ends the subscription without retrying: the slice broke the protocol. */
    const breakOff = (error: SliceProtocolError) => {
      if (closed) return;
      closed = true;
      this.subscriptions.delete(subscription);
      const request = current;
      current = null;
      request?.destroy();
      if (!everOpened) rejectOpened(error);
      options.onGiveUp?.(error);
    };

    // One budget for the subscription's life: reconnecting does not refill it.
    const budget = new SliceBudget(this.options.budget);
    const spendEvent = () => {
      const overspent = budget.event();
      if (overspent) throw new SliceProtocolError(overspent);
    };

    const connect = () => {
      retryTimer = null;
      if (closed) return;
      const parser = new SseParser(
        (message) => {
          spendEvent();
          const parsed = parseSliceEvent(message.event, parseJson(message.data));
          if (!parsed.ok) {
            // Unknown names never get here (skipped unread by the parser); a known one with bad data is a breach.
            if (parsed.unknown) return;
            throw new SliceProtocolError(`an event that does not follow the protocol (${parsed.problem})`);
          }
          try {
            onEvent(parsed.event);
          } catch (error) {
            // The handler found a breach (a budget of its own): handled like any other.
            if (error instanceof SliceProtocolError) throw error;
            // A handler bug must not tear down the stream; the handler logs its own errors.
          }
        },
        // An event this host does not know (a newer slice's) is skipped unread, and still counts.
        { maxMessageChars: this.maxMessageBytes, isKnownEvent, onSkipped: spendEvent },
      );
      const decoder = new StringDecoder('utf8');
      const request = http.request(
        {
          host: this.host,
          port: this.options.port,
          method: 'GET',
          path: SLICE_PATHS.events,
          headers: { accept: 'text/event-stream', authorization: `Bearer ${this.options.token}` },
          agent: false,
        },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            retry(new Error(`the slice answered ${response.statusCode} to the event stream`));
            return;
          }
          failures = 0;
          everOpened = true;
          resolveOpened();
          options.onOpen?.();
          response.on('data', (chunk: Buffer) => {
            if (closed) return;
            try {
              const overspent = budget.received(chunk.length);
              if (overspent) throw new SliceProtocolError(overspent);
              parser.feed(decoder.write(chunk));
            } catch (error) {
              // Dropped for good: reconnecting would only invite the same flood.
              const breach = error instanceof SliceProtocolError ? error : new SliceProtocolError(error instanceof SseLimitError ? error.message : String(error));
              breakOff(this.violation(`the event stream: ${breach.message}`));
            }
          });
          response.on('end', () => {
            if (!closed) retry(new Error('the slice closed its event stream'));
          });
          response.on('error', (error) => {
            if (!closed) retry(error);
          });
        },
      );
      request.on('error', (error) => {
        if (current === request) retry(error);
      });
      current = request;
      request.end();
    };

    const subscription: SliceSubscription = {
      opened,
      close: () => {
        if (closed) return;
        closed = true;
        this.subscriptions.delete(subscription);
        if (retryTimer) clearTimeout(retryTimer);
        const request = current;
        current = null;
        request?.destroy();
        if (!everOpened) rejectOpened(new Error('the event subscription was closed'));
      },
    };
    this.subscriptions.add(subscription);
    connect();
    return subscription;
  }
}

/**
 * Slice answers that are about the request or the account's state, not a fault of the
 * slice: passed on as the host's own 4xx. Anything else (401 — the host's token is
 * wrong; 405; 5xx) stays `slice_failed`, a 502.
 */
const CALLER_ERROR_OF: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_input',
  404: 'not_found',
  409: 'conflict',
  413: 'invalid_input',
};

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What the slice said in a refusal (a non-2xx answer): capped at 4 KB, cleaned and attributed (text-safety.ts). */
function refusalWords(parsed: unknown, answer: RawAnswer): string {
  if (parsed && typeof parsed === 'object') {
    const error = (parsed as { error?: unknown; message?: unknown }).error ?? (parsed as { message?: unknown }).message;
    if (typeof error === 'string') return sliceSaid(error);
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return sliceSaid((error as { message: string }).message);
  }
  return `HTTP ${answer.status}`;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
