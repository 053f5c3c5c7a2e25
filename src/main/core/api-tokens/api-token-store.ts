/**
 * API tokens (migration 10): made and revoked by the operator, each limited to chosen
 * accounts and a scope. Only a token's SHA-256 is stored; the token itself is shown once.
 *
 * A token reads `sdt_<id>_<secret>`: the id finds the row, the hash of the whole token is
 * compared in constant time. The secret is 32 random bytes, so a plain (unsalted,
 * fast) hash is enough: there is nothing to guess a dictionary against.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ApiScope, ApiTokenInfo, CreatedApiToken } from '@shared/gateway';

interface TokenRecord {
  id: string;
  name: string;
  hash: string;
  scope: ApiScope;
  account_ids: string;
  created_at: number;
  last_used_at: number | null;
}

const TOKEN_SHAPE = /^sdt_(tok_[0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function toInfo(r: TokenRecord): ApiTokenInfo {
  return { id: r.id, name: r.name, scope: r.scope, accountIds: JSON.parse(r.account_ids) as string[], createdAt: r.created_at, lastUsedAt: r.last_used_at };
}

/** `lastUsedAt` is written at most this often per token (a busy program must not write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

export class ApiTokenStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  create(name: string, scope: ApiScope, accountIds: string[]): CreatedApiToken {
    const id = `tok_${randomBytes(8).toString('hex')}`;
    const token = `sdt_${id}_${randomBytes(32).toString('base64url')}`;
    const at = this.now();
    const unique = [...new Set(accountIds)];
    this.db
      .prepare('INSERT INTO api_tokens (id, name, hash, scope, account_ids, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, name, sha256(token).toString('hex'), scope, JSON.stringify(unique), at);
    return { info: { id, name, scope, accountIds: unique, createdAt: at, lastUsedAt: null }, token };
  }

  list(): ApiTokenInfo[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as TokenRecord[]).map(toInfo);
  }

  /** True when there was such a token. */
  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes > 0;
  }

  /** The token's row when `presented` is a live token; null otherwise (malformed, revoked, wrong secret). */
  verify(presented: string): ApiTokenInfo | null {
    const shape = TOKEN_SHAPE.exec(presented);
    if (!shape) return null;
    const record = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(shape[1]) as TokenRecord | undefined;
    if (!record) return null;
    const stored = Buffer.from(record.hash, 'hex');
    const given = sha256(presented);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return null;
    const at = this.now();
    if (record.last_used_at === null || at - record.last_used_at >= LAST_USED_RESOLUTION_MS) {
      this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, record.id);
      record.last_used_at = at;
    }
    return toInfo(record);
  }
}
