/**
 * A restore that WhatsApp has synced before whatsapp-web.js listens (issue 18 part 3):
 * 1.34.7 attaches its `change:hasSynced` listener only at the end of inject(), so such a
 * session never gets `authenticated` or `ready` from the library. The one driver carries
 * it on itself — exactly once — and while a start waits it says for what (`waiting`).
 * Over the stand-in Client (SIM_RESTORE_SYNC), in a real slice app over HTTP and SSE.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SliceStatus } from '@shared/slice-protocol';
import { LINK_WATCH_MS } from '../../../src/slice/drivers/wwebjs';
import { startSlice, type RunningSlice } from './harness';

const running: RunningSlice[] = [];
afterEach(async () => {
  for (const slice of running.splice(0)) await slice.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(env: Record<string, string>): Promise<RunningSlice> {
  const slice = await startSlice(env);
  running.push(slice);
  return slice;
}

/** Links an account on a "volume" (AUTH_BASE_DIR) and closes its slice, as Disconnect does; answers the volume. */
async function linkedVolume(): Promise<string> {
  const volume = mkdtempSync(join(tmpdir(), 'slice-restore-'));
  const slice = await start({ AUTH_BASE_DIR: volume });
  const events = await slice.events();
  await slice.request('POST', '/api/status/initialize', { body: {} });
  await events.waitFor('qr');
  expect((await slice.request('POST', '/api/sim/scan', { body: {} })).status).toBe(200);
  await events.waitForState('ready');
  await slice.close();
  running.splice(running.indexOf(slice), 1);
  return volume;
}

describe('a restored session that WhatsApp synced together with CONNECTED', () => {
  it('reaches authenticated and ready exactly once, with no code, and says what it waited for', async () => {
    const volume = await linkedVolume();
    const slice = await start({ AUTH_BASE_DIR: volume, SIM_RESTORE_SYNC: 'with_connected' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitForState('ready', { timeoutMs: 15_000 });
    // Several watch intervals later: no second authenticated or ready from a late check.
    await sleep(3 * LINK_WATCH_MS);
    expect(events.ofType('qr')).toEqual([]);
    expect(events.ofType('authenticated')).toHaveLength(1);
    expect(events.ofType('ready')).toHaveLength(1);
    expect(slice.logs.filter((entry) => entry.event === 'wwebjs_missed_sync_carried')).toHaveLength(1);
    expect(events.ofType('waiting').map((w) => w.step)).toContain('whatsapp_web');
    expect((await slice.request<SliceStatus>('GET', '/api/status')).body).toMatchObject({ state: 'ready', contacts: 5 });
    // Usable, not just announced: the library's utilities are in (chats read).
    expect((await slice.request('GET', '/api/chats')).status).toBe(200);
  });

  it.each(['0', '1', '20'])('is never carried twice when the library hears the sync itself (sync %s ms after it listens)', async (delay) => {
    const volume = await linkedVolume();
    const slice = await start({ AUTH_BASE_DIR: volume, SIM_RESTORE_SYNC: 'after_listener', SIM_LINK_DELAY_MS: delay });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitForState('ready', { timeoutMs: 15_000 });
    await sleep(3 * LINK_WATCH_MS);
    expect(events.ofType('authenticated')).toHaveLength(1);
    expect(events.ofType('ready')).toHaveLength(1);
    expect(slice.logs.filter((entry) => entry.event === 'wwebjs_missed_sync_carried')).toEqual([]);
  });
});

describe('a sync the library heard itself', () => {
  it('is not carried again while the account loads (seconds between authenticated and ready)', async () => {
    // 20 contacts 150 ms apart: the driver's watch asks the page several times after the sync.
    const slice = await start({ SIM_CONTACTS: '20', SIM_CONTACT_INTERVAL_MS: '150' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitFor('qr');
    await slice.request('POST', '/api/sim/scan', { body: {} });
    await events.waitForState('ready', { timeoutMs: 15_000 });
    expect(events.ofType('waiting').map((w) => w.step)).toContain('account_load');
    expect(slice.logs.filter((entry) => entry.event === 'wwebjs_missed_sync_carried')).toEqual([]);
    expect(events.ofType('authenticated')).toHaveLength(1);
    expect(events.ofType('ready')).toHaveLength(1);
  });
});

describe('a restored session that never syncs', () => {
  it('stays connecting and says it waits for WhatsApp to finish syncing the restored session', async () => {
    const volume = await linkedVolume();
    const slice = await start({ AUTH_BASE_DIR: volume, SIM_RESTORE_SYNC: 'never' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitFor('waiting', (w) => w.step === 'restored_session_sync', { timeoutMs: 15_000 });
    expect(events.ofType('authenticated')).toEqual([]);
    expect(events.ofType('qr')).toEqual([]);
    // A late subscriber (the host after a reconnect) is told too.
    const late = await slice.events();
    await late.waitFor('waiting', (w) => w.step === 'restored_session_sync', { timeoutMs: 5_000 });
  });
});
