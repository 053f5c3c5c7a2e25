/**
 * Issue 3's failure path, end to end through the host: a slice on the real
 * whatsapp-web.js driver (the Chromium image) cannot reach WhatsApp Web from this
 * machine. The host must show `error` with words that say so, within a bounded
 * time, and clean up: no container, no port held, the history records it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromiumImage } from '../helpers/images';
import { containersOfHome } from '../helpers/docker';
import { makeTestCore, type TestCore } from '../helpers/core';

describe('a real-driver slice with no route to WhatsApp Web', () => {
  let t: TestCore;

  beforeAll(async () => {
    const image = await ensureChromiumImage();
    t = await makeTestCore({
      driver: 'whatsapp-web.js',
      image,
      sliceMemoryBytes: 1024 * 1024 * 1024,
    });
  }, 600_000);

  afterAll(async () => {
    await t?.cleanup();
  });

  it('ends in error with words about WhatsApp Web, and leaves nothing running', async () => {
    const account = await t.call('accounts.add', { name: 'Real driver' });
    // Connect answers once the slice is healthy and initialize is forwarded;
    // the unreachable WhatsApp Web shows up afterwards, as the slice's `error` event.
    const connected = await t.call('slices.connect', { accountId: account.id }).then(
      (result) => ({ ok: true as const, result }),
      (error: Error) => ({ ok: false as const, error }),
    );
    const failed = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.phase === 'error', 120_000, 'the error view');

    expect(failed.error).toMatch(/WhatsApp Web could not be reached/);
    if (!connected.ok) expect(connected.error.message).toMatch(/WhatsApp Web could not be reached/);

    // The host cleaned up: no container of this account, the port is free again.
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
    const view = await t.call('slices.view', { accountId: account.id });
    expect(view.phase).toBe('error');
    expect(view.port).toBeUndefined();
    const status = await t.call('system.status');
    expect(status.portsInUse).toBe(0);

    // The audit trail says what happened.
    const history = await t.call('slices.history', { accountId: account.id });
    expect(history.some((row) => row.stage === 'error' && /WhatsApp Web could not be reached/.test(row.message ?? ''))).toBe(true);

    // And the operator can try again: Connect starts a fresh attempt.
    const retry = t.events.waitFor('slice', (v) => v.accountId === account.id && v.stage === 'pending' && v.sliceId !== failed.sliceId, 30_000, 'a fresh attempt');
    void t.call('slices.connect', { accountId: account.id }).catch(() => undefined);
    await retry;
    await t.call('slices.destroy', { accountId: account.id });
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
  }, 240_000);
});
