/**
 * The one driver (wwebjs.ts) over the stand-in whatsapp-web.js Client: the
 * options it builds for the real library, the grace for a phone that scanned in a
 * code's last moments, a start abandoned at its bound, and unknown chats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SliceSendResponse, SliceStatus } from '@shared/slice-protocol';
import { loadSliceConfig } from '../../../src/slice/config';
import { createSimulatedBackend } from '../../../src/slice/drivers/simulated';
import type { SimulatedClient } from '../../../src/slice/drivers/simulated-client';
import { CONTAINER_CHROMIUM_ARGS, clientOptions, createWwebjsFactory } from '../../../src/slice/drivers/wwebjs';
import { InstanceManager, type LogEntry } from '../../../src/slice/instance-manager';
import { FAST_ENV, startSlice, type RunningSlice } from './harness';

let slice: RunningSlice | null = null;
let manager: InstanceManager | null = null;
afterEach(async () => {
  await slice?.close();
  slice = null;
  await manager?.close();
  manager = null;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the options given to whatsapp-web.js', () => {
  it('never use the local web-version cache (it writes ./.wwebjs_cache in the read-only /app and ready never fires)', () => {
    const options = clientOptions(loadSliceConfig(FAST_ENV));
    expect(options.webVersionCache).toEqual({ type: 'none' });
    expect(options.qrMaxRetries).toBe(0);
  });

  it('launch Chromium with the container flags, then CHROMIUM_EXTRA_ARGS in order', () => {
    const extra = ['--proxy-server=http://proxy:3128', '--host-resolver-rules=MAP web.whatsapp.com 127.0.0.1'];
    const options = clientOptions(loadSliceConfig({ ...FAST_ENV, CHROMIUM_EXTRA_ARGS: JSON.stringify(extra) }));
    expect(options.puppeteer.args).toEqual([...CONTAINER_CHROMIUM_ARGS, ...extra]);
    expect(options.puppeteer.executablePath).toBe('/usr/bin/chromium');
    expect(() => loadSliceConfig({ ...FAST_ENV, CHROMIUM_EXTRA_ARGS: '--no-sandbox' })).toThrow(/CHROMIUM_EXTRA_ARGS="--no-sandbox" is not valid: it is not JSON/);
    expect(() => loadSliceConfig({ ...FAST_ENV, CHROMIUM_EXTRA_ARGS: '["proxy"]' })).toThrow(/does not start with "--"/);
  });
});

describe('a scan in the last code’s final moments', () => {
  it('keeps the client up while WhatsApp says the phone is logging in, and ends ready — not expired', async () => {
    slice = await startSlice({ QR_CODES: '2', QR_FIRST_TTL_MS: '300', QR_TTL_MS: '300', QR_SCAN_GRACE_MS: '5000' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    const last = await events.waitFor('qr', (qr) => qr.index === 2);
    await sleep(Math.max(0, last.expiresAt - Date.now() - 60));
    // The phone takes 900 ms to log in: far beyond the code's remaining ~60 ms.
    expect((await slice.request('POST', '/api/sim/scan', { body: { syncMs: 900 } })).status).toBe(200);
    const pairing = await events.waitFor('pairing');
    expect(pairing.until).toBeGreaterThan(Date.now() + 3_000);
    expect((await slice.request<SliceStatus & { pairingUntil: number | null }>('GET', '/api/status')).body).toMatchObject({ state: 'connecting', pairingUntil: pairing.until });
    await events.waitForState('ready');
    expect(events.ofType('state').map((s) => s.state)).not.toContain('needs_qr');
    expect(events.ofType('authenticated')).toHaveLength(1);
  });

  it('gives up after QR_SCAN_GRACE_MS when the phone never finishes', async () => {
    slice = await startSlice({ QR_CODES: '1', QR_FIRST_TTL_MS: '200', QR_SCAN_GRACE_MS: '300' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitFor('qr');
    await slice.request('POST', '/api/sim/scan', { body: { syncMs: 60_000 } });
    await events.waitFor('pairing');
    await events.waitForState('needs_qr');
    expect(slice.logs.some((entry) => entry.event === 'qr_scan_grace_over')).toBe(true);
    expect(events.ofType('authenticated')).toHaveLength(0);
  });

  it('does not wait for anyone when nobody scanned: no pairing, straight to needs_qr', async () => {
    slice = await startSlice({ QR_CODES: '1', QR_FIRST_TTL_MS: '100', QR_SCAN_GRACE_MS: '60000' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitForState('needs_qr');
    expect(events.ofType('pairing')).toHaveLength(0);
    expect(slice.logs.find((entry) => entry.event === 'qr_codes_expired')).toMatchObject({ state: 'UNPAIRED' });
  });

  it('refuses a syncMs out of bounds with words', async () => {
    slice = await startSlice();
    for (const syncMs of [-1, 120_001, 1.5, 'soon']) {
      const answer = await slice.request<{ error: string }>('POST', '/api/sim/scan', { body: { syncMs } });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/syncMs/);
    }
  });
});

describe('a start that outlives WWEBJS_START_TIMEOUT_MS', () => {
  it('fails with words, and the browser that launches late is closed, not left running', async () => {
    const config = loadSliceConfig({ ...FAST_ENV, SIM_BOOT_DELAY_MS: '1500', WWEBJS_START_TIMEOUT_MS: '1000' });
    const backend = createSimulatedBackend(config.simulated, config.qr, config.instanceId);
    const clients: SimulatedClient[] = [];
    const logs: LogEntry[] = [];
    manager = new InstanceManager({
      driverName: 'simulated',
      factory: createWwebjsFactory(config, (entry) => logs.push(entry), async (options) => {
        const client = (await backend.createClient(options)) as SimulatedClient;
        clients.push(client);
        return client;
      }),
      config: config.manager,
      log: (entry) => logs.push(entry),
    });
    manager.initialize();
    const deadline = Date.now() + 5_000;
    while (manager.state !== 'error' && Date.now() < deadline) await sleep(20);
    expect(manager.status().error).toMatch(/could not be reached within 1 s/);
    // The launch finishes ~0.5 s after the bound; then the driver must close it.
    while (!logs.some((entry) => entry.event === 'wwebjs_late_start_destroyed') && Date.now() < deadline) await sleep(20);
    await sleep(50);
    expect(clients).toHaveLength(1);
    expect(clients[0]!.pupBrowser, 'the late launch did open a browser').not.toBeNull();
    expect(clients[0]!.pupBrowser!.isConnected()).toBe(false);
    expect(backend.phone.screen).toBeNull();
  });
});

describe('unknown chats', () => {
  it('a send to a chat WhatsApp does not have fails with words, not a TypeError', async () => {
    slice = await startSlice({ QR_FIRST_TTL_MS: '5000' });
    const events = await slice.events();
    await slice.request('POST', '/api/status/initialize', { body: {} });
    await events.waitFor('qr');
    await slice.request('POST', '/api/sim/scan', { body: {} });
    await events.waitForState('ready');
    const answer = (await slice.request<SliceSendResponse>('POST', '/api/messages', { body: { chatId: '120363099999999@g.us', text: 'hi' } })).body;
    expect(answer.status).toBe('failed');
    expect(answer.error).toMatch(/There is no chat 120363099999999@g\.us on this account/);
    expect(answer.error).not.toMatch(/Cannot read properties/);
    const read = await slice.request<{ error: string }>('GET', `/api/chats/${encodeURIComponent('120363099999999@g.us')}/messages`);
    expect(read.status).toBe(404);
  });
});
