/**
 * The host's clocks at their real lengths, on fake time (test/helpers/fake-time.ts) and the
 * in-memory runtime: the QR deadline over WhatsApp's real code lifetimes (60 s, then 20 s
 * each) and the linking timeout at its default (10 minutes) pass in well under a second
 * or two of real time. Requests run at real pace (a Connect, a scan); only the stretches
 * where the flow waits on clocks alone run fast.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';
import { advanceUntil, useFakeClock } from '../../helpers/fake-time';
import { isPortBindable } from '../../../src/main/core/slices/ports';

let t: MemoryCore | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await t?.cleanup();
  t = undefined;
});

describe('on fake time', () => {
  it('three codes at WhatsApp’s lifetimes (60 s, 20 s, 20 s) expire unscanned and the slice is destroyed', async () => {
    // Faked before the core is made: the store keeps the clock it was given (Date.now) for its timestamps.
    useFakeClock();
    t = await makeMemoryCore({ qrCodes: 3, qrFirstTtlMs: 60_000, qrTtlMs: 20_000 });
    const { id: accountId } = await t.call('accounts.add', { name: 'Erin' });
    const { port } = await advanceUntil(t.call('slices.connect', { accountId }), 'Connect', { pace: 'real', maxFakeMs: 60_000 });
    const expired = t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'qr_timeout', 10 * 60_000, 'qr_timeout');
    const view = await advanceUntil(expired, 'the codes’ end', { pace: 'fast', maxFakeMs: 5 * 60_000 });
    expect(view.phase).toBe('expired');
    const codes = new Map(t.events.of('slice').filter((v) => v.accountId === accountId && v.qr).map((v) => [v.qr!.index, v.qr!]));
    expect([...codes.keys()]).toEqual([1, 2, 3]);
    expect([1, 2, 3].map((i) => codes.get(i)!.expiresAt - codes.get(i)!.issuedAt)).toEqual([60_000, 20_000, 20_000]);
    // The host waited for the last code's end, not a moment less.
    expect(view.stageStartedAt!).toBeGreaterThanOrEqual(codes.get(3)!.expiresAt);
    expect(t.runtime.containersOf(t.homeId, accountId)).toHaveLength(0);
    expect(await isPortBindable(port)).toBe(true);
  });

  it('a link that takes longer than the linking timeout’s default (10 minutes) ends in error with words', async () => {
    // 100 contacts, 2 per 30 s tick: about 25 minutes to load, far past the default linking timeout.
    useFakeClock();
    t = await makeMemoryCore({ qrTtlMs: 10 * 60_000, qrFirstTtlMs: 10 * 60_000, simContacts: 100, simContactIntervalMs: 30_000 });
    expect(t.core.config.linkingTimeoutMs).toBe(10 * 60_000);
    const { id: accountId } = await t.call('accounts.add', { name: 'Slow link' });
    await advanceUntil(t.call('slices.connect', { accountId }), 'Connect', { pace: 'real', maxFakeMs: 60_000 });
    await advanceUntil(t.events.waitForStage(accountId, 'qr', 60_000), 'a code', { pace: 'real', maxFakeMs: 60_000 });
    await advanceUntil(t.call('sim.scan', { accountId }), 'the scan', { pace: 'real', maxFakeMs: 60_000 });
    const linking = await advanceUntil(t.events.waitForStage(accountId, 'linking', 60_000), 'linking', { pace: 'real', maxFakeMs: 60_000 });
    const linkingAt = linking.stageStartedAt!;
    const failed = await advanceUntil(t.events.waitForStage(accountId, 'error', 60 * 60_000), 'the linking timeout', { pace: 'fast', stepMs: 250, maxFakeMs: 30 * 60_000 });
    expect(failed.error).toMatch(/did not finish linking within 600 s: the slice was waiting for WhatsApp Web to finish loading the account, and was stopped/);
    // Not before the timeout: the contacts were still climbing at 10 minutes.
    expect(failed.stageStartedAt! - linkingAt).toBeGreaterThanOrEqual(10 * 60_000);
    expect(t.runtime.containersOf(t.homeId, accountId)).toHaveLength(0);
  });
});
