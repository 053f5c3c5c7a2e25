/**
 * A slice that may hold a WhatsApp session ends the way a person closes a browser:
 * the engine sends SIGTERM (`docker stop`), the slice closes its client and browser and
 * exits 0 by itself, and only then is the container removed — on Destroy, on quitting
 * with "destroy the slices" (all at once), on a restart by the ladder, and when the
 * reconciler removes a running orphan. A slice with nothing to save (its codes expired
 * unscanned) is removed at once, and the host ends it on the slice's own word that its
 * codes are over, not on its backstop.
 *
 * The simulated browser takes SLICEDECK_SIM_CLOSE_MS to close, so a grace too short to
 * close it shows as a SIGKILL. Observed from the engine's event stream (test/helpers/container-ends.ts): the signals
 * the engine sent and the exit code each run died with — 0 after SIGTERM when the slice
 * closed itself, 137 when it was killed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreInternals } from '../../src/main/core';
import { isPortBindable } from '../../src/main/core/slices/ports';
import { CODES_OVER_WORDS } from '../../src/main/core/slices/stage-clock';
import { ContainerEnds } from '../helpers/container-ends';
import { linkNewAccount, makeTestCore, workerPortRange, type TestCore } from '../helpers/core';
import { killableHostEnv, spawnHost } from '../helpers/spawn-host';
import { containersOfHome, docker } from '../helpers/docker';

const SIGTERM = 15;
/**
 * The stand-in browser takes this long to close, as Chromium writing a profile can: longer
 * than the 1 s the ladder's restart used to allow, well within the stop grace (10 s).
 */
const CLOSE_MS = 2_500;
const SIGKILL = 9;

function containerOf(t: TestCore, accountId: string): string {
  const id = coreInternals(t.core).store.getSlice(accountId)?.sliceRef;
  if (!id) throw new Error(`account ${accountId} has no slice container`);
  return id;
}

describe('graceful end of slices that may hold a session', () => {
  let t: TestCore;
  let ends: ContainerEnds;

  beforeAll(async () => {
    t = await makeTestCore({ maxSliceRestarts: 2, qrTtlMs: 1_500, simCloseMs: CLOSE_MS });
    ends = await ContainerEnds.of(t.homeId);
  }, 60_000);

  afterAll(async () => {
    ends?.close();
    await t?.cleanup();
  }, 120_000);

  it('Destroy of a Ready slice: SIGTERM, the slice closes itself (exit 0), never SIGKILL; then it is gone', async () => {
    const { accountId } = await linkNewAccount(t, 'Destroy');
    const container = containerOf(t, accountId);
    await t.call('slices.destroy', { accountId });
    const end = await ends.died(container);
    expect(end).toEqual({ signals: [SIGTERM], exitCodes: [0] });
    expect(await containersOfHome(t.homeId, { accountId })).toEqual([]);
    expect((await t.call('slices.view', { accountId })).phase).toBe('setup');
  }, 90_000);

  it('Remove of a linked account stops its slice the same way before its session volume goes', async () => {
    const { accountId } = await linkNewAccount(t, 'Remove');
    const container = containerOf(t, accountId);
    await t.call('accounts.remove', { accountId });
    expect(await ends.died(container)).toEqual({ signals: [SIGTERM], exitCodes: [0] });
    expect(await containersOfHome(t.homeId, { accountId })).toEqual([]);
    expect((await t.call('accounts.list')).some((account) => account.id === accountId)).toBe(false);
  }, 90_000);

  it('the restart ladder restarts a live slice with SIGTERM, the slice closing its client first, and follows it again', async () => {
    const { accountId, view } = await linkNewAccount(t, 'Ladder');
    const container = containerOf(t, accountId);
    await coreInternals(t.core).slices.reportSick(accountId, view.sliceId!, 'a test says it is sick');
    const end = await ends.died(container);
    expect(end).toEqual({ signals: [SIGTERM], exitCodes: [0] });
    // The same container, started again: its log still holds the first run's clean shutdown.
    const log = (await docker.getContainer(container).logs({ stdout: true, stderr: true })).toString('utf8');
    expect(log).toMatch(/"event":"stopping","signal":"SIGTERM"/);
    expect(log).toMatch(/"event":"stopped"/);
    const back = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'ready' && v.restarts === 1 && !v.note, 60_000, 'the restarted slice Ready again');
    expect(back.sliceId).toBe(view.sliceId);
    expect((await t.call('slices.history', { accountId })).some((row) => row.type === 'restart')).toBe(true);
  }, 120_000);

  it('the reconciler stops a running orphan gracefully before removing it', async () => {
    const { accountId, view } = await linkNewAccount(t, 'Orphan');
    const container = containerOf(t, accountId);
    const { store, reconciler } = coreInternals(t.core);
    // A host that died after giving up the row but before the container went: the container is an orphan.
    store.clearSlice(accountId, 'idle', null, view.sliceId!);
    const report = await reconciler.runOnce();
    expect(report.orphansRemoved).toBe(1);
    expect(await ends.died(container)).toEqual({ signals: [SIGTERM], exitCodes: [0] });
    expect(await containersOfHome(t.homeId, { accountId })).toEqual([]);
  }, 90_000);

  it('codes expired unscanned: the host ends the attempt on the slice’s own word, and removes it at once (SIGKILL, nothing to save)', async () => {
    const account = await t.call('accounts.add', { name: 'Unscanned' });
    await t.call('slices.connect', { accountId: account.id });
    await t.events.waitForStage(account.id, 'qr');
    const container = containerOf(t, account.id);
    await t.events.waitForStage(account.id, 'qr_timeout', 60_000);
    const expired = (await t.call('slices.history', { accountId: account.id })).filter((row) => row.type === 'qr.expired');
    expect(expired.map((row) => row.message)).toEqual([CODES_OVER_WORDS.slice]);
    const end = await ends.died(container);
    expect(end.signals).toEqual([SIGKILL]);
    expect(end.exitCodes).toEqual([137]);
  }, 90_000);
});

describe('quitting with “destroy the slices”', () => {
  it('stops every Ready slice at once, each with SIGTERM and a clean exit, and leaves none', async () => {
    const t = await makeTestCore({ simCloseMs: CLOSE_MS });
    const ends = await ContainerEnds.of(t.homeId);
    try {
      const linked = await Promise.all(['Quit A', 'Quit B'].map((name) => linkNewAccount(t, name)));
      const containers = linked.map(({ accountId }) => containerOf(t, accountId));
      await t.core.close({ destroySlices: true });
      for (const container of containers) expect(await ends.died(container)).toEqual({ signals: [SIGTERM], exitCodes: [0] });
      expect(await containersOfHome(t.homeId)).toEqual([]);
    } finally {
      ends.close();
      await t.cleanup();
    }
  }, 120_000);
});

describe('a host killed while it stops a slice gracefully', () => {
  it('the engine finishes the stop; the next start leaves no container and no port taken, and the session restores without a code', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slicedeck-killed-mid-stop-'));
    const host = await spawnHost({ ...killableHostEnv(dataDir, workerPortRange()), HOST_SCAN: '1', HOST_DESTROY_WHEN_READY: '1', SLICEDECK_SIM_CLOSE_MS: String(CLOSE_MS) });
    let t: TestCore | undefined;
    let ends: ContainerEnds | undefined;
    try {
      const homeId = (await host.waitForLine((line) => line.type === 'home')).homeId!;
      ends = await ContainerEnds.of(homeId);
      const { accountId } = await host.waitForLine((line) => line.type === 'destroying', 60_000);
      const [container] = await containersOfHome(homeId);
      const port = container!.Ports.find((p) => p.PublicPort)!.PublicPort;
      // Killed once the engine has begun the stop (SIGTERM sent), while the slice is still closing.
      await expect.poll(() => ends!.of(container!.Id).signals, { timeout: 30_000, interval: 50 }).toContain(SIGTERM);
      await host.kill9();
      // The engine goes on with the stop by itself: the slice closes its browser and exits 0. (Docker
      // reports the exit before it has released the container: the next start may still see it running.)
      expect(await ends.died(container!.Id)).toEqual({ signals: [SIGTERM], exitCodes: [0] });
      t = await makeTestCore({}, { dataDir });
      expect(await containersOfHome(homeId)).toEqual([]);
      expect(await isPortBindable(port)).toBe(true);
      await t.call('slices.connect', { accountId: accountId! });
      const settled = await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.stage === 'ready' || v.stage === 'qr'), 60_000, 'Ready from the saved session (or a code)');
      expect(settled.stage).toBe('ready');
    } finally {
      ends?.close();
      await host.kill9();
      await t?.cleanup();
    }
  }, 180_000);
});
