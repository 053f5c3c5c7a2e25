import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/main/core/db/store';
import { MIGRATIONS } from '../../../src/main/core/db/migrations';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slicedeck-store-'));
  store = new Store(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Store (a real SQLite file)', () => {
  it('migrates to the latest schema in WAL mode and keeps one home id forever', () => {
    const home = store.homeId();
    store.close();
    const raw = new Database(join(dir, 'slicedeck.db'));
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    store = new Store(dir);
    expect(store.homeId()).toBe(home);
  });

  it('refuses a database from a newer slicedeck with words', () => {
    store.close();
    const raw = new Database(join(dir, 'slicedeck.db'));
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => new Store(dir)).toThrow(/newer slicedeck/);
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'slicedeck-store-'));
    store = new Store(dir);
  });

  it('persists each stage with its timestamp and an audit row', () => {
    store.addAccount('acc_aaaa', 'Alice');
    store.beginAttempt('acc_aaaa', 'slc_1');
    store.setStage('acc_aaaa', 'slc_1', 'allocating_port');
    const row = store.getSlice('acc_aaaa')!;
    expect(row.stage).toBe('allocating_port');
    expect(row.stageStartedAt).toBeGreaterThanOrEqual(row.startedAt!);
    expect(store.history('acc_aaaa').map((e) => e.stage)).toEqual(['pending', 'allocating_port']);
  });

  it('keeps what ended an attempt (error) and words beside a stage (note) in their own columns (issue 20)', () => {
    store.addAccount('acc_aaaa', 'Alice');
    store.beginAttempt('acc_aaaa', 'slc_1');
    store.setStage('acc_aaaa', 'slc_1', 'qr');
    expect(store.setNote('acc_aaaa', 'slc_1', 'WhatsApp is reconnecting…')).toMatchObject({ note: 'WhatsApp is reconnecting…', error: null });
    // The attempt ends with words while its slice is still being stopped; a late note from that
    // slice never overwrites the words the expired screen shows, nor sits beside them.
    const ended = 'The phone scanned the code but did not finish logging in in time.';
    store.markEnding('acc_aaaa', 'slc_1', 'qr_timeout', ended);
    expect(store.getSlice('acc_aaaa')).toMatchObject({ stage: 'qr_timeout', error: ended, note: null });
    expect(store.setNote('acc_aaaa', 'slc_1', 'Code scanned — the phone is logging in…')).toBeUndefined();
    expect(store.getSlice('acc_aaaa')).toMatchObject({ error: ended, note: null });
    expect(store.clearSlice('acc_aaaa', 'qr_timeout', ended, 'slc_1')).toMatchObject({ error: ended, note: null });
    // Words with a stage that is not an ending (a logout's, back to idle) are a note.
    store.beginAttempt('acc_aaaa', 'slc_2');
    expect(store.getSlice('acc_aaaa')).toMatchObject({ error: null, note: null });
    expect(store.clearSlice('acc_aaaa', 'idle', 'WhatsApp logged this account out.', 'slc_2')).toMatchObject({ error: null, note: 'WhatsApp logged this account out.' });
    // Any stage change clears the note: it was beside the stage before.
    store.beginAttempt('acc_aaaa', 'slc_3');
    store.setNote('acc_aaaa', 'slc_3', 'restarting…');
    expect(store.setStage('acc_aaaa', 'slc_3', 'error', 'It broke.')).toMatchObject({ error: 'It broke.', note: null });
  });

  it('moves the notes older versions kept in the error column into the note column', () => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'slicedeck-store-'));
    const raw = new Database(join(dir, 'slicedeck.db'));
    const noteMigration = MIGRATIONS.findIndex((sql) => sql.includes('ADD COLUMN note'));
    expect(noteMigration).toBeGreaterThan(0);
    for (const sql of MIGRATIONS.slice(0, noteMigration)) raw.exec(sql);
    raw.pragma(`user_version = ${noteMigration}`);
    const insert = (id: string, stage: string, error: string | null) => {
      raw.prepare(`INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, ?, 1, 1)`).run(id, id);
      raw.prepare(`INSERT INTO slices (account_id, stage, error, created_at, updated_at) VALUES (?, ?, ?, 1, 1)`).run(id, stage, error);
    };
    insert('acc_ready', 'ready', 'reconnecting…');
    insert('acc_idle', 'idle', 'WhatsApp logged this account out.');
    insert('acc_failed', 'error', 'It broke.');
    insert('acc_expired', 'qr_timeout', 'The phone scanned the code but did not finish logging in in time.');
    raw.close();
    store = new Store(dir);
    expect(store.getSlice('acc_ready')).toMatchObject({ error: null, note: 'reconnecting…' });
    expect(store.getSlice('acc_idle')).toMatchObject({ error: null, note: 'WhatsApp logged this account out.' });
    expect(store.getSlice('acc_failed')).toMatchObject({ error: 'It broke.', note: null });
    expect(store.getSlice('acc_expired')).toMatchObject({ error: 'The phone scanned the code but did not finish logging in in time.', note: null });
  });

  it('never lets a stale attempt overwrite the current slice', () => {
    store.addAccount('acc_aaaa', 'Alice');
    store.beginAttempt('acc_aaaa', 'slc_new');
    expect(store.setStage('acc_aaaa', 'slc_old', 'ready')).toBeUndefined();
    expect(store.clearSlice('acc_aaaa', 'idle', null, 'slc_old')).toBeUndefined();
    expect(store.getSlice('acc_aaaa')!.stage).toBe('pending');
  });

  it('keeps where the current slice runs until it is cleared or replaced, never for a stale slice', () => {
    store.addAccount('acc_aaaa', 'Alice');
    store.beginAttempt('acc_aaaa', 'slc_one');
    expect(store.setLocation('acc_aaaa', 'slc_old', { node: 'x', address: '10.0.0.9' })).toBeUndefined();
    expect(store.getSlice('acc_aaaa')).toMatchObject({ address: null, node: null, nodeName: null });
    store.setLocation('acc_aaaa', 'slc_one', { node: 'node0id', address: '10.213.0.12', name: 'n2' });
    // A new store over the same file (a restart of the host) finds it.
    store.close();
    store = new Store(dir);
    expect(store.getSlice('acc_aaaa')).toMatchObject({ address: '10.213.0.12', node: 'node0id', nodeName: 'n2' });
    store.beginAttempt('acc_aaaa', 'slc_two');
    expect(store.getSlice('acc_aaaa')).toMatchObject({ address: null, node: null, nodeName: null });
    store.setLocation('acc_aaaa', 'slc_two', { node: 'local', address: '127.0.0.1' });
    expect(store.getSlice('acc_aaaa')).toMatchObject({ address: '127.0.0.1', node: 'local', nodeName: null });
    store.clearSlice('acc_aaaa', 'idle', null);
    expect(store.getSlice('acc_aaaa')).toMatchObject({ address: null, node: null, nodeName: null });
  });

  it('hands out distinct ports and frees them when the slice is cleared', () => {
    const range = { from: 50000, to: 50001 };
    for (const id of ['acc_aaaa', 'acc_bbbb', 'acc_cccc']) {
      store.addAccount(id, id);
      store.beginAttempt(id, `slc_${id}`);
    }
    expect(store.reservePort('acc_aaaa', 'slc_acc_aaaa', range, new Set())).toBe(50000);
    expect(store.reservePort('acc_bbbb', 'slc_acc_bbbb', range, new Set())).toBe(50001);
    expect(store.reservePort('acc_cccc', 'slc_acc_cccc', range, new Set())).toBeNull();
    expect(store.portsInUse()).toBe(2);
    store.clearSlice('acc_aaaa', 'idle', null);
    expect(store.reservePort('acc_cccc', 'slc_acc_cccc', range, new Set())).toBe(50000);
  });

  it('removes an account with its slice row and history', () => {
    store.addAccount('acc_aaaa', 'Alice');
    store.beginAttempt('acc_aaaa', 'slc_1');
    expect(store.removeAccount('acc_aaaa')).toBe(true);
    expect(store.getSlice('acc_aaaa')).toBeUndefined();
    expect(store.history('acc_aaaa')).toEqual([]);
  });
});

describe('History of one account (issue 19, finding 4: a slice flooding valid events)', () => {
  const reason = (i: number) => `reason ${i} `.padEnd(4_096, 'x');

  it('keeps the newest rows up to the cap, with one row first saying how many older ones were dropped', () => {
    store.close();
    store = new Store(dir, Date.now, { historyCap: 50 });
    store.addAccount('acc_aaaa', 'Alice');
    store.addAccount('acc_bbbb', 'Bob');
    store.record({ accountId: 'acc_bbbb', sliceId: null, type: 'qr', message: 'Bob’s only row' });
    for (let i = 0; i < 500; i++) store.record({ accountId: 'acc_aaaa', sliceId: 'slc_1', type: 'disconnected', message: reason(i) });
    const history = store.history('acc_aaaa', 1_000);
    expect(history).toHaveLength(50);
    expect(history[0]).toMatchObject({ type: 'history.trimmed', repeats: 451, message: '451 older History rows were dropped to keep the newest 50 (SLICEDECK_HISTORY_CAP sets how many).' });
    expect(history.slice(1).map((row) => row.message)).toEqual(Array.from({ length: 49 }, (_, i) => reason(451 + i)));
    // Another account's rows are its own.
    expect(store.history('acc_bbbb').map((row) => row.message)).toEqual(['Bob’s only row']);
    // The panel's window (the newest rows) still starts with the dropped-rows row.
    expect(store.history('acc_aaaa', 10).map((row) => row.type)).toEqual(['history.trimmed', ...Array(10).fill('disconnected')]);
  });

  it('counts a repeat within the window on the last row instead of adding one, and not after it', () => {
    let now = 1_000_000;
    store.close();
    store = new Store(dir, () => now, { historyCoalesceMs: 60_000 });
    store.addAccount('acc_aaaa', 'Alice');
    for (let i = 0; i < 1_000; i++) {
      now += 10;
      store.record({ accountId: 'acc_aaaa', sliceId: 'slc_1', type: 'disconnected', message: 'NAVIGATION' });
    }
    store.record({ accountId: 'acc_aaaa', sliceId: 'slc_1', type: 'reconnected', message: 'back' });
    now += 120_000;
    store.record({ accountId: 'acc_aaaa', sliceId: 'slc_1', type: 'reconnected', message: 'back' });
    expect(store.history('acc_aaaa')).toEqual([
      expect.objectContaining({ type: 'disconnected', repeats: 1_000, at: 1_000_010, lastAt: 1_010_000 }),
      expect.objectContaining({ type: 'reconnected', repeats: 1, lastAt: null }),
      expect.objectContaining({ type: 'reconnected', repeats: 1, lastAt: null }),
    ]);
  });

  it('keeps the database file small however many 4 KB rows a slice sends', () => {
    store.close();
    store = new Store(dir, Date.now, { historyCap: 1_000 });
    store.addAccount('acc_aaaa', 'Alice');
    for (let i = 0; i < 5_000; i++) store.record({ accountId: 'acc_aaaa', sliceId: 'slc_1', type: 'disconnected', message: reason(i) });
    store.close();
    // Checkpointed into the main file by the close; 1,000 rows of 4 KB is ~4 MB, 5,000 would be ~20 MB.
    const { size } = statSync(join(dir, 'slicedeck.db'));
    expect(size).toBeLessThan(8 * 1024 * 1024);
    store = new Store(dir);
    expect(store.history('acc_aaaa', 10_000)).toHaveLength(1_000);
  });
});
