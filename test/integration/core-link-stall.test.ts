/**
 * A start that stalls says what it waits for, and ends in words, not silence (issue 18
 * part 3). A linked account's restored session that WhatsApp never finishes syncing
 * (SLICEDECK_SIM_RESTORE_SYNC=never: a phone that stays offline) keeps the slice waiting
 * at `initializing`: the view says "Waiting for WhatsApp to finish syncing the restored
 * session", and the host's safety timeout ends it in `error` with words naming that step
 * and what to do — not "the slice took longer", and nothing left running.
 * Real core, real Docker, real simulated slice containers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, linkNewAccount, testConfig, type TestCore } from '../helpers/core';
import { containersOfHome } from '../helpers/docker';

/** Generous for a loaded 2-core machine: the slice says what it waits for within a second or two of initialize. */
const INITIALIZE_TIMEOUT_MS = 12_000;

describe('a restored session WhatsApp never finishes syncing', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await makeTestCore({
      simRestoreSync: 'never',
      stageTimeoutsMs: { ...testConfig('/tmp').stageTimeoutsMs, initializing: INITIALIZE_TIMEOUT_MS },
    });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('shows what the slice waits for, then ends in error with words naming it and what to do', async () => {
    // Linked once with a code (a fresh link is not a restore), then disconnected.
    const { accountId } = await linkNewAccount(t, 'Offline phone');
    await t.call('slices.destroy', { accountId });
    const connectedAt = Date.now();
    await t.call('slices.connect', { accountId });

    const waiting = await t.events.waitFor(
      'slice',
      (v) => v.accountId === accountId && (v.startedAt ?? 0) >= connectedAt && (v.waitingFor?.includes('restored session') || v.phase === 'error'),
      INITIALIZE_TIMEOUT_MS + 30_000,
      'the view saying what the restore waits for',
    );
    expect(waiting).toMatchObject({ stage: 'initializing', restoring: true, waitingFor: 'Waiting for WhatsApp to finish syncing the restored session' });

    const failed = await t.events.waitForStage(accountId, 'error', INITIALIZE_TIMEOUT_MS + 30_000);
    expect(failed.error).toMatch(/did not finish linking within 12 s: the slice was waiting for WhatsApp to finish syncing the restored session/);
    expect(failed.error).toMatch(/phone is online .*click Connect to retry/);
    expect(failed.error).toMatch(/Log out and link the account again/);
    expect(failed.error).not.toMatch(/took longer than/);
    // No code was ever shown for this start: it was a restore that stalled, not a refused session.
    const views = t.events.of('slice').filter((v) => v.accountId === accountId && (v.startedAt ?? 0) >= connectedAt);
    expect(views.filter((v) => v.qr)).toEqual([]);
    const history = await t.call('slices.history', { accountId });
    expect(history.some((row) => row.type === 'waiting' && row.at >= connectedAt && /restored session/.test(row.message ?? ''))).toBe(true);
    expect(await containersOfHome(t.homeId, { accountId })).toHaveLength(0);
  }, 180_000);
});

describe('a restored session WhatsApp synced together with CONNECTED', () => {
  let t: TestCore;
  beforeAll(async () => {
    t = await makeTestCore({ simRestoreSync: 'with_connected' });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('is Ready again after Disconnect → Connect, with no code, one Ready', async () => {
    const { accountId } = await linkNewAccount(t, 'Quick restore');
    await t.call('slices.destroy', { accountId });
    const connectedAt = Date.now();
    await t.call('slices.connect', { accountId });
    const settled = await t.events.waitFor(
      'slice',
      (v) => v.accountId === accountId && (v.startedAt ?? 0) >= connectedAt && (v.phase === 'ready' || v.phase === 'error' || v.phase === 'expired'),
      60_000,
      'ready from the saved session',
    );
    expect(settled, settled.error).toMatchObject({ phase: 'ready' });
    const views = t.events.of('slice').filter((v) => v.accountId === accountId && (v.startedAt ?? 0) >= connectedAt);
    expect(views.filter((v) => v.qr)).toEqual([]);
    const history = (await t.call('slices.history', { accountId })).filter((row) => row.at >= connectedAt);
    expect(history.filter((row) => row.type === 'session.restored')).toHaveLength(1);
    expect(history.filter((row) => row.type === 'stage' && row.stage === 'ready')).toHaveLength(1);
  }, 120_000);
});
