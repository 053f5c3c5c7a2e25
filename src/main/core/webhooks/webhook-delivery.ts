/**
 * Delivers the webhook queue (webhook-store.ts): each lane — one webhook × one account —
 * in order (a later event waits until the earlier one is delivered or given up), lanes in
 * parallel up to `concurrency`. A failed attempt is retried with backoff (backoff.ts); the
 * row leaves the queue only when delivered or given up, so a host that stops mid-attempt
 * sends it again after its restart (at-least-once: receivers dedupe by the event id).
 */
import type { Logger } from 'pino';
import { WEBHOOK_HEADERS } from '@shared/gateway';
import { backoffDelayMs, type BackoffSettings } from './backoff';
import { signWebhook } from './signature';
import type { QueuedDelivery, WebhookStore } from './webhook-store';

export interface WebhookDeliveryOptions {
  store: WebhookStore;
  logger?: Logger;
  backoff: BackoffSettings;
  /** How long a receiver has to answer one attempt. */
  timeoutMs: number;
  /** Lanes delivered at once. */
  concurrency?: number;
  now?: () => number;
  /** Told after every delivered event (the bench measures latency here). */
  onDelivered?: (item: QueuedDelivery) => void;
}

const DEFAULT_CONCURRENCY = 8;

function laneOf(item: QueuedDelivery): string {
  return `${item.webhookId}\u0000${item.accountId}`;
}

/** Why an attempt failed, in words for the panel's delivery log. */
export function deliveryErrorWords(error: unknown, url: string, timeoutMs: number): string {
  const where = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError') return `The receiver at ${where} did not answer within ${Math.round(timeoutMs / 1000)} s.`;
  const code = err?.cause?.code;
  if (code === 'ECONNREFUSED') return `Nothing answered at ${where} (connection refused): is the receiver running?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `The receiver’s name ${where} did not resolve: check the webhook address.`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `The receiver at ${where} closed the connection before answering.`;
  return `Could not reach the receiver at ${where}: ${err?.cause?.message ?? err?.message ?? String(error)}.`;
}

export class WebhookDelivery {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private readonly concurrency: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private closed = false;

  constructor(private readonly options: WebhookDeliveryOptions) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.now = options.now ?? Date.now;
  }

  /** Something was queued or a lane freed up: look at the queue soon. */
  kick(): void {
    if (this.closed || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private pump(): void {
    if (this.closed) return;
    // One instant for the whole pass: a head that falls due between reading what is due and
    // arming the timer must be one or the other (read at two instants, a loaded machine left
    // such a lane unsent until the next event — the delivery test hung in CI).
    const now = this.now();
    const free = this.concurrency - this.inFlight.size;
    if (free > 0) {
      // More than `free`: some heads belong to lanes already in flight.
      for (const item of this.options.store.dueHeads(now, free + this.inFlight.size)) {
        if (this.inFlight.size >= this.concurrency) break;
        const lane = laneOf(item);
        if (this.inFlight.has(lane)) continue;
        const attempt = this.attempt(item).finally(() => {
          this.inFlight.delete(lane);
          this.kick();
        });
        this.inFlight.set(lane, attempt);
      }
    }
    this.armTimer(now);
  }

  /**
   * Wakes up when the next lane not due at `now` (the pass's instant) falls due (a retry's
   * backoff); lanes due at `now` were started, or wait for a finished attempt's kick.
   */
  private armTimer(now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const at = this.options.store.nextDueAfter(now);
    if (at === null) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, at - this.now()));
    this.timer.unref();
  }

  private async attempt(item: QueuedDelivery): Promise<void> {
    const { store, logger, backoff, timeoutMs } = this.options;
    const target = store.target(item.webhookId);
    if (!target) return; // removed: its rows went with it
    const attempt = item.attempts + 1;
    const timestamp = Math.floor(this.now() / 1000);
    const abort = new AbortController();
    this.aborts.add(abort);
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'slicedeck-webhooks/1',
          [WEBHOOK_HEADERS.id]: item.eventId,
          [WEBHOOK_HEADERS.type]: item.type,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(target.secret, timestamp, item.body),
          [WEBHOOK_HEADERS.attempt]: String(attempt),
        },
        body: item.body,
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      httpStatus = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 300 && response.status < 400) {
        error = `The receiver answered with a redirect (HTTP ${response.status}); webhooks do not follow redirects: give the final address.`;
      } else if (response.status < 200 || response.status >= 300) {
        error = `The receiver answered HTTP ${response.status}; only 2xx counts as delivered.`;
      }
    } catch (caught) {
      error = deliveryErrorWords(caught, target.url, timeoutMs);
    } finally {
      this.aborts.delete(abort);
    }
    // Closing aborted it: the row stays queued and goes again after the restart.
    if (this.closed) return;
    const at = this.now();
    if (error === null) {
      store.finish(item, { attempt, httpStatus, outcome: 'delivered', error: null, at });
      this.options.onDelivered?.(item);
      return;
    }
    if (attempt >= backoff.attempts) {
      store.finish(item, { attempt, httpStatus, outcome: 'gave_up', error: `${error} Gave up after ${attempt} attempts; this event is dropped.`, at });
      logger?.warn({ webhookId: item.webhookId, eventId: item.eventId, attempts: attempt }, 'webhook delivery given up');
      return;
    }
    const nextAt = at + backoffDelayMs(attempt, backoff);
    store.retryLater(item, nextAt, { attempt, httpStatus, outcome: 'retrying', error, at });
    logger?.debug({ webhookId: item.webhookId, eventId: item.eventId, attempt, nextAt }, 'webhook delivery failed; retrying later');
  }

  /** Stops delivering; attempts under way are abandoned (their rows stay queued). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const abort of this.aborts) abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }
}
