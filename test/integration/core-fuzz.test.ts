/**
 * Every contract command fed hostile and malformed input through the real
 * dispatcher and core: typed errors only (never `internal`), the process alive,
 * the database intact (issue 4).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '@shared/contract';
import { dispatch } from '@shared/dispatch';
import { ERROR_CODES } from '@shared/errors';
import { makeTestCore, type TestCore } from '../helpers/core';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore();
});
afterAll(async () => {
  await t?.cleanup();
});

const hostileValues: unknown[] = [
  null, 0, -1, 1e308, Number.NaN, true, '', ' ', 'x'.repeat(100_000), '\u0000', '../../etc/passwd', 'acc_', 'acc_ab',
  'acc_' + 'a'.repeat(65), 'acc_<script>', 'acc_aaaa\n', "acc_aaaa' OR 1=1 --", '💥', [], ['acc_aaaa'], {}, { $gt: '' },
  JSON.parse('{"__proto__":{"polluted":true}}'),
];
const fields = ['accountId', 'name', 'chatId', 'text'];

function inputsFor(): unknown[] {
  const inputs: unknown[] = [undefined, null, 42, 'text', [], [1, 2], { unexpected: 1 }, JSON.parse('{"__proto__":{"admin":true}}')];
  for (const field of fields) for (const value of hostileValues) inputs.push({ [field]: value });
  for (const value of hostileValues) inputs.push({ accountId: 'acc_doesnotexist', chatId: value, text: value, name: value });
  return inputs;
}

describe('malformed input', () => {
  it('answers every case with a typed error or a valid result, and leaves the data intact', async () => {
    const kept = await t.call('accounts.add', { name: 'Keeper' });
    const inputs = inputsFor();
    let cases = 0;
    for (const name of COMMAND_NAMES) {
      for (const input of inputs) {
        const envelope = await dispatch(t.core.handlers, name, input);
        cases++;
        if (!envelope.ok) {
          expect(ERROR_CODES).toContain(envelope.error.code);
          expect(envelope.error.code, `${name} ${JSON.stringify(input)?.slice(0, 80)}`).not.toBe('internal');
          expect(envelope.error.message.length).toBeGreaterThan(0);
        }
      }
    }
    for (const name of ['../../x', '__proto__', 'constructor', 'accounts.list ', '']) {
      expect((await dispatch(t.core.handlers, name, {})).ok).toBe(false);
    }
    expect(cases).toBeGreaterThan(300);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();

    // Only well-formed adds can have created accounts; the keeper is untouched.
    const accounts = await t.call('accounts.list');
    expect(accounts.find((a) => a.id === kept.id)).toEqual(kept);
    for (const account of accounts) expect(account.id).toMatch(/^acc_[A-Za-z0-9_-]{4,64}$/);
    const db = new Database(join(t.dataDir, 'slicedeck.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
