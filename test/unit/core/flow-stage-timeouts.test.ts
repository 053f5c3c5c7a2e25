/**
 * The host's safety timeouts, on the in-memory runtime (no Docker): a slice that starts
 * and keeps running but never answers its health check ends in `error` at the
 * waiting_for_health stage timeout; a link that never finishes ends at the linking
 * timeout; a restored session WhatsApp never finishes syncing ends at the initializing
 * timeout with words naming what it waited for. Each leaves no slice and no port behind.
 * Moved down from core-stage-timeout.test.ts and core-link-stall.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkNewAccount, makeTestCore, testConfig, type TestCore } from '../../helpers/core';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';
import { MemoryRuntime } from '../../helpers/memory-runtime';
import { isPortBindable } from '../../../src/main/core/slices/ports';
import type { CoreConfig } from '../../../src/main/core/config';

const stageTimeouts = (overrides: Partial<CoreConfig['stageTimeoutsMs']>) => ({ ...testConfig('/tmp').stageTimeoutsMs, ...overrides });

describe('a slice that runs but never answers', () => {
  const MUTE_IMAGE = 'slicedeck-test-mute:in-memory';
  const runtime = new MemoryRuntime({ images: [], muteImages: [MUTE_IMAGE] });
  let t: TestCore;
  beforeAll(async () => {
    t = await makeTestCore({ image: MUTE_IMAGE, stageTimeoutsMs: stageTimeouts({ waiting_for_health: 1_500 }) }, { runtime });
  });
  afterAll(async () => {
    await t?.cleanup();
    await runtime.close();
  });

  it('ends in error at the stage timeout, with words, and leaves no container or port behind', async () => {
    const account = await t.call('accounts.add', { name: 'Mute' });
    await expect(t.call('slices.connect', { accountId: account.id })).rejects.toMatchObject({ code: 'timeout' });

    const view = await t.call('slices.view', { accountId: account.id });
    expect(view.phase).toBe('error');
    // The stage timer owns the deadline (the health wait's own limit is a later backstop).
    expect(view.error).toMatch(/took longer than 2 s at “waiting for health”/);
    expect(view.error).toMatch(/Connect to retry/);
    // It really was the health wait that ran out: the stage before error was waiting_for_health.
    const stages = (await t.call('slices.history', { accountId: account.id })).map((row) => row.stage).filter(Boolean);
    expect(stages).toContain('waiting_for_health');
    expect(stages).not.toContain('initializing');

    expect(runtime.containersOf(t.homeId, account.id)).toHaveLength(0);
    expect((await t.call('system.status')).portsInUse).toBe(0);
  });
});

describe('a link that never finishes', () => {
  let t: MemoryCore;
  beforeAll(async () => {
    // 100 contacts, 2 per 500 ms tick: the simulated link takes about 25 s, far past the linking timeout.
    t = await makeMemoryCore({ linkingTimeoutMs: 2_000, simContacts: 100, simContactIntervalMs: 500, qrTtlMs: 20_000 });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('ends in error at the linking timeout, with words, and leaves no slice behind', async () => {
    const account = await t.call('accounts.add', { name: 'Slow link' });
    const { port } = await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    await t.call('sim.scan', { accountId: account.id });
    await t.events.waitForStage(account.id, 'linking');
    const view = await t.events.waitForStage(account.id, 'error', 20_000);
    // The slice said what it was waiting for, and the words name it.
    expect(view.error).toMatch(/did not finish linking within 2 s: the slice was waiting for WhatsApp Web to finish loading the account, and was stopped/);
    expect(view.error).toMatch(/Connect to retry/);
    expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(0);
    expect(await isPortBindable(port)).toBe(true);
  });
});

describe('a restored session WhatsApp never finishes syncing', () => {
  /** The slice says what it waits for within a moment of initialize; generous for a loaded machine all the same. */
  const INITIALIZE_TIMEOUT_MS = 6_000;
  let t: MemoryCore;
  beforeAll(async () => {
    t = await makeMemoryCore({ simRestoreSync: 'never', stageTimeoutsMs: stageTimeouts({ initializing: INITIALIZE_TIMEOUT_MS }) });
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
      INITIALIZE_TIMEOUT_MS + 20_000,
      'the view saying what the restore waits for',
    );
    expect(waiting).toMatchObject({ stage: 'initializing', restoring: true, waitingFor: 'Waiting for WhatsApp to finish syncing the restored session' });

    const failed = await t.events.waitForStage(accountId, 'error', INITIALIZE_TIMEOUT_MS + 20_000);
    expect(failed.error).toMatch(/did not finish linking within 6 s: the slice was waiting for WhatsApp to finish syncing the restored session/);
    expect(failed.error).toMatch(/phone is online .*click Connect to retry/);
    expect(failed.error).toMatch(/Log out and link the account again/);
    expect(failed.error).not.toMatch(/took longer than/);
    // No code was ever shown for this start: it was a restore that stalled, not a refused session.
    const views = t.events.of('slice').filter((v) => v.accountId === accountId && (v.startedAt ?? 0) >= connectedAt);
    expect(views.filter((v) => v.qr)).toEqual([]);
    const history = await t.call('slices.history', { accountId });
    expect(history.some((row) => row.type === 'waiting' && row.at >= connectedAt && /restored session/.test(row.message ?? ''))).toBe(true);
    expect(t.runtime.containersOf(t.homeId, accountId)).toHaveLength(0);
  });
});
