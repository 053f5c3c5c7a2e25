/**
 * Host-side QR expiry (PRODUCT §1), on the in-memory runtime (no Docker; the slice
 * and the host are the product's own code): after the last code expires unscanned the
 * host removes the slice, frees the port and shows `expired` — no window needed; a host
 * restarted while the last code is shown keeps that deadline (the adopted slice's QR
 * clock is re-armed from the row). Moved down from test/integration/core-qr-timeout.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';
import { isPortBindable } from '../../../src/main/core/slices/ports';

let t: MemoryCore;
beforeAll(async () => {
  t = await makeMemoryCore({ qrCodes: 3, qrTtlMs: 400 });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('QR expiry', () => {
  it('destroys the slice after code 3 of 3 expires unscanned', async () => {
    const account = await t.call('accounts.add', { name: 'Erin' });
    const { port, sliceId } = await t.call('slices.connect', { accountId: account.id });
    expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(1);
    const expired = await t.events.waitForStage(account.id, 'qr_timeout', 20_000);
    expect(expired.phase).toBe('expired');

    const codes = t.events.of('slice').filter((v) => v.accountId === account.id && v.qr).map((v) => `${v.qr!.index}/${v.qr!.total}`);
    expect([...new Set(codes)]).toEqual(['1/3', '2/3', '3/3']);
    expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(0);
    expect(await isPortBindable(port)).toBe(true);
    expect((await t.call('system.status')).portsInUse).toBe(0);

    const view = await t.call('slices.view', { accountId: account.id });
    expect(view).toMatchObject({ phase: 'expired', stage: 'qr_timeout' });
    expect(view.port).toBeUndefined();
    const history = await t.call('slices.history', { accountId: account.id });
    expect(history.at(-1)).toMatchObject({ type: 'stage', stage: 'qr_timeout', sliceId });
  });

  it('lets the operator try again after expiry', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    t.events.clear();
    const again = await t.call('slices.connect', { accountId: account.id });
    expect(again.status).toBe('provisioned');
    await t.events.waitForStage(account.id, 'qr');
    await t.call('slices.destroy', { accountId: account.id });
    expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(0);
  });
});

describe('QR expiry across a host restart', () => {
  it('re-arms the deadline of a slice adopted while its last code is shown, and expires it', async () => {
    // Two codes of 2 s: the restart happens while code 2 of 2 is shown, so no later code re-arms the
    // clock; only the deadline rebuilt from the row at adoption (stage-clock.ts rearm) can end it.
    let host = await makeMemoryCore({ qrCodes: 2, qrTtlMs: 2_000 });
    try {
      const account = await host.call('accounts.add', { name: 'Restarted' });
      const { sliceId } = await host.call('slices.connect', { accountId: account.id });
      await host.events.waitFor('slice', (v) => v.accountId === account.id && v.qr?.index === 2, 20_000, 'code 2 of 2');
      host = await host.reopen();
      const history = await host.call('slices.history', { accountId: account.id });
      expect(history).toContainEqual(expect.objectContaining({ type: 'adopted', stage: 'qr', sliceId }));
      // No new code comes (the last one is shown): the re-armed host clock ends it.
      const expired = await host.events.waitForStage(account.id, 'qr_timeout', 20_000);
      expect(expired.phase).toBe('expired');
      expect(host.runtime.containersOf(host.homeId, account.id)).toHaveLength(0);
    } finally {
      await host.cleanup();
    }
  });
});
