/**
 * Remove and Log out take the account's lock (no race with Connect); session
 * volumes of accounts that no longer exist are reconciled away, never a live
 * account's; a late subscription of an aborted attempt cannot replace a newer one;
 * Destroy during Connect is a cancel (setup, not error) that leaves no container.
 * Real core, real engine, real slices.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals, createCore } from '../../src/main/core';
import { LABELS, authVolumeName, sliceNetworkName } from '../../src/main/core/docker/labels';
import { makeTestCore, testConfig, type TestCore } from '../helpers/core';
import { containersOfHome, docker, removeHome, volumesOfHome } from '../helpers/docker';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 20_000 });
});
afterAll(async () => {
  await t?.cleanup();
});

/** Nothing of the account is left: no container, no volume, no account, no slice row. */
async function expectNothingLeft(accountId: string): Promise<void> {
  expect(await containersOfHome(t.homeId, { accountId })).toHaveLength(0);
  expect((await volumesOfHome(t.homeId)).filter((name) => name.endsWith(accountId))).toEqual([]);
  expect((await t.call('accounts.list')).some((a) => a.id === accountId)).toBe(false);
  expect(coreInternals(t.core).store.getSlice(accountId)).toBeUndefined();
}

/** A new account's Connect, cancelled by `cancel` while its container is being started: the cancel succeeds, the Connect is refused with `words`. */
async function cancelWhileStarting(name: string, cancel: (accountId: string) => Promise<unknown>, words: RegExp): Promise<string> {
  const { id } = await t.call('accounts.add', { name });
  const connecting = t.call('slices.connect', { accountId: id });
  await t.events.waitForStage(id, 'starting');
  const [connect, cancelled] = await Promise.allSettled([connecting, cancel(id)]);
  expect(cancelled.status).toBe('fulfilled');
  expect(connect).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(words) } });
  return id;
}

describe('Remove during Connect', () => {
  it('leaves nothing when Remove comes while the container is being started', async () => {
    const id = await cancelWhileStarting('Mid-connect', (accountId) => t.call('accounts.remove', { accountId }), /cancelled because the account was removed/);
    await expectNothingLeft(id);
  });

  it('leaves nothing when Connect is clicked right after Remove', async () => {
    const { id } = await t.call('accounts.add', { name: 'Connect-after-remove' });
    // Remove first, Connect in the same tick: Connect must wait for the lock and find no account.
    const removing = t.call('accounts.remove', { accountId: id });
    const connecting = t.call('slices.connect', { accountId: id });
    const [remove, connect] = await Promise.allSettled([removing, connecting]);
    expect(remove.status).toBe('fulfilled');
    expect(connect).toMatchObject({ status: 'rejected', reason: { code: 'not_found' } });
    await expectNothingLeft(id);
  });

  it('leaves nothing when a linked account with a running slice is removed while Connect is clicked', async () => {
    const { id } = await t.call('accounts.add', { name: 'Linked' });
    await t.call('slices.connect', { accountId: id });
    await t.events.waitForStage(id, 'qr');
    await t.call('sim.scan', { accountId: id });
    await t.events.waitForStage(id, 'ready');
    const [remove, connect] = await Promise.allSettled([t.call('accounts.remove', { accountId: id }), t.call('slices.connect', { accountId: id })]);
    expect(remove.status).toBe('fulfilled');
    expect(connect.status).toBe('rejected');
    await expectNothingLeft(id);
  });
});

describe('Destroy during Connect', () => {
  it('ends the attempt in setup, never in error: the operator cancelling is not a failure', async () => {
    const id = await cancelWhileStarting('Cancelled', (accountId) => t.call('slices.destroy', { accountId }), /cancelled because the slice was destroyed/);
    expect(await t.call('slices.view', { accountId: id })).toMatchObject({ phase: 'setup', stage: 'idle' });
    // Not even for a moment: no error view was emitted and History records no error stage.
    expect(t.events.of('slice').filter((v) => v.accountId === id && v.phase === 'error')).toEqual([]);
    expect((await t.call('slices.history', { accountId: id })).filter((row) => row.stage === 'error')).toEqual([]);
    expect(await containersOfHome(t.homeId, { accountId: id })).toHaveLength(0);
  });

  it('removes a container Docker made whose id the host had not stored yet (swept by its labels)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-sweep-'));
    let arrived!: () => void;
    const atCreate = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Held inside creating_container: the container exists, its id is not in the row yet (StagePoint).
    const core = await createCore({
      config: testConfig(dataDir),
      logger: pino({ level: 'silent' }),
      stageHook: async ({ stage }) => {
        if (stage !== 'creating_container') return;
        arrived();
        await released;
      },
    });
    try {
      const account = await core.handlers['accounts.add']({ name: 'Swept' });
      const connecting = core.handlers['slices.connect']({ accountId: account.id });
      await atCreate;
      expect(await containersOfHome(core.homeId, { accountId: account.id })).toHaveLength(1);
      expect(coreInternals(core).store.getSlice(account.id)!.sliceRef).toBeNull();
      const [connect, destroy] = await Promise.allSettled([connecting, core.handlers['slices.destroy']({ accountId: account.id })]);
      expect(destroy.status).toBe('fulfilled');
      expect(connect.status).toBe('rejected');
      // Gone with the cancelled attempt, not left for the reconciler's next pass.
      expect(await containersOfHome(core.homeId, { accountId: account.id })).toHaveLength(0);
    } finally {
      release();
      await core.close({ destroySlices: true });
      await removeHome(core.homeId);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Log out during Connect', () => {
  it('logs out first, then the Connect starts a clean slice (the two never interleave)', async () => {
    const { id } = await t.call('accounts.add', { name: 'Logout' });
    await t.call('slices.connect', { accountId: id });
    await t.events.waitForStage(id, 'qr');
    await t.call('sim.scan', { accountId: id });
    await t.events.waitForStage(id, 'ready');
    const before = (await t.call('slices.view', { accountId: id })).sliceId;

    const [logout, connect] = await Promise.allSettled([t.call('slices.logout', { accountId: id }), t.call('slices.connect', { accountId: id })]);
    expect(logout.status).toBe('fulfilled');
    // The Connect waited for the logout: a new slice, not the one that was logged out.
    expect(connect).toMatchObject({ status: 'fulfilled', value: { status: 'provisioned' } });
    const after = await t.call('slices.view', { accountId: id });
    expect(after.sliceId).toBe((connect as PromiseFulfilledResult<{ sliceId: string }>).value.sliceId);
    expect(after.sliceId).not.toBe(before);
    expect(after.phase).not.toBe('setup');
    const history = (await t.call('slices.history', { accountId: id })).map((row) => row.type);
    expect(history.lastIndexOf('logout')).toBeLessThan(history.lastIndexOf('stage'));
    expect(await containersOfHome(t.homeId, { accountId: id })).toHaveLength(1);
    await t.call('slices.destroy', { accountId: id });
  });
});

describe('session volume reconciliation', () => {
  it('removes the volume of an account that no longer exists, at start and on each pass, never a live account’s', async () => {
    const { runtime, reconciler } = coreInternals(t.core);
    const live = (await t.call('accounts.add', { name: 'Keeps its session' })).id;
    await t.call('slices.connect', { accountId: live });
    await t.events.waitForStage(live, 'qr');
    await t.call('slices.destroy', { accountId: live });
    const liveVolume = authVolumeName(t.homeId, live);
    expect(await volumesOfHome(t.homeId)).toContain(liveVolume);

    // What a Remove that died half-way (or ran while Docker was down) leaves behind.
    const ghost = 'acc_ghost0000001';
    const labels = { [LABELS.managed]: 'true', [LABELS.home]: t.homeId, [LABELS.accountId]: ghost };
    await runtime.ensureVolume(authVolumeName(t.homeId, ghost), labels);
    expect(await volumesOfHome(t.homeId)).toContain(authVolumeName(t.homeId, ghost));

    const report = await reconciler.runOnce();
    expect(report.volumesRemoved).toBe(1);
    expect(await volumesOfHome(t.homeId)).not.toContain(authVolumeName(t.homeId, ghost));
    expect(await volumesOfHome(t.homeId)).toContain(liveVolume);

    // At start-up too.
    await runtime.ensureVolume(authVolumeName(t.homeId, ghost), labels);
    t = await t.reopen();
    expect(await volumesOfHome(t.homeId)).not.toContain(authVolumeName(t.homeId, ghost));
    expect(await volumesOfHome(t.homeId)).toContain(liveVolume);

    // A volume of another install (another home) is never looked at.
    const foreign = `slicedeck-auth-foreign-${t.homeId}`;
    await docker.createVolume({ Name: foreign, Labels: { [LABELS.managed]: 'true', [LABELS.home]: `other-${t.homeId}`, [LABELS.accountId]: ghost } });
    try {
      await coreInternals(t.core).reconciler.runOnce();
      expect((await docker.getVolume(foreign).inspect()).Name).toBe(foreign);
    } finally {
      await docker.getVolume(foreign).remove().catch(() => undefined);
    }
  });
});

describe('a late subscription', () => {
  it('of an attempt that is no longer current cannot replace the newer slice’s stream', async () => {
    const { slices, store } = coreInternals(t.core);
    const { id } = await t.call('accounts.add', { name: 'Late' });
    const result = await t.call('slices.connect', { accountId: id });
    await t.events.waitForStage(id, 'qr');
    const row = store.getSlice(id)!;
    // What an aborted attempt's work does when it resumes after the abort: follow its own (old) slice.
    expect(() => slices.follow(id, 'slc_aborted0000000000', row.port!, row.token!, '127.0.0.1')).toThrow(/no longer the account’s current one/);
    expect(slices.isFollowing(id, result.sliceId)).toBe(true);
    // The newer slice's events still arrive.
    await t.call('sim.scan', { accountId: id });
    await t.events.waitForStage(id, 'linking');
  });
});

describe('the slice network', () => {
  it('is reconciled away when nothing of the home runs, and made again by the next Connect', async () => {
    const { reconciler, runtime } = coreInternals(t.core);
    for (const account of await t.call('accounts.list')) await t.call('slices.destroy', { accountId: account.id });
    expect(await containersOfHome(t.homeId)).toHaveLength(0);
    const report = await reconciler.runOnce();
    expect(report.networkRemoved).toBe(true);
    expect(await runtime.inspectNetwork(t.homeId)).toBeNull();

    const { id } = await t.call('accounts.add', { name: 'Network again' });
    await t.call('slices.connect', { accountId: id });
    await t.events.waitForStage(id, 'qr');
    expect(await runtime.inspectNetwork(t.homeId)).not.toBeNull();
    // While a slice runs, a pass leaves the network alone.
    expect((await reconciler.runOnce()).networkRemoved).toBe(false);
    expect(await runtime.inspectNetwork(t.homeId)).not.toBeNull();
  });

  it('survives two networks of one name (a killed host’s create that the engine finished late): keeps one', async () => {
    const { id } = await t.call('accounts.add', { name: 'Twins' });
    // Nothing runs now (the reconciler removes the network), then two creators race.
    for (const account of await t.call('accounts.list')) await t.call('slices.destroy', { accountId: account.id });
    await coreInternals(t.core).reconciler.runOnce();
    const name = sliceNetworkName(t.homeId);
    const labels = { [LABELS.managed]: 'true', [LABELS.home]: t.homeId };
    await docker.createNetwork({ Name: name, CheckDuplicate: false, Labels: labels, Options: { 'com.docker.network.bridge.enable_icc': 'false' } });
    await docker.createNetwork({ Name: name, CheckDuplicate: false, Labels: labels, Options: { 'com.docker.network.bridge.enable_icc': 'false' } });
    expect((await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name)).toHaveLength(2);

    await t.call('slices.connect', { accountId: id });
    await t.events.waitForStage(id, 'qr');
    expect((await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name)).toHaveLength(1);
    await t.call('slices.destroy', { accountId: id });
  });
});
