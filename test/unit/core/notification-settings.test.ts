/** The notification setting (issue 21 part 2) in a real SQLite file: remembered across a reopen, removed accounts dropped. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/main/core/db/store';
import { NotificationSettingsStore } from '../../../src/main/core/notify/notification-settings-store';

let dir: string;
let store: Store;
const settingsOf = (s: Store) => new NotificationSettingsStore(s.handle(), (accountId) => s.getAccount(accountId) !== undefined);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slicedeck-notify-'));
  store = new Store(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the notification setting', () => {
  it('is off until chosen, then remembered across a reopen of the data dir', () => {
    expect(settingsOf(store).get()).toEqual({ mode: 'off', accountIds: [] });
    const a = store.addAccount('acc_notify1', 'Ann');
    const b = store.addAccount('acc_notify2', 'Ben');
    // Unknown accounts and repeats are not kept.
    expect(settingsOf(store).set({ mode: 'accounts', accountIds: [a.id, 'acc_unknown1', a.id, b.id] })).toEqual({ mode: 'accounts', accountIds: [a.id, b.id] });
    store.close();
    store = new Store(dir);
    expect(settingsOf(store).get()).toEqual({ mode: 'accounts', accountIds: [a.id, b.id] });
    settingsOf(store).set({ mode: 'all', accountIds: [b.id] });
    expect(settingsOf(store).get()).toEqual({ mode: 'all', accountIds: [b.id] });
  });

  it('drops an account removed since', () => {
    const a = store.addAccount('acc_notify1', 'Ann');
    settingsOf(store).set({ mode: 'accounts', accountIds: [a.id] });
    store.removeAccount(a.id);
    expect(settingsOf(store).get()).toEqual({ mode: 'accounts', accountIds: [] });
  });
});
