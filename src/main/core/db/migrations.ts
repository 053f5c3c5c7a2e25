/**
 * Numbered schema migrations. `PRAGMA user_version` records how many have run;
 * each runs in its own transaction so a crash never leaves half a schema.
 * Append new migrations; never edit one that has shipped.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: accounts, the intended slice per account, and the audit trail.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE slices (
    account_id       TEXT NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    slice_id         TEXT UNIQUE,
    port             INTEGER UNIQUE,
    container_id     TEXT,
    token            TEXT,
    stage            TEXT NOT NULL DEFAULT 'idle',
    stage_started_at INTEGER,
    started_at       INTEGER,
    error            TEXT,
    qr_json          TEXT,
    contacts         INTEGER,
    restarts         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
  );
  CREATE TABLE slice_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    slice_id   TEXT,
    type       TEXT NOT NULL,
    stage      TEXT,
    message    TEXT,
    at         INTEGER NOT NULL
  );
  CREATE INDEX slice_events_by_account ON slice_events(account_id, id);
  `,
  // 2: the durable outgoing queue (outbox/), and whether an account has a saved WhatsApp session.
  `
  CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    chat_id         TEXT NOT NULL,
    body            TEXT NOT NULL,
    idempotency_key TEXT,
    status          TEXT NOT NULL,
    message_id      TEXT,
    slice_queue_id  TEXT,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sending_at      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX outbox_by_key ON outbox(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX outbox_by_status ON outbox(account_id, status, created_at);
  CREATE INDEX outbox_by_message ON outbox(account_id, message_id);
  ALTER TABLE accounts ADD COLUMN session_saved_at INTEGER;
  `,
  // 3: tokens are derived from the slice key (secrets/slice-tokens.ts), never stored:
  // scrub the ones schema 1 kept (secure_delete overwrites their pages).
  `
  UPDATE slices SET token = NULL WHERE token IS NOT NULL;
  `,
  // 4: where the slice runs (SliceRuntime's location): the address the host reaches its port
  // on (NULL = 127.0.0.1, one engine), so a restart finds a swarm slice, and the node (its id,
  // and its short name for the panel; NULL on one engine).
  `
  ALTER TABLE slices ADD COLUMN address TEXT;
  ALTER TABLE slices ADD COLUMN node TEXT;
  ALTER TABLE slices ADD COLUMN node_name TEXT;
  `,
  // 5: the node that holds a linked account's session volume (a swarm's volumes are node-local),
  // so its next slice is pinned there; NULL when unlinked or on one engine.
  `
  ALTER TABLE accounts ADD COLUMN session_node TEXT;
  ALTER TABLE accounts ADD COLUMN session_node_name TEXT;
  `,
  // 6: History is capped and coalesced per account (db/history-limits.ts): how many times a row
  // happened (for the 'history.trimmed' row: how many rows were dropped), and when it last did.
  `
  ALTER TABLE slice_events ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE slice_events ADD COLUMN last_at INTEGER;
  `,
  // 7: one outgoing queue (issue 20): the slice keeps none, so no row points into one. Every
  // row stays; one the slice had queued stays `sending`, which the next flush treats like any
  // hand-over without an answer: it looks for the message in the chat before sending again.
  `
  ALTER TABLE outbox DROP COLUMN slice_queue_id;
  `,
  // 8: a note (words beside a live stage: "reconnecting…", "logged out") gets its own column;
  // `error` keeps only what ended an attempt in `error` or `qr_timeout`. Notes older versions
  // kept in `error` move over (issue 20: the view told them apart by the stage, and got it wrong).
  `
  ALTER TABLE slices ADD COLUMN note TEXT;
  UPDATE slices SET note = error, error = NULL WHERE error IS NOT NULL AND stage NOT IN ('error', 'qr_timeout');
  `,
  // 9: an account's proxy (@shared/proxy; accounts/proxy-store.ts). The password is a secret:
  // in this 0600 file only (secure_delete overwrites a changed or removed one), never shown.
  `
  CREATE TABLE account_proxies (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    scheme     TEXT NOT NULL,
    host       TEXT NOT NULL,
    port       INTEGER NOT NULL,
    username   TEXT,
    password   TEXT,
    updated_at INTEGER NOT NULL
  );
  `,
  // 10: the gateway (issue 21): API tokens (their SHA-256 only), webhooks, the durable webhook
  // queue (a row leaves only once delivered or given up) and each webhook's delivery log.
  `
  CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL,
    scope        TEXT NOT NULL,
    account_ids  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
  );
  CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE webhook_queue (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX webhook_queue_by_lane ON webhook_queue(webhook_id, account_id, seq);
  CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id   TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id     TEXT NOT NULL,
    type         TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    http_status  INTEGER,
    outcome      TEXT NOT NULL,
    error        TEXT,
    at           INTEGER NOT NULL
  );
  CREATE INDEX webhook_attempts_by_hook ON webhook_attempts(webhook_id, id);
  `,
  // 11: the operator's desktop-notification setting (issue 21 part 2): one row, both shells read it.
  `
  CREATE TABLE notification_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    mode        TEXT NOT NULL,
    account_ids TEXT NOT NULL
  );
  `,
];

export function migrate(db: Database.Database): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `The database was written by a newer slicedeck (schema ${version}, this one knows ${MIGRATIONS.length}). Update slicedeck or use another SLICEDECK_DATA_DIR.`,
    );
  }
  while (version < MIGRATIONS.length) {
    const next = version + 1;
    db.transaction(() => {
      db.exec(MIGRATIONS[next - 1]!);
      db.pragma(`user_version = ${next}`);
    })();
    version = next;
  }
  return version;
}
