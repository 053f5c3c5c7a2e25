/**
 * 20 accounts clicking Connect at once (PRODUCT §5): 20 slices, 20 distinct
 * ports, no conflict — and all of them gone after destroy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome } from '../helpers/docker';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 60_000, sliceMemoryBytes: 128 * 1024 * 1024 });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('twenty accounts at once', () => {
  it('gives twenty slices on twenty distinct ports', async () => {
    const accounts = await Promise.all(Array.from({ length: 20 }, (_, i) => t.call('accounts.add', { name: `Account ${i + 1}` })));
    const results = await Promise.all(accounts.map((account) => t.call('slices.connect', { accountId: account.id })));
    expect(results.every((r) => r.status === 'provisioned')).toBe(true);
    expect(new Set(results.map((r) => r.port)).size).toBe(20);
    const containers = await containersOfHome(t.homeId);
    expect(containers).toHaveLength(20);
    expect(new Set(containers.map((c) => c.Labels['slicedeck.account-id']))).toEqual(new Set(accounts.map((a) => a.id)));
    await Promise.all(accounts.map((account) => t.events.waitForStage(account.id, 'qr', 30_000)));
    expect((await t.call('system.status')).portsInUse).toBe(20);

    await Promise.all(accounts.map((account) => t.call('slices.destroy', { accountId: account.id })));
    expect(await containersOfHome(t.homeId)).toHaveLength(0);
    expect((await t.call('system.status')).portsInUse).toBe(0);
  });
});
