/**
 * The typed store: the only place that speaks SQL. SQLite holds what the host
 * *intends* (accounts, the one slice each account should have, the audit trail);
 * Docker holds what exists, and the reconciler repairs any difference.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Account, EpochMs, QrInfo, SliceEventRecord } from '@shared/types';
import type { ProxySettings } from '@shared/proxy';
import { accountsWithProxy, deleteProxy, readProxy, writeProxy } from '../accounts/proxy-store';
import type { Stage } from '@shared/stages';
import { migrate } from './migrations';
import { choosePort } from '../slices/ports';
import type { PortRange } from '../config';
import { ensurePrivateFile, securePrivateDir, withPrivateUmask } from '../secrets/data-dir';
import { DEFAULT_HISTORY_CAP, DEFAULT_HISTORY_COALESCE_MS, HISTORY_TRIMMED_TYPE, historyTrimmedWords } from './history-limits';

export interface SliceRow {
  accountId: string;
  sliceId: string | null;
  port: number | null;
  /** The runtime's handle for the slice (SliceRef: a container id on one engine, a service id on a swarm); the `container_id` column. */
  sliceRef: string | null;
  /** Derived from the slice id (never read from the database, which holds no token); null without a slice. */
  token: string | null;
  stage: Stage;
  stageStartedAt: EpochMs | null;
  startedAt: EpochMs | null;
  /** What ended the attempt; only with the stage `error` or `qr_timeout`. */
  error: string | null;
  /** Words beside the current stage ("reconnecting…", "logged out"); a stage change clears it. */
  note: string | null;
  qr: QrInfo | null;
  /** A phone scanned and is logging in: the slice stays until then (kept in qr_json, next to the code). */
  pairingUntil: EpochMs | null;
  contacts: number | null;
  restarts: number;
  /**
   * Where the slice's port is reached (SliceRuntime location; 127.0.0.1 on one engine) and
   * the engine's node for it; null until the slice has started.
   */
  address: string | null;
  node: string | null;
  /** The node's short name for the panel (SliceLocation.name); null on one engine. */
  nodeName: string | null;
}

interface SliceRecord {
  account_id: string;
  slice_id: string | null;
  port: number | null;
  /** The runtime's SliceRef (the column keeps its first name: renaming it would cost a table rebuild for no behaviour). */
  container_id: string | null;
  stage: Stage;
  stage_started_at: number | null;
  started_at: number | null;
  error: string | null;
  note: string | null;
  qr_json: string | null;
  contacts: number | null;
  restarts: number;
  address: string | null;
  node: string | null;
  node_name: string | null;
}

/** The stages whose words say what ended the attempt (`error`); words with any other stage are a note. */
const ENDED_BY_WORDS: ReadonlySet<Stage> = new Set(['error', 'qr_timeout']);

/**
 * The words given with a stage, in their column: an error for a stage that ended the attempt
 * with them, else a note beside the stage (a logout's words with `idle`). The other is cleared.
 */
function wordsByColumn(stage: Stage, words: string | null): { error: string | null; note: string | null } {
  return ENDED_BY_WORDS.has(stage) ? { error: words, note: null } : { error: null, note: words };
}

/** The code and, once a phone scanned it, `pairingUntil` (stored in the same JSON, no schema change). */
function qrOf(json: string | null): { qr: QrInfo | null; pairingUntil: EpochMs | null } {
  if (!json) return { qr: null, pairingUntil: null };
  const { pairingUntil, ...qr } = JSON.parse(json) as QrInfo & { pairingUntil?: EpochMs };
  return { qr, pairingUntil: typeof pairingUntil === 'number' ? pairingUntil : null };
}

function toSliceRow(record: SliceRecord, tokenFor: ((sliceId: string) => string) | null): SliceRow {
  return {
    accountId: record.account_id,
    sliceId: record.slice_id,
    port: record.port,
    sliceRef: record.container_id,
    token: record.slice_id && tokenFor ? tokenFor(record.slice_id) : null,
    stage: record.stage,
    stageStartedAt: record.stage_started_at,
    startedAt: record.started_at,
    error: record.error,
    note: record.note,
    ...qrOf(record.qr_json),
    contacts: record.contacts,
    restarts: record.restarts,
    address: record.address,
    node: record.node,
    nodeName: record.node_name,
  };
}

export interface AuditEntry {
  accountId: string;
  sliceId: string | null;
  type: string;
  stage?: Stage | null;
  message?: string | null;
  at?: EpochMs;
}

export const DATABASE_FILE = 'slicedeck.db';

export interface StoreOptions {
  /** Gives each slice row its bearer token (SliceTokens.forSlice); rows carry none without it. */
  tokenFor?: (sliceId: string) => string;
  /**
   * The better_sqlite3.node to load instead of the package's own (which is built for
   * Node): the desktop shell passes the Electron build kept next to it
   * (scripts/lib/electron-native.mjs), so neither runtime rebuilds the other's.
   */
  nativeBinding?: string | undefined;
  /** History rows kept per account (db/history-limits.ts). */
  historyCap?: number;
  /** A repeat of the last row within this long is counted on it (ms; 0 = never). */
  historyCoalesceMs?: number;
}

export class Store {
  private readonly db: Database.Database;
  private readonly tokenFor: ((sliceId: string) => string) | null;
  private readonly historyCap: number;
  private readonly historyCoalesceMs: number;

  constructor(dataDir: string, private readonly now: () => EpochMs = Date.now, options: StoreOptions = {}) {
    this.tokenFor = options.tokenFor ?? null;
    this.historyCap = Math.max(2, options.historyCap ?? DEFAULT_HISTORY_CAP);
    this.historyCoalesceMs = options.historyCoalesceMs ?? DEFAULT_HISTORY_COALESCE_MS;
    securePrivateDir(dataDir);
    const path = join(dataDir, DATABASE_FILE);
    // SQLite gives -wal and -shm the database file's own mode: a private file keeps all three private.
    ensurePrivateFile(path);
    this.db = withPrivateUmask(() => new Database(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}));
    // Deleted rows (old tokens, removed accounts) are overwritten, not left in free pages.
    this.db.pragma('secure_delete = ON');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    // Another process (a crashed host's successor, a test) may hold the write lock briefly.
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The connection, for the few modules that own a table of their own (outbox/outbox-store.ts). */
  handle(): Database.Database {
    return this.db;
  }

  // ── saved session ─────────────────────────────────────────────────────────

  /** Whether the account's volume holds a WhatsApp session (set once it was Ready, cleared by a log out). */
  sessionSaved(accountId: string): boolean {
    const row = this.db.prepare(`SELECT session_saved_at AS at FROM accounts WHERE id = ?`).get(accountId) as { at: number | null } | undefined;
    return row?.at != null;
  }

  /** Unsaved also forgets the session's node: an unlinked account goes wherever the swarm puts it. */
  setSessionSaved(accountId: string, saved: boolean): void {
    if (saved) this.db.prepare(`UPDATE accounts SET session_saved_at = ? WHERE id = ?`).run(this.now(), accountId);
    else this.db.prepare(`UPDATE accounts SET session_saved_at = NULL, session_node = NULL, session_node_name = NULL WHERE id = ?`).run(accountId);
  }

  /** The swarm node holding the account's saved session (its volume is node-local); null when none is pinned. */
  sessionNode(accountId: string): { node: string; name: string } | null {
    const row = this.db.prepare(`SELECT session_node AS node, session_node_name AS name FROM accounts WHERE id = ?`).get(accountId) as { node: string | null; name: string | null } | undefined;
    return row?.node ? { node: row.node, name: row.name ?? row.node.slice(0, 12) } : null;
  }

  setSessionNode(accountId: string, node: { node: string; name: string } | null): void {
    this.db.prepare(`UPDATE accounts SET session_node = ?, session_node_name = ? WHERE id = ?`).run(node?.node ?? null, node?.name ?? null, accountId);
  }

  // ── meta ──────────────────────────────────────────────────────────────────

  /** The id that labels this data dir's containers; generated on first use, then fixed. */
  homeId(): string {
    return this.db.transaction(() => {
      const row = this.db.prepare(`SELECT value FROM meta WHERE key = 'home_id'`).get() as { value: string } | undefined;
      if (row) return row.value;
      const id = randomBytes(8).toString('hex');
      this.db.prepare(`INSERT INTO meta (key, value) VALUES ('home_id', ?)`).run(id);
      return id;
    }).immediate();
  }

  // ── accounts ──────────────────────────────────────────────────────────────

  listAccounts(): Account[] {
    return accountsWithProxy(this.db);
  }

  getAccount(id: string): Account | undefined {
    return accountsWithProxy(this.db, id)[0];
  }

  addAccount(id: string, name: string): Account {
    const at = this.now();
    this.db.prepare(`INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)`).run(id, name, at, at);
    return { id, name, createdAt: at, proxy: null };
  }

  /** The account's proxy with its password (accounts/proxy-store.ts): for the slice's proxy file only. */
  accountProxy(id: string): ProxySettings | null {
    return readProxy(this.db, id);
  }

  /** Sets (null: removes) the account's proxy. */
  setAccountProxy(id: string, proxy: ProxySettings | null): Account | undefined {
    if (proxy) writeProxy(this.db, id, proxy, this.now());
    else deleteProxy(this.db, id);
    return this.getAccount(id);
  }

  renameAccount(id: string, name: string): Account | undefined {
    this.db.prepare(`UPDATE accounts SET name = ?, updated_at = ? WHERE id = ?`).run(name, this.now(), id);
    return this.getAccount(id);
  }

  /** Deletes the account, its slice row and its audit trail. */
  removeAccount(id: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare(`DELETE FROM slice_events WHERE account_id = ?`).run(id);
      this.historyRows.delete(id);
      return this.db.prepare(`DELETE FROM accounts WHERE id = ?`).run(id).changes > 0;
    })();
  }

  // ── slices ────────────────────────────────────────────────────────────────

  getSlice(accountId: string): SliceRow | undefined {
    const record = this.db.prepare(`SELECT * FROM slices WHERE account_id = ?`).get(accountId) as SliceRecord | undefined;
    return record ? toSliceRow(record, this.tokenFor) : undefined;
  }

  listSlices(): SliceRow[] {
    return (this.db.prepare(`SELECT * FROM slices`).all() as SliceRecord[]).map((record) => toSliceRow(record, this.tokenFor));
  }

  portsInUse(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM slices WHERE port IS NOT NULL`).get() as { n: number }).n;
  }

  /**
   * Starts a connect attempt: the row now names the new slice, in stage `pending`,
   * persisted (and audited) before any work begins.
   */
  beginAttempt(accountId: string, sliceId: string): SliceRow {
    const at = this.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO slices (account_id, slice_id, port, container_id, token, stage, stage_started_at, started_at, error, qr_json, contacts, restarts, created_at, updated_at)
           VALUES (@accountId, @sliceId, NULL, NULL, NULL, 'pending', @at, @at, NULL, NULL, NULL, 0, @at, @at)
           ON CONFLICT(account_id) DO UPDATE SET slice_id = @sliceId, port = NULL, container_id = NULL, token = NULL, address = NULL, node = NULL, node_name = NULL,
             stage = 'pending', stage_started_at = @at, started_at = @at, error = NULL, note = NULL, qr_json = NULL, contacts = NULL,
             restarts = 0, updated_at = @at`,
        )
        .run({ accountId, sliceId, at });
      this.insertEvent({ accountId, sliceId, type: 'stage', stage: 'pending', at });
    })();
    return this.getSlice(accountId)!;
  }

  /**
   * Moves the account's current slice to `stage` (only if `sliceId` is still the
   * current one, so a stale attempt can never overwrite a newer one).
   */
  setStage(accountId: string, sliceId: string, stage: Stage, words: string | null = null): SliceRow | undefined {
    const at = this.now();
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(`UPDATE slices SET stage = @stage, stage_started_at = @at, error = @error, note = @note, updated_at = @at WHERE account_id = @accountId AND slice_id = @sliceId`)
        .run({ stage, at, ...wordsByColumn(stage, words), accountId, sliceId }).changes;
      if (!changed) return undefined;
      this.insertEvent({ accountId, sliceId, type: 'stage', stage, message: words, at });
      return this.getSlice(accountId);
    })();
  }

  /**
   * Reserves a port for the slice: the lowest one in `range` that no other row holds
   * and that is not in `excluded` (ports found busy outside slicedeck). The UNIQUE
   * constraint plus the transaction make two concurrent attempts never share one.
   */
  reservePort(accountId: string, sliceId: string, range: PortRange, excluded: ReadonlySet<number>): number | null {
    return this.db.transaction(() => {
      const held = new Set(
        (this.db.prepare(`SELECT port FROM slices WHERE port IS NOT NULL AND account_id != ?`).all(accountId) as { port: number }[]).map((r) => r.port),
      );
      const port = choosePort(range, held, excluded);
      const changed = this.db
        .prepare(`UPDATE slices SET port = ?, updated_at = ? WHERE account_id = ? AND slice_id = ?`)
        .run(port, this.now(), accountId, sliceId).changes;
      return changed ? port : null;
    }).immediate();
  }

  setSliceRef(accountId: string, sliceId: string, sliceRef: string | null): void {
    this.db.prepare(`UPDATE slices SET container_id = ?, updated_at = ? WHERE account_id = ? AND slice_id = ?`).run(sliceRef, this.now(), accountId, sliceId);
  }

  /** Where the runtime placed the slice (after start, and again after a restart: a swarm may move it). */
  setLocation(accountId: string, sliceId: string, location: { address: string; node: string; name?: string } | null): SliceRow | undefined {
    const changed = this.db
      .prepare(`UPDATE slices SET address = ?, node = ?, node_name = ?, updated_at = ? WHERE account_id = ? AND slice_id = ?`)
      .run(location?.address ?? null, location?.node ?? null, location?.name ?? null, this.now(), accountId, sliceId).changes;
    return changed ? this.getSlice(accountId) : undefined;
  }

  setQr(accountId: string, sliceId: string, qr: QrInfo | null): SliceRow | undefined {
    const changed = this.db
      .prepare(`UPDATE slices SET qr_json = ?, updated_at = ? WHERE account_id = ? AND slice_id = ?`)
      .run(qr ? JSON.stringify(qr) : null, this.now(), accountId, sliceId).changes;
    return changed ? this.getSlice(accountId) : undefined;
  }

  /** A phone scanned the shown code and is logging in until `until`; a new code (setQr) clears it. */
  setPairing(accountId: string, sliceId: string, until: EpochMs): SliceRow | undefined {
    const changed = this.db
      .prepare(`UPDATE slices SET qr_json = json_set(qr_json, '$.pairingUntil', ?), updated_at = ? WHERE account_id = ? AND slice_id = ? AND qr_json IS NOT NULL`)
      .run(until, this.now(), accountId, sliceId).changes;
    return changed ? this.getSlice(accountId) : undefined;
  }

  setContacts(accountId: string, sliceId: string, contacts: number): SliceRow | undefined {
    const changed = this.db
      .prepare(`UPDATE slices SET contacts = ?, updated_at = ? WHERE account_id = ? AND slice_id = ?`)
      .run(contacts, this.now(), accountId, sliceId).changes;
    return changed ? this.getSlice(accountId) : undefined;
  }

  setRestarts(accountId: string, sliceId: string, restarts: number): SliceRow | undefined {
    const changed = this.db
      .prepare(`UPDATE slices SET restarts = ?, updated_at = ? WHERE account_id = ? AND slice_id = ?`)
      .run(restarts, this.now(), accountId, sliceId).changes;
    return changed ? this.getSlice(accountId) : undefined;
  }

  /**
   * Words shown alongside the current stage (e.g. "restarting…") without changing it. An
   * attempt that ended (error, qr_timeout: its slice may still be stopping) takes no note: a
   * late event of that slice must not put words beside the ending's own.
   */
  setNote(accountId: string, sliceId: string, note: string | null): SliceRow | undefined {
    const changed = this.db
      .prepare(`UPDATE slices SET note = ?, updated_at = ? WHERE account_id = ? AND slice_id = ? AND stage NOT IN (${[...ENDED_BY_WORDS].map((stage) => `'${stage}'`).join(', ')})`)
      .run(note, this.now(), accountId, sliceId).changes;
    return changed ? this.getSlice(accountId) : undefined;
  }

  /**
   * The account no longer has a slice: port, container, token and code are
   * released; the final stage (idle, error, qr_timeout) stays for the view.
   * With `sliceId`, only clears if that slice is still the current one.
   */
  /**
   * The slice is being ended (a graceful stop, up to the stop grace): the row takes its final
   * stage and words now, keeping its container, port and token until clearSlice, which records
   * the stage in History. A host that dies in between leaves a terminal row naming a container:
   * the reconciler finishes the teardown instead of adopting a slice that is being stopped.
   */
  markEnding(accountId: string, sliceId: string, stage: Stage, words: string | null): void {
    const at = this.now();
    this.db
      .prepare(`UPDATE slices SET stage = @stage, stage_started_at = @at, error = @error, note = @note, updated_at = @at WHERE account_id = @accountId AND slice_id = @sliceId`)
      .run({ stage, at, ...wordsByColumn(stage, words), accountId, sliceId });
  }

  clearSlice(accountId: string, stage: Stage, words: string | null, sliceId?: string | null): SliceRow | undefined {
    const at = this.now();
    return this.db.transaction(() => {
      const current = this.getSlice(accountId);
      if (!current) return undefined;
      if (sliceId !== undefined && current.sliceId !== sliceId) return undefined;
      this.db
        .prepare(
          `UPDATE slices SET slice_id = NULL, port = NULL, container_id = NULL, token = NULL, qr_json = NULL, address = NULL, node = NULL, node_name = NULL,
             stage = @stage, stage_started_at = @at, error = @error, note = @note, updated_at = @at WHERE account_id = @accountId`,
        )
        .run({ stage, at, ...wordsByColumn(stage, words), accountId });
      this.insertEvent({ accountId, sliceId: current.sliceId, type: 'stage', stage, message: words, at });
      return this.getSlice(accountId);
    })();
  }

  // ── audit trail ───────────────────────────────────────────────────────────

  record(entry: AuditEntry): void {
    this.insertEvent(entry);
  }

  /** The newest `limit` rows, oldest first; the row saying older ones were dropped always comes first. */
  history(accountId: string, limit = 500): SliceEventRecord[] {
    const columns = `id, account_id AS accountId, slice_id AS sliceId, type, stage, message, at, repeats, last_at AS lastAt`;
    const rows = (this.db.prepare(`SELECT ${columns} FROM slice_events WHERE account_id = ? ORDER BY id DESC LIMIT ?`).all(accountId, limit) as SliceEventRecord[]).reverse();
    if (rows.length === limit && rows[0]?.type !== HISTORY_TRIMMED_TYPE) {
      const trimmed = this.db.prepare(`SELECT ${columns} FROM slice_events WHERE account_id = ? AND type = ? AND id < ?`).get(accountId, HISTORY_TRIMMED_TYPE, rows[0]!.id) as SliceEventRecord | undefined;
      if (trimmed) rows.unshift(trimmed);
    }
    return rows;
  }

  /**
   * Writes one History row, unless it repeats the account's last row (same kind, stage,
   * words and slice) within the coalescing window: then that row counts one more. Past the
   * cap the oldest rows go, and one row (kept oldest) says how many. One transaction, and
   * no query that walks the whole History: a flood of rows costs each of them a few index seeks.
   */
  private insertEvent(entry: AuditEntry): void {
    const at = entry.at ?? this.now();
    const stage = entry.stage ?? null;
    const message = entry.message ?? null;
    this.db.transaction(() => {
      const last = this.db.prepare(`SELECT id, slice_id, type, stage, message, at, last_at FROM slice_events WHERE account_id = ? ORDER BY id DESC LIMIT 1`).get(entry.accountId) as
        | { id: number; slice_id: string | null; type: string; stage: Stage | null; message: string | null; at: number; last_at: number | null }
        | undefined;
      if (
        last &&
        this.historyCoalesceMs > 0 &&
        last.type === entry.type &&
        last.stage === stage &&
        last.message === message &&
        last.slice_id === entry.sliceId &&
        at - (last.last_at ?? last.at) <= this.historyCoalesceMs
      ) {
        this.db.prepare(`UPDATE slice_events SET repeats = repeats + 1, last_at = ? WHERE id = ?`).run(at, last.id);
        return;
      }
      const kept = this.keptRows(entry.accountId) + 1;
      this.db
        .prepare(`INSERT INTO slice_events (account_id, slice_id, type, stage, message, at) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(entry.accountId, entry.sliceId, entry.type, stage, message, at);
      this.historyRows.set(entry.accountId, kept);
      // Past the cap, the account keeps `historyCap − 1` rows and the one saying what went.
      if (kept >= this.historyCap) this.trimHistory(entry.accountId, kept - (this.historyCap - 1), at);
    })();
  }

  /** History rows per account other than the 'history.trimmed' one, counted once per process. */
  private readonly historyRows = new Map<string, number>();

  private keptRows(accountId: string): number {
    let rows = this.historyRows.get(accountId);
    if (rows === undefined) {
      rows = (this.db.prepare(`SELECT count(*) AS n FROM slice_events WHERE account_id = ? AND type != ?`).get(accountId, HISTORY_TRIMMED_TYPE) as { n: number }).n;
      this.historyRows.set(accountId, rows);
    }
    return rows;
  }

  /** Drops the account's `excess` oldest rows and counts them on its 'history.trimmed' row (made, oldest of all, the first time). */
  private trimHistory(accountId: string, excess: number, at: EpochMs): void {
    const oldest = this.db
      .prepare(`SELECT id FROM slice_events WHERE account_id = ? AND type != ? ORDER BY id ASC LIMIT ?`)
      .all(accountId, HISTORY_TRIMMED_TYPE, excess) as { id: number }[];
    if (oldest.length === 0) return;
    const remove = this.db.prepare(`DELETE FROM slice_events WHERE id = ?`);
    for (const { id } of oldest) remove.run(id);
    this.historyRows.set(accountId, this.keptRows(accountId) - oldest.length);
    const notice = this.db.prepare(`SELECT id, repeats FROM slice_events WHERE account_id = ? AND type = ?`).get(accountId, HISTORY_TRIMMED_TYPE) as { id: number; repeats: number } | undefined;
    const dropped = (notice?.repeats ?? 0) + oldest.length;
    const words = historyTrimmedWords(dropped, this.historyCap);
    if (notice) this.db.prepare(`UPDATE slice_events SET repeats = ?, message = ?, last_at = ? WHERE id = ?`).run(dropped, words, at, notice.id);
    // The newest dropped row's id is free and older than every kept row: the notice sorts first.
    else this.db.prepare(`INSERT INTO slice_events (id, account_id, slice_id, type, stage, message, at, repeats) VALUES (?, ?, NULL, ?, NULL, ?, ?, ?)`).run(oldest.at(-1)!.id, accountId, HISTORY_TRIMMED_TYPE, words, at, dropped);
  }
}
