/**
 * After Ready the panel follows the phone (PRODUCT §1 step 6), on real slices (the slice
 * app in this process, on the in-memory runtime: no Docker) with the simulated
 * WhatsApp's faults played through `sim.fault`:
 * - a dropped link that WhatsApp brings back is a note beside Ready, then gone;
 * - a logout on the phone takes the account out of Ready with words and History rows,
 *   and frees the slice (container, port, session volume);
 * - the slice's restart ladder giving up ends in `error` with the slice's words.
 * And a slice's 404 (no such chat) is the host's 404, not a 502.
 * Moved down from test/integration/core-follow.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_STATUS_OF } from '@shared/errors';
import { SLICE_ENV } from '@shared/slice-protocol';
import type { SliceView } from '@shared/types';
import { linkNewAccount, makeTestCore } from '../../helpers/core';
import { makeMemoryCore, type MemoryCore } from '../../helpers/memory-core';
import { isPortBindable } from '../../../src/main/core/slices/ports';
import { LOGGED_OUT_WORDS } from '../../../src/main/core/slices/slice-service';

let t: MemoryCore;
beforeAll(async () => {
  // The slice's own restart ladder backs off 100 ms × attempt instead of its default 2 s × attempt.
  t = await makeMemoryCore({ qrTtlMs: 20_000, simContacts: 5 }, { sliceEnv: { [SLICE_ENV.restartBackoffMs]: '100' } });
});
const volumesOfHome = async (homeId: string) => (await t.runtime.listVolumes(homeId)).map((v) => v.name);
const containersOfHome = async (homeId: string, { accountId }: { accountId: string }) => t.runtime.containersOf(homeId, accountId);
afterAll(async () => {
  await t?.cleanup();
});

function viewsOf(accountId: string): SliceView[] {
  return t.events.of('slice').filter((v) => v.accountId === accountId);
}

describe('after Ready, the panel follows the phone', () => {
  it('shows a dropped link as a note beside Ready, and clears it when WhatsApp is back by itself', async () => {
    const { accountId } = await linkNewAccount(t, 'Ivy');
    // From here on the recorder holds only what the fault caused.
    t.events.clear();
    await t.call('sim.fault', { accountId, kind: 'drop_link' });

    const noted = await t.events.waitFor('slice', (v) => v.accountId === accountId && !!v.note, 45_000, 'a note about the dropped link');
    expect(noted).toMatchObject({ phase: 'ready', stage: 'ready' });
    expect(noted.note).toMatch(/lost the link.*reconnecting by itself/);
    expect(noted.error).toBeUndefined();
    // Only views after the note count: a view without it from before (the unread count read
    // once the account was Ready, say) says nothing about the note being cleared.
    const untilNoted = viewsOf(accountId);
    t.events.clear();
    const back = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'ready' && !v.note, 30_000, 'the note cleared');
    expect(back.phase).toBe('ready');
    // Never out of Ready, never an error on the way.
    expect([...untilNoted, ...viewsOf(accountId)].every((v) => v.phase === 'ready' && v.error === undefined)).toBe(true);
    const history = await t.call('slices.history', { accountId });
    expect(history.map((h) => h.type)).toEqual(expect.arrayContaining(['disconnected', 'reconnected']));
    // And the account works again.
    const chats = await t.call('chats.list', { accountId });
    expect((await t.call('messages.send', { accountId, chatId: chats[0]!.id, text: 'still here' })).status).toBe('sent');
  });

  it('takes the account out of Ready with words when the phone logs out, freeing slice, port and session', async () => {
    const { accountId, view } = await linkNewAccount(t, 'Jon');
    const port = view.port!;
    expect(await volumesOfHome(t.homeId)).toContain(`slicedeck-auth-${t.homeId}-${accountId}`);
    t.events.clear();
    await t.call('sim.fault', { accountId, kind: 'phone_logout' });

    const out = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.phase !== 'ready', 45_000, 'the account to leave Ready');
    expect(out).toMatchObject({ phase: 'setup', stage: 'idle', note: LOGGED_OUT_WORDS });
    expect(out.note).toMatch(/logged this account out.*Click Connect WhatsApp/);
    expect(out.port).toBeUndefined();
    expect(await containersOfHome(t.homeId, { accountId })).toHaveLength(0);
    expect(await isPortBindable(port)).toBe(true);
    await expect.poll(() => volumesOfHome(t.homeId), { timeout: 10_000 }).not.toContain(`slicedeck-auth-${t.homeId}-${accountId}`);
    const history = await t.call('slices.history', { accountId });
    expect(history.find((h) => h.type === 'logged_out')?.message).toMatch(/logged this device out/);
    expect(history.at(-1)).toMatchObject({ type: 'stage', stage: 'idle', message: LOGGED_OUT_WORDS });
    // What the operator sees when trying to use it: words, and Connect works again from codes.
    await expect(t.call('chats.list', { accountId })).rejects.toMatchObject({ code: 'slice_unavailable' });
    await t.call('slices.connect', { accountId });
    const again = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.stage === 'qr' && !!v.qr, 20_000, 'a code after the logout');
    expect(again.note).toBeUndefined();
    await t.call('slices.destroy', { accountId });
  });

  it('does not mistake the operator’s own Log out for the phone’s', async () => {
    const { accountId } = await linkNewAccount(t, 'Kim');
    await t.call('slices.logout', { accountId });
    const view = await t.call('slices.view', { accountId });
    expect(view).toMatchObject({ phase: 'setup', stage: 'idle' });
    expect(view.note).toBeUndefined();
    expect((await t.call('slices.history', { accountId })).some((h) => h.type === 'logged_out')).toBe(false);
  });

  it('ends in error with the slice’s words when its restart ladder gives up', async () => {
    const { accountId } = await linkNewAccount(t, 'Lou');
    // Every restart of the client fails, then the link drops: the ladder climbs and gives up
    // (the slice's default 5 restarts, backoff here 100 ms × attempt).
    t.events.clear();
    await t.call('sim.fault', { accountId, kind: 'fail_initialize', count: 50 });
    await t.call('sim.fault', { accountId, kind: 'drop_link' });
    const noted = await t.events.waitFor('slice', (v) => v.accountId === accountId && !!v.note, 45_000, 'the reconnecting note');
    expect(noted.phase).toBe('ready');
    const failed = await t.events.waitForStage(accountId, 'error', 60_000);
    expect(failed.error).toMatch(/WhatsApp kept disconnecting: 5 restarts within 10 minutes did not bring it back\. Click Connect to start it again\.$/);
    expect(failed.error!.match(/Click Connect/g)).toHaveLength(1);
    expect(failed.note).toBeUndefined();
    expect(await containersOfHome(t.homeId, { accountId })).toHaveLength(0);
  }, 90_000);
});

describe('a slice’s refusal keeps its meaning', () => {
  it('answers 404 not_found with words for a chat the account does not have', async () => {
    const { accountId } = await linkNewAccount(t, 'Max');
    const chatId = '4915550000000@c.us';
    expect((await t.call('chats.list', { accountId })).some((c) => c.id === chatId)).toBe(false);
    const refusal = await t.call('chats.messages', { accountId, chatId }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'not_found', message: `The slice said: There is no chat ${chatId} on this account.` });
    expect(HTTP_STATUS_OF[(refusal as { code: 'not_found' }).code]).toBe(404);
  });
});

describe('sim.fault', () => {
  it('is refused outside simulation mode, and for an account without a slice', async () => {
    const idle = await t.call('accounts.add', { name: 'Ned' });
    await expect(t.call('sim.fault', { accountId: idle.id, kind: 'drop_link' })).rejects.toMatchObject({ code: 'slice_unavailable', message: expect.stringMatching(/Connect this account first/) });
    // Refused before any engine is asked: the Docker runtime is never reached.
    const real = await makeTestCore({ driver: 'whatsapp-web.js' });
    try {
      const account = await real.call('accounts.add', { name: 'Olga' });
      await expect(real.call('sim.fault', { accountId: account.id, kind: 'phone_logout' })).rejects.toMatchObject({ code: 'not_simulation', message: expect.stringMatching(/SLICEDECK_DRIVER=simulated/) });
    } finally {
      await real.cleanup();
    }
  });
});
