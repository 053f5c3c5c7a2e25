/**
 * A slice container that dies under the host (a real `docker kill`): detected, reported
 * at once, and restarted in the engine (issue 4). The rest of the ladder — the budget
 * spent, a slice removed behind the host's back, the window — is unit-tested on the
 * in-memory runtime (test/unit/core/flow-restart-budget.test.ts).
 * And the reconciler: orphans of this home removed, another home never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker, removeHome } from '../helpers/docker';
import { coreInternals } from '../../src/main/core';
import { buildSliceSpec } from '../../src/main/core/slices/slice-spec';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ healthIntervalMs: 250, maxSliceRestarts: 1, qrTtlMs: 20_000 });
});
afterAll(async () => {
  await t?.cleanup();
});

async function sliceContainerId(accountId: string): Promise<string> {
  const [container] = await containersOfHome(t.homeId, { accountId });
  return container!.Id;
}

describe('health monitor', () => {
  it('detects a `docker kill`ed slice, reports it, restarts it, and it shows codes again', async () => {
    const account = await t.call('accounts.add', { name: 'Gina' });
    const { sliceId } = await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    const containerId = await sliceContainerId(account.id);
    const killedAt = Date.now();
    await docker.getContainer(containerId).kill();

    const reported = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.restarts === 1, 45_000, 'the restart to be reported');
    // A note beside the phase, not an error: the host is handling it.
    expect(reported.note).toMatch(/stopped unexpectedly/);
    expect(reported.error).toBeUndefined();
    const back = await t.events.waitFor('slice', (v) => v.accountId === account.id && !!v.qr && v.qr.issuedAt > killedAt && !v.note, 45_000, 'a fresh code after the restart');
    expect(back).toMatchObject({ sliceId, stage: 'qr', restarts: 1 });
    const info = await docker.getContainer(containerId).inspect();
    expect(info.State.Running).toBe(true);
    expect((await t.call('slices.history', { accountId: account.id })).some((h) => h.type === 'restart')).toBe(true);
  });
});

describe('reconciler', () => {
  it('removes this home’s orphans and never touches another home’s containers', async () => {
    const { runtime, reconciler } = coreInternals(t.core);
    const otherHome = `other${t.homeId.slice(5)}`;
    // As the product does: the labelled volume first, so cleanup by label finds it too
    // (a volume Docker creates on the fly for a mount carries no labels, and would leak).
    const make = async (homeId: string, sliceId: string, port: number) => {
      const spec = buildSliceSpec(t.core.config, { homeId, accountId: 'acc_orphan', sliceId, port, token: 'x'.repeat(43) });
      await runtime.ensureVolume(spec.volume, { 'slicedeck.managed': 'true', 'slicedeck.home': homeId, 'slicedeck.account-id': 'acc_orphan' });
      return runtime.create(spec);
    };
    const free = t.core.config.portRange.to;
    const orphan = await make(t.homeId, 'slc_orphan', free);
    const foreign = await make(otherHome, 'slc_foreign', free - 1);
    try {
      const report = await reconciler.runOnce();
      expect(report.orphansRemoved).toBeGreaterThanOrEqual(1);
      expect(await runtime.inspect(orphan)).toBeNull();
      expect(await runtime.inspect(foreign)).not.toBeNull();
    } finally {
      await removeHome(otherHome);
    }
  });
});
