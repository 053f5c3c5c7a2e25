/**
 * The webhooks' tables (migration 10): the only SQL about webhooks. The queue is durable:
 * a row is written when the event happens and leaves only once delivered or given up, so
 * a receiver that is down, or a host restart, loses nothing.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { WebhookAttempt, WebhookEventType, WebhookInfo } from '@shared/gateway';

export interface WebhookTarget {
  id: string;
  url: string;
  accountId: string | null;
  events: WebhookEventType[];
  secret: string;
}

export interface QueuedDelivery {
  seq: number;
  webhookId: string;
  eventId: string;
  accountId: string;
  type: WebhookEventType;
  body: string;
  attempts: number;
  nextAt: number;
}

interface WebhookRecord {
  id: string;
  url: string;
  account_id: string | null;
  events: string;
  secret: string;
  created_at: number;
  backlog?: number;
}

interface QueueRecord {
  seq: number;
  webhook_id: string;
  event_id: string;
  account_id: string;
  type: WebhookEventType;
  body: string;
  attempts: number;
  next_at: number;
}

function toTarget(r: WebhookRecord): WebhookTarget {
  return { id: r.id, url: r.url, accountId: r.account_id, events: JSON.parse(r.events) as WebhookEventType[], secret: r.secret };
}

function toQueued(r: QueueRecord): QueuedDelivery {
  return { seq: r.seq, webhookId: r.webhook_id, eventId: r.event_id, accountId: r.account_id, type: r.type, body: r.body, attempts: r.attempts, nextAt: r.next_at };
}

/** Attempts kept per webhook for the panel's log. */
export const DELIVERY_LOG_SIZE = 50;

export class WebhookStore {
  constructor(private readonly db: Database.Database) {}

  add(url: string, accountId: string | null, events: WebhookEventType[], at: number): { info: WebhookInfo; secret: string } {
    const id = `whk_${randomBytes(8).toString('hex')}`;
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const unique = [...new Set(events)];
    this.db.prepare('INSERT INTO webhooks (id, url, account_id, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, url, accountId, JSON.stringify(unique), secret, at);
    return { info: { id, url, accountId, events: unique, createdAt: at, backlog: 0 }, secret };
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM webhooks WHERE id = ?').run(id).changes > 0;
  }

  list(): WebhookInfo[] {
    const rows = this.db
      .prepare('SELECT w.*, (SELECT COUNT(*) FROM webhook_queue q WHERE q.webhook_id = w.id) AS backlog FROM webhooks w ORDER BY w.created_at, w.id')
      .all() as WebhookRecord[];
    return rows.map((r) => ({ id: r.id, url: r.url, accountId: r.account_id, events: JSON.parse(r.events) as WebhookEventType[], createdAt: r.created_at, backlog: r.backlog ?? 0 }));
  }

  exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM webhooks WHERE id = ?').get(id) !== undefined;
  }

  target(id: string): WebhookTarget | null {
    const row = this.db.prepare('SELECT * FROM webhooks WHERE id = ?').get(id) as WebhookRecord | undefined;
    return row ? toTarget(row) : null;
  }

  /** The webhooks that want `type` for `accountId` (its own and the ones for every account). */
  targetsFor(accountId: string, type: WebhookEventType): WebhookTarget[] {
    const rows = this.db.prepare('SELECT * FROM webhooks WHERE account_id IS NULL OR account_id = ?').all(accountId) as WebhookRecord[];
    return rows.map(toTarget).filter((t) => t.events.includes(type));
  }

  /** One row per webhook that wants it, in one transaction (all or none). */
  enqueue(webhookIds: string[], eventId: string, accountId: string, type: WebhookEventType, body: string, at: number): void {
    const insert = this.db.prepare('INSERT INTO webhook_queue (webhook_id, event_id, account_id, type, body, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const id of webhookIds) insert.run(id, eventId, accountId, type, body, at, at);
    })();
  }

  /**
   * The head of every lane (one webhook × one account) that is due: a lane delivers in
   * order, so only its oldest row may go; the rest wait behind it.
   */
  dueHeads(now: number, limit: number): QueuedDelivery[] {
    const rows = this.db
      .prepare(
        `SELECT q.* FROM webhook_queue q
         JOIN (SELECT MIN(seq) AS seq FROM webhook_queue GROUP BY webhook_id, account_id) h ON h.seq = q.seq
         WHERE q.next_at <= ? ORDER BY q.next_at, q.seq LIMIT ?`,
      )
      .all(now, limit) as QueueRecord[];
    return rows.map(toQueued);
  }

  /**
   * When the next lane head falls due after `now` (null: none waits). Heads due already are
   * either in flight or waiting for a free slot: a finished attempt looks again for those.
   */
  nextDueAfter(now: number): number | null {
    const row = this.db
      .prepare('SELECT MIN(q.next_at) AS at FROM webhook_queue q JOIN (SELECT MIN(seq) AS seq FROM webhook_queue GROUP BY webhook_id, account_id) h ON h.seq = q.seq WHERE q.next_at > ?')
      .get(now) as { at: number | null };
    return row.at;
  }

  backlog(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM webhook_queue').get() as { n: number }).n;
  }

  /** Delivered or given up: the row leaves the queue and the attempt goes in the log, together. */
  finish(item: QueuedDelivery, attempt: Omit<WebhookAttempt, 'eventId' | 'type' | 'accountId'>): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM webhook_queue WHERE seq = ?').run(item.seq);
      this.logAttempt(item, attempt);
    })();
  }

  /** Failed, with another attempt to come at `nextAt`. */
  retryLater(item: QueuedDelivery, nextAt: number, attempt: Omit<WebhookAttempt, 'eventId' | 'type' | 'accountId'>): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE webhook_queue SET attempts = ?, next_at = ? WHERE seq = ?').run(attempt.attempt, nextAt, item.seq);
      this.logAttempt(item, attempt);
    })();
  }

  deliveries(webhookId: string, limit = DELIVERY_LOG_SIZE): WebhookAttempt[] {
    const rows = this.db.prepare('SELECT * FROM webhook_attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT ?').all(webhookId, limit) as {
      event_id: string;
      type: WebhookEventType;
      account_id: string;
      attempt: number;
      http_status: number | null;
      outcome: WebhookAttempt['outcome'];
      error: string | null;
      at: number;
    }[];
    return rows.map((r) => ({ eventId: r.event_id, type: r.type, accountId: r.account_id, attempt: r.attempt, httpStatus: r.http_status, outcome: r.outcome, error: r.error, at: r.at }));
  }

  private logAttempt(item: QueuedDelivery, attempt: Omit<WebhookAttempt, 'eventId' | 'type' | 'accountId'>): void {
    // The webhook may have been removed while the attempt ran: then there is no log to keep.
    if (!this.exists(item.webhookId)) return;
    this.db
      .prepare('INSERT INTO webhook_attempts (webhook_id, event_id, type, account_id, attempt, http_status, outcome, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(item.webhookId, item.eventId, item.type, item.accountId, attempt.attempt, attempt.httpStatus, attempt.outcome, attempt.error, attempt.at);
    this.db
      .prepare('DELETE FROM webhook_attempts WHERE webhook_id = ? AND id <= (SELECT id FROM webhook_attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)')
      .run(item.webhookId, item.webhookId, DELIVERY_LOG_SIZE);
  }
}
