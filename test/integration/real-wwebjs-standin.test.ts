/**
 * The real path, end to end: the real core, the real Chromium slice image and the real
 * whatsapp-web.js, against a stand-in WhatsApp Web served on this machine
 * (test/standin-whatsapp/). SLICEDECK_CHROMIUM_ARGS sends the slice's Chromium there for
 * web.whatsapp.com and nowhere else. Connect → three rotating codes → the phone scans →
 * linking → ready with the contact count → chats, messages, a send that reaches
 * "WhatsApp" → a restored session (no code) → a phone logout takes the account out of
 * Ready. And a WhatsApp Web that answers garbage or hangs up ends in a clear `error`.
 *
 * What it cannot prove: WhatsApp's servers, real phones, real multi-device crypto
 * (test/standin-whatsapp/README.md).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStage } from '@shared/stages';
import type { SliceView } from '@shared/types';
import type { TestCore } from '../helpers/core';
import { startRealLibraryRig, stopRealLibraryRig, type RealLibraryRig } from '../helpers/real-library';
import { containersOfHome, docker } from '../helpers/docker';
import { waitForLinkOnVolume } from '../standin-whatsapp/link-on-volume';
import { StandinWhatsApp } from '../standin-whatsapp/server';

/** The version whose page-side surface test/standin-whatsapp/page.js implements. */
const WRITTEN_AGAINST = '1.34.7';
const CONTACTS = 25;

let t: TestCore;
let standin: StandinWhatsApp;
let homeId = '';
let rig: RealLibraryRig | undefined;
const figures: Record<string, string> = {};

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
}

function viewsOf(accountId: string, sliceId?: string): SliceView[] {
  return t.events.of('slice').filter((view) => view.accountId === accountId && (sliceId === undefined || view.sliceId === sliceId));
}

async function sliceMemoryMiB(accountId: string): Promise<number | null> {
  const [container] = await containersOfHome(homeId, { accountId, all: false });
  if (!container) return null;
  const stats = (await docker.getContainer(container.Id).stats({ stream: false })) as { memory_stats?: { usage?: number; stats?: { cache?: number } } };
  const usage = stats.memory_stats?.usage;
  return usage === undefined ? null : Math.round((usage - (stats.memory_stats?.stats?.cache ?? 0)) / 1024 / 1024);
}

/** Waits for `test`, but gives up at once, with the host's words, when the attempt ends instead. */
async function waitForView(accountId: string, test: (view: SliceView) => boolean, timeoutMs: number, what: string, since = 0): Promise<SliceView> {
  const view = await t.events.waitFor('slice', (v) => v.accountId === accountId && (v.stageStartedAt ?? 0) >= since && (test(v) || isTerminalStage(v.stage)), timeoutMs, what);
  if (!test(view)) throw new Error(`Waiting for ${what}, the attempt ended at "${view.stage}": ${view.error ?? 'no words'}`);
  return view;
}

beforeAll(async () => {
  const manifest = readJson('../../package.json') as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  // The desktop app never loads it (the slice image installs it), so it may sit in either list.
  const pinned = manifest.dependencies?.['whatsapp-web.js'] ?? manifest.devDependencies?.['whatsapp-web.js'];
  const installed = readJson('../../node_modules/whatsapp-web.js/package.json').version;
  if (pinned !== WRITTEN_AGAINST || installed !== WRITTEN_AGAINST) {
    throw new Error(
      `The stand-in WhatsApp Web implements what whatsapp-web.js ${WRITTEN_AGAINST} reads from the page, but package.json pins ${String(pinned)} and node_modules holds ${String(installed)}. ` +
        'Read the new version’s Client.js (inject, attachEventListeners), util/Injected/*.js and LocalAuth, bring test/standin-whatsapp/page.js and its README up to date, then change WRITTEN_AGAINST and the pin together.',
    );
  }
  rig = await startRealLibraryRig({ codes: 3, firstCodeMs: 2_500, nextCodeMs: 2_000, syncMs: 1_500, contacts: CONTACTS });
  ({ t, standin, homeId } = rig);
}, 600_000);

afterAll(async () => {
  await stopRealLibraryRig(rig);
  if (Object.keys(figures).length > 0) process.stderr.write(`[real-wwebjs-standin] ${JSON.stringify(figures)}\n`);
}, 120_000);

describe('the real whatsapp-web.js against a stand-in WhatsApp Web', () => {
  let accountId = '';
  /** The stand-in's id of this account's linked device. */
  let session = '';

  it('Connect → three rotating codes → scan → linking → ready, with the contact count', async () => {
    accountId = (await t.call('accounts.add', { name: 'Real library' })).id;
    const connectedAt = Date.now();
    await t.call('slices.connect', { accountId });

    const codes: SliceView[] = [];
    for (const index of [1, 2, 3]) {
      const view = await waitForView(accountId, (v) => v.stage === 'qr' && v.qr?.index === index, 90_000, `code ${index} as a qr view`);
      if (index === 1) figures.connectToFirstCodeMs = String(Date.now() - connectedAt);
      codes.push(view);
    }
    // Three different codes, each the library's QR text: ref,noiseKey,identityKey,advSecret,platform.
    const payloads = codes.map((view) => view.qr!.payload);
    expect(new Set(payloads).size).toBe(3);
    for (const payload of payloads) expect(payload.split(',')).toHaveLength(5);
    expect(codes.map((view) => view.qr!.total)).toEqual([3, 3, 3]);

    const scannedAt = Date.now();
    session = standin.scan(payloads[2]!);
    await standin.waitForReport('scanned', (data) => (data as { session?: string }).session === session, 15_000);
    await waitForView(accountId, (v) => v.stage === 'linking', 30_000, 'linking after the scan');
    const ready = await waitForView(accountId, (v) => v.stage === 'ready', 45_000, 'ready after the scan')
      .catch((error: Error) => {
        const pageErrors = standin.of('page_error').map((r) => String(r.data).split('\n')[0]);
        throw new Error(`${error.message}. The stand-in synced (${standin.of('synced').length}×) but the library never said ready; page errors: ${pageErrors.join(' | ') || 'none'}`);
      });
    figures.scanToReadyMs = String(Date.now() - scannedAt);
    expect(ready.phase).toBe('ready');
    expect((await t.call('slices.view', { accountId })).contacts).toBe(CONTACTS);

    // No code after the scan: a ref change then would have made the library show a bogus one.
    const afterScan = viewsOf(accountId).filter((v) => v.qr && v.qr.issuedAt >= scannedAt);
    expect(afterScan).toEqual([]);
    const stages = (await t.call('slices.history', { accountId })).filter((row) => row.type === 'stage').map((row) => row.stage);
    expect(stages.slice(-3)).toEqual(['qr', 'linking', 'ready']);
    const memory = await sliceMemoryMiB(accountId);
    if (memory !== null) figures.readySliceMemoryMiB = String(memory);
  }, 180_000);

  it('lists chats and messages, and a sent message reaches WhatsApp; an incoming one reaches the panel', async () => {
    expect(accountId).not.toBe('');
    const chats = await t.call('chats.list', { accountId });
    expect(chats.map((chat) => chat.name).sort()).toEqual(standin.phone.chats.map((chat) => chat.name).sort());
    const chat = standin.phone.chats[0]!;
    const thread = await t.call('chats.messages', { accountId, chatId: chat.id });
    expect(thread.map((m) => m.body)).toEqual(chat.messages.map((m) => m.body));
    expect(thread.map((m) => m.fromMe)).toEqual(chat.messages.map((m) => m.fromMe));

    const text = `Hello from the real library ${Date.now()}`;
    const sent = await t.call('messages.send', { accountId, chatId: chat.id, text });
    expect(sent).toMatchObject({ status: 'sent', instanceState: 'ready' });
    await standin.waitForReport('sent', (data) => (data as { body?: string }).body === text && (data as { chatId?: string }).chatId === chat.id, 15_000);
    expect((await t.call('chats.messages', { accountId, chatId: chat.id })).some((m) => m.fromMe && m.body === text)).toBe(true);

    const incoming = `A reply from ${chat.name}`;
    standin.incoming(session, chat.id, incoming);
    const arrived = await t.events.waitFor('chat.message', (e) => e.accountId === accountId && e.message.body === incoming, 45_000, 'the incoming message in the panel');
    expect(arrived.message).toMatchObject({ chatId: chat.id, fromMe: false });
    // The library's handlers ran without throwing inside the page (they report here, not to Node).
    expect(standin.of('page_error').map((report) => String(report.data).split('\n')[0])).toEqual([]);
  }, 60_000);

  it('a destroyed slice comes back linked from its saved session, with no code', async () => {
    expect(accountId).not.toBe('');
    // Until Destroy closes the browser gracefully (issue 18 part 2), a link younger than Chromium's localStorage commit dies with the SIGKILL.
    await waitForLinkOnVolume(homeId, accountId);
    await t.call('slices.destroy', { accountId });
    expect(await containersOfHome(homeId, { accountId })).toHaveLength(0);
    const connectedAt = Date.now();
    const { sliceId } = await t.call('slices.connect', { accountId });
    const settled = await t.events.waitFor(
      'slice',
      (v) => v.accountId === accountId && (v.stageStartedAt ?? 0) >= connectedAt && (v.stage === 'ready' || isTerminalStage(v.stage)),
      60_000,
      'ready from the saved session',
    );
    expect(settled, settled.error).toMatchObject({ stage: 'ready' });
    figures.restoredConnectToReadyMs = String(Date.now() - connectedAt);
    expect(viewsOf(accountId, sliceId).filter((v) => v.stage === 'qr' || v.qr)).toEqual([]);
    expect((await t.call('slices.view', { accountId })).contacts).toBe(CONTACTS);
    expect(standin.of('restore_listener').length).toBeGreaterThan(0);
    const memory = await sliceMemoryMiB(accountId);
    if (memory !== null) figures.restoredSliceMemoryMiB = String(memory);
  }, 120_000);

  it('a logout on the phone takes the account out of Ready, with words', async () => {
    expect(accountId).not.toBe('');
    expect((await t.call('slices.view', { accountId })).phase).toBe('ready');
    const before = Date.now();
    t.events.clear(); // only what follows the logout counts below
    standin.phoneLogout(session);
    await standin.waitForReport('logged_out', (data) => (data as { session?: string }).session === session, 15_000, before);
    // The slice saw WhatsApp's LOGOUT (recorded by the host today).
    await expect
      .poll(async () => (await t.call('slices.history', { accountId })).some((row) => row.type === 'disconnected' && /LOGOUT/.test(row.message ?? '')), { timeout: 30_000, interval: 250 })
      .toBe(true);
    // And the panel no longer says Ready, with words an operator can act on.
    const left = await t.events.waitFor('slice', (v) => v.accountId === accountId && v.phase !== 'ready', 30_000, 'the view leaving ready after the phone logout');
    expect(left.phase).not.toBe('ready');
    const history = await t.call('slices.history', { accountId });
    const since = history.filter((row) => row.at >= before).map((row) => `${row.type}/${row.stage ?? ''}: ${row.message ?? ''}`);
    // A logout on the phone is news, not a crash: the slice must not die and be restarted.
    expect.soft(since.filter((row) => /^(restart|slice\.dead)\//.test(row)), 'the slice crashed on the phone logout').toEqual([]);
    expect.soft(
      since.some((row) => /log(ged)? ?out|unlinked/i.test(row) && /phone|WhatsApp/i.test(row)),
      `words about the phone logout in the history; it has: ${since.join(' | ')}; the view: ${JSON.stringify({ phase: left.phase, stage: left.stage, error: left.error })}`,
    ).toBe(true);
    // Nothing to wait for: a send is refused or fails, never queued for a link that is gone.
    const send = await t.call('messages.send', { accountId, chatId: standin.phone.chats[0]!.id, text: 'after logout' }).then(
      (result) => result.status,
      () => 'refused',
    );
    expect.soft(['refused', 'failed'], `a send after the phone logout was ${send}`).toContain(send);
  }, 90_000);
});

describe('logging out from the panel', () => {
  it('unlinks the device through the real client.logout(), and deletes the session', async () => {
    const account = await t.call('accounts.add', { name: 'Logs out' });
    await t.call('slices.connect', { accountId: account.id });
    const code = await waitForView(account.id, (v) => v.stage === 'qr', 90_000, 'a code');
    standin.scan(code.qr!.payload);
    await waitForView(account.id, (v) => v.stage === 'ready', 45_000, 'ready');
    const before = Date.now();
    await t.call('slices.logout', { accountId: account.id });
    // WhatsApp heard it (Socket.logout on the page), not just the host.
    await standin.waitForReport('logout', (data) => (data as { by?: string }).by === 'client', 15_000, before);
    expect(await containersOfHome(homeId, { accountId: account.id })).toHaveLength(0);
    expect(await t.call('slices.view', { accountId: account.id })).toMatchObject({ phase: 'setup', stage: 'idle' });
  }, 180_000);
});

describe('a WhatsApp Web that is broken', () => {
  it.each([
    ['answers with bytes that are not TLS', 'garbage' as const],
    ['hangs up at once', 'close' as const],
  ])('ends in error with words when it %s, and leaves nothing running', async (_what, mode) => {
    standin.mode = mode;
    const connectionsBefore = standin.connections;
    try {
      const account = await t.call('accounts.add', { name: `Broken ${mode}` });
      void t.call('slices.connect', { accountId: account.id }).catch(() => undefined);
      const failed = await t.events.waitFor('slice', (v) => v.accountId === account.id && v.phase === 'error', 90_000, `the error view (${mode})`);
      expect(failed.error).toMatch(/WhatsApp Web could not be reached \(net::ERR_[A-Z_]+\)/);
      expect(failed.error).toMatch(/click Connect to (try again|retry)/i);
      // It really was the stand-in that refused, not a missing route.
      expect(standin.connections).toBeGreaterThan(connectionsBefore);
      expect(await containersOfHome(homeId, { accountId: account.id })).toHaveLength(0);
    } finally {
      standin.mode = 'serve';
    }
  }, 120_000);
});
