/**
 * Remove, Destroy and Log out take the account's lock (no race with Connect), on the
 * in-memory runtime (no Docker; the host and the slice app are the product's own):
 * Remove during Connect leaves nothing; Destroy during Connect is a cancel (setup, not
 * error) that leaves no slice, even one the engine made before the host stored its id;
 * Log out and Connect never interleave. A stage hook holds the attempt where the case
 * needs it (the in-memory engine starts a slice in milliseconds). Moved down from
 * test/integration/core-locks.test.ts, which keeps volumes and networks in a real engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StagePoint } from '../../../src/main/core';
import { coreInternals } from '../../../src/main/core';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';

/** Accounts whose attempt is held at a stage until released, and a promise for arriving there. */
const holds = new Map<string, { stage: StagePoint['stage']; arrived: () => void; released: Promise<void> }>();
function holdAt(accountId: string, stage: StagePoint['stage']): { arrived: Promise<void>; release: () => void } {
  let arrived!: () => void;
  let release!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  holds.set(accountId, { stage, arrived, released });
  return { arrived: arrival, release };
}

let t: MemoryCore;
beforeAll(async () => {
  t = await makeMemoryCore(
    { qrTtlMs: 20_000 },
    {
      stageHook: async ({ accountId, stage }) => {
        const hold = holds.get(accountId);
        if (hold?.stage !== stage) return;
        hold.arrived();
        await hold.released;
      },
    },
  );
});
afterAll(async () => {
  await t?.cleanup();
});

const volumesOf = async (accountId: string) => (await t.runtime.listVolumes(t.homeId)).filter((v) => v.name.endsWith(accountId));

/** Nothing of the account is left: no slice, no volume, no account, no slice row. */
async function expectNothingLeft(accountId: string): Promise<void> {
  expect(t.runtime.containersOf(t.homeId, accountId)).toHaveLength(0);
  expect(await volumesOf(accountId)).toEqual([]);
  expect((await t.call('accounts.list')).some((a) => a.id === accountId)).toBe(false);
  expect(coreInternals(t.core).store.getSlice(accountId)).toBeUndefined();
}

/** A new account's Connect, cancelled by `cancel` while its slice is being started: the cancel succeeds, the Connect is refused with `words`. */
async function cancelWhileStarting(name: string, cancel: (accountId: string) => Promise<unknown>, words: RegExp): Promise<string> {
  const { id } = await t.call('accounts.add', { name });
  const held = holdAt(id, 'starting');
  const connecting = t.call('slices.connect', { accountId: id });
  await held.arrived;
  try {
    const [connect, cancelled] = await Promise.allSettled([connecting, cancel(id)]);
    expect(cancelled.status).toBe('fulfilled');
    expect(connect).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(words) } });
  } finally {
    held.release();
  }
  return id;
}

describe('Remove during Connect', () => {
  it('leaves nothing when Remove comes while the slice is being started', async () => {
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
    expect(t.runtime.containersOf(t.homeId, id)).toHaveLength(0);
  });

  it('removes a slice the engine made whose id the host had not stored yet (swept by its labels)', async () => {
    const account = await t.call('accounts.add', { name: 'Swept' });
    // Held inside creating_container: the slice exists, its id is not in the row yet (StagePoint).
    const held = holdAt(account.id, 'creating_container');
    const connecting = t.call('slices.connect', { accountId: account.id });
    await held.arrived;
    try {
      expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(1);
      expect(coreInternals(t.core).store.getSlice(account.id)!.sliceRef).toBeNull();
      const [connect, destroy] = await Promise.allSettled([connecting, t.call('slices.destroy', { accountId: account.id })]);
      expect(destroy.status).toBe('fulfilled');
      expect(connect.status).toBe('rejected');
      // Gone with the cancelled attempt, not left for the reconciler's next pass.
      expect(t.runtime.containersOf(t.homeId, account.id)).toHaveLength(0);
    } finally {
      held.release();
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
    expect(t.runtime.containersOf(t.homeId, id)).toHaveLength(1);
    await t.call('slices.destroy', { accountId: id });
  });
});
