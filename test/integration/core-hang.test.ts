/**
 * A slice that hangs without dying (`docker pause`: the container still "runs", the
 * kernel still accepts its TCP connections, nothing answers, the event stream just goes
 * quiet) is caught by the health monitor within one interval plus the probe's bound
 * (HEALTH_PROBE_TIMEOUT_MS), restarted within the budget, then `error` with words and
 * everything freed. Only the monitor can see this: no stream is lost, no container exits.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';
import { isPortBindable } from '../../src/main/core/slices/ports';
import { HEALTH_PROBE_TIMEOUT_MS } from '../../src/main/core/slice-client';

const HEALTH_INTERVAL_MS = 500;
let t: TestCore;
const paused = new Set<string>();

beforeAll(async () => {
  t = await makeTestCore({ healthIntervalMs: HEALTH_INTERVAL_MS, maxSliceRestarts: 1, qrTtlMs: 20_000 });
});
afterEach(async () => {
  // Never leave a frozen container behind, whatever the test did.
  for (const id of paused) await docker.getContainer(id).unpause().catch(() => undefined);
  paused.clear();
});
afterAll(async () => {
  await t?.cleanup();
});

async function pauseSlice(accountId: string): Promise<{ id: string; at: number }> {
  const [container] = await containersOfHome(t.homeId, { accountId });
  paused.add(container!.Id);
  await docker.getContainer(container!.Id).pause();
  return { id: container!.Id, at: Date.now() };
}

describe('a hung slice', () => {
  it('is noticed by the health monitor, reported, restarted, and shows codes again', async () => {
    const account = await t.call('accounts.add', { name: 'Pia' });
    const { sliceId } = await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    const frozen = await pauseSlice(account.id);

    // Bounded by the monitor: interval + probe bound; the wait allows for a loaded machine.
    const reported = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.restarts === 1, 30_000, 'the hang to be reported');
    process.stderr.write(`[hang] paused → reported in ${Date.now() - frozen.at} ms (stated bound: ${HEALTH_INTERVAL_MS} + ${HEALTH_PROBE_TIMEOUT_MS} ms, plus Docker's answers)\n`);
    expect(reported.note).toMatch(/paused in Docker and did not answer its health check within 2 s/);
    expect(reported.phase).toBe('qr');

    const back = await t.events.waitFor('slice', (v) => v.accountId === account.id && !!v.qr && v.qr.issuedAt > frozen.at && !v.note, 30_000, 'a fresh code after the restart');
    expect(back).toMatchObject({ sliceId, stage: 'qr', restarts: 1 });
    const info = await docker.getContainer(frozen.id).inspect();
    expect(info.State).toMatchObject({ Running: true, Paused: false });
    const history = await t.call('slices.history', { accountId: account.id });
    expect(history.find((h) => h.type === 'restart')?.message).toMatch(/paused in Docker/);
  });

  it('ends in error with words once the budget is spent, removing the frozen container and freeing its port', async () => {
    const account = (await t.call('accounts.list'))[0]!;
    const { port } = await t.call('slices.view', { accountId: account.id });
    await pauseSlice(account.id);
    const failed = await t.events.waitForStage(account.id, 'error', 30_000);
    expect(failed.error).toMatch(/kept failing \(it is paused in Docker.*\)\. Click Connect to start a fresh one\./);
    expect(await containersOfHome(t.homeId, { accountId: account.id })).toHaveLength(0);
    expect(await isPortBindable(port!)).toBe(true);
    expect((await t.call('system.status')).portsInUse).toBe(0);
  });
});
