/**
 * An account's proxy in SQLite (migration 9, `account_proxies`): the only place its password
 * is kept on the host. The database is 0600 in a 0700 data dir (secrets/data-dir.ts) with
 * secure_delete on, so a changed or removed password is overwritten, not left in a free page.
 * Reads for the panel go through `accountsWithProxy` and never select the password.
 */
import type Database from 'better-sqlite3';
import type { Account } from '@shared/types';
import { type ProxyScheme, type ProxySettings } from '@shared/proxy';

interface AccountRecord {
  id: string;
  name: string;
  createdAt: number;
  scheme: ProxyScheme | null;
  host: string | null;
  port: number | null;
  username: string | null;
  hasPassword: 0 | 1 | null;
}

/** Every account (or one), each with its proxy's view — the password's presence only. */
export function accountsWithProxy(db: Database.Database, id?: string): Account[] {
  const rows = db
    .prepare(
      `SELECT a.id, a.name, a.created_at AS createdAt, p.scheme, p.host, p.port, p.username, (p.password IS NOT NULL) AS hasPassword
       FROM accounts a LEFT JOIN account_proxies p ON p.account_id = a.id
       ${id === undefined ? '' : 'WHERE a.id = @id'} ORDER BY a.created_at, a.id`,
    )
    .all(id === undefined ? {} : { id }) as AccountRecord[];
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    createdAt: row.createdAt,
    proxy:
      row.scheme && row.host && row.port
        ? { scheme: row.scheme, host: row.host, port: row.port, username: row.username, hasPassword: row.hasPassword === 1 }
        : null,
  }));
}

/** The whole proxy, password included: for the slice's proxy file only. */
export function readProxy(db: Database.Database, accountId: string): ProxySettings | null {
  const row = db.prepare(`SELECT scheme, host, port, username, password FROM account_proxies WHERE account_id = ?`).get(accountId) as
    | { scheme: ProxyScheme; host: string; port: number; username: string | null; password: string | null }
    | undefined;
  if (!row) return null;
  return {
    scheme: row.scheme,
    host: row.host,
    port: row.port,
    ...(row.username !== null ? { username: row.username } : {}),
    ...(row.password !== null ? { password: row.password } : {}),
  };
}

export function writeProxy(db: Database.Database, accountId: string, proxy: ProxySettings, at: number): void {
  db.prepare(
    `INSERT INTO account_proxies (account_id, scheme, host, port, username, password, updated_at) VALUES (@accountId, @scheme, @host, @port, @username, @password, @at)
     ON CONFLICT(account_id) DO UPDATE SET scheme = @scheme, host = @host, port = @port, username = @username, password = @password, updated_at = @at`,
  ).run({ accountId, scheme: proxy.scheme, host: proxy.host, port: proxy.port, username: proxy.username ?? null, password: proxy.password ?? null, at });
}

export function deleteProxy(db: Database.Database, accountId: string): boolean {
  return db.prepare(`DELETE FROM account_proxies WHERE account_id = ?`).run(accountId).changes > 0;
}

