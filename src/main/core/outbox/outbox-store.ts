/**
 * The outgoing queue's table (migration 2): the only SQL about outgoing messages.
 * A row is written before a send is answered, so an accepted message survives a
 * host `kill -9`, a slice crash and a Disconnect.
 *
 * Row states: `queued` (waiting for WhatsApp), `sending` (handed to a slice; if the
 * host or the slice died before the answer, the next flush looks for it in the chat
 * before sending again), `sent`, `delivered`, `read`, `failed`, `cancelled`.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { EpochMs, OutgoingStatus } from '@shared/types';

export type OutboxState = OutgoingStatus | 'sending';

export interface OutboxRow {
  id: string;
  accountId: string;
  chatId: string;
  body: string;
  idempotencyKey: string | null;
  status: OutboxState;
  messageId: string | null;
  error: string | null;
  attempts: number;
  sendingAt: EpochMs | null;
  createdAt: EpochMs;
}

interface OutboxRecord {
  id: string;
  account_id: string;
  chat_id: string;
  body: string;
  idempotency_key: string | null;
  status: OutboxState;
  message_id: string | null;
  error: string | null;
  attempts: number;
  sending_at: number | null;
  created_at: number;
}

function toRow(r: OutboxRecord): OutboxRow {
  return {
    id: r.id,
    accountId: r.account_id,
    chatId: r.chat_id,
    body: r.body,
    idempotencyKey: r.idempotency_key,
    status: r.status,
    messageId: r.message_id,
    error: r.error,
    attempts: r.attempts,
    sendingAt: r.sending_at,
    createdAt: r.created_at,
  };
}

/** Host ids of queued messages: `out_` + 16 hex. */
export function newOutboxId(): string {
  return `out_${randomBytes(8).toString('hex')}`;
}

/** Order of progress: an ack never moves a message backwards. */
export const PROGRESS: Record<OutboxState, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5, cancelled: 5 };

export class OutboxStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => EpochMs = Date.now,
  ) {}

  get(id: string): OutboxRow | undefined {
    const r = this.db.prepare(`SELECT * FROM outbox WHERE id = ?`).get(id) as OutboxRecord | undefined;
    return r ? toRow(r) : undefined;
  }

  byKey(accountId: string, key: string): OutboxRow | undefined {
    const r = this.db.prepare(`SELECT * FROM outbox WHERE account_id = ? AND idempotency_key = ?`).get(accountId, key) as OutboxRecord | undefined;
    return r ? toRow(r) : undefined;
  }

  byMessageId(accountId: string, messageId: string): OutboxRow | undefined {
    const r = this.db.prepare(`SELECT * FROM outbox WHERE account_id = ? AND message_id = ?`).get(accountId, messageId) as OutboxRecord | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Messages not yet taken by WhatsApp (queued or sending). */
  pendingCount(accountId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE account_id = ? AND status IN ('queued', 'sending')`).get(accountId) as { n: number }).n;
  }

  /** The oldest message not yet taken by WhatsApp: the next to hand over (in order). */
  nextPending(accountId: string): OutboxRow | undefined {
    const r = this.db
      .prepare(`SELECT * FROM outbox WHERE account_id = ? AND status IN ('queued', 'sending') ORDER BY created_at, rowid LIMIT 1`)
      .get(accountId) as OutboxRecord | undefined;
    return r ? toRow(r) : undefined;
  }

  accountsWithPending(): string[] {
    return (this.db.prepare(`SELECT DISTINCT account_id AS id FROM outbox WHERE status IN ('queued', 'sending')`).all() as { id: string }[]).map((r) => r.id);
  }

  /** Rows of a chat that the slice's chat may not show (waiting, failed, cancelled), oldest first, bounded. */
  unsentOfChat(accountId: string, chatId: string): OutboxRow[] {
    return (
      this.db
        .prepare(`SELECT * FROM outbox WHERE account_id = ? AND chat_id = ? AND status IN ('queued', 'sending', 'failed') ORDER BY created_at DESC LIMIT 200`)
        .all(accountId, chatId) as OutboxRecord[]
    )
      .map(toRow)
      .reverse();
  }

  /** Statuses of sent messages by WhatsApp id, for the chat's messages. */
  statusesOf(accountId: string, messageIds: string[]): Map<string, OutboxRow> {
    const out = new Map<string, OutboxRow>();
    if (messageIds.length === 0) return out;
    const select = this.db.prepare(`SELECT * FROM outbox WHERE account_id = ? AND message_id = ?`);
    for (const id of messageIds) {
      const r = select.get(accountId, id) as OutboxRecord | undefined;
      if (r) out.set(id, toRow(r));
    }
    return out;
  }

  /**
   * Inserts a queued message, or returns the row already holding that idempotency key
   * (`created: false`). One transaction: concurrent sends with one key make one row.
   */
  insert(entry: { accountId: string; chatId: string; body: string; idempotencyKey: string | null }): { row: OutboxRow; created: boolean } {
    return this.db.transaction(() => {
      if (entry.idempotencyKey) {
        const existing = this.byKey(entry.accountId, entry.idempotencyKey);
        if (existing) return { row: existing, created: false };
      }
      const id = newOutboxId();
      const at = this.now();
      this.db
        .prepare(`INSERT INTO outbox (id, account_id, chat_id, body, idempotency_key, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)`)
        .run(id, entry.accountId, entry.chatId, entry.body, entry.idempotencyKey, at, at);
      return { row: this.get(id)!, created: true };
    }).immediate();
  }

  /** Handed to a slice now: persisted before the slice is called, so a crash leaves `sending`, never a silent resend. */
  markSending(id: string): OutboxRow | undefined {
    this.db.prepare(`UPDATE outbox SET status = 'sending', attempts = attempts + 1, sending_at = ?, updated_at = ? WHERE id = ?`).run(this.now(), this.now(), id);
    return this.get(id);
  }

  /** Back to waiting (the slice refused `not_ready`: nothing was sent). */
  requeue(id: string): void {
    this.db.prepare(`UPDATE outbox SET status = 'queued', updated_at = ? WHERE id = ? AND status = 'sending'`).run(this.now(), id);
  }

  /** Moves forward only (sent → delivered → read); returns the row when it changed. */
  advance(id: string, status: OutgoingStatus, fields: { messageId?: string | null; error?: string | null } = {}): OutboxRow | undefined {
    const row = this.get(id);
    if (!row || row.status === 'failed' || row.status === 'cancelled' || PROGRESS[status] <= PROGRESS[row.status]) return undefined;
    this.db
      .prepare(`UPDATE outbox SET status = ?, message_id = COALESCE(?, message_id), error = ?, updated_at = ? WHERE id = ?`)
      .run(status, fields.messageId ?? null, fields.error ?? null, this.now(), id);
    return this.get(id);
  }

  /** Only a message still waiting can be cancelled; returns it when it was. */
  cancel(accountId: string, id: string): OutboxRow | undefined {
    const changes = this.db
      .prepare(`UPDATE outbox SET status = 'cancelled', error = 'Cancelled before it was sent.', updated_at = ? WHERE id = ? AND account_id = ? AND status = 'queued'`)
      .run(this.now(), id, accountId).changes;
    return changes ? this.get(id) : undefined;
  }

  /** Whether some row already claims this WhatsApp message id (so a lookup never matches one message twice). */
  claimed(accountId: string, messageId: string): boolean {
    return this.byMessageId(accountId, messageId) !== undefined;
  }
}
