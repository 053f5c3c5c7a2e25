/**
 * Sessions survive (issue 9, part 1), on real slices: the stand-in Client keeps its
 * link on the account's volume where LocalAuth would (AUTH_BASE_DIR/<clientId>/
 * session-<clientId>), so a new slice restores it without a code — after Disconnect,
 * after a host restart with the container gone; Log out deletes it (a code again);
 * a session the phone removed meanwhile falls back to codes with words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SliceView } from '@shared/types';
import { linkNewAccount, makeTestCore, type TestCore } from '../helpers/core';
import { containersOfHome, docker, execIn } from '../helpers/docker';
import { coreInternals } from '../../src/main/core';
import { SESSION_REFUSED_WORDS } from '../../src/main/core/slices/slice-service';

let t: TestCore;
beforeAll(async () => {
  t = await makeTestCore({ qrTtlMs: 20_000, simContacts: 5 });
});
afterAll(async () => {
  await t?.cleanup();
});

function viewsOf(accountId: string): SliceView[] {
  return t.events.of('slice').filter((v) => v.accountId === accountId);
}

/** Connect again and wait for Ready; fails if a code is shown on the way. Returns ms from Connect to Ready. */
async function relink(accountId: string): Promise<number> {
  t.events.clear();
  const started = Date.now();
  await t.call('slices.connect', { accountId });
  await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.stage === 'ready' || v.stage === 'qr' || v.phase === 'error'), 60_000, 'Ready or a code');
  const elapsed = Date.now() - started;
  const views = viewsOf(accountId);
  expect(views.some((v) => v.stage === 'qr' || v.qr)).toBe(false);
  expect(views.at(-1)).toMatchObject({ stage: 'ready' });
  return elapsed;
}

describe('a linked account stays linked', () => {
  it('relinks without a code after Disconnect, saying it is restoring, and History records it', async () => {
    const accountId = (await linkNewAccount(t, 'Saved')).accountId;
    // The session is on the volume where LocalAuth keeps it.
    const [container] = await containersOfHome(t.homeId, { accountId });
    // (The node-only image has no shell: node lists the directory.)
    const listing = await execIn(container!.Id, ['node', '-e', `console.log(require('fs').readdirSync('/data/auth/${accountId}/session-${accountId}/Default').join('\\n'))`]);
    expect(listing).toMatch(/slicedeck-simulated-session\.json/);
    // One engine is one place: the session is pinned to no node (a swarm's would be: placement.ts), so a
    // data dir moved to a swarm later is placed freely rather than on a node called 'local'.
    expect(coreInternals(t.core).store.sessionNode(accountId)).toBeNull();

    await t.call('slices.destroy', { accountId });
    expect(await containersOfHome(t.homeId, { accountId })).toHaveLength(0);
    const ms = await relink(accountId);
    console.log(`relink after Disconnect: ${ms} ms from Connect to Ready, no code`);
    // The connect page said what was going on while it restored.
    expect(viewsOf(accountId).some((v) => v.restoring && v.phase !== 'ready')).toBe(true);
    const history = await t.call('slices.history', { accountId });
    expect(history.filter((h) => h.type === 'session.restored')).toHaveLength(1);
  });

  it('relinks without a code after a host restart with the container gone', async () => {
    const accountId = (await t.call('accounts.list')).find((a) => a.name === 'Saved')!.id;
    expect((await t.call('slices.view', { accountId })).stage).toBe('ready');
    // The slice dies with the machine (its container gone, its volume kept), then the host restarts.
    for (const c of await containersOfHome(t.homeId, { all: true })) await docker.getContainer(c.Id).remove({ force: true });
    t = await t.reopen();
    // The restarted host finds the slice gone (start-up reconciliation): the account is no longer Ready.
    expect((await t.call('slices.view', { accountId })).stage).not.toBe('ready');
    const ms = await relink(accountId);
    console.log(`relink after a host restart without the container: ${ms} ms from Connect to Ready, no code`);
  });

  it('Log out deletes the session: the next Connect shows a code again', async () => {
    const accountId = (await t.call('accounts.list')).find((a) => a.name === 'Saved')!.id;
    await t.call('slices.logout', { accountId });
    t.events.clear();
    await t.call('slices.connect', { accountId });
    const qr = await t.events.waitForStage(accountId, 'qr');
    expect(qr.qr).toBeDefined();
    expect(qr.restoring).toBeUndefined();
    expect(qr.note).toBeUndefined();
    await t.call('slices.destroy', { accountId });
  });

  it('a session removed on the phone meanwhile falls back to a code, with words and a History row', async () => {
    const accountId = (await linkNewAccount(t, 'Revoked')).accountId;
    // The phone removes the device; the running client is not told (the computer was "away").
    await t.call('sim.fault', { accountId, kind: 'revoke_session' });
    await t.call('slices.destroy', { accountId });
    t.events.clear();
    await t.call('slices.connect', { accountId });
    const qr = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'qr' && !!v.note, 30_000, 'a code with words');
    expect(qr.note).toBe(SESSION_REFUSED_WORDS);
    expect(qr.qr).toBeDefined();
    const history = await t.call('slices.history', { accountId });
    expect(history.map((h) => h.type)).toContain('session.refused');
    // Scanning links it again, and the next Disconnect/Connect restores without a code.
    await t.call('sim.scan', { accountId });
    await t.events.waitForStage(accountId, 'ready');
    await t.call('slices.destroy', { accountId });
    await relink(accountId);
  });
});
