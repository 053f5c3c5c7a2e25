/**
 * Session volumes of accounts that no longer exist are reconciled away, never a live
 * account's (nor another home's); a late subscription of an aborted attempt cannot
 * replace a newer one; the slice network is reconciled and survives twins.
 * Real core, real engine, real slices. Remove, Destroy and Log out during Connect (the
 * account's lock) are unit-tested on the in-memory runtime: test/unit/core/flow-locks.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core';
import { LABELS, authVolumeName, sliceNetworkName } from '../../src/main/core/docker/labels';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker, volumesOfHome } from '../helpers/docker';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 20_000 });
});
afterAll(async () => {
  await t?.cleanup();
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
