/**
 * Messages still waiting in the host's queue are the newest of their chat: they belong on
 * the newest page of the thread only, never again on each older page read back in time.
 * A real SQLite store in a throw-away folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@shared/types';
import { Store } from '../../../src/main/core/db/store';
import { EventBus } from '../../../src/main/core/events';
import { Outbox } from '../../../src/main/core/outbox/outbox';
import { OutboxStore } from '../../../src/main/core/outbox/outbox-store';

let dir = '';
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-paging-'));
  store = new Store(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a thread read in pages', () => {
  it('shows a queued message on the newest page and not on an older one', () => {
    const accountId = 'acc_paging1';
    store.addAccount(accountId, 'Paging');
    const rows = new OutboxStore(store.handle());
    const outbox = new Outbox({ store: rows, bus: new EventBus(), logger: pino({ level: 'silent' }), cap: 10, retryMs: 0, readySlice: () => null });
    rows.insert({ accountId, chatId: '1@c.us', body: 'waiting for WhatsApp', idempotencyKey: null });
    const older: ChatMessage[] = [{ id: 'false_1@c.us_A', chatId: '1@c.us', fromMe: false, body: 'an old one', timestamp: 1_000 }];

    const newest = outbox.decorate(accountId, '1@c.us', older);
    expect(newest.map((m) => [m.body, m.status ?? null])).toEqual([
      ['an old one', null],
      ['waiting for WhatsApp', 'queued'],
    ]);
    const page = outbox.decorate(accountId, '1@c.us', older, { before: 'false_1@c.us_B' });
    expect(page.map((m) => m.body)).toEqual(['an old one']);
  });
});
