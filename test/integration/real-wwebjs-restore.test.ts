/**
 * A quick restore with the REAL whatsapp-web.js (issue 18 part 3): WhatsApp has a session
 * minutes old, on a good connection, synced by the time its socket says CONNECTED. 1.34.7
 * reads the state first and listens for `change:hasSynced` only afterwards, so it never
 * hears that sync: without the driver's carry, neither `authenticated` nor `ready` ever
 * comes and the panel says "Restoring the saved session…" until the host's timeout.
 *
 * Real core, real Chromium slice image, the real library, against the stand-in WhatsApp
 * Web (test/standin-whatsapp/) in its `with_connected` restore mode; the link is where
 * WhatsApp Web keeps it (localStorage + IndexedDB in Chromium's profile on the volume).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStage } from '@shared/stages';
import type { SliceView } from '@shared/types';
import type { TestCore } from '../helpers/core';
import { startRealLibraryRig, stopRealLibraryRig, type RealLibraryRig } from '../helpers/real-library';
import { containersOfHome, demuxDockerStream, docker } from '../helpers/docker';
import { waitForLinkOnVolume } from '../standin-whatsapp/link-on-volume';
import { StandinWhatsApp } from '../standin-whatsapp/server';

const CONTACTS = 12;

let t: TestCore;
let standin: StandinWhatsApp;
let homeId = '';
let rig: RealLibraryRig | undefined;
const figures: Record<string, string> = {};

/** Waits for `test`, but gives up at once, with the host's words, when the attempt ends instead. */
async function waitForView(accountId: string, test: (view: SliceView) => boolean, timeoutMs: number, what: string, since = 0): Promise<SliceView> {
  const view = await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.startedAt ?? 0) >= since && (test(v) || isTerminalStage(v.stage)), timeoutMs, what);
  if (!test(view)) throw new Error(`Waiting for ${what}, the attempt ended at "${view.stage}": ${view.error ?? 'no words'}`);
  return view;
}

async function sliceContainer(accountId: string): Promise<string> {
  const [container] = await containersOfHome(homeId, { accountId, all: false });
  if (!container) throw new Error(`no running slice for account ${accountId}`);
  return container.Id;
}

async function sliceLog(containerId: string): Promise<string> {
  const raw = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return demuxDockerStream(raw);
}

beforeAll(async () => {
  rig = await startRealLibraryRig({ codes: 3, firstCodeMs: 20_000, nextCodeMs: 20_000, syncMs: 1_000, contacts: CONTACTS });
  ({ t, standin, homeId } = rig);
}, 600_000);

afterAll(async () => {
  await stopRealLibraryRig(rig);
  if (Object.keys(figures).length > 0) process.stderr.write(`[real-wwebjs-restore] ${JSON.stringify(figures)}\n`);
}, 120_000);

describe('the real whatsapp-web.js restoring a session WhatsApp synced together with CONNECTED', () => {
  it('reaches Ready with no code, once', async () => {
    const accountId = (await t.call('accounts.add', { name: 'Quick restore' })).id;
    await t.call('slices.connect', { accountId });
    const code = await waitForView(accountId, (v) => v.stage === 'qr', 90_000, 'a code');
    const session = standin.scan(code.qr!.payload);
    await standin.waitForReport('scanned', (data) => (data as { session?: string }).session === session, 15_000);
    await waitForView(accountId, (v) => v.stage === 'ready', 60_000, 'ready after the scan');
    // The host's Disconnect may kill the browser before Chromium commits localStorage: this test pins the restore, not the teardown.
    await waitForLinkOnVolume(homeId, accountId);

    // From now on WhatsApp has a restored session synced before the library listens.
    standin.restoreSync = 'with_connected';
    await t.call('slices.destroy', { accountId });
    const connectedAt = Date.now();
    const { sliceId } = await t.call('slices.connect', { accountId });
    const ready = await waitForView(accountId, (v) => v.stage === 'ready', 90_000, 'ready from the saved session', connectedAt).catch(async (error: Error) => {
      const log = await sliceContainer(accountId).then(sliceLog, () => 'no slice');
      throw new Error(`${error.message}. Slice log tail: ${log.split('\n').slice(-12).join(' | ')}`);
    });
    figures.restoredConnectToReadyMs = String(Date.now() - connectedAt);
    expect(ready.contacts).toBe(CONTACTS);

    // The stand-in really did sync together with CONNECTED for this page, from the link in its storage.
    const boot = await standin.waitForReport('boot', (data) => (data as { restored?: boolean }).restored === true, 15_000, connectedAt);
    expect(boot.data).toMatchObject({ link: { indexedDb: true, localStorage: true } });
    await standin.waitForReport('synced', (data) => (data as { together?: boolean }).together === true, 15_000, connectedAt);
    expect(standin.of('restore_listener').filter((report) => report.at >= connectedAt)).toEqual([]);

    // No code, one Ready, and it was the driver that carried the sync the library missed.
    const views = t.events.of('slice').filter((v) => v.accountId === accountId && v.sliceId === sliceId);
    expect(views.filter((v) => v.qr)).toEqual([]);
    const history = (await t.call('slices.history', { accountId })).filter((row) => row.at >= connectedAt);
    expect(history.filter((row) => row.type === 'stage' && row.stage === 'ready')).toHaveLength(1);
    expect(history.filter((row) => row.type === 'session.restored')).toHaveLength(1);
    const log = await sliceLog(await sliceContainer(accountId));
    expect(log.match(/"event":"wwebjs_missed_sync_carried"/g) ?? []).toHaveLength(1);

    // Usable, not just announced: the library's utilities are in.
    const chats = await t.call('chats.list', { accountId });
    expect(chats.map((chat) => chat.name).sort()).toEqual(standin.phone.chats.map((chat) => chat.name).sort());
    expect(standin.of('page_error').map((report) => String(report.data).split('\n')[0])).toEqual([]);
  }, 360_000);
});
