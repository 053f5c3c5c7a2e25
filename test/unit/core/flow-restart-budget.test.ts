/**
 * The restart ladder, on the in-memory runtime (no Docker): a slice killed under the
 * host is detected, reported at once and restarted within the budget
 * (`maxSliceRestarts` per `restartWindowMs`); once the budget is spent it ends in
 * `error` with words, freeing its slice and port; a slice removed behind the host's back
 * is reported gone. The window is fake time: with Date faked, the budget refills once
 * the window has passed, without waiting ten minutes. Moved down from core-health.test.ts
 * (which keeps a real `docker kill` and the reconciler on a real engine).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { linkNewAccount } from '../../helpers/core';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';
import { isPortBindable } from '../../../src/main/core/slices/ports';

const sliceOf = (t: MemoryCore, accountId: string) => {
  const [id] = t.runtime.containersOf(t.homeId, accountId);
  if (!id) throw new Error(`no slice of ${accountId}`);
  return id;
};

describe('restarts within the budget', () => {
  let t: MemoryCore;
  beforeAll(async () => {
    t = await makeMemoryCore({ healthIntervalMs: 250, maxSliceRestarts: 1, qrTtlMs: 20_000 });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('detects a killed slice, reports it, restarts it, and it shows codes again', async () => {
    const account = await t.call('accounts.add', { name: 'Gina' });
    const { sliceId } = await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    const id = sliceOf(t, account.id);
    const killedAt = Date.now();
    t.runtime.kill(id);

    const reported = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.restarts === 1, 15_000, 'the restart to be reported');
    // A note beside the phase, not an error: the host is handling it.
    expect(reported.note).toMatch(/stopped unexpectedly \(it stopped \(exit code 137\)\)/);
    expect(reported.error).toBeUndefined();
    const back = await t.events.waitFor('slice', (v) => v.accountId === account.id && !!v.qr && v.qr.issuedAt >= killedAt && !v.note, 15_000, 'a fresh code after the restart');
    expect(back).toMatchObject({ sliceId, stage: 'qr', restarts: 1 });
    expect((await t.runtime.inspect(id))?.running).toBe(true);
    expect((await t.call('slices.history', { accountId: account.id })).some((h) => h.type === 'restart')).toBe(true);
  });

  it('ends in error with words once the restart budget is spent, freeing slice and port', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    const { port } = await t.call('slices.view', { accountId: account.id });
    t.runtime.kill(sliceOf(t, account.id));
    const failed = await t.events.waitForStage(account.id, 'error', 15_000);
    expect(failed.error).toMatch(/kept failing.*1 restart already tried.*Click Connect/);
    expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(0);
    expect(await isPortBindable(port!)).toBe(true);
  });

  it('reports a slice removed behind its back as gone, freeing its port', async () => {
    const account = await t.call('accounts.add', { name: 'Hal' });
    const { port } = await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    await t.runtime.remove(sliceOf(t, account.id));
    const failed = await t.events.waitForStage(account.id, 'error', 15_000);
    expect(failed.error).toMatch(/The slice is gone \(its container is gone\)\. Click Connect/);
    expect((await t.call('slices.view', { accountId: account.id })).port).toBeUndefined();
    expect(await isPortBindable(port)).toBe(true);
  });
});

describe('the restart window (fake time)', () => {
  const WINDOW_MS = 10 * 60_000;
  let t: MemoryCore;
  beforeAll(async () => {
    t = await makeMemoryCore({ healthIntervalMs: 250, maxSliceRestarts: 1, restartWindowMs: WINDOW_MS, simContacts: 3 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('refills the budget once the window has passed, and not before', async () => {
    const { accountId } = await linkNewAccount(t, 'Ida');
    // Only Date is fake: the slice's and the host's timers and sockets run as ever.
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const restartedReady = async (restarts: number) => {
      t.runtime.kill(sliceOf(t, accountId));
      await t.events.waitFor('slice', (v) => v.accountId === accountId && v.restarts === restarts && v.stage === 'ready' && !v.note, 20_000, `Ready again after restart ${restarts}`);
    };

    await restartedReady(1);
    // The window has passed since that restart: the budget is whole again.
    vi.setSystemTime(t0 + WINDOW_MS + 1_000);
    await restartedReady(2);
    // Within the window of the second restart: spent.
    vi.setSystemTime(t0 + WINDOW_MS + 2_000);
    t.runtime.kill(sliceOf(t, accountId));
    const failed = await t.events.waitForStage(accountId, 'error', 20_000);
    expect(failed.error).toMatch(/kept failing/);
  });
});
