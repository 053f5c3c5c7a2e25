/**
 * The Reconciler runs on a timer, not only at start-up (ARCHITECTURE: "compares both
 * at start and on a timer"): differences that appear while the host is running are
 * repaired without a restart. An orphan of this home is removed; a container of
 * another home is never touched; a slice whose container vanished is cleared and
 * its port freed.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SLICE_ENV, SLICE_INTERNAL_PORT } from '@shared/slice-protocol';
import { DEFAULT_STOP_GRACE_MS } from '../../src/main/core/config';
import { makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker } from '../helpers/docker';

async function exists(id: string): Promise<boolean> {
  return docker.getContainer(id).inspect().then(() => true, () => false);
}

/**
 * What a wait for the timer's repair allows: a running orphan is stopped with the grace
 * (it may hold a session) before it is removed; the rest (a pass every 300 ms) is small.
 * Three graces: generous for the full suite's two files at once on 2 cores, still bounded.
 */
const REPAIR_WAIT_MS = 3 * DEFAULT_STOP_GRACE_MS;

/** Waits, bounded, until `check` holds; the timer is what must make it hold. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = REPAIR_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A running container with slicedeck's labels that no row of `homeId` intends. */
async function startStranger(homeId: string): Promise<string> {
  const container = await docker.createContainer({
    Image: 'slicedeck-slice:latest',
    Env: [`${SLICE_ENV.token}=${randomBytes(16).toString('hex')}`, `${SLICE_ENV.driver}=simulated`],
    ExposedPorts: { [`${SLICE_INTERNAL_PORT}/tcp`]: {} },
    Labels: {
      'slicedeck.managed': 'true',
      'slicedeck.home': homeId,
      'slicedeck.slice-id': `slc_orphan${randomBytes(4).toString('hex')}`,
      'slicedeck.account-id': 'acc_nobody0',
    },
  });
  await container.start();
  return container.id;
}

describe('the reconciler timer', () => {
  let t: TestCore | undefined;
  const strangers: string[] = [];

  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
    for (const id of strangers.splice(0)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
  });

  it('removes an orphan of this home that appears while running, and spares another home', async () => {
    t = await makeTestCore({ reconcileIntervalMs: 300 });
    const orphan = await startStranger(t.homeId);
    const foreign = await startStranger(`other-home-${randomBytes(4).toString('hex')}`);
    strangers.push(orphan, foreign);

    await eventually(async () => !(await exists(orphan)), 'removal of the orphan');
    expect(await exists(foreign)).toBe(true);
  });

  it('clears a slice whose container vanished behind its back, freeing the port', async () => {
    t = await makeTestCore({ reconcileIntervalMs: 300 });
    const account = await t.call('accounts.add', { name: 'Vanishing' });
    await t.call('slices.connect', { accountId: account.id });
    await t.events.waitFor('slice', (v) => v.accountId === account.id && v.phase === 'qr', 30_000, 'the first code');
    const [container] = await containersOfHome(t.homeId, { accountId: account.id });
    expect(container).toBeDefined();

    await docker.getContainer(container!.Id).remove({ force: true });

    const cleared = await t.events.waitFor(
      'slice',
      (v) => v.accountId === account.id && (v.phase === 'error' || v.phase === 'setup'),
      REPAIR_WAIT_MS,
      'the view cleared by the reconciler',
    );
    // Whichever notices first (the timer, or the slice's lost event stream), the
    // operator is told what to do.
    expect(cleared.port).toBeUndefined();
    expect(cleared.phase).toBe('error');
    expect(cleared.error ?? '').toMatch(/Connect/);
    expect((await t.call('system.status')).portsInUse).toBe(0);
  });
});
